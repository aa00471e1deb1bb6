"""Department contacts: importing their e-mail addresses, adding and listing them.

Contacts are matched by department and name, so they can be imported before or
after the minutes: the importer finds the same row and keeps its address.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from db.models import Contact, Department, Team
from notifications.addresses import BadAddress, check_address
from tracker import audit, sources
from tracker.departments import find_contact, find_department
from tracker.errors import UserError

_HEADERS = {
    "department": ("department", "부서", "담당부서"),
    "team": ("team", "팀", "담당팀"),
    "name": ("name", "이름", "성명", "담당자"),
    "email": ("email", "e-mail", "이메일", "메일", "전자우편"),
}


@dataclass(frozen=True)
class ContactRow:
    """A contact as listed by `tracker contacts list`."""

    id: int
    department: str
    team: str | None
    name: str
    email: str | None


def check_email(email: str, where: str) -> str:
    """`email` stripped, or UserError naming `where` and the reason when it is not an address
    the mail can go to (notifications.addresses: the same check sending makes)."""
    try:
        return check_address(email)
    except BadAddress as problem:
        raise UserError(f"{where}: 올바른 이메일 주소가 아닙니다 ({problem}): "
                        f"{email.strip()!r}") from None


def add_contact(
    session: Session, department: str, name: str, email: str | None,
    team: str | None = None, actor: str = "cli",
) -> tuple[Contact, bool]:
    """Create or update the contact (department, name); returns it and whether it was new.
    UserError for a missing name or an address the mail could not go to (check_email)."""
    if not department.strip() or not name.strip():
        raise UserError("부서와 이름을 모두 적어 주세요.")
    if email:
        email = check_email(email, "이메일")
    # A department or contact spelled another way ("보건 행정과") is the one stored.
    dept = find_department(session, department) or _get_or_create(
        session, Department, name=department.strip())
    team_row = _get_or_create(session, Team, department_id=dept.id, name=team.strip()) if team else None
    contact = find_contact(dept, name)
    created = contact is None
    if contact is None:
        contact = Contact(department_id=dept.id, name=name.strip())
        session.add(contact)
    if email and contact.email != email:
        contact.email = email
    if team_row is not None:
        contact.team_id = team_row.id
    session.flush()
    audit.record(session, actor, "contact_added" if created else "contact_updated",
                 contact=f"{department}/{name}", email=email)
    return contact, created


def import_contacts(session: Session, path: Path, actor: str = "cli") -> tuple[int, int]:
    """Read a CSV of department, team, name, email; returns (created, updated). All or nothing."""
    text = sources.decode(path.read_bytes(), path.name)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise UserError(f"{path.name}: 빈 파일입니다.")
    columns = _columns(header, path.name)
    created = updated = 0
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        value = {key: (row[i].strip() if i < len(row) else "") for key, i in columns.items()}
        where = f"{path.name} {line}행"
        if not value["department"] or not value["name"]:
            raise UserError(f"{where}: 부서와 이름이 비어 있습니다.")
        email = check_email(value["email"], where) if value.get("email") else None
        _, new = add_contact(session, value["department"], value["name"], email,
                             value.get("team") or None, actor)
        created, updated = created + new, updated + (not new)
    return created, updated


def _columns(header: list[str], name: str) -> dict[str, int]:
    labels = ["".join(h.split()).lower() for h in header]
    columns = {}
    for key, names in _HEADERS.items():
        for index, label in enumerate(labels):
            if label in names:
                columns[key] = index
                break
    missing = [k for k in ("department", "name", "email") if k not in columns]
    if missing:
        raise UserError(
            f"{name}: 첫 행에 열 이름이 필요합니다: department(부서), team(팀), name(이름), email(이메일). "
            f"없는 열: {', '.join(missing)}"
        )
    return columns


def list_contacts(session: Session) -> list[ContactRow]:
    """Every contact, by department and name."""
    query = select(Contact).options(joinedload(Contact.department), joinedload(Contact.team))
    rows = [
        ContactRow(c.id, c.department.name, c.team.name if c.team else None, c.name, c.email)
        for c in session.scalars(query)
    ]
    return sorted(rows, key=lambda r: (r.department, r.name))


def _get_or_create(session: Session, model: type, **key: object):  # type: ignore[no-untyped-def]
    row = session.scalars(select(model).filter_by(**key)).one_or_none()
    if row is None:
        row = model(**key)
        session.add(row)
        session.flush()
    return row
