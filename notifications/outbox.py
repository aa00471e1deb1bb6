"""The outbox: e-mails written in the same transaction as the change that causes them.

A row is PENDING until a sender claims it (SENDING, with a lease), then SENT or back to
PENDING with a back-off, or FAILED (permanent error, or its lifetime ran out). The message
bytes, Message-ID included, are built once at enqueue time, so every retry sends the very
same message.

Claiming: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED`, so concurrent senders take
disjoint rows; on SQLite every transaction is `BEGIN IMMEDIATE`, so claims are serialised.
A SENDING row whose lease has passed (its sender died) is claimed again.

Once a row is SENT its bytes are dropped (SENT_BODY): an e-mail's body may carry a working
reply link, and the database should hold nothing that opens a reply page. Subject,
recipients, Message-ID and bookkeeping stay.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, cast

from sqlalchemy import Insert, Table, Update, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from db.models import OutboxMessage, OutboxState
from notifications.compose import Built, to_bytes

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)

# What a sent row's `message` becomes: its bytes may hold a working reply link, and a sent
# e-mail is never sent again (a retry re-sends only rows not yet SENT).
SENT_BODY = b""

# Called with the failed row inside mark_failed's transaction (enqueues the secretariat alert).
FailureNotifier = Callable[[Session, OutboxMessage, datetime], None]


@dataclass(frozen=True)
class Claimed:
    """A claimed row, detached from its session: what a sender needs to deliver it."""

    id: int
    kind: str
    recipients: tuple[str, ...]
    message: bytes
    message_id: str
    attempts: int
    last_error: str | None
    total_recipients: int
    done: tuple[str, ...] = ()  # recipients finished with on earlier attempts


@dataclass(frozen=True)
class Queued:
    """A message ready for the outbox: its bytes built once, and its bookkeeping."""

    dedup_key: str
    kind: str
    recipient: str
    subject: str
    message_id: str
    message: bytes
    cc: tuple[str, ...] = ()
    item_ids: tuple[int, ...] = ()
    contact_id: int | None = None


def as_utc(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime (SQLite hands back naive UTC values)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def backoff(attempts: int) -> timedelta:
    """The wait before attempt `attempts + 1`: 1, 2, 4, … minutes, capped at one hour. Pure."""
    exponent = max(0, min(attempts - 1, 20))
    wait: timedelta = min(BACKOFF_BASE * (2**exponent), BACKOFF_CAP)
    return wait


def split_addresses(text: str) -> list[str]:
    """The addresses of a comma-separated column value, blanks dropped."""
    return [a.strip() for a in text.split(",") if a.strip()]


def enqueue(
    session: Session,
    *,
    dedup_key: str,
    kind: str,
    recipient: str,
    subject: str,
    message: Built | EmailMessage | bytes,
    item_ids: Sequence[int] = (),
    contact_id: int | None = None,
    now: datetime,
    lifetime: timedelta,
    cc: Sequence[str] = (),
    message_id: str | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction, or do nothing and return None
    when a message with `dedup_key` already exists (INSERT … ON CONFLICT DO NOTHING).
    `message` is best a compose.Built (cheap); bytes need `message_id`."""
    if isinstance(message, Built):
        message_id, message = message.message_id, message.data
    elif isinstance(message, EmailMessage):
        message_id = message_id or str(message["Message-ID"])
        message = to_bytes(message)
    if not message_id:
        raise ValueError("message_id is required with pre-built bytes")
    queued = Queued(dedup_key=dedup_key, kind=kind, recipient=recipient, subject=subject,
                    message_id=message_id, message=message, cc=tuple(cc),
                    item_ids=tuple(item_ids), contact_id=contact_id)
    row_id = enqueue_many(session, [queued], now, lifetime).get(dedup_key[:300])
    return None if row_id is None else session.get(OutboxMessage, row_id)


