"""Department (and contact) names spelled two ways are one: ``보건행정과`` = ``보건 행정과``,
``아동청소년과`` = ``아동·청소년과``.

A pure rule: the key of a name drops white space, middle dots and brackets, so two
spellings of one department share a key. The first spelling seen is the one kept.

Two stored departments that are one (spelled two ways before the rule, or a typo such as
``복지정책과`` / ``복지정착과``) are merged on the secretariat's word: `merge_plan` says what
would move, `merge_departments` moves contacts, teams, programs and so items to the kept
spelling and records it in each item's history. The console's contacts page calls them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from db.models import (
    Contact,
    Department,
    InboundMessage,
    Item,
    OutboxMessage,
    Program,
    ReplyLink,
    Team,
)
from tracker import audit
from tracker.errors import Invalid, NotFound

_IGNORED = re.compile(r"[\s·ㆍ•‧・∙.\-_()\[\]{}<>〈〉《》「」『』【】〔〕（）［］]+")


def name_key(name: str) -> str:
    """The key two spellings of one name share (spaces, middle dots, brackets dropped)."""
    return _IGNORED.sub("", name).casefold()


class Spellings:
    """The first spelling of every name key, and the other spellings met."""

    def __init__(self, known: list[str] | None = None) -> None:
        self.first: dict[str, str] = {}
        for name in known or []:
            self.first.setdefault(name_key(name), name)

    def canonical(self, name: str) -> str:
        """The spelling kept for `name`: the first one seen with its key (`name` itself if new)."""
        return self.first.setdefault(name_key(name), name)


def find_department(session: Session, name: str) -> Department | None:
    """The stored department spelled `name` or another way with the same key (the first
    stored wins), or None."""
    key = name_key(name)
    rows = session.scalars(select(Department).order_by(Department.id))
    return next((row for row in rows if name_key(row.name) == key), None)


def find_contact(department: Department, name: str) -> Contact | None:
    """The department's contact spelled `name` or another way with the same key, or None."""
    key = name_key(name)
    return next((c for c in sorted(department.contacts, key=lambda c: c.id)
                 if name_key(c.name) == key), None)


@dataclass(frozen=True)
class SpellingSuspect:
    """Two stored departments that look like one name spelled two ways."""

    first_id: int
    first: str
    second_id: int
    second: str


def spelling_suspects(session: Session) -> list[SpellingSuspect]:
    """Pairs of departments whose names share a key (see name_key) or differ in one letter
    (keys of four letters or more: "복지정책과" / "복지정착과"), for the secretariat to judge.
    The first of a pair is the one more likely right: more contacts and programs, then older."""
    rows = list(session.execute(select(Department.id, Department.name).order_by(Department.name)))
    weight = _weights(session)
    found = []
    for index, (first_id, first) in enumerate(rows):
        for second_id, second in rows[index + 1:]:
            a, b = name_key(first), name_key(second)
            if a == b or (min(len(a), len(b)) >= 4 and _one_edit(a, b)):
                pair = sorted([(first_id, first), (second_id, second)],
                              key=lambda d: (-weight.get(d[0], 0), d[0]))
                found.append(SpellingSuspect(pair[0][0], pair[0][1], pair[1][0], pair[1][1]))
    return found


def _weights(session: Session) -> dict[int, int]:
    # How much each department holds: its contacts and its programs.
    weight: dict[int, int] = {}
    for column in (Contact.department_id, Program.department_id):
        for department_id, count in session.execute(
                select(column, func.count()).where(column.is_not(None)).group_by(column)):
            if department_id is not None:
                weight[department_id] = weight.get(department_id, 0) + count
    return weight


