"""The reminder sweep: items whose next_reminder_at has come get the reminder the policy says.

Each item is claimed by a conditional UPDATE ("SET next_reminder_at = next WHERE id = ? AND
next_reminder_at = the value I read"); only the sweep that changed the row enqueues, so two
workers never send the same reminder. The outbox row is written in the same transaction,
with a dedup key of (kind, recipient, occasion, due date, items). A group that raises is
pushed an hour ahead so one bad row cannot stop every sweep. Outside working hours the
sweep does nothing: due rows wait for the next working morning.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from db.models import Item, ItemStatus
from notifications import messages
from notifications.policy import Occasion, ReminderPolicy, is_working_time, plan
from tracker import audit
from tracker.links import as_utc

log = logging.getLogger(__name__)

OPEN = (ItemStatus.REQUESTED, ItemStatus.RETURNED)
RETRY_BROKEN_AFTER = timedelta(hours=1)


@dataclass
class SweepReport:
    """What one sweep did."""

    items: int = 0  # items claimed
    enqueued: int = 0  # reminder e-mails written to the outbox
    skipped: int = 0  # stale occasions skipped
    errors: int = 0  # groups that raised (pushed an hour ahead)


def sweep(database: Any, settings: Any, now: datetime, batch: int = 500) -> SweepReport:
    """Handle every item whose next_reminder_at <= now, in batches, one transaction per
    contact group; nothing outside working hours."""
    report, policy = SweepReport(), ReminderPolicy.from_settings(settings)
    if not is_working_time(now, policy):
        return report
    while rows := _due_rows(database, now, batch):
        for group in _groups(rows).values():
            _handle_safely(database, settings, policy, group, now, report)
    return report


def _due_rows(database: Any, now: datetime, batch: int) -> Sequence[Row[Any]]:
    with database.transaction() as session:
        query = (select(Item.id, Item.next_reminder_at, Item.contact_id, Item.meeting_id,
                        Item.due_date)
                 .where(Item.next_reminder_at <= now)  # ix_item_next_reminder
                 .order_by(Item.next_reminder_at, Item.id).limit(batch))
        rows: Sequence[Row[Any]] = session.execute(query).all()
        return rows


def _groups(rows: Sequence[Row[Any]]) -> dict[tuple[Any, ...], list[Row[Any]]]:
    groups: dict[tuple[Any, ...], list[Row[Any]]] = {}
    for row in rows:
        groups.setdefault((row.contact_id, row.meeting_id, row.due_date), []).append(row)
    return groups


def _handle_safely(database: Any, settings: Any, policy: ReminderPolicy,
                   group: list[Row[Any]], now: datetime, report: SweepReport) -> None:
    try:
        with database.transaction() as session:
            handle_group(session, settings, policy, group, now, report)
    except Exception:
        log.exception("reminder sweep failed for items %s; retrying in an hour",
                      [r.id for r in group])
        report.errors += 1
        with database.transaction() as session:
            for row in group:
                _claim(session, row, now + RETRY_BROKEN_AFTER)


def _claim(session: Session, row: Row[Any], next_at: datetime | None) -> bool:
    """Move the item's next_reminder_at from the value read to `next_at`; True if this call
    changed it (nobody else did in between)."""
    result = session.execute(
        update(Item).where(Item.id == row.id, Item.next_reminder_at == row.next_reminder_at)
        .values(next_reminder_at=next_at).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0)) == 1


def handle_group(session: Session, settings: Any, policy: ReminderPolicy,
                 group: list[Row[Any]], now: datetime, report: SweepReport) -> None:
    """Claim one contact's due items (same meeting and due date) and enqueue at most one
    e-mail per occasion for them."""
    query = select(Item.id, Item.status).where(Item.id.in_([r.id for r in group]),
                                                Item.needs_reply.is_(True))
    statuses = {item_id: status for item_id, status in session.execute(query)}
    sending: dict[Occasion, list[int]] = {}
    for row in group:
        step = plan(row.due_date, now, as_utc(row.next_reminder_at), policy)
        is_open = statuses.get(row.id) in OPEN
        if not _claim(session, row, step.next_at if is_open else None):
            continue
        report.items += 1
        report.skipped += len(step.skipped) if is_open else 0
        if is_open and step.send is not None:
            sending.setdefault(step.send, []).append(row.id)
    for occasion, ids in sending.items():
        _send(session, settings, occasion, ids, now, report)


def _send(session: Session, settings: Any, occasion: Occasion, ids: list[int], now: datetime,
          report: SweepReport) -> None:
    items = messages.load_items(session, ids)
    row = messages.enqueue_reminder(session, settings, items, occasion, now)
    for item in items:
        if occasion.kind == "overdue":
            item.overdue_notices += 1
        else:
            item.reminders_sent += 1
        item.last_reminder_at = now
        audit.record(session, messages.ACTOR, "reminder_enqueued", item_id=item.id,
                     occasion=occasion.label, outbox_id=row.id if row else None)
    report.enqueued += row is not None
    log.info("reminder %s for items %s: outbox %s", occasion.label, ids, row.id if row else None,
             extra={"event": "reminder.enqueued" if row else "reminder.duplicate",
                    "item_ids": ids, "outbox_id": row.id if row else None,
                    "occasion": occasion.label})

