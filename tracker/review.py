"""Read-only questions of the web app: one reply link's page, per-department statistics,
the last reminder of each item, the meetings and the outbox.

The web layer issues no SQL of its own; it asks these functions (and tracker.queries).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeAlias

from sqlalchemy import Row, bindparam, case, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from db.models import (
    AuditEvent,
    Committee,
    Contact,
    Department,
    Discussion,
    Item,
    ItemStatus,
    Meeting,
    OutboxMessage,
    OutboxState,
    Program,
    ReplyDraft,
    Response,
)
from notifications.addresses import address_problem
from notifications.outbox import count_messages, list_messages
from tracker import answers, audit, import_marks, labels
from tracker.answers import Typed
from tracker.clock import as_utc
from tracker.labels import STATUS_LABELS
from tracker.paging import LAST, Paged, paginate
from tracker.queries import standing

_Row: TypeAlias = "Row[*tuple[Any, ...]]"  # a result row; its columns are read by name


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
    standing: Revision | None  # the revision in the follow-up column (accepted, else submitted)
    editable: bool
    draft: Typed | None = None  # what the department saved without submitting: the form starts from it
    draft_saved_at: datetime | None = None
    return_reason: str | None = None  # the secretariat's 보완 요청 reason, while returned

    @property
    def answered(self) -> bool:
        """Whether a submitted reply stands for this item."""
        return self.standing is not None

    def overdue_on(self, today: date) -> bool:
        """Whether the item waits for the department past its due date on `today`."""
        return self.due < today and self.status in ("new", "requested", "returned")

    @property
    def submitted_fields(self) -> Typed:
        """The standing submission as the form's fields (to tell whether anything changed)."""
        s = self.standing
        if s is None:
            return Typed()
        return Typed(s.text, s.kind or "", s.reason or "",
                     s.planned_on.isoformat() if s.planned_on else "")

    @property
    def form(self) -> Typed:
        """What the form starts from: the draft, else the standing submission."""
        return self.draft or self.submitted_fields


@dataclass(frozen=True)
class ReplyPage:
    """What one reply link shows: the meeting and the contact's items of that meeting."""

    committee: str
    meeting_date: date
    meeting_title: str | None
    contact: str
    department: str
    items: list[ReplyItem]
    has_email: bool = False  # whether the contact gets a receipt e-mail (a usable address)

    @property
    def answered_count(self) -> int:
        """How many of the items have a submitted reply ("2건 중 1건 제출")."""
        return sum(1 for item in self.items if item.answered)


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
    sentence: str  # "장보영 님이 회신을 제출했습니다 (1차, 반영)."