def _one_edit(a: str, b: str) -> bool:
    """Whether `a` becomes `b` by changing, adding or dropping one character."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


@dataclass(frozen=True)
class MergePlan:
    """What merging department `merged` into `kept` moves."""

    kept_id: int
    kept: str
    merged_id: int
    merged: str
    contacts_moved: list[str]  # names that move as they are
    contacts_joined: list[str]  # names the kept department has already: one contact stays
    items: int  # items whose department changes


def merge_plan(session: Session, kept_id: int, merged_id: int) -> MergePlan:
    """What `merge_departments` would do; reads only. Invalid when the two are one,
    NotFound when either is missing."""
    kept, merged = _department(session, kept_id), _department(session, merged_id)
    if kept.id == merged.id:
        raise Invalid("합칠 두 부서를 서로 다르게 골라 주십시오.")
    moved: list[str] = []
    joined: list[str] = []
    for contact in sorted(merged.contacts, key=lambda c: c.name):
        (joined if find_contact(kept, contact.name) else moved).append(contact.name)
    return MergePlan(kept.id, kept.name, merged.id, merged.name, moved, joined,
                     len(_items_of(session, merged.id)))


def merge_departments(session: Session, kept_id: int, merged_id: int, actor: str) -> MergePlan:
    """Move everything of department `merged_id` to `kept_id` and remove the merged spelling:
    its contacts (one already in the kept department under the same name takes over the
    other's items, programs, links and mail), teams, programs and so its items. Each
    affected item's history gets a sentence; the merge itself is in the audit log."""
    plan = merge_plan(session, kept_id, merged_id)
    kept, merged = _department(session, kept_id), _department(session, merged_id)
    item_ids = _items_of(session, merged.id)
    teams = _merge_teams(session, kept, merged)
    for contact in list(merged.contacts):
        same = find_contact(kept, contact.name)
        if contact.team_id in teams:
            contact.team_id = teams[contact.team_id]
        if same is None:
            contact.department = kept
            continue
        same.email = same.email or contact.email
        same.team_id = same.team_id or contact.team_id
        if same.retired_at is not None and contact.retired_at is None:
            same.retired_at = None
        for model in (Item, Program, ReplyLink, OutboxMessage, InboundMessage):
            column = model.contact_id
            session.execute(update(model).where(column == contact.id)
                            .values(contact_id=same.id).execution_options(synchronize_session=False))
        session.delete(contact)
    session.flush()
    session.execute(update(Program).where(Program.department_id == merged.id)
                    .values(department_id=kept.id).execution_options(synchronize_session=False))
    for old, new in teams.items():
        session.execute(update(Program).where(Program.team_id == old).values(team_id=new)
                        .execution_options(synchronize_session=False))
        session.delete(session.get(Team, old))
    session.flush()
    session.expire_all()
    session.delete(_department(session, merged_id))
    session.flush()
    audit.record(session, actor, "department_merged", kept=plan.kept, merged=plan.merged)
    for item_id in item_ids:
        audit.record(session, actor, "department_merged", item_id=item_id, kept=plan.kept,
                     merged=plan.merged)
    return plan


def department_spelled(session: Session, name: str) -> int:
    """The id of the department stored exactly as `name` (two spellings are what a merge
    is about, so no key matching here); NotFound otherwise."""
    found = session.scalars(select(Department.id).where(Department.name == name.strip())).first()
    if found is None:
        raise NotFound(f"부서 {name!r}이(가) 없습니다. 저장된 이름 그대로 적어 주세요.",
                       hint_cli="`tracker contacts list`로 확인하세요.")
    return found


def _department(session: Session, department_id: int) -> Department:
    found = session.get(Department, department_id)
    if found is None:
        raise NotFound(f"부서 {department_id}번이 없습니다.")
    return found


def _items_of(session: Session, department_id: int) -> list[int]:
    contacts = select(Contact.id).where(Contact.department_id == department_id)
    programs = select(Program.id).where(Program.department_id == department_id)
    return list(session.scalars(select(Item.id).where(or_(
        Item.contact_id.in_(contacts),
        Item.contact_id.is_(None) & Item.program_id.in_(programs))).order_by(Item.id)))


def _merge_teams(session: Session, kept: Department, merged: Department) -> dict[int, int]:
    """Move the merged department's teams; a team the kept one has already (same key) maps
    to it. Returns old team id → kept team id for the teams that go away."""
    mapping = {}
    for team in list(merged.teams):
        same = next((t for t in kept.teams if name_key(t.name) == name_key(team.name)), None)
        if same is None:
            team.department = kept
        else:
            mapping[team.id] = same.id
    return mapping
