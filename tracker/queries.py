"""Read-only questions about items: the list with filters, one item, the overdue list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from db.models import (
    Committee,
    Contact,
    Department,
    Item,
    ItemStatus,
    Meeting,
    Program,
    Response,
)
from db.ordering import number_order
from tracker.errors import Invalid, NotFound
from tracker.fields import without_controls
from tracker.labels import STATUS_LABELS, due_reason_label
from tracker.paging import Paged, paginate


class _Revision(Protocol):
    submitted: bool
    accepted_at: datetime | None


_R = TypeVar("_R", bound=_Revision)

OPEN_STATUSES = (ItemStatus.NEW, ItemStatus.REQUESTED, ItemStatus.ANSWERED, ItemStatus.RETURNED)


@dataclass(frozen=True)
class ItemView:
    """One item as the CLI, the web app and exports show it (also the stable JSON form)."""

    id: int
    meeting_id: int
    meeting_date: str
    committee: str
    program: str | None
    program_name: str | None
    strategy: str | None
    department: str | None
    team: str | None
    contact: str | None
    contact_email: str | None
    text: str
    position: int
    needs_reply: bool
    due: str
    due_reason: str
    status: str
    follow_up: str | None
    days_overdue: int | None = None
    due_source: str = ""  # text | next_meeting | default | manual (not in the JSON form)

    @property
    def due_label(self) -> str:
        """Why the item is due when it is, in Korean ("다음 회의일", "의견에 적힌 기한 (7월 말)")."""
        return due_reason_label(self.due_source, self.due_reason)

    def as_json(self, *, with_overdue: bool = False) -> dict[str, Any]:
        """The JSON object of `tracker items --format json` (plus days_overdue when asked)."""
        data = asdict(self)
        data.pop("due_source")
        if not with_overdue:
            data.pop("days_overdue")
        return data


def follow_up(item: Item) -> Response | None:
    """The response that stands in the follow-up column: the accepted one, else the latest submitted."""
    return standing(item.responses)


def standing(responses: Sequence[_R]) -> _R | None:
    """Of one item's responses, oldest first (ORM objects or rows with `submitted` and
    `accepted_at`), the one in the follow-up column: the accepted one, else the latest submitted."""
    submitted = [r for r in responses if r.submitted]
    accepted = [r for r in submitted if r.accepted_at is not None]
    chosen = accepted or submitted
    return chosen[-1] if chosen else None


def view(item: Item, as_of: date | None = None) -> ItemView:
    """The ItemView of a loaded item; days_overdue is counted when `as_of` is given."""
    program, contact = item.program, item.contact
    department = program.department if program else None
    if contact is not None:
        department = contact.department
    response = follow_up(item)
    return ItemView(
        id=item.id,
        meeting_id=item.meeting_id,
        meeting_date=item.meeting.held_on.isoformat(),
        committee=item.meeting.committee.name,
        program=program.number if program else None,
        program_name=program.name if program else None,
        strategy=item.strategy.code if item.strategy else None,
        department=department.name if department else None,
        team=program.team.name if program and program.team else None,
        contact=contact.name if contact else None,
        contact_email=contact.email if contact else None,
        text=item.text,
        position=item.position,
        needs_reply=item.needs_reply,
        due=item.due_date.isoformat(),
        due_reason=item.due_reason,
        status=item.status.value,
        follow_up=response.text if response else None,
        days_overdue=(as_of - item.due_date).days if as_of else None,
        due_source=item.due_source,
    )


def _base_query() -> Select[Item]:
    return select(Item).options(
        joinedload(Item.meeting).joinedload(Meeting.committee),
        joinedload(Item.program).joinedload(Program.department),
        joinedload(Item.program).joinedload(Program.team),
        joinedload(Item.contact),
        joinedload(Item.strategy),
        selectinload(Item.responses),
    )


def list_items(
    session: Session,
    *,
    department: str | None = None,
    status: str | None = None,
    meeting_id: int | None = None,
    overdue_as_of: date | None = None,
) -> list[ItemView]:
    """Items in table order (meeting, strategy first, program number, position), filtered."""
    query = _base_query()
    if status is not None:
        query = query.where(Item.status == _status(status))
    if meeting_id is not None:
        query = query.where(Item.meeting_id == meeting_id)
    if overdue_as_of is not None:
        query = _overdue_filter(query, overdue_as_of)
    items = session.scalars(query).unique().all()
    views = [view(item, overdue_as_of) for item in items]
    if department is not None:
        views = [v for v in views if v.department == department]
    return sorted(views, key=_table_order)


def item_page(
    session: Session,
    page: str | int | None,
    *,
    department: str | None = None,
    status: str | None = None,
    meeting_id: int | None = None,
    overdue_as_of: date | None = None,
) -> Paged[ItemView]:
    """One page (tracker.paging) of the items `list_items` would list with the same filters,
    in the same table order. The database filters, counts (COUNT) and sorts, and only the
    page's rows are loaded, so a page costs the same with 400 items or 400,000."""
    filtered = _filtered_ids(department=department, status=status, meeting_id=meeting_id,
                             overdue_as_of=overdue_as_of)
    total = session.scalar(select(func.count()).select_from(filtered.subquery())) or 0
    shown = paginate(page, total)
    order = (Meeting.held_on, Committee.name, Item.program_id.is_not(None),
             number_order(Program.number), Item.position, Item.id)
    # The database sorts only as far as it must (LIMIT offset + limit): a page in the back
    # half is read from the end, in the reverse order, so the last page costs what the
    # first does. (Each column's DESC is its ASC reversed, NULLs included, on both databases.)
    backwards = shown.offset > total // 2
    skip = max(total - shown.offset - shown.limit, 0) if backwards else shown.offset
    take = min(shown.limit, total - shown.offset)
    ordered = (filtered.join(Meeting, Item.meeting_id == Meeting.id)
               .join(Committee, Meeting.committee_id == Committee.id)
               .outerjoin(Program, Item.program_id == Program.id)
               .order_by(*(column.desc() for column in order) if backwards else order)
               .offset(skip).limit(take))
    ids = list(session.scalars(ordered))
    if backwards:
        ids.reverse()
    loaded = {item.id: item
              for item in session.scalars(_base_query().where(Item.id.in_(ids))).unique()}
    return Paged([view(loaded[i], overdue_as_of) for i in ids], shown)


