"""The reminder sweep: items whose next_reminder_at has come get the reminder the policy says.

The sweep works in batches of `batch` due items, one transaction each, set-based: one query
takes the batch (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so concurrent sweeps take
disjoint items; on SQLite every write transaction is `BEGIN IMMEDIATE`, so sweeps are
serialised), the pure policy (notifications.policy.plan) decides each item's occasion
and next look, one query reads the e-mails' items, links are found or made together,
each e-mail is rendered and built once, the outbox rows go in with one INSERT … ON
CONFLICT DO NOTHING (dedup key: kind, recipient, occasion, due date, items), and the items'
bookkeeping is one UPDATE per distinct outcome. Only the sweep that took an item writes
its e-mail, so two workers never send the same reminder.

An e-mail to an unusable stored address (or a colleague's copy of one) is set aside: a
FAILED outbox row with the Korean reason, and its items move on to their next occasion,
which goes out once the address is fixed. A group whose e-mail cannot be built for any
other reason is pushed an hour ahead and the rest of the batch goes
on; a batch that fails in the database is pushed an hour ahead as a whole, so one bad row
cannot stop every sweep. Outside working hours the sweep does nothing: due rows wait for the
next working morning.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Table, select, update
from sqlalchemy.orm import Session

from db.models import Contact, Item, ItemStatus
from notifications import emails, outbox
from notifications.compose import Mailbox
from notifications.policy import Occasion, Plan, ReminderPolicy, is_working_time, plan
from tracker import audit, letters, links
from tracker.errors import UserError
from tracker.letters import ACTOR
from tracker.requests import RequestIds, request_message_ids

if TYPE_CHECKING:
    from tracker.config import Settings
    from tracker.database import Database

log = logging.getLogger(__name__)

OPEN = (ItemStatus.REQUESTED, ItemStatus.RETURNED)
RETRY_BROKEN_AFTER = timedelta(hours=1)
_ITEMS = cast(Table, Item.__table__)
# (contact, meeting, due date, occasion): one e-mail
GroupKey = tuple[int, int, date, Occasion]


@dataclass
class SweepReport:
    """What one sweep did."""

    items: int = 0  # items taken
    enqueued: int = 0  # reminder e-mails written to the outbox
    skipped: int = 0  # stale occasions skipped
    errors: int = 0  # groups or batches that raised (pushed an hour ahead)


def sweep(database: Database, settings: Settings, now: datetime, batch: int = 500) -> SweepReport:
    """Handle every item whose next_reminder_at <= now, in batches of `batch`, one
    transaction each; nothing outside working hours."""
    report, policy = SweepReport(), ReminderPolicy.from_settings(settings)
    if not is_working_time(now, policy):
        return report
    while True:
        try:
            with database.transaction() as session:
                taken = sweep_batch(session, settings, policy, now, batch, report)
        except Exception:
            log.exception("reminder sweep batch failed; its items retry in an hour")
            report.errors += 1
            with database.transaction() as session:
                taken = _push_ahead(session, now, batch)
        if not taken:
            return report


def _due(session: Session, now: datetime, batch: int) -> Sequence[Row[Any]]:
    query = (select(Item.id, Item.next_reminder_at, Item.contact_id, Item.meeting_id,
                    Item.due_date, Item.status, Item.needs_reply)
             .where(Item.next_reminder_at <= now)  # ix_item_next_reminder
             .order_by(Item.next_reminder_at, Item.id).limit(batch))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.execute(query))


def _push_ahead(session: Session, now: datetime, batch: int) -> int:
    ids = [row.id for row in _due(session, now, batch)]
    if ids:
        session.execute(update(_ITEMS).where(_ITEMS.c.id.in_(ids)).values(
            next_reminder_at=now + RETRY_BROKEN_AFTER))
    return len(ids)


@dataclass
class _Batch:
    """What a batch decided: each item's next look and what it sent."""

    next_at: dict[int, datetime | None]
    sending: dict[GroupKey, list[int]]


