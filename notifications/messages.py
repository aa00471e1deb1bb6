"""Every e-mail the tracker sends: one small function per kind around one `_enqueue`.

Each kind is three templates in templates/email/ (`<kind>_subject.txt`, `<kind>.txt`,
`<kind>.html`). All functions here write to the caller's session only (outbox rows, reply
links, item bookkeeping, audit events), so the e-mail and the change that causes it commit
or roll back together. Nothing here talks to an SMTP server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from db.models import (
    Contact,
    Discussion,
    Item,
    ItemStatus,
    Meeting,
    OutboxMessage,
    Program,
    ReplyLink,
)
from notifications import outbox
from notifications.compose import Draft, Mailbox, ascii_address, build, header_text
from notifications.policy import Occasion, ReminderPolicy, first_reminder_at
from templates import environment
from tracker import audit, links
from tracker.config import Settings
from tracker.errors import UserError
from tracker.queries import latest_revisions

log = logging.getLogger(__name__)

SENDER_NAME = "모니터링 후속조치 사무국"
ACTOR = "mailer"


@dataclass(frozen=True)
class Line:
    """One item as an e-mail lists it."""

    program: str
    program_name: str
    text: str
    discussion: str | None
    due: str
    needs_reply: bool
    comment: str | None = None


@dataclass(frozen=True)
class Rendered:
    """A rendered e-mail: one-line subject, text body, HTML body."""

    subject: str
    text: str
    html: str


def render(kind: str, **context: Any) -> Rendered:
    """Render the three templates of `kind` with `context` (autoescaped HTML, strict names)."""
    env = environment()
    subject = env.get_template(f"email/{kind}_subject.txt").render(context)
    context["subject"] = header_text(subject)
    return Rendered(
        subject=context["subject"],
        text=env.get_template(f"email/{kind}.txt").render(context),
        html=env.get_template(f"email/{kind}.html").render(context),
    )


def lifetime(settings: Settings) -> timedelta:
    """How long the outbox retries a message with temporary errors."""
    return timedelta(days=settings.outbox_lifetime_days)


# ---------------------------------------------------------------- shared pieces


def _lines(session: Session, items: Sequence[Item], comment: str | None = None) -> list[Line]:
    keys = {(i.meeting_id, i.program_id) for i in items if i.program_id}
    notes: dict[tuple[int, int], str] = {}
    if keys:
        rows = session.scalars(select(Discussion).where(
            Discussion.meeting_id.in_({m for m, _ in keys}),
            Discussion.program_id.in_({p for _, p in keys})))
        notes = {(d.meeting_id, d.program_id): d.text for d in rows}
    lines, shown = [], set()
    for i in items:
        key = (i.meeting_id, i.program_id or 0)
        lines.append(Line(
            program=i.program.number if i.program else "-",
            program_name=i.program.name if i.program else "", text=i.text,
            discussion=None if key in shown else notes.get(key), due=i.due_date.isoformat(),
            needs_reply=i.needs_reply, comment=comment))
        shown.add(key)
    return lines


def _programs(items: Sequence[Item]) -> str:
    numbers = dict.fromkeys(i.program.number if i.program else "전략" for i in items)
    return ", ".join(numbers)


def _due(items: Sequence[Item]) -> date:
    replying = [i.due_date for i in items if i.needs_reply] or [i.due_date for i in items]
    return max(replying)


def _context(session: Session, contact: Contact, items: Sequence[Item], settings: Settings,
             comment: str | None = None) -> dict[str, Any]:
    meeting = items[0].meeting
    return dict(
        greeting=f"{contact.department.name} {contact.name} 님께",
        committee=meeting.committee.name, meeting_date=meeting.held_on.isoformat(),
        programs=_programs(items), due=_due(items).isoformat(),
        lines=_lines(session, items, comment), secretariat=settings.secretariat_email or
        settings.mail_from,
    )


def _link_context(session: Session, settings: Settings, contact_id: int, meeting_id: int,
                  now: datetime) -> dict[str, str]:
    token = links.issue_link(session, contact_id, meeting_id, now, settings.reply_link_days)
    expires = session.scalars(select(ReplyLink.expires_at).where(
        ReplyLink.token_hash == links.hash_token(token))).one()
    local = links.as_utc(expires).astimezone(ZoneInfo(settings.timezone))
    return dict(link=links.reply_url(settings.base_url, token),
                link_expires=local.date().isoformat())


def _sender(settings: Settings) -> Mailbox:
    return Mailbox(SENDER_NAME, settings.mail_from)


def _enqueue(
    session: Session, settings: Settings, *, key: str, kind: str, to: Mailbox,
    rendered: Rendered, now: datetime, item_ids: Iterable[int] = (),
    contact_id: int | None = None, cc: Sequence[Mailbox] = (), in_reply_to: str | None = None,
) -> OutboxMessage | None:
    draft = Draft(sender=_sender(settings), to=to, subject=rendered.subject, text=rendered.text,
                  html=rendered.html, reply_to=settings.secretariat_email, cc=cc,
                  in_reply_to=in_reply_to)
    for mailbox in (to, *cc):
        if ascii_address(mailbox.address) is None:  # stored before check_email refused it
            raise UserError(f"이 주소로는 보낼 수 없습니다: {mailbox.name} <{mailbox.address}>. "
                            "`tracker contacts add`로 영문 주소를 적어 주세요.")
    return outbox.enqueue(
        session, dedup_key=key[:300], kind=kind, recipient=to.address, subject=rendered.subject,
        message=build(draft, now), item_ids=list(item_ids), contact_id=contact_id,
        now=now, lifetime=lifetime(settings), cc=[c.address for c in cc],
    )


def _ids(items: Iterable[Item]) -> str:
    return ".".join(str(i) for i in sorted(item.id for item in items))


def load_items(session: Session, ids: Iterable[int]) -> list[Item]:
    """The items with `ids`, with what the e-mails show loaded, freshly read."""
    query = (select(Item).where(Item.id.in_(list(ids)))
             .options(joinedload(Item.contact).joinedload(Contact.department),
                      joinedload(Item.program), joinedload(Item.meeting)
                      .joinedload(Meeting.committee))
             .order_by(Item.meeting_id, Item.id)
             .execution_options(populate_existing=True))
    return list(session.scalars(query).unique())


# ---------------------------------------------------------------- requests


@dataclass
class RequestReport:
    """What `enqueue_requests` did: one entry per e-mail, and what it had to skip."""

    enqueued: list[tuple[str, str, int, bool]] = field(default_factory=list)  # who, to, n, info
    outbox_ids: list[int] = field(default_factory=list)
    no_email: list[tuple[str, int]] = field(default_factory=list)  # contact, item count
    no_contact: list[int] = field(default_factory=list)  # item ids


def enqueue_requests(
    session: Session, settings: Settings, now: datetime, contact: str | None = None,
    department: str | None = None, actor: str = ACTOR,
) -> RequestReport:
    """One request e-mail per contact and meeting for every NEW item (an info-only e-mail,
    without a link, when none of the contact's items needs a reply). The items become
    REQUESTED with requested_at and their first reminder time; links and audit events are
    written in the caller's transaction. Contacts without an address are reported, skipped."""
    report = RequestReport()
    groups: dict[tuple[int, int], list[Item]] = {}
    for item in _new_items(session, contact, department):
        if item.contact is None:
            report.no_contact.append(item.id)
        else:
            groups.setdefault((item.contact.id, item.meeting_id), []).append(item)
    for group in groups.values():
        _request_one(session, settings, group, now, report, actor)
    return report


def _new_items(session: Session, contact: str | None, department: str | None) -> list[Item]:
    query = (select(Item).where(Item.status == ItemStatus.NEW)
             .options(joinedload(Item.contact).joinedload(Contact.department),
                      joinedload(Item.program), joinedload(Item.meeting)
                      .joinedload(Meeting.committee))
             .outerjoin(Program, Item.program_id == Program.id)
             .order_by(Item.meeting_id, Program.number, Item.position, Item.id))
    items = list(session.scalars(query).unique())
    if contact:
        items = [i for i in items if i.contact and contact in (
            i.contact.name, f"{i.contact.department.name}/{i.contact.name}")]
    if department:
        items = [i for i in items if i.contact and i.contact.department.name == department]
    return items


def _request_one(session: Session, settings: Settings, items: list[Item], now: datetime,
                 report: RequestReport, actor: str) -> None:
    contact = items[0].contact
    assert contact is not None
    label = f"{contact.department.name}/{contact.name}"
    if not contact.email:
        report.no_email.append((label, len(items)))
        return
    info_only = not any(i.needs_reply for i in items)
    context = _context(session, contact, items, settings)
    if not info_only:
        context |= _link_context(session, settings, contact.id, items[0].meeting_id, now)
    kind = "info" if info_only else "request"
    row = _enqueue(session, settings, key=f"{kind}:{contact.id}:{items[0].meeting_id}:{_ids(items)}",
                   kind=kind, to=Mailbox(contact.name, contact.email),
                   rendered=render(kind, **context), now=now, item_ids=[i.id for i in items],
                   contact_id=contact.id)
    _mark_requested(session, settings, items, now, actor, row)
    report.enqueued.append((label, contact.email, len(items), info_only))
    if row is not None:
        report.outbox_ids.append(row.id)


def _mark_requested(session: Session, settings: Settings, items: list[Item], now: datetime,
                    actor: str, row: OutboxMessage | None) -> None:
    policy = ReminderPolicy.from_settings(settings)
    for item in items:
        item.status, item.requested_at = ItemStatus.REQUESTED, now
        item.next_reminder_at = first_reminder_at(item.due_date, now, policy) \
            if item.needs_reply else None
        audit.record(session, actor, "requested", item_id=item.id,
                     outbox_id=row.id if row else None, to=item.contact.email if item.contact
                     else None, needs_reply=item.needs_reply)


def enqueue_resend(session: Session, settings: Settings, item_id: int, now: datetime,
                   actor: str = ACTOR) -> str:
    """Send the item's contact a new request for all their open, reply-needed items of that
    meeting, with a new reply link (the earlier links stop working). Items not yet requested
    become REQUESTED. Returns the address written to; UserError when there is nobody to write
    to or nothing left to ask."""
    item = session.get(Item, item_id)
    if item is None:
        raise UserError(f"의견 {item_id}번이 없습니다.")
    contact = item.contact
    if contact is None or not contact.email:
        raise UserError("담당자나 담당자 이메일이 없어 보낼 수 없습니다. 담당자를 먼저 정해 주세요.")
    items = _open_items(session, contact.id, item.meeting_id)
    if not items:
        raise UserError("다시 보낼 것이 없습니다: 이 담당자의 의견은 모두 완료되었거나 회신이 필요 없습니다.")
    context = _context(session, contact, items, settings)
    context |= _link_context(session, settings, contact.id, item.meeting_id, now)
    row = _enqueue(session, settings, key=f"resend:{contact.id}:{item.meeting_id}:{now.isoformat()}",
                   kind="request", to=Mailbox(contact.name, contact.email),
                   rendered=render("request", **context), now=now,
                   item_ids=[i.id for i in items], contact_id=contact.id)
    _mark_requested(session, settings, [i for i in items if i.status == ItemStatus.NEW], now,
                    actor, row)
    for open_item in items:
        audit.record(session, actor, "request_resent", item_id=open_item.id, to=contact.email,
                     outbox_id=row.id if row else None)
    return contact.email


def _open_items(session: Session, contact_id: int, meeting_id: int) -> list[Item]:
    query = (select(Item).where(Item.contact_id == contact_id, Item.meeting_id == meeting_id,
                                Item.needs_reply.is_(True), Item.status != ItemStatus.ACCEPTED)
             .options(joinedload(Item.program), joinedload(Item.meeting)
                      .joinedload(Meeting.committee))
             .order_by(Item.id))
    return list(session.scalars(query).unique())


# ---------------------------------------------------------------- reminders


def request_message_id(session: Session, contact_id: int, item_ids: Iterable[int]) -> str | None:
    """The Message-ID of the latest request e-mail to the contact that listed any of the
    items (reminders thread under it), or None."""
    wanted = {str(i) for i in item_ids}
    rows = session.execute(select(OutboxMessage.item_ids, OutboxMessage.message_id).where(
        OutboxMessage.contact_id == contact_id, OutboxMessage.kind == "request")
        .order_by(OutboxMessage.id.desc()))  # ix_outbox_contact_kind; the bytes stay unread
    for listed, message_id in rows:
        if wanted & set(listed.split(",")):
            return str(message_id)
    return None


def enqueue_reminder(
    session: Session, settings: Settings, items: Sequence[Item], occasion: Occasion,
    now: datetime,
) -> OutboxMessage | None:
    """The reminder of `occasion` (D-n, due day, or an overdue notice) for one contact's items
    of one meeting and due date, threaded under the request, with a new reply link. Overdue
    notices copy the department's other contacts when overdue_cc_department is on."""
    contact = items[0].contact
    if contact is None or not contact.email:
        return None
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    due = items[0].due_date
    kind = "overdue" if occasion.kind == "overdue" else "reminder"
    context = _context(session, contact, items, settings)
    context |= _link_context(session, settings, contact.id, items[0].meeting_id, now)
    context |= dict(days_left=max(0, (due - occasion.day).days),
                    days_overdue=max(0, (today - due).days))
    cc = _department_cc(session, contact) if kind == "overdue" and \
        settings.overdue_cc_department else []
    key = f"{kind}:{contact.email}:{occasion.label}:{due.isoformat()}:{_ids(items)}"
    return _enqueue(session, settings, key=key, kind=kind, to=Mailbox(contact.name, contact.email),
                    rendered=render(kind, **context), now=now, item_ids=[i.id for i in items],
                    contact_id=contact.id, cc=cc,
                    in_reply_to=request_message_id(session, contact.id, [i.id for i in items]))


def _department_cc(session: Session, contact: Contact) -> list[Mailbox]:
    others = session.scalars(select(Contact).where(
        Contact.department_id == contact.department_id, Contact.id != contact.id,
        Contact.email.is_not(None)).order_by(Contact.name))
    return [Mailbox(c.name, c.email or "") for c in others if c.email and c.email != contact.email]


# ---------------------------------------------------------------- after a reply


def enqueue_receipt(
    session: Session, settings: Settings, contact_id: int, item_ids: Sequence[int], now: datetime
) -> OutboxMessage | None:
    """A receipt to the contact for their submitted replies to `item_ids` (call it in the
    transaction that stores the replies). Once per item revision set: submitting the same
    revisions again enqueues nothing. None when the contact has no address."""
    contact = session.get(Contact, contact_id)
    items = load_items(session, item_ids)
    if contact is None or not contact.email or not items:
        return None
    context = _context(session, contact, items, settings)
    local = now.astimezone(ZoneInfo(settings.timezone))
    context["received_at"] = local.strftime("%Y-%m-%d %H:%M")
    numbers = latest_revisions(session, item_ids)
    revisions = ".".join(f"{i.id}r{numbers.get(i.id, 0)}" for i in items)
    return _enqueue(session, settings, key=f"receipt:{contact_id}:{revisions}", kind="receipt",
                    to=Mailbox(contact.name, contact.email), rendered=render("receipt", **context),
                    now=now, item_ids=item_ids, contact_id=contact_id)


def enqueue_returned(
    session: Session, settings: Settings, item_id: int, comment: str, now: datetime
) -> OutboxMessage | None:
    """The "보완 요청" e-mail for a reply the secretariat returned, with `comment` and a new
    reply link (call it in the transaction of workflow.return_for_revision). Reminders for
    the item resume from `now`. None when the item's contact has no address."""
    items = load_items(session, [item_id])
    contact = items[0].contact if items else None
    if contact is None or not contact.email:
        return None
    item = items[0]
    policy = ReminderPolicy.from_settings(settings)
    item.next_reminder_at = first_reminder_at(item.due_date, now, policy)
    context = _context(session, contact, items, settings, comment=comment.strip())
    context |= _link_context(session, settings, contact.id, item.meeting_id, now)
    context["comment"] = comment.strip()
    revision = latest_revisions(session, [item_id]).get(item_id, 0)
    return _enqueue(session, settings, key=f"returned:{item_id}:r{revision}",
                    kind="returned", to=Mailbox(contact.name, contact.email),
                    rendered=render("returned", **context), now=now, item_ids=[item_id],
                    contact_id=contact.id,
                    in_reply_to=request_message_id(session, contact.id, [item_id]))


# ---------------------------------------------------------------- secretariat and chair


def failure_notifier(settings: Settings) -> outbox.FailureNotifier:
    """The function outbox.mark_failed calls: enqueue an alert about the failed row to the
    secretariat (never about a failed alert, and not when no secretariat address is set)."""

    def notify(session: Session, row: OutboxMessage, now: datetime) -> None:
        if row.kind == "failure" or not settings.secretariat_email:
            log.error("no failure alert for outbox %s (kind %s)", row.id, row.kind)
            return
        rendered = render("failure", greeting="사무국 담당자님께", committee="모니터링 후속조치",
                          secretariat=settings.secretariat_email, original_subject=row.subject,
                          recipient=row.recipient, attempts=row.attempts,
                          error=row.last_error or "", outbox_id=row.id)
        _enqueue(session, settings, key=f"failure:{row.id}:{row.attempts}", kind="failure",
                 to=Mailbox("사무국", settings.secretariat_email), rendered=rendered, now=now)

    return notify


def enqueue_digest(session: Session, settings: Settings, occasion: str,
                   context: dict[str, Any], now: datetime) -> OutboxMessage | None:
    """The chair's weekly digest for `occasion` ("2022-W09"); None without a chair address."""
    if not settings.chair_email:
        return None
    rendered = render("digest", greeting="분과장님께", committee="모니터링 후속조치",
                      secretariat=settings.secretariat_email or settings.mail_from, **context)
    return _enqueue(session, settings, key=f"digest:{occasion}", kind="digest",
                    to=Mailbox("분과장", settings.chair_email), rendered=rendered, now=now)
