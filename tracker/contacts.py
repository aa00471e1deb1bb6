"""Department contacts: importing their e-mail addresses (a preview first, then the
change), adding, editing, retiring and listing them. The CLI (`tracker contacts`) and the
console (`/console/contacts`) call these same functions.

Contacts are matched by department and name, so they can be imported before or
after the minutes: the importer finds the same row and keeps its address. A retired
contact is not offered for new assignments; the items they had keep them and their history.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from db.models import Contact, Department, Item, ItemStatus, Team
from notifications.addresses import BadAddress, address_problem, check_address
from tracker import audit, sources
from tracker.departments import find_contact, find_department, name_key
from tracker.errors import Conflict, NotFound, UserError
from tracker.fields import without_controls
from tracker.labels import with_particle
from tracker.paging import Paged, paginate

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
    A retired contact added again is back in service. UserError for a missing name or an
    address the mail could not go to (check_email)."""
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
    contact.retired_at = None
    session.flush()
    audit.record(session, actor, "contact_added" if created else "contact_updated",
                 contact=f"{department}/{name}", email=email)
    return contact, created


def import_contacts(session: Session, path: Path, actor: str = "cli") -> tuple[int, int]:
    """Read a CSV of department, team, name, email; returns (created, updated). All or
    nothing: a refused row is a UserError naming its line and reason, and nothing is written."""
    plan = preview_contacts(session, path.read_bytes(), path.name)
    if plan.refused:
        first = plan.refused[0]
        more = f" (그 밖에 {len(plan.refused) - 1}행도 받아들일 수 없습니다)" if len(plan.refused) > 1 else ""
        raise UserError(f"{plan.source} {first.line}행: {first.reason}{more}")
    return apply_contacts(session, plan, actor)


# What a CSV row would do to the stored contacts.
NEW, CHANGED, SAME = "new", "changed", "same"
ACTION_LABELS = {NEW: "추가", CHANGED: "변경", SAME: "변경 없음"}


@dataclass(frozen=True)
class PlannedContact:
    """One accepted CSV row and what it would change."""

    line: int
    department: str  # as stored when the department exists under another spelling
    team: str | None
    name: str
    email: str | None
    action: str  # NEW, CHANGED or SAME
    old_email: str | None = None
    old_team: str | None = None
    retired: bool = False  # the row names a retired contact: importing brings them back

    @property
    def action_label(self) -> str:
        """"추가", "변경" or "변경 없음"."""
        return ACTION_LABELS[self.action]

    @property
    def changes(self) -> str:
        """What changes, in Korean ("이메일 a → b"), or "" for a new or unchanged contact."""
        parts = []
        if self.action == CHANGED and self.email and self.email != self.old_email:
            parts.append(f"이메일 {self.old_email or '없음'} → {self.email}")
        if self.action == CHANGED and self.team and self.team != self.old_team:
            parts.append(f"팀 {self.old_team or '없음'} → {self.team}")
        if self.retired:
            parts.append("사용 중지된 담당자를 다시 사용")
        return ", ".join(parts)


@dataclass(frozen=True)
class RefusedRow:
    """A CSV row that cannot be imported: its line (the header is line 1) and why, in Korean."""

    line: int
    reason: str


@dataclass(frozen=True)
class ContactsPlan:
    """What importing a contacts CSV would do; nothing is written until apply_contacts."""

    source: str
    rows: list[PlannedContact] = field(default_factory=list)
    refused: list[RefusedRow] = field(default_factory=list)

    def count(self, action: str) -> int:
        """How many rows would do `action` (NEW, CHANGED or SAME)."""
        return sum(1 for r in self.rows if r.action == action)


def preview_contacts(session: Session, data: bytes, source: str) -> ContactsPlan:
    """What the CSV `data` (UTF-8 with or without BOM, or CP949; named `source` in messages)
    would change: each accepted row with its action, each refused row with its line and a
    Korean reason (empty department or name, an address sending would refuse — the same
    parser, notifications.addresses — a value too long, the same person twice). Reads only.
    UserError when the file is empty or lacks the columns."""
    text = sources.decode(data, source)
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    if header is None or not any(cell.strip() for cell in header):
        raise UserError(f"{source}: 빈 파일입니다.")
    columns = _columns(header, source)
    plan = ContactsPlan(source)
    seen: dict[tuple[str, str], int] = {}
    try:
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            value = {key: without_controls(row[i]).strip() if i < len(row) else ""
                     for key, i in columns.items()}
            outcome = _plan_row(session, line, value, seen)
            if isinstance(outcome, RefusedRow):
                plan.refused.append(outcome)
            else:
                plan.rows.append(outcome)
    except csv.Error as problem:
        plan.refused.append(RefusedRow(reader.line_num, f"CSV 형식을 읽을 수 없습니다 ({problem})"))
    return plan