def _filtered_ids(*, department: str | None, status: str | None, meeting_id: int | None,
                  overdue_as_of: date | None) -> Select[int]:
    query = select(Item.id)
    if status is not None:
        query = query.where(Item.status == _status(status))
    if meeting_id is not None:
        query = query.where(Item.meeting_id == meeting_id)
    if overdue_as_of is not None:
        query = _overdue_filter(query, overdue_as_of)
    if department is not None:
        department = without_controls(department)  # a NUL in a filter is no name (PostgreSQL)
        # As `view` decides it: the contact's department, else the program's.
        program = aliased(Program)
        contact_department, program_department = aliased(Department), aliased(Department)
        query = (query.outerjoin(Contact, Item.contact_id == Contact.id)
                 .outerjoin(contact_department, Contact.department_id == contact_department.id)
                 .outerjoin(program, Item.program_id == program.id)
                 .outerjoin(program_department, program.department_id == program_department.id)
                 .where(func.coalesce(contact_department.name, program_department.name)
                        == department))
    return query


def overdue(session: Session, as_of: date) -> list[ItemView]:
    """The chair's list: reply-needed items past due on `as_of` with no accepted response,
    grouped by department (the department with the most overdue item first), most overdue first."""
    views = list_items(session, overdue_as_of=as_of)
    worst: dict[str | None, int] = {}
    for v in views:
        worst[v.department] = max(worst.get(v.department, 0), v.days_overdue or 0)
    return sorted(
        views,
        key=lambda v: (-worst[v.department], v.department or "", -(v.days_overdue or 0),
                       _table_order(v)),
    )


def get_item(session: Session, item_id: int) -> Item:
    """The item with `item_id`, relations loaded; NotFound when there is none."""
    item = session.scalars(_base_query().where(Item.id == item_id)).unique().one_or_none()
    return _found(item, item_id)


def get_item_alone(session: Session, item_id: int) -> Item:
    """The item with `item_id`, its relations and revisions left unloaded (for a change that
    needs only the item's own columns); NotFound when there is none."""
    return _found(session.get(Item, item_id), item_id)


def _found(item: Item | None, item_id: int) -> Item:
    if item is None:
        raise NotFound(f"의견 {item_id}번이 없습니다.", hint_cli="`tracker items`로 번호를 확인하세요.")
    return item


def latest_revisions(session: Session, item_ids: Sequence[int]) -> dict[int, int]:
    """Each item's newest revision number (items without a response are left out), read
    from the (item_id, revision) index without loading any response."""
    if not item_ids:
        return {}
    query = (select(Response.item_id, func.max(Response.revision))
             .where(Response.item_id.in_(list(item_ids))).group_by(Response.item_id))
    return {item_id: number for item_id, number in session.execute(query)}


def department_names(session: Session) -> list[str]:
    """Every department's name, sorted."""
    return list(session.scalars(select(Department.name).order_by(Department.name)))


def committees(session: Session) -> list[str]:
    """Every committee's name, sorted."""
    return list(session.scalars(select(Committee.name).order_by(Committee.name)))


_Query = TypeVar("_Query", bound=Select[Any])


def _overdue_filter(query: _Query, as_of: date) -> _Query:
    # "IN (the open statuses)" rather than "!= accepted": PostgreSQL can then use
    # ix_item_status_due for this query; a "not equal" on its first column cannot.
    return query.where(
        Item.needs_reply.is_(True),
        Item.due_date < as_of,
        Item.status.in_(OPEN_STATUSES),
    )


def _status(value: str) -> ItemStatus:
    for status, label in STATUS_LABELS.items():
        if value in (status.value, label):
            return status
    names = ", ".join(f"{s.value}({label})" for s, label in STATUS_LABELS.items())
    raise Invalid(f"알 수 없는 상태입니다: {value!r}. 가능한 값: {names}")


def _table_order(v: ItemView) -> tuple[Any, ...]:
    number = tuple(int(part) for part in v.program.split("-")) if v.program else ()
    return (v.meeting_date, v.committee, v.program is not None, number, v.position, v.id)
