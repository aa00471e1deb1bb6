"""Read-only questions of the web app: one reply link's page, per-department statistics,
the last reminder of each item, the meetings and the outbox.

The web layer issues no SQL of its own; it asks these functions (and tracker.queries).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from db.models import (
    Contact,
    Discussion,
    Item,
    ItemStatus,
    Meeting,
    OutboxState,
    Program,
    Response,
)
from notifications.outbox import list_messages
from tracker import audit
from tracker.queries import STATUS_LABELS, follow_up


@dataclass(frozen=True)
class Revision:
    """One stored revision of a follow-up, as the reply page and the console show it."""

    revision: int
    text: str
    kind: str | None
    reason: str | None
    planned_on: date | None
    submitted: bool
    accepted: bool
    author: str
    created_at: datetime


@dataclass(frozen=True)
class ReplyItem:
    """One item on a reply page: the opinion, its background and what is stored so far."""

    id: int
    program: str | None
    program_name: str | None
    opinion: str
    discussion: str | None
    due: date
    status: str
    status_label: str
    latest: Revision | None  # the newest revision, draft or submitted: the form starts from it
    standing: Revision | None  # the revision in the follow-up column (accepted, else submitted)
    editable: bool


@dataclass(frozen=True)
class ReplyPage:
    """What one reply link shows: the meeting and the contact's items of that meeting."""

    committee: str
    meeting_date: date
    meeting_title: str | None
    contact: str
    department: str
    items: list[ReplyItem]


@dataclass(frozen=True)
class DepartmentStats:
    """A department's response rate and median days from request to first reply."""

    department: str
    requested: int
    answered: int
    median_days: float | None

    @property
    def rate(self) -> float:
        """Answered share of requested items, 0.0 to 1.0."""
        return self.answered / self.requested if self.requested else 0.0


@dataclass(frozen=True)
class Reminder:
    """When an item was asked for, and when it was last reminded."""

    requested_at: datetime | None
    last_reminder_at: datetime | None
    reminders_sent: int


@dataclass(frozen=True)
class HistoryEntry:
    """One audit event of an item, for the console."""

    at: datetime
    actor: str
    action: str
    label: str
    detail: str


ACTION_LABELS = {
    "due_changed": "기한 변경",
    "contact_changed": "담당자 변경",
    "needs_reply_changed": "회신 필요 여부 변경",
    "draft_saved": "임시 저장",
    "response_submitted": "회신 제출",
    "accepted": "완료 처리",
    "returned": "보완 요청",
    "requested": "회신 요청 발송",
    "reminder_enqueued": "독촉 발송",
    "created": "가져오기로 생성",
    "text_changed": "의견 내용 변경 (가져오기)",
    "response_imported": "회신 가져오기",
}


@dataclass(frozen=True)
class MeetingChoice:
    """A meeting as a filter option."""

    id: int
    label: str


@dataclass(frozen=True)
class OutboxRow:
    """One outgoing e-mail as the console's outbox view shows it."""

    id: int
    kind: str
    recipient: str
    subject: str
    state: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime
    last_error: str | None


def revision(response: Response) -> Revision:
    """The Revision of a stored response."""
    return Revision(
        revision=response.revision, text=response.text, kind=response.kind,
        reason=response.reason, planned_on=response.planned_on, submitted=response.submitted,
        accepted=response.accepted_at is not None, author=response.author,
        created_at=response.created_at,
    )


def reply_page(session: Session, contact_id: int, meeting_id: int) -> ReplyPage:
    """The page of the reply link for `contact_id` at `meeting_id`: their items needing a reply."""
    meeting = session.scalars(
        select(Meeting).options(joinedload(Meeting.committee)).where(Meeting.id == meeting_id)
    ).one()
    items = _link_items(session, contact_id, meeting_id)
    notes = _discussions(session, meeting_id)
    contact = items[0].contact if items else None
    if contact is None:
        contact = session.scalars(
            select(Contact).options(joinedload(Contact.department)).where(Contact.id == contact_id)
        ).one()
    return ReplyPage(
        committee=meeting.committee.name, meeting_date=meeting.held_on,
        meeting_title=meeting.title, contact=contact.name, department=contact.department.name,
        items=[_reply_item(item, notes.get(item.program_id or 0)) for item in items],
    )


def link_item(session: Session, contact_id: int, meeting_id: int, item_id: int) -> Item | None:
    """The item `item_id` if the link for (`contact_id`, `meeting_id`) may answer it, else None:
    it must be assigned to that contact now, belong to that meeting and need a reply."""
    item = session.get(Item, item_id)
    if item is None or item.contact_id != contact_id or item.meeting_id != meeting_id:
        return None
    return item if item.needs_reply else None