def _plan_row(session: Session, line: int, value: dict[str, str],
              seen: dict[tuple[str, str], int]) -> PlannedContact | RefusedRow:
    department, name, team = value["department"], value["name"], value.get("team") or None
    email = value.get("email") or None
    if not department or not name:
        missing = "부서와 이름이" if not department and not name else \
            "부서가" if not department else "이름이"
        return RefusedRow(line, f"{missing} 비어 있습니다.")
    for label, text, limit in (("부서 이름", department, _length(Department.name)),
                               ("팀 이름", team or "", _length(Team.name)),
                               ("담당자 이름", name, _length(Contact.name))):
        if len(text) > limit:
            return RefusedRow(line, f"{label}은(는) 최대 {limit}자입니다 ({len(text)}자).")
    if email:
        problem = address_problem(email)
        if problem:
            return RefusedRow(line, f"이메일 {email!r}은(는) 보낼 수 없는 주소입니다: {problem}.")
    key = (name_key(department), name_key(name))
    if key in seen:
        return RefusedRow(line, f"{with_particle(f'{department}/{name}', '은')} "
                                f"{seen[key]}행에 이미 있습니다.")
    seen[key] = line
    stored_department = find_department(session, department)
    contact = find_contact(stored_department, name) if stored_department else None
    shown = stored_department.name if stored_department else department
    if contact is None:
        return PlannedContact(line, shown, team, name, email, NEW)
    old_team = contact.team.name if contact.team else None
    changed = (email is not None and email != contact.email) or \
        (team is not None and team != old_team) or contact.retired_at is not None
    return PlannedContact(line, shown, team, contact.name, email, CHANGED if changed else SAME,
                          old_email=contact.email, old_team=old_team,
                          retired=contact.retired_at is not None)


def _length(column: object) -> int:
    return int(column.type.length)  # type: ignore[attr-defined]


def apply_contacts(session: Session, plan: ContactsPlan, actor: str) -> tuple[int, int]:
    """Write the plan's accepted rows (refused rows are left out); returns (created, updated).
    A retired contact named in the file is brought back."""
    created = updated = 0
    for row in plan.rows:
        if row.action == SAME:
            continue
        _, new = add_contact(session, row.department, row.name, row.email, row.team, actor)
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


def list_contacts(session: Session, *, retired: bool = False) -> list[ContactRow]:
    """Every contact in service (with `retired`, the retired ones too), by department and name."""
    query = select(Contact).options(joinedload(Contact.department), joinedload(Contact.team))
    if not retired:
        query = query.where(Contact.retired_at.is_(None))
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


@dataclass(frozen=True)
class ContactView:
    """A contact as the console's contacts page shows it."""

    id: int
    name: str
    team: str | None
    email: str | None
    retired_at: datetime | None
    open_items: int  # items not yet completed that are assigned to them


@dataclass(frozen=True)
class DepartmentContacts:
    """A department and its contacts, in service first, then retired, by name."""

    id: int
    name: str
    contacts: list[ContactView]

    @property
    def active(self) -> list[ContactView]:
        """The contacts in service."""
        return [c for c in self.contacts if c.retired_at is None]


def department_contacts(session: Session, page: str | int | None = None
                        ) -> Paged[DepartmentContacts]:
    """One page (tracker.paging, 50 contacts) of the contacts by department name, in service
    first, then retired, by name; each with their count of items not yet completed.
    Counted and read a page at a time by the database."""
    shown = paginate(page, session.scalar(select(func.count()).select_from(Contact)) or 0)
    found = list(session.execute(
        select(Contact, Department.name).join(Department, Department.id == Contact.department_id)
        .options(joinedload(Contact.team))
        .order_by(Department.name, Department.id, Contact.retired_at.is_not(None), Contact.name,
                  Contact.id)
        .offset(shown.offset).limit(shown.limit)))
    counts = open_item_counts(session, [c.id for c, _ in found])
    groups: dict[int, DepartmentContacts] = {}
    for contact, name in found:
        group = groups.setdefault(contact.department_id,
                                  DepartmentContacts(contact.department_id, name, []))
        group.contacts.append(ContactView(
            contact.id, contact.name, contact.team.name if contact.team else None, contact.email,
            contact.retired_at, counts.get(contact.id, 0)))
    return Paged(list(groups.values()), shown)


def open_item_counts(session: Session, contact_ids: list[int]) -> dict[int, int]:
    """Contact id → how many of their items are not yet completed (contacts with none left out)."""
    if not contact_ids:
        return {}
    rows = session.execute(
        select(Item.contact_id, func.count())
        .where(Item.status != ItemStatus.ACCEPTED, Item.contact_id.in_(contact_ids))
        .group_by(Item.contact_id))
    return {contact_id: number for contact_id, number in rows if contact_id is not None}


