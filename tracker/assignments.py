"""Items that need a contact, and giving them one: one item at a time or every such item
of a department at once. An item needs a contact when it needs a reply, is not completed,
and has no contact or a retired one. Every assignment is a sentence in the item's history;
a program without a contact gets the item's (exports name them, later minutes reuse them).
The console's contacts page calls these functions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, joinedload

from db.models import Contact, Department, Item, ItemStatus, Meeting, Program
from tracker import audit
from tracker.contacts import get_contact
from tracker.errors import Conflict, Invalid, NotFound

NO_DEPARTMENT = "(부서 없음)"


@dataclass(frozen=True)
class UnassignedItem:
    """An item that needs a contact, as the contacts page lists it."""

    id: int
    meeting: str  # "2022-01-15 일자리분과"
    program: str  # "1-1 청년 일자리 사업" or "전략 I"
    text: str
    status: str
    retired_contact: str | None  # the retired contact it still has, if any


@dataclass(frozen=True)
class ContactChoice:
    """A contact in service that an item may be given to."""

    id: int
    label: str  # "김윤지" or, outside the department, "일자리정책과 / 김윤지"
    has_email: bool


@dataclass(frozen=True)
class UnassignedGroup:
    """One department's items that need a contact, and the contacts it may choose from."""

    department_id: int | None
    department: str
    items: list[UnassignedItem]
    choices: list[ContactChoice]


def _needing_contact() -> Select[Item]:
    retired = select(Contact.id).where(Contact.retired_at.is_not(None))
    return (select(Item)
            .where(Item.needs_reply.is_(True), Item.status != ItemStatus.ACCEPTED,
                   or_(Item.contact_id.is_(None), Item.contact_id.in_(retired)))
            .options(joinedload(Item.meeting).joinedload(Meeting.committee),
                     joinedload(Item.program).joinedload(Program.department),
                     joinedload(Item.contact).joinedload(Contact.department),
                     joinedload(Item.strategy))
            .order_by(Item.meeting_id, Item.id))


def _department_of(item: Item) -> Department | None:
    if item.contact is not None:
        return item.contact.department
    return item.program.department if item.program is not None else None


def unassigned(session: Session) -> list[UnassignedGroup]:
    """Items that need a reply, are not completed and have no contact in service, grouped by
    their department (the program's, or the retired contact's), each group with the contacts
    in service it may choose from (all of them for items without a department)."""
    active = list(session.scalars(select(Contact).where(Contact.retired_at.is_(None))
                                  .options(joinedload(Contact.department))))
    groups: dict[int | None, tuple[str, list[UnassignedItem]]] = {}
    for item in session.scalars(_needing_contact()).unique():
        dept = _department_of(item)
        key = dept.id if dept else None
        groups.setdefault(key, (dept.name if dept else NO_DEPARTMENT, []))[1].append(
            UnassignedItem(
                id=item.id,
                meeting=f"{item.meeting.held_on.isoformat()} {item.meeting.committee.name}",
                program=(f"{item.program.number} {item.program.name}" if item.program
                         else f"전략 {item.strategy.code}" if item.strategy else "-"),
                text=item.text, status=item.status.value,
                retired_contact=item.contact.name if item.contact else None))
    result = []
    for key, (name, items) in groups.items():
        own = [c for c in active if c.department_id == key] if key is not None else active
        choices = sorted((ContactChoice(c.id, c.name if key is not None
                                        else f"{c.department.name} / {c.name}", bool(c.email))
                          for c in own), key=lambda c: c.label)
        result.append(UnassignedGroup(key, name, items, choices))
    return sorted(result, key=lambda g: (g.department_id is None, g.department))


def assign(session: Session, item_id: int, contact_id: int, actor: str) -> Item:
    """Give the item to the contact (in service); recorded in the item's history.
    Conflict for a retired contact or a completed item, NotFound for an unknown one."""
    contact = _assignable(session, contact_id)
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"의견 {item_id}번이 없습니다.")
    if item.status == ItemStatus.ACCEPTED:
        raise Conflict(f"의견 {item_id}번은 이미 완료 처리되어 담당자를 바꿀 수 없습니다.")
    _give(session, item, contact, actor)
    return item


def assign_department(session: Session, department_id: int | None, contact_id: int,
                      actor: str) -> int:
    """Give every item of the department that needs a contact (see `unassigned`) to the
    contact; `department_id` None: the items without a department. Each is recorded in its
    history. Returns how many items were given."""
    contact = _assignable(session, contact_id)
    if department_id is not None and contact.department_id != department_id:
        raise Invalid("그 부서의 담당자를 골라 주십시오.")
    count = 0
    for item in session.scalars(_needing_contact()).unique():
        dept = _department_of(item)
        if (dept.id if dept else None) == department_id:
            _give(session, item, contact, actor)
            count += 1
    return count


def _assignable(session: Session, contact_id: int) -> Contact:
    contact = get_contact(session, contact_id)
    if contact.retired_at is not None:
        raise Conflict(f"{contact.name} 님은 사용 중지된 담당자입니다. 다른 담당자를 골라 주십시오.")
    return contact


def _give(session: Session, item: Item, contact: Contact, actor: str) -> None:
    old = item.contact.name if item.contact else None
    if item.contact_id == contact.id:
        return
    item.contact = contact
    program = item.program
    if program is not None and program.contact_id is None and \
            program.department_id in (None, contact.department_id):
        # The program's contact too, so exports name them and the program's later
        # minutes give their items to the same person.
        program.contact = contact
        program.department_id = contact.department_id
    audit.record(session, actor, "contact_assigned", item_id=item.id, old=old,
                 new=f"{contact.department.name} {contact.name}")