def sweep_batch(session: Session, settings: Settings, policy: ReminderPolicy, now: datetime,
                batch: int, report: SweepReport) -> int:
    """Take up to `batch` due items and write their reminders; returns how many were taken."""
    due = _due(session, now, batch)
    if not due:
        return 0
    decided = _decide(due, now, policy, report)
    # A retired contact gets no reminder: their items wait on the contacts page for a new one.
    rows = {r.id: r for r in letters.rows(session, Item.id.in_(
        [i for ids in decided.sending.values() for i in ids]), Contact.retired_at.is_(None))}
    groups = {key: [rows[i] for i in ids if i in rows] for key, ids in decided.sending.items()}
    groups = {key: group for key, group in groups.items() if group and group[0].contact_email
              and not _set_aside(session, key, group, now)}
    messages = _messages(session, settings, groups, now, decided, report)
    queued = outbox.enqueue_many(
        session, [emails.prepare(m, emails.sender_mailbox(settings.mail_from), now)
                  for m in messages.values()], now, letters.outbox_lifetime(settings))
    _record(session, decided, messages, queued, now, report)
    return len(due)


def _kind(occasion: Occasion) -> str:
    return "overdue" if occasion.kind == "overdue" else "reminder"


def _dedup_key(key: GroupKey, group: Sequence[Row[Any]]) -> str:
    _, _, due, occasion = key
    return (f"{_kind(occasion)}:{group[0].contact_email}:{occasion.label}:{due.isoformat()}:"
            f"{letters.id_list(r.id for r in group)}")


def _set_aside(session: Session, key: GroupKey, group: Sequence[Row[Any]],
               now: datetime) -> bool:
    # An address stored before entry was checked: this occasion's e-mail is set aside with
    # the reason (the items move on to their next occasion, which goes out once the address
    # is fixed), and the rest of the batch goes out.
    first = group[0]
    return letters.set_aside_if_unusable(
        session, kind=_kind(key[3]), dedup_key=_dedup_key(key, group), name=first.contact_name,
        address=first.contact_email, now=now, item_ids=[r.id for r in group],
        contact_id=first.contact_id)


def _decide(due: Sequence[Row[Any]], now: datetime, policy: ReminderPolicy,
            report: SweepReport) -> _Batch:
    plans: dict[tuple[date, datetime], Plan] = {}
    decided = _Batch({}, {})
    for row in due:
        since = links.as_utc(row.next_reminder_at)
        step = plans.get((row.due_date, since))
        if step is None:
            step = plans[(row.due_date, since)] = plan(row.due_date, now, since, policy)
        is_open = row.status in OPEN and row.needs_reply
        decided.next_at[row.id] = step.next_at if is_open else None
        report.items += 1
        if is_open:
            report.skipped += len(step.skipped)
            if step.send is not None:
                key = (row.contact_id, row.meeting_id, row.due_date, step.send)
                decided.sending.setdefault(key, []).append(row.id)
    return decided


def _messages(session: Session, settings: Settings, groups: dict[GroupKey, list[Row[Any]]],
              now: datetime, decided: _Batch, report: SweepReport) -> dict[GroupKey, emails.Outgoing]:
    refs = links.current_links(session, {(k[0], k[1]) for k in groups}, now,
                               settings.reply_link_days, letters.secret(settings))
    threads = request_message_ids(session, [k[0] for k in groups])
    cc = _department_cc(session, groups) if settings.overdue_cc_department else {}
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    messages = {}
    for key, group in groups.items():
        try:
            messages[key] = _without_unusable_copies(session, _reminder(
                settings, key, group, refs[(key[0], key[1])], threads,
                cc.get(group[0].department_id, []), today), now)
        except (ValueError, UserError):
            log.exception("reminder for items %s cannot be built; retrying in an hour",
                          [r.id for r in group])
            report.errors += 1
            for row in group:
                decided.next_at[row.id] = now + RETRY_BROKEN_AFTER
    return messages