def enqueue_many(session: Session, rows: Sequence[Queued], now: datetime,
                 lifetime: timedelta) -> dict[str, int]:
    """Add `rows` to the outbox in the caller's transaction with one INSERT … ON CONFLICT DO
    NOTHING; returns the new rows' ids by dedup key (a key already queued is left out)."""
    if not rows:
        return {}
    # One statement, compiled once per dialect and cached: the rows go as parameter sets,
    # which SQLAlchemy sends as multi-row VALUES batches ("insertmanyvalues").
    table = cast(Table, OutboxMessage.__table__)
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table).on_conflict_do_nothing(index_elements=["dedup_key"])
    found = session.execute(statement.returning(table.c.id, table.c.dedup_key),
                            [_values(row, now, lifetime) for row in rows])
    return {key: row_id for row_id, key in found}


def _values(row: Queued, now: datetime, lifetime: timedelta) -> dict[str, object]:
    return dict(
        dedup_key=row.dedup_key[:300], kind=row.kind, recipient=row.recipient,
        cc=",".join(row.cc), subject=row.subject[:300], message_id=row.message_id,
        message=row.message, item_ids=",".join(str(i) for i in sorted(row.item_ids)),
        contact_id=row.contact_id, state=OutboxState.PENDING, attempts=0,
        next_attempt_at=now, expires_at=now + lifetime, created_at=now, done_recipients="",
    )


SET_ASIDE = "set-aside:"  # dedup_key prefix of a message that could not even be written


def set_aside(
    session: Session, *, dedup_key: str, kind: str, recipient: str, subject: str, reason: str,
    now: datetime, item_ids: Sequence[int] = (), contact_id: int | None = None,
) -> None:
    """Record, in the caller's transaction, a message that cannot be written (its address is
    unusable, e.g. stored before entry was checked): a FAILED row with the Korean `reason`,
    shown by `tracker outbox --status failed` and the console, so nothing is dropped in
    silence. Once per `dedup_key`; the real message's key stays free for after the fix."""
    values = dict(
        dedup_key=(SET_ASIDE + dedup_key)[:300], kind=kind, recipient=recipient[:254], cc="",
        subject=subject[:300], message_id="", message=b"",
        item_ids=",".join(str(i) for i in sorted(item_ids)), contact_id=contact_id,
        state=OutboxState.FAILED, attempts=0, next_attempt_at=now, expires_at=now,
        created_at=now, done_recipients="", last_error=reason[:2000],
    )
    log.error("outbox: %s to %s set aside: %s", kind, recipient, reason,
              extra={"event": "outbox.set_aside", "kind": kind})
    session.execute(_insert_ignoring_duplicates(session, values))


def _insert_ignoring_duplicates(
    session: Session, values: Mapping[str, object] | Sequence[Mapping[str, object]]
) -> Insert:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    table = cast(Table, OutboxMessage.__table__)
    statement: Insert = module.insert(table).values(values).on_conflict_do_nothing(
        index_elements=["dedup_key"]
    )
    return statement


_CLAIM_COLUMNS = (OutboxMessage.id, OutboxMessage.kind, OutboxMessage.recipient,
                  OutboxMessage.cc, OutboxMessage.message, OutboxMessage.message_id,
                  OutboxMessage.attempts, OutboxMessage.last_error,
                  OutboxMessage.done_recipients, OutboxMessage.state, OutboxMessage.claimed_by)


def claim(
    session: Session, worker_id: str, now: datetime, limit: int, lease: timedelta
) -> list[Claimed]:
    """Take up to `limit` due rows for `worker_id` until `now + lease`: PENDING rows whose
    next attempt is due, and SENDING rows whose lease has passed. Oldest first. One SELECT
    and one UPDATE for the batch."""
    due = or_(
        (OutboxMessage.state == OutboxState.PENDING) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.state == OutboxState.SENDING) & (OutboxMessage.lease_until < now),
    )
    query = (select(*_CLAIM_COLUMNS).where(due)  # ix_outbox_state_next_attempt
             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.execute(query).all()
    if not rows:
        return []
    for row in rows:
        if row.state == OutboxState.SENDING:
            # Its sender died or hung: it may have had the server's 250 without recording it.
            log.warning("outbox %s: lease of %s expired, claimed again; the recipient may get "
                        "it twice (same Message-ID %s)", row.id, row.claimed_by, row.message_id,
                        extra={"event": "outbox.maybe_duplicate", "outbox_id": row.id,
                               "message_id": row.message_id})
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_([row.id for row in rows]))
        .values(state=OutboxState.SENDING, claimed_by=worker_id, lease_until=now + lease,
                attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False))
    return [_claimed(row) for row in rows]