def item_revisions(session: Session, item_id: int) -> list[Revision]:
    """Every revision of an item's follow-up, oldest first."""
    query = select(Response).where(Response.item_id == item_id).order_by(Response.revision)
    return [revision(r) for r in session.scalars(query)]


def item_history(session: Session, item_id: int) -> list[HistoryEntry]:
    """The item's audit log, oldest first, with Korean labels for the actions."""
    return [HistoryEntry(_aware(e.at) or e.at, e.actor, e.action,
                         ACTION_LABELS.get(e.action, e.action), e.detail)
            for e in audit.history(session, item_id)]


def department_stats(session: Session, meeting_id: int | None = None) -> list[DepartmentStats]:
    """Per department (by name): items asked for, items answered, median days to the first
    submitted reply. Only items that were requested and need a reply count."""
    query = (
        select(Item)
        .where(Item.needs_reply.is_(True), Item.requested_at.is_not(None))
        .options(joinedload(Item.contact), joinedload(Item.program).joinedload(Program.department),
                 selectinload(Item.responses))
    )
    if meeting_id is not None:
        query = query.where(Item.meeting_id == meeting_id)
    groups: dict[str, list[Item]] = {}
    for item in session.scalars(query).unique():
        groups.setdefault(_department_name(item), []).append(item)
    return [_stats(name, items) for name, items in sorted(groups.items())]


def reminders(session: Session, item_ids: list[int]) -> dict[int, Reminder]:
    """The request and last-reminder times of the given items."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(Item.id, Item.requested_at, Item.last_reminder_at, Item.reminders_sent)
        .where(Item.id.in_(item_ids))
    )
    return {row[0]: Reminder(_aware(row[1]), _aware(row[2]), row[3] or 0) for row in rows}


def meetings(session: Session) -> list[MeetingChoice]:
    """Every meeting, newest first, labelled "2022-01-15 일자리분과"."""
    query = select(Meeting).options(joinedload(Meeting.committee)).order_by(
        Meeting.held_on.desc(), Meeting.id.desc())
    return [MeetingChoice(m.id, f"{m.held_on.isoformat()} {m.committee.name}")
            for m in session.scalars(query)]


def outbox(session: Session, *, failed_only: bool = False, limit: int = 200) -> list[OutboxRow]:
    """The newest outgoing e-mails (or only the failed ones), newest first."""
    rows = list_messages(session, OutboxState.FAILED.value if failed_only else None, limit)
    return [
        OutboxRow(m.id, m.kind, m.recipient, m.subject, m.state.value, m.attempts,
                  m.created_at, m.sent_at, m.next_attempt_at, m.last_error)
        for m in rows
    ]


def _link_items(session: Session, contact_id: int, meeting_id: int) -> list[Item]:
    query = (
        select(Item)
        .where(Item.contact_id == contact_id, Item.meeting_id == meeting_id,
               Item.needs_reply.is_(True))
        .options(joinedload(Item.program), joinedload(Item.contact),
                 selectinload(Item.responses))
    )
    items = list(session.scalars(query).unique())
    return sorted(items, key=_item_order)


def _item_order(item: Item) -> tuple[object, ...]:
    if item.program is None:
        return ((), item.position)
    return (tuple(int(p) for p in item.program.number.split("-") if p.isdigit()), item.position)


def _discussions(session: Session, meeting_id: int) -> dict[int, str]:
    query = select(Discussion.program_id, Discussion.text).where(Discussion.meeting_id == meeting_id)
    return {row[0]: row[1] for row in session.execute(query)}


def _reply_item(item: Item, discussion: str | None) -> ReplyItem:
    latest = item.responses[-1] if item.responses else None
    standing = follow_up(item)
    return ReplyItem(
        id=item.id,
        program=item.program.number if item.program else None,
        program_name=item.program.name if item.program else None,
        opinion=item.text, discussion=discussion, due=item.due_date,
        status=item.status.value, status_label=STATUS_LABELS[item.status],
        latest=revision(latest) if latest else None,
        standing=revision(standing) if standing else None,
        editable=item.status != ItemStatus.ACCEPTED,
    )


def _department_name(item: Item) -> str:
    if item.contact is not None:
        return item.contact.department.name
    if item.program is not None and item.program.department is not None:
        return item.program.department.name
    return "(부서 없음)"


def _stats(name: str, items: list[Item]) -> DepartmentStats:
    days: list[float] = []
    for item in items:
        first = next((r for r in item.responses if r.submitted), None)
        if first is not None and item.requested_at is not None:
            delta = _aware(first.created_at) - _aware(item.requested_at)  # type: ignore[operator]
            days.append(max(delta.total_seconds(), 0.0) / 86400)
    median = round(statistics.median(days), 1) if days else None
    return DepartmentStats(name, len(items), len(days), median)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for timezone-aware columns; they are UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
