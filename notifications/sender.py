"""The flush loop: claim a batch of due outbox rows, send them, record the results.

Used by the scheduler (every 30 s), `tracker send` and `tracker worker`. Claiming and
recording are short transactions of their own (one SELECT and one UPDATE to claim a batch,
one UPDATE for the rows delivered); nothing is held open while talking SMTP.
A row whose sender dies mid-way stays SENDING until its lease passes, then is claimed
again by any sender (outbox.claim).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session

from db.models import OutboxState
from notifications import outbox
from notifications.mailer import ALL, Mailer, Outcome, SmtpConfig, SmtpSettings
from notifications.messages import failure_notifier

if TYPE_CHECKING:
    from db.engine import Database

log = logging.getLogger(__name__)

Progress = Callable[[int], None]
Clock = Callable[[], datetime]  # tracker.clock.utc_now, or a test's fixed time


class SenderSettings(SmtpSettings, Protocol):
    """The settings the sender reads (tracker.config.Settings has them)."""

    @property
    def mail_from(self) -> str: ...
    @property
    def outbox_lease_seconds(self) -> int: ...


def default_worker_id() -> str:
    """host:pid, the claimed_by of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class FlushReport:
    """What one flush did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    last_error: str | None = None

    @property
    def attempted(self) -> int:
        """Rows claimed and tried."""
        return self.sent + self.retried + self.failed


def flush(database: Database, settings: SenderSettings, *, worker_id: str | None = None,
          clock: Clock, batch: int = 100, on_progress: Progress | None = None,
          ) -> FlushReport:
    """Send every outbox row that is due now, in batches, until none is left; returns counts."""
    return asyncio.run(flush_async(database, settings, worker_id=worker_id, clock=clock,
                                   batch=batch, on_progress=on_progress))


async def flush_async(database: Database, settings: SenderSettings, *, worker_id: str | None = None,
                      clock: Clock, batch: int = 100,
                      on_progress: Progress | None = None) -> FlushReport:
    """flush() for callers that already run an event loop."""
    report, worker = FlushReport(), worker_id or default_worker_id()
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    async with Mailer(SmtpConfig.from_settings(settings)) as mailer:
        while True:
            with database.transaction() as session:
                claimed = outbox.claim(session, worker, clock(), batch, lease)
            if not claimed:
                return report
            outcomes = await asyncio.gather(
                *(_send_one(mailer, settings.mail_from, row) for row in claimed))
            with database.transaction() as session:
                record_batch(session, settings, list(zip(claimed, outcomes, strict=True)),
                             worker, clock(), report)
            if on_progress is not None:
                on_progress(len(claimed))


async def _send_one(mailer: Mailer, sender: str, row: outbox.Claimed) -> Outcome:
    if not row.recipients:
        return Outcome()
    if row.attempts > 1 and row.last_error and "Disconnected" in row.last_error:
        log.warning("outbox %s (%s): previous attempt was cut off; the recipient may get it "
                    "twice (same Message-ID %s)", row.id, row.kind, row.message_id)
    return await mailer.send(sender, row.recipients, row.message)


def record_batch(session: Session, settings: SenderSettings,
                 results: list[tuple[outbox.Claimed, Outcome]], worker: str, now: datetime,
                 report: FlushReport) -> None:
    """Store a batch's outcomes: rows every recipient accepted are marked SENT with one
    UPDATE; the others (retries, failures, partial refusals) one by one with `record`."""
    delivered = [row for row, outcome in results if outcome.delivered]
    outbox.mark_all_sent(session, delivered, worker, now)
    report.sent += len(delivered)
    for row in delivered:
        _log_outcome(row, worker, "outbox.sent")
    for row, outcome in results:
        if not outcome.delivered:
            record(session, settings, row, outcome, worker, now, report)


def record(session: Session, settings: SenderSettings, row: outbox.Claimed, outcome: Outcome,
           worker: str, now: datetime, report: FlushReport) -> None:
    """Store one attempt's outcome: recipients done, then SENT, a retry, or FAILED."""
    # messages (being split, issue 11) still takes the whole tracker Settings.
    notify = failure_notifier(settings)  # type: ignore[arg-type]
    done = outcome.accepted + [a for a in outcome.permanent if a != ALL]
    outbox.mark_done_recipients(session, row.id, worker, done)
    if outcome.permanent and outcome.temporary:
        # Those refused for good are told now; waiting for the retry would lose the alert.
        outbox.note_refused(session, row.id, _describe(outcome.permanent), now, notify)
    if outcome.temporary:
        error = _describe(outcome.temporary)
        state = outbox.mark_retry(session, row.id, worker, error, now, notify)
        report.last_error = error
        _log_outcome(row, worker, f"outbox.{state.value if state else 'lost'}", error)
        _count(report, "failed" if state == OutboxState.FAILED else "retried")
    elif outcome.permanent and not (outcome.accepted or _had_accepted(row)):
        error = _describe(outcome.permanent)
        outbox.mark_failed(session, row.id, worker, error, now, notify)
        report.last_error = error
        _log_outcome(row, worker, "outbox.failed", error)
        _count(report, "failed")
    else:
        if outcome.permanent:
            outbox.note_refused(session, row.id, _describe(outcome.permanent), now, notify)
        outbox.mark_sent(session, row.id, worker, now)
        _count(report, "sent")
        _log_outcome(row, worker, "outbox.sent")


def _describe(refusals: dict[str, str]) -> str:
    """Each refusal with the address it concerns, so the secretariat's alert names it."""
    return "; ".join(reply if address == ALL else f"{address}: {reply}"
                     for address, reply in refusals.items())


def _had_accepted(row: outbox.Claimed) -> bool:
    # Some recipient accepted on an earlier attempt (it is no longer among row.recipients).
    return len(row.recipients) < row.total_recipients


def _log_outcome(row: outbox.Claimed, worker: str, event: str, error: str | None = None) -> None:
    # One line per attempt's outcome, with the ids (JSON logs: see tracker.logs).
    log.info("outbox %s (%s) attempt %s by %s: %s%s", row.id, row.kind, row.attempts, worker,
             event, f" ({error})" if error else "",
             extra={"event": event, "outbox_id": row.id, "kind": row.kind, "worker": worker,
                    "attempt": row.attempts, "error": error})


def _count(report: FlushReport, what: str) -> None:
    setattr(report, what, getattr(report, what) + 1)