def release(session: Session, row_ids: Sequence[int], worker_id: str) -> None:
    """Put rows this worker claimed but never started back in the queue, due now, the
    attempt not counted (a sender asked to stop)."""
    if row_ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(row_ids), OutboxMessage.state == OutboxState.SENDING,
                   OutboxMessage.claimed_by == worker_id)
            .values(state=OutboxState.PENDING, lease_until=None,
                    attempts=OutboxMessage.attempts - 1)
            .execution_options(synchronize_session=False))


def _claimed(row: Any) -> Claimed:
    done = split_addresses(row.done_recipients)
    everyone = [row.recipient, *split_addresses(row.cc)]
    return Claimed(id=row.id, kind=row.kind, recipients=tuple(a for a in everyone if a not in done),
                   message=row.message, message_id=row.message_id, attempts=row.attempts + 1,
                   last_error=row.last_error, total_recipients=len(everyone), done=tuple(done))


def _owned(session: Session, row_id: int, worker_id: str) -> OutboxMessage | None:
    # The row, if this worker still holds it (a reclaimed row belongs to its new sender).
    row = session.get(OutboxMessage, row_id)
    if row is None or row.state != OutboxState.SENDING or row.claimed_by != worker_id:
        return None
    return row


def mark_done_recipients(
    session: Session, row_id: int, worker_id: str, accepted: Sequence[str]
) -> None:
    """Record recipients finished with (accepted, or refused for good): a retry skips them."""
    row = _owned(session, row_id, worker_id)
    if row is None or not accepted:
        return
    done = split_addresses(row.done_recipients)
    row.done_recipients = ",".join(done + [a for a in accepted if a not in done])


def mark_sent(session: Session, row_id: int, worker_id: str, now: datetime) -> bool:
    """Mark the row SENT. A row that was meanwhile claimed by another sender is marked too (it
    was delivered) and the possible duplicate is logged. Returns False when nothing changed."""
    row = session.get(OutboxMessage, row_id)
    if row is None or row.state == OutboxState.SENT:
        return False
    if row.claimed_by != worker_id:
        log.warning("outbox %s: sent by %s while claimed by %s; a duplicate is possible",
                    row_id, worker_id, row.claimed_by)
    row.state, row.sent_at, row.lease_until = OutboxState.SENT, now, None
    row.message = SENT_BODY
    return True


def mark_all_sent(session: Session, rows: Sequence[Claimed], worker_id: str,
                  now: datetime) -> None:
    """Mark rows delivered to every remaining recipient SENT (their recipients done), with
    one UPDATE for the rows this worker still holds; the others go through `mark_sent`."""
    if not rows:
        return
    # A Core executemany: one statement, one round of parameters.
    updated = cast(CursorResult[Any], session.execute(_MARK_ALL_SENT, [
        {"row_id": row.id, "done": _done_after(row), "worker": worker_id, "now": now}
        for row in rows]))
    if session.get_bind().dialect.supports_sane_multi_rowcount and updated.rowcount == len(rows):
        return  # every row was still ours (the usual case): no need to look for the others
    left = session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.id.in_([row.id for row in rows]), OutboxMessage.state != OutboxState.SENT))
    by_id = {row.id: row for row in rows}
    for row_id in left:
        mark_done_recipients(session, row_id, worker_id, by_id[row_id].recipients)
        mark_sent(session, row_id, worker_id, now)