@dataclass(frozen=True)
class DepartmentChoice:
    """A department as a form offers it, with how many contacts it has."""

    id: int
    name: str
    contacts: int


def department_choices(session: Session) -> list[DepartmentChoice]:
    """Every department by name, with its number of contacts (retired ones included)."""
    rows = session.execute(
        select(Department.id, Department.name, func.count(Contact.id))
        .outerjoin(Contact, Contact.department_id == Department.id)
        .group_by(Department.id, Department.name).order_by(Department.name, Department.id))
    return [DepartmentChoice(i, name, count) for i, name, count in rows]


def get_contact(session: Session, contact_id: int) -> Contact:
    """The contact with `contact_id`; NotFound when there is none."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"담당자 {contact_id}번이 없습니다.")
    return contact


@dataclass(frozen=True)
class ContactItem:
    """An item assigned to a contact, as their page lists it."""

    id: int
    meeting: str  # "2022-01-15"
    program: str  # "1-2" or "전략"
    text: str
    status: str


def contact_items(session: Session, contact_id: int, page: str | int | None = None
                  ) -> Paged[ContactItem]:
    """One page (tracker.paging) of the items assigned to the contact (a retired one's too),
    newest meeting first."""
    from db.models import Meeting, Program

    shown = paginate(page, session.scalar(
        select(func.count()).select_from(Item).where(Item.contact_id == contact_id)) or 0)
    rows = session.execute(
        select(Item.id, Meeting.held_on, Program.number, Item.text, Item.status)
        .join(Meeting, Meeting.id == Item.meeting_id)
        .outerjoin(Program, Program.id == Item.program_id)
        .where(Item.contact_id == contact_id)
        .order_by(Meeting.held_on.desc(), Item.id).offset(shown.offset).limit(shown.limit))
    return Paged([ContactItem(i, held.isoformat(), number or "전략", text,
                              ItemStatus(status).value)
                  for i, held, number, text, status in rows], shown)


def contact_named(session: Session, name: str) -> Contact:
    """The contact "부서/이름" (spelled with or without spaces, dots, brackets); NotFound when
    there is none. The CLI names contacts this way, the console by number."""
    department_name, _, person = name.rpartition("/")
    department = find_department(session, department_name) if department_name.strip() else None
    found = find_contact(department, person) if department is not None else None
    if found is None:
        raise NotFound(f"담당자 {name!r}이(가) 없습니다. '부서/이름'으로 적어 주세요.",
                       hint_cli="`tracker contacts list`로 확인하세요.")
    return found


def edit_contact(session: Session, contact_id: int, name: str, email: str | None,
                 team: str | None, actor: str) -> Contact:
    """Change a contact's name, address and team (an empty team or address clears it).
    UserError for an empty name, a name another contact of the department has, or an
    address sending would refuse; recorded in the audit log."""
    contact = get_contact(session, contact_id)
    name = name.strip()
    if not name:
        raise UserError("담당자 이름을 적어 주세요.")
    other = find_contact(contact.department, name)
    if other is not None and other.id != contact.id:
        raise Conflict(f"{contact.department.name}에 이미 {other.name} 담당자가 있습니다.")
    address = check_email(email, "이메일") if email and email.strip() else None
    team_row = _get_or_create(session, Team, department_id=contact.department_id,
                              name=team.strip()) if team and team.strip() else None
    before = (contact.name, contact.email, contact.team_id)
    contact.name, contact.email = name, address
    contact.team_id = team_row.id if team_row else None
    session.flush()
    if before != (contact.name, contact.email, contact.team_id):
        audit.record(session, actor, "contact_updated",
                     contact=f"{contact.department.name}/{contact.name}", email=address)
    return contact


def retire_contact(session: Session, contact_id: int, actor: str, now: datetime) -> Contact:
    """Mark the contact as no longer in service: not offered for new assignments; their items
    keep them and their history (and are listed among the items that need a contact).
    Retiring a retired contact changes nothing."""
    contact = get_contact(session, contact_id)
    if contact.retired_at is None:
        contact.retired_at = now
        audit.record(session, actor, "contact_retired",
                     contact=f"{contact.department.name}/{contact.name}")
    return contact


def restore_contact(session: Session, contact_id: int, actor: str) -> Contact:
    """Put a retired contact back in service."""
    contact = get_contact(session, contact_id)
    if contact.retired_at is not None:
        contact.retired_at = None
        audit.record(session, actor, "contact_restored",
                     contact=f"{contact.department.name}/{contact.name}")
    return contact