ACTION_LABELS = {
    "due_changed": "기한 변경",
    "contact_changed": "담당자 변경",
    "contact_assigned": "담당자 지정",
    "department_merged": "부서 합치기",
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

    @property
    def kind_label(self) -> str:
        """The e-mail's kind in Korean ("회신 요청")."""
        return labels.outbox_kind_label(self.kind)

    @property
    def state_label(self) -> str:
        """The e-mail's state in Korean ("보냄")."""
        return labels.outbox_state_label(self.state)


def revision(response: Response | _Row) -> Revision:
    """The Revision of a stored response (an ORM object or a row with the same columns)."""
    return Revision(
        revision=response.revision, text=response.text, kind=response.kind,
        reason=response.reason, planned_on=response.planned_on, submitted=response.submitted,
        accepted=response.accepted_at is not None, author=response.author,
        created_at=response.created_at,
    )


# The reply page's three statements, built once. Every contact opens the page and mail
# scanners fetch it too, so it reads plain columns on the session's connection: no ORM
# objects, and no statement built per request.
_HEADING = (
    select(Committee.name, Meeting.held_on, Meeting.title, Contact.name.label("contact"),
           Contact.email, Department.name.label("department"))
    .join(Committee, Meeting.committee_id == Committee.id)
    .join(Contact, Contact.id == bindparam("contact"))
    .join(Department, Contact.department_id == Department.id)
    .where(Meeting.id == bindparam("meeting"))
)
_LINK_ITEMS = (
    select(Item.id, Item.text, Item.due_date, Item.status, Item.position, Program.number,
           Program.name.label("program_name"), Discussion.text.label("discussion"))
    .outerjoin(Program, Item.program_id == Program.id)
    .outerjoin(Discussion, (Discussion.meeting_id == Item.meeting_id)
               & (Discussion.program_id == Item.program_id))
    .where(Item.contact_id == bindparam("contact"), Item.meeting_id == bindparam("meeting"),
           Item.needs_reply.is_(True))
)
# Per item, the numbers of the revisions that may stand in the follow-up column (see
# queries.standing); an item edited a thousand times still reads at most two rows.
_SHOWN = (
    select(Response.item_id,
           func.max(case((Response.submitted, Response.revision))).label("submitted"),
           func.max(case((Response.submitted & Response.accepted_at.is_not(None),
                          Response.revision))).label("accepted"))
    .where(Response.item_id.in_(bindparam("items", expanding=True)))
    .group_by(Response.item_id)
    .subquery()
)
_REVISIONS = (
    select(Response.item_id, Response.revision, Response.text, Response.kind, Response.reason,
           Response.planned_on, Response.submitted, Response.author, Response.created_at,
           Response.accepted_at)
    .join(_SHOWN, (_SHOWN.c.item_id == Response.item_id)
          & Response.revision.in_([_SHOWN.c.submitted, _SHOWN.c.accepted]))
    .order_by(Response.item_id, Response.revision)
)


def reply_page(session: Session, contact_id: int, meeting_id: int) -> ReplyPage:
    """The page of the reply link for `contact_id` at `meeting_id`: their items needing a reply."""
    connection = session.connection()
    keys = {"contact": contact_id, "meeting": meeting_id}
    heading = connection.execute(_HEADING, keys).one()
    items = sorted(connection.execute(_LINK_ITEMS, keys), key=_item_order)
    revisions: dict[int, list[_Row]] = {}
    if items:
        for row in connection.execute(_REVISIONS, {"items": [item.id for item in items]}):
            revisions.setdefault(row.item_id, []).append(row)
    saved = answers.drafts(session, [item.id for item in items])
    reasons = return_reasons(session, [i.id for i in items if i.status == ItemStatus.RETURNED])
    return ReplyPage(
        committee=heading.name, meeting_date=heading.held_on, meeting_title=heading.title,
        contact=heading.contact, department=heading.department,
        has_email=bool(heading.email) and address_problem(heading.email.strip()) is None,
        items=[_reply_item(item, revisions.get(item.id, []), saved.get(item.id),
                           reasons.get(item.id)) for item in items],
    )


def after_submission(page: ReplyPage, submitted: Mapping[int, Revision]) -> ReplyPage | None:
    """`page` as it stands once the revisions in `submitted` (item id → the new revision)
    are stored: those items answered with them, their drafts gone (the drafts saved by the
    same post are not shown). None when an item had an accepted revision, which would
    still stand: then read the page again. Pure."""
    before = [item.standing for item in page.items if item.id in submitted]
    if any(standing is not None and standing.accepted for standing in before):
        return None
    return replace(page, items=[
        replace(item, standing=submitted[item.id], status=ItemStatus.ANSWERED.value,
                status_label=STATUS_LABELS[ItemStatus.ANSWERED], draft=None,
                draft_saved_at=None) if item.id in submitted else item
        for item in page.items])


def return_reasons(session: Session, item_ids: list[int]) -> dict[int, str]:
    """The comment of each item's latest 보완 요청 (from its audit log), by item id."""
    if not item_ids:
        return {}
    query = (select(AuditEvent.item_id, AuditEvent.detail)
             .where(AuditEvent.item_id.in_(item_ids), AuditEvent.action == "returned")
             .order_by(AuditEvent.id))
    return {row.item_id: str(_detail(row.detail).get("comment", "")) for row in session.execute(query)}


def link_item(session: Session, contact_id: int, meeting_id: int, item_id: int) -> Item | None:
    """The item `item_id` if the link for (`contact_id`, `meeting_id`) may answer it, else None:
    it must be assigned to that contact now, belong to that meeting and need a reply."""
    item = session.get(Item, item_id)
    if item is None or item.contact_id != contact_id or item.meeting_id != meeting_id:
        return None
    return item if item.needs_reply else None


def item_revisions(session: Session, item_id: int) -> list[Revision]:
    """Every submitted revision of an item's follow-up, oldest first (drafts are the
    department's own and are not shown)."""
    query = (select(Response).where(Response.item_id == item_id, Response.submitted.is_(True))
             .order_by(Response.revision))
    return [revision(r) for r in session.scalars(query)]


def item_history(session: Session, item_id: int) -> list[HistoryEntry]:
    """The item's audit log, oldest first, with Korean labels for the actions."""
    return [_history_entry(e) for e in audit.history(session, item_id)]


def item_history_page(session: Session, item_id: int,
                      page: str | int | None = None) -> Paged[HistoryEntry]:
    """One page (tracker.paging) of the item's audit log, oldest first within the page; with
    no page asked for, the last one (the newest events)."""
    total = audit.history_count(session, item_id)
    shown = paginate(page or LAST, total)
    return Paged([_history_entry(e) for e in audit.history(session, item_id, shown.offset,
                                                            shown.limit)], shown)


def _history_entry(e: AuditEvent) -> HistoryEntry:
    return HistoryEntry(_aware(e.at) or e.at, e.actor, e.action,
                        ACTION_LABELS.get(e.action, e.action), e.detail,
                        labels.audit_sentence(e.action, e.actor, _detail(e.detail)))


def _detail(stored: str) -> dict[str, Any]:
    # Audit details are JSON objects; anything else (older rows, hand edits) reads as empty.
    try:
        data = json.loads(stored or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


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


@dataclass(frozen=True)
class MeetingSummary:
    """A meeting with its items counted by state, for the console's meetings page."""

    id: int
    held_on: date
    committee: str
    title: str | None
    place: str | None
    source: str | None
    counts: dict[str, int]  # item status value -> items
    importing: bool = False  # its import has not finished (tracker.import_marks)

    @property
    def total(self) -> int:
        """Every item of the meeting."""
        return sum(self.counts.values())


def meeting_page(session: Session, page: str | int | None = None) -> Paged[MeetingSummary]:
    """One page (tracker.paging) of the meetings, newest first, with their items counted by
    state; the meetings counted and the page read by the database."""
    shown = paginate(page, session.scalar(select(func.count()).select_from(Meeting)) or 0)
    return Paged(meeting_summaries(session, offset=shown.offset, limit=shown.limit), shown)


def meeting_summaries(session: Session, meeting_id: int | None = None, *, offset: int = 0,
                      limit: int | None = None) -> list[MeetingSummary]:
    """Every meeting (or the one `meeting_id`, or `limit` of them after `offset`), newest
    first, with its items counted by state."""
    query = select(Meeting).options(joinedload(Meeting.committee)).order_by(
        Meeting.held_on.desc(), Meeting.id.desc()).offset(offset).limit(limit)
    if meeting_id is not None:
        query = query.where(Meeting.id == meeting_id)
    found = list(session.scalars(query))
    counts: dict[int, dict[str, int]] = {m.id: {} for m in found}
    if found:
        rows = session.execute(
            select(Item.meeting_id, Item.status, func.count())
            .where(Item.meeting_id.in_(list(counts))).group_by(Item.meeting_id, Item.status))
        for meeting, status, number in rows:
            counts[meeting][ItemStatus(status).value] = number
    importing = import_marks.being_imported(session)
    return [MeetingSummary(m.id, m.held_on, m.committee.name, m.title, m.place, m.source_name,
                           counts[m.id], m.id in importing) for m in found]


def outbox(session: Session, page: str | int | None = None, *,
           failed_only: bool = False) -> Paged[OutboxRow]:
    """One page (tracker.paging) of the outgoing e-mails, or only the failed and set-aside
    ones, newest first, each with its Korean error or reason; counted by the database."""
    state = OutboxState.FAILED.value if failed_only else None
    shown = paginate(page, count_messages(session, state))
    rows = list_messages(session, state, shown.limit, shown.offset)
    return Paged([_outbox_row(m) for m in rows], shown)


def _outbox_row(m: OutboxMessage) -> OutboxRow:
    return OutboxRow(m.id, m.kind, m.recipient, m.subject, m.state.value, m.attempts,
                     m.created_at, m.sent_at, m.next_attempt_at, m.last_error)


def failed_mail(session: Session, item_id: int) -> list[OutboxRow]:
    """The e-mails about one item that failed or were set aside (an unusable address, a
    refusal) since the last one about it that went out, newest first, each with its Korean
    reason: what the item's page warns about. Read through the item's contact
    (ix_outbox_contact_kind), at most the contact's 200 newest e-mails."""
    contact_id = session.scalar(select(Item.contact_id).where(Item.id == item_id))
    if contact_id is None:
        return []
    query = (select(OutboxMessage)
             .where(OutboxMessage.contact_id == contact_id,
                    OutboxMessage.state.in_([OutboxState.FAILED, OutboxState.SENT]))
             .order_by(OutboxMessage.id.desc()).limit(200))
    wanted, failed = str(item_id), []
    for m in session.scalars(query):
        if wanted not in m.item_ids.split(","):
            continue
        if m.state == OutboxState.SENT:
            break  # what failed before a later e-mail went out is no longer news
        failed.append(_outbox_row(m))
    return failed


def _item_order(item: _Row) -> tuple[object, ...]:
    if item.number is None:
        return ((), item.position)
    return (tuple(int(p) for p in item.number.split("-") if p.isdigit()), item.position)


def _reply_item(item: _Row, responses: list[_Row], draft: ReplyDraft | None,
                reason: str | None) -> ReplyItem:
    chosen = standing(responses)
    return ReplyItem(
        id=item.id, program=item.number, program_name=item.program_name, opinion=item.text,
        discussion=item.discussion, due=item.due_date,
        status=item.status.value, status_label=STATUS_LABELS[item.status],
        standing=revision(chosen) if chosen else None,
        editable=item.status != ItemStatus.ACCEPTED,
        draft=Typed(draft.text, draft.kind or "", draft.reason or "", draft.planned_on or "")
        if draft else None,
        draft_saved_at=_aware(draft.saved_at) if draft else None,
        return_reason=reason,
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
    return None if moment is None else as_utc(moment)