def _mark_all_sent_statement() -> Update:
    # Built once: the sender runs it after every few answers, and building it costs more than
    # running it on SQLite.
    outbox_table = cast(Table, OutboxMessage.__table__)
    table = outbox_table.c
    return (update(outbox_table)
            .where(table.id == bindparam("row_id"), table.state == OutboxState.SENDING,
                   table.claimed_by == bindparam("worker"))
            .values(state=OutboxState.SENT, sent_at=bindparam("now", type_=table.sent_at.type),
                    lease_until=None, done_recipients=bindparam("done"), message=SENT_BODY))


_MARK_ALL_SENT = _mark_all_sent_statement()


def _done_after(row: Claimed) -> str:
    # done_recipients once every remaining recipient accepted (as mark_done_recipients writes).
    return ",".join([*row.done, *(a for a in row.recipients if a not in row.done)])


def mark_retry(
    session: Session, row_id: int, worker_id: str, error: str, now: datetime,
    notify: FailureNotifier,
) -> OutboxState | None:
    """After a temporary error: back to PENDING after `backoff(attempts)`, or FAILED (and the
    secretariat told) when the next attempt would fall after the row's lifetime."""
    row = _owned(session, row_id, worker_id)
    if row is None:
        return None
    next_attempt = now + backoff(row.attempts)
    if next_attempt > row.expires_at:
        return _fail(session, row, f"기한 내 발송 실패: {error}", now, notify)
    row.state, row.next_attempt_at, row.lease_until = OutboxState.PENDING, next_attempt, None
    row.last_error = error[:2000]
    return row.state


def mark_failed(
    session: Session, row_id: int, worker_id: str, error: str, now: datetime,
    notify: FailureNotifier,
) -> OutboxState | None:
    """After a permanent error (5xx, address refused): FAILED, and `notify` enqueues the alert to
    the secretariat in this same transaction."""
    row = _owned(session, row_id, worker_id)
    if row is None:
        return None
    return _fail(session, row, error, now, notify)


def _fail(session: Session, row: OutboxMessage, error: str, now: datetime,
          notify: FailureNotifier) -> OutboxState:
    row.state, row.lease_until, row.last_error = OutboxState.FAILED, None, error[:2000]
    log.error("outbox %s (%s to %s) failed: %s", row.id, row.kind, row.recipient, error)
    notify(session, row, now)
    return row.state


def note_refused(session: Session, row_id: int, error: str, now: datetime,
                 notify: FailureNotifier) -> None:
    """Some recipients refused a message others accepted: keep the error and tell the
    secretariat (the row itself is then marked SENT)."""
    row = session.get(OutboxMessage, row_id)
    if row is not None:
        row.last_error = error[:2000]
        notify(session, row, now)


def retry_now(session: Session, row_id: int, now: datetime, lifetime: timedelta) -> OutboxMessage | None:
    """Put a FAILED or PENDING row back in the queue for an immediate attempt, with a fresh
    lifetime (the operator's `tracker outbox retry`). None when there is no such row or it
    was already sent."""
    row = session.get(OutboxMessage, row_id)
    if row is None or row.state in (OutboxState.SENT, OutboxState.SENDING) or not row.message:
        return None  # (a set-aside row has no message: fix the address, then send again)
    row.state, row.next_attempt_at, row.expires_at = OutboxState.PENDING, now, now + lifetime
    return row


def count(session: Session, state: str) -> int:
    """How many outbox rows are in `state` (counted by the database, nothing loaded)."""
    query = select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.state == OutboxState(state))
    return session.scalar(query) or 0


def list_messages(session: Session, state: str | None = None, limit: int = 200,
                  offset: int = 0) -> list[OutboxMessage]:
    """Outbox rows, newest first, optionally only those in `state`: `limit` of them after
    skipping `offset` (one page of the console)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).offset(offset).limit(limit)
    if state:
        query = query.where(OutboxMessage.state == OutboxState(state))
    return list(session.scalars(query))


def count_messages(session: Session, state: str | None = None) -> int:
    """How many outbox rows there are (in `state`), counted by the database."""
    query = select(func.count()).select_from(OutboxMessage)
    if state:
        query = query.where(OutboxMessage.state == OutboxState(state))
    return int(session.scalar(query) or 0)
