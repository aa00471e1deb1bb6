"""Asking departments for their follow-up: "request these contacts", asking again, and the
"보완 요청" after a returned reply.

`request_contacts` works in batches of BATCH contacts. Each batch is a fixed handful of
statements, whatever its size: one query reads the batch's new items with their contact,
meeting and program; the contacts' links are found or made together (links.current_links);
each e-mail is rendered and built once; the outbox rows go in with one INSERT … ON CONFLICT
DO NOTHING; the items become REQUESTED with one UPDATE per first-reminder time; the audit
rows are one executemany INSERT. All of it in the caller's transaction, so the e-mails and
the change that causes them commit or roll back together. Nothing is loaded into the
session's identity map, so memory does not grow with the run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Row, Table, func, select, update
from sqlalchemy.orm import Session

from db.models import Contact, Department, Item, ItemStatus, OutboxMessage, ReplyLink
from notifications import emails, outbox
from notifications.addresses import address_problem
from notifications.compose import Mailbox
from notifications.policy import ReminderPolicy, first_reminder_at
from tracker import audit, import_marks, letters, links
from tracker.errors import Invalid, NotFound
from tracker.fields import without_controls
from tracker.letters import ACTOR, Pair
from tracker.queries import latest_revisions

if TYPE_CHECKING:
    from tracker.config import Settings

BATCH = 500  # contacts per batch
_ITEMS = cast(Table, Item.__table__)


@dataclass
class RequestReport:
    """What `request_contacts` did: one entry per e-mail, and what it had to skip."""

    enqueued: list[tuple[str, str, int, bool]] = field(default_factory=list)  # who, to, n, info
    outbox_ids: list[int] = field(default_factory=list)
    no_email: list[tuple[str, int]] = field(default_factory=list)  # contact, item count
    bad_email: list[tuple[str, str, str]] = field(default_factory=list)  # contact, address, why
    no_contact: list[int] = field(default_factory=list)  # item ids


def request_contacts(
    session: Session, settings: Settings, now: datetime, contact: str | None = None,
    department: str | None = None, actor: str = ACTOR, batch: int = BATCH,
) -> RequestReport:
    """One request e-mail per contact and meeting for every NEW item (an info-only e-mail,
    without a link, when none of the contact's items needs a reply), optionally only for
    one contact ("이름" or "부서/이름") or department. The items become REQUESTED with
    requested_at and their first reminder time; links, outbox rows and audit events are
    written in the caller's transaction. Contacts without an address are reported, skipped;
    items without a contact in service (none, or a retired one) are reported as such; the
    items of a meeting whose import has not finished (tracker.import_marks) wait until its
    last batch is in."""
    report = RequestReport()
    importing = import_marks.being_imported(session)
    if not contact and not department:
        retired = select(Contact.id).where(Contact.retired_at.is_not(None))
        report.no_contact = list(session.scalars(select(Item.id).where(
            Item.status == ItemStatus.NEW,
            Item.contact_id.is_(None) | Item.contact_id.in_(retired)).order_by(Item.id)))
    for contact_ids in _chunks(_contact_ids(session, contact, department), batch):
        found = letters.rows(session, Item.status == ItemStatus.NEW,
                             Item.contact_id.in_(contact_ids),
                             Item.meeting_id.not_in(importing), order=letters.TABLE_ORDER)
        _request_groups(session, settings, now, letters.by_contact_meeting(found), actor,
                        report)
    return report


def _contact_ids(session: Session, contact: str | None, department: str | None) -> list[int]:
    query = (select(Item.contact_id).distinct()
             .join(Contact, Contact.id == Item.contact_id)
             .join(Department, Department.id == Contact.department_id)
             .where(Item.status == ItemStatus.NEW, Contact.retired_at.is_(None)))
    # Names typed into a form: a NUL would be refused by PostgreSQL, and no name holds one.
    contact = without_controls(contact) if contact else contact
    department = without_controls(department) if department else department
    if contact:
        query = query.where((Contact.name == contact)
                            | ((Department.name + "/" + Contact.name) == contact))
    if department:
        query = query.where(Department.name == department)
    return list(session.scalars(query.order_by(Item.contact_id)))


def _chunks(values: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _request_groups(session: Session, settings: Settings, now: datetime,
                    groups: dict[Pair, list[Row[Any]]], actor: str,
                    report: RequestReport) -> None:
    sending = {}
    for pair, group in groups.items():
        if not group[0].contact_email:
            report.no_email.append((_label(group[0]), len(group)))
        elif problem := address_problem(group[0].contact_email):
            _set_aside(session, group, problem, now)  # the items stay NEW for after the fix
            report.bad_email.append((_label(group[0]), group[0].contact_email, problem))
        else:
            sending[pair] = group
    needing = [pair for pair, group in sending.items() if any(r.needs_reply for r in group)]
    refs = links.current_links(session, needing, now, settings.reply_link_days,
                               letters.secret(settings))
    messages = [_request_message(group, refs.get(pair), settings)
                for pair, group in sending.items()]
    ids = _enqueue(session, settings, messages, now)
    for message, group in zip(messages, sending.values(), strict=True):
        report.enqueued.append((_label(group[0]), group[0].contact_email, len(group),
                                message.kind == "info"))
        if message.dedup_key in ids:
            report.outbox_ids.append(ids[message.dedup_key])
    mark_requested(session, settings, [(g, ids.get(m.dedup_key)) for m, g in
                                       zip(messages, sending.values(), strict=True)],
                   now, actor)


def _set_aside(session: Session, group: Sequence[Row[Any]], problem: str,
               now: datetime) -> None:
    # Stored before entry was checked: a FAILED row with the reason, everyone else's mail
    # goes out.
    first, item_ids = group[0], [r.id for r in group]
    kind = "request" if any(r.needs_reply for r in group) else "info"
    outbox.set_aside(session, dedup_key=f"{kind}:{first.contact_id}:{first.meeting_id}:"
                     f"{letters.id_list(item_ids)}", kind=kind, recipient=first.contact_email,
                     subject=f"회신 요청 ({len(group)}건)", now=now,
                     reason=letters.bad_address_reason(first.contact_name, first.contact_email,
                                                       problem),
                     item_ids=item_ids, contact_id=first.contact_id)


def _label(row: Row[Any]) -> str:
    return f"{row.department}/{row.contact_name}"


def _request_message(group: Sequence[Row[Any]], ref: links.LinkRef | None,
                     settings: Settings, key: str | None = None) -> emails.Outgoing:
    first = group[0]
    letter = letters.letter(group, letters.secretariat(settings))
    kind = "request" if ref is not None else "info"
    rendered = emails.render_request(letter, letters.link_text(ref, settings)) \
        if ref is not None else emails.render_info(letter)
    item_ids = tuple(r.id for r in group)
    return emails.Outgoing(
        kind=kind, dedup_key=key or
        f"{kind}:{first.contact_id}:{first.meeting_id}:{letters.id_list(item_ids)}",
        to=letters.mailbox(first.contact_name, first.contact_email), rendered=rendered,
        reply_to=letters.reply_to(settings, ref.id if ref is not None else None),
        item_ids=item_ids, contact_id=first.contact_id,
        link_id=ref.id if ref is not None else None)


def _enqueue(session: Session, settings: Settings, messages: Sequence[emails.Outgoing],
             now: datetime) -> dict[str, int]:
    sender = emails.sender_mailbox(settings.mail_from)
    return outbox.enqueue_many(session, [emails.prepare(m, sender, now) for m in messages],
                               now, letters.outbox_lifetime(settings))


def mark_requested(session: Session, settings: Settings,
                   groups: Sequence[tuple[Sequence[Row[Any]], int | None]], now: datetime,
                   actor: str) -> None:
    """Mark the items of `groups` (letter rows with the outbox id of their e-mail) REQUESTED
    at `now` with their first reminder time: one UPDATE per distinct reminder time and one
    audit INSERT."""
    policy, first_at = ReminderPolicy.from_settings(settings), {}
    by_next: dict[datetime | None, list[int]] = {}
    events: list[tuple[int | None, dict[str, Any]]] = []
    for group, outbox_id in groups:
        for row in group:
            due: date = row.due_date
            if row.needs_reply and due not in first_at:
                first_at[due] = first_reminder_at(due, now, policy)
            by_next.setdefault(first_at[due] if row.needs_reply else None, []).append(row.id)
            events.append((row.id, dict(outbox_id=outbox_id, to=row.contact_email,
                                        needs_reply=row.needs_reply)))
    for next_at, item_ids in by_next.items():
        session.execute(update(_ITEMS).where(_ITEMS.c.id.in_(item_ids)).values(
            status=ItemStatus.REQUESTED, requested_at=now, next_reminder_at=next_at,
            updated_at=now))
    audit.record_many(session, actor, "requested", now, events)


@dataclass(frozen=True)
class ResendPlan:
    """What 요청 다시 보내기 would do for an item: to whom, which items, which link."""

    contact: str  # "일자리정책과 김윤지"
    email: str
    item_count: int  # the contact's open, reply-needed items of the meeting
    programs: str  # "1-1, 1-4"
    live_link_expires: datetime | None  # the working link's end (UTC), None: no working link


def resend_plan(session: Session, item_id: int, now: datetime) -> ResendPlan:
    """Who and what `resend_request` would write to for the item, and until when the contact's
    current link works (the confirmation page says it); reads only. NotFound without the
    item, Invalid when there is nobody to write to or nothing left to ask."""
    contact_id, meeting_id, email = _resend_target(session, item_id)
    group = _resend_group(session, contact_id, meeting_id)
    live = session.scalar(select(func.max(ReplyLink.expires_at)).where(
        ReplyLink.contact_id == contact_id, ReplyLink.meeting_id == meeting_id,
        ReplyLink.revoked_at.is_(None)))
    live_until = links.as_utc(live) if live is not None else None
    return ResendPlan(
        contact=f"{group[0].department} {group[0].contact_name}", email=email,
        item_count=len(group),
        programs=", ".join(dict.fromkeys(r.program or "전략" for r in group)),
        live_link_expires=live_until if live_until and live_until > links.as_utc(now) else None)


def _resend_target(session: Session, item_id: int) -> tuple[int, int, str]:
    found = session.execute(select(Item.contact_id, Item.meeting_id, Contact.email)
                            .outerjoin(Contact, Contact.id == Item.contact_id)
                            .where(Item.id == item_id)).one_or_none()
    if found is None:
        raise NotFound(f"의견 {item_id}번이 없습니다.")
    contact_id, meeting_id, email = found
    if contact_id is None or not email:
        raise Invalid("담당자나 담당자 이메일이 없어 보낼 수 없습니다. 담당자를 먼저 정해 주세요.")
    return contact_id, meeting_id, str(email)


def _resend_group(session: Session, contact_id: int, meeting_id: int) -> list[Row[Any]]:
    group = letters.rows(session, Item.contact_id == contact_id, Item.meeting_id == meeting_id,
                         Item.needs_reply.is_(True), Item.status != ItemStatus.ACCEPTED,
                         order=(Item.id,))
    if not group:
        raise Invalid("다시 보낼 것이 없습니다: 이 담당자의 의견은 모두 완료되었거나 회신이 필요 없습니다.")
    return group


def resend_request(session: Session, settings: Settings, item_id: int, now: datetime,
                   actor: str = ACTOR, *, new_link: bool = False) -> str:
    """Send the item's contact the request again for all their open, reply-needed items of
    that meeting, with the same reply link, or with a new one when `new_link` (the old one
    is blocked). Items not yet requested become REQUESTED. Returns the address written to;
    NotFound without the item, Invalid when there is nobody to write to or nothing left
    to ask."""
    contact_id, meeting_id, email = _resend_target(session, item_id)
    group = _resend_group(session, contact_id, meeting_id)
    link = _link(session, settings, contact_id, meeting_id, now, renew=new_link)
    message = _request_message(group, link, settings,
                               key=f"resend:{contact_id}:{meeting_id}:{now.isoformat()}")
    outbox_id = _enqueue(session, settings, [message], now).get(message.dedup_key)
    fresh = [row for row in group if row.status == ItemStatus.NEW]
    mark_requested(session, settings, [(fresh, outbox_id)], now, actor)
    audit.record_many(session, actor, "request_resent", now, [
        (row.id, dict(to=email, outbox_id=outbox_id, new_link=new_link)) for row in group])
    return email


def _link(session: Session, settings: Settings, contact_id: int, meeting_id: int,
          now: datetime, *, renew: bool = False) -> links.LinkRef:
    make = links.renew_link if renew else links.current_link
    return make(session, contact_id, meeting_id, now, settings.reply_link_days,
                letters.secret(settings))


def enqueue_returned(session: Session, settings: Settings, item_id: int, comment: str,
                     now: datetime) -> int | None:
    """The "보완 요청" e-mail for a reply the secretariat returned, with `comment` and the
    contact's reply link (call it in the transaction of workflow.return_for_revision).
    Reminders for the item resume from `now`. Returns the outbox id; None when the item's
    contact has no address (or the e-mail was already queued), or when the stored address
    is unusable: then the e-mail is set aside with the Korean reason and the return itself
    still stands (letters.set_aside_if_unusable)."""
    group = letters.rows(session, Item.id == item_id)
    if not group or not group[0].contact_email:
        return None
    row = group[0]
    first_at = first_reminder_at(row.due_date, now, ReminderPolicy.from_settings(settings))
    session.execute(update(_ITEMS).where(_ITEMS.c.id == item_id).values(
        next_reminder_at=first_at, updated_at=now))
    revision = latest_revisions(session, [item_id]).get(item_id, 0)
    key = f"returned:{item_id}:r{revision}"
    if letters.set_aside_if_unusable(session, kind="returned", dedup_key=key,
                                     name=row.contact_name, address=row.contact_email, now=now,
                                     item_ids=[item_id], contact_id=row.contact_id):
        return None
    link = _link(session, settings, row.contact_id, row.meeting_id, now)
    letter = letters.letter(group, letters.secretariat(settings), comment=comment.strip())
    message = emails.Outgoing(
        kind="returned", dedup_key=key, to=Mailbox(row.contact_name, row.contact_email),
        rendered=emails.render_returned(letter, letters.link_text(link, settings),
                                        comment.strip()),
        reply_to=letters.reply_to(settings, link.id), item_ids=(item_id,),
        contact_id=row.contact_id,
        link_id=link.id, in_reply_to=request_message_id(session, row.contact_id, [item_id]))
    return _enqueue(session, settings, [message], now).get(message.dedup_key)


def request_message_id(session: Session, contact_id: int, item_ids: Sequence[int]) -> str | None:
    """The Message-ID of the latest request e-mail to the contact that listed any of the
    items (reminders thread under it), or None."""
    return request_message_ids(session, [contact_id]).find(contact_id, item_ids)


@dataclass(frozen=True)
class RequestIds:
    """The request e-mails of some contacts, newest first: what reminders thread under."""

    sent: dict[int, list[tuple[set[str], str]]]  # contact → [(item ids, Message-ID)]

    def find(self, contact_id: int, item_ids: Sequence[int]) -> str | None:
        """The Message-ID of the newest request to the contact listing any of `item_ids`."""
        wanted = {str(i) for i in item_ids}
        return next((message_id for listed, message_id in self.sent.get(contact_id, [])
                     if wanted & listed), None)


def request_message_ids(session: Session, contact_ids: Sequence[int]) -> RequestIds:
    """The request e-mails of `contact_ids`, read with one query (ix_outbox_contact_kind;
    the message bytes stay unread)."""
    sent: dict[int, list[tuple[set[str], str]]] = {}
    if contact_ids:
        query = (select(OutboxMessage.contact_id, OutboxMessage.item_ids,
                        OutboxMessage.message_id)
                 .where(OutboxMessage.contact_id.in_(sorted(set(contact_ids))),
                        OutboxMessage.kind == "request")
                 .order_by(OutboxMessage.id.desc()))
        for contact_id, listed, message_id in session.execute(query):
            sent.setdefault(cast(int, contact_id), []).append((set(listed.split(",")), message_id))
    return RequestIds(sent)