def _reminder(settings: Settings, key: GroupKey, group: list[Row[Any]], ref: links.LinkRef,
              threads: RequestIds, department: list[Mailbox], today: date) -> emails.Outgoing:
    contact_id, _, due, occasion = key
    first, ids = group[0], tuple(r.id for r in group)
    letter = letters.letter(group, letters.secretariat(settings))
    link = letters.link_text(ref, settings)
    kind = _kind(occasion)
    if kind == "overdue":
        rendered = emails.render_overdue(letter, link, max(0, (today - due).days))
    else:
        rendered = emails.render_reminder(letter, link, max(0, (due - occasion.day).days))
    cc = tuple(m for m in department if m.address != first.contact_email) \
        if kind == "overdue" else ()
    return emails.Outgoing(
        kind=kind, dedup_key=_dedup_key(key, group),
        to=Mailbox(first.contact_name, first.contact_email), rendered=rendered,
        reply_to=letters.reply_to(settings, ref.id), cc=cc,
        in_reply_to=threads.find(contact_id, ids),
        item_ids=ids, contact_id=contact_id, link_id=ref.id)


def _department_cc(session: Session, groups: dict[GroupKey, list[Row[Any]]]
                   ) -> dict[int, list[Mailbox]]:
    # Every department's contacts with an address, by name (an overdue notice copies them).
    departments = {group[0].department_id for key, group in groups.items()
                   if key[3].kind == "overdue"}
    found: dict[int, list[Mailbox]] = {}
    if departments:
        query = (select(Contact.department_id, Contact.name, Contact.email)
                 .where(Contact.department_id.in_(departments), Contact.email.is_not(None),
                        Contact.retired_at.is_(None))
                 .order_by(Contact.name))
        for department_id, name, email in session.execute(query):
            found.setdefault(department_id, []).append(Mailbox(name, str(email)))
    return found


def _without_unusable_copies(session: Session, message: emails.Outgoing,
                             now: datetime) -> emails.Outgoing:
    # A colleague's unusable address (stored before entry was checked) is left off the
    # copy, and that copy is set aside with the reason; the notice itself goes out.
    kept = tuple(m for m in message.cc if not letters.set_aside_if_unusable(
        session, kind=message.kind, dedup_key=f"{message.dedup_key}:cc:{m.address}",
        name=m.name, address=m.address, now=now, item_ids=message.item_ids,
        subject=message.rendered.subject))
    return message if len(kept) == len(message.cc) else replace(message, cc=kept)


def _record(session: Session, decided: _Batch, messages: dict[GroupKey, emails.Outgoing],
            queued: dict[str, int], now: datetime, report: SweepReport) -> None:
    # The items' next look and counters: one UPDATE per distinct outcome; one audit INSERT.
    outcome: dict[int, str] = {}
    events: list[tuple[int | None, dict[str, Any]]] = []
    for key, message in messages.items():
        outbox_id = queued.get(message.dedup_key)
        report.enqueued += outbox_id is not None
        for item_id in message.item_ids:
            outcome[item_id] = "overdue" if key[3].kind == "overdue" else "reminder"
            events.append((item_id, dict(occasion=key[3].label, outbox_id=outbox_id)))
        log.info("reminder %s for items %s: outbox %s", key[3].label, list(message.item_ids),
                 outbox_id, extra={"event": "reminder.enqueued" if outbox_id else
                                   "reminder.duplicate", "item_ids": list(message.item_ids),
                                   "outbox_id": outbox_id, "occasion": key[3].label})
    updates: dict[tuple[datetime | None, str | None], list[int]] = {}
    for item_id, next_at in decided.next_at.items():
        updates.setdefault((next_at, outcome.get(item_id)), []).append(item_id)
    for (next_at, sent), ids in updates.items():
        values: dict[str, Any] = dict(next_reminder_at=next_at)
        if sent is not None:
            counter = _ITEMS.c.overdue_notices if sent == "overdue" else _ITEMS.c.reminders_sent
            values |= {counter.name: counter + 1, "last_reminder_at": now, "updated_at": now}
        session.execute(update(_ITEMS).where(_ITEMS.c.id.in_(ids)).values(**values))
    audit.record_many(session, ACTOR, "reminder_enqueued", now, events)
