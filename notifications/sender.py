"""The flush loop: claim a batch of due outbox rows, send them, record each result as its
server answers.

Used by the scheduler (every 30 s), `tracker send` and `tracker worker`. Claiming and
recording are short transactions of their own: one SELECT and one UPDATE to claim a batch,
then one small transaction per message, written as soon as its 250 (or its refusal)
arrives and before that connection carries another message. So a sender killed at any
moment leaves at most `smtp_connections` messages delivered but not recorded (the ones in
flight); they stay SENDING until their lease passes and are then sent again, with the same
Message-ID, and logged as possible duplicates. Nothing is held open while talking SMTP.

Stopping: `request_stop()` (the SIGTERM/Ctrl+C handlers of `install_stop_handlers`) makes
every flush stop claiming and starting messages; those in flight get STOP_GRACE_SECONDS to
finish and be recorded, the claimed rows not started go back to the queue at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session

from db.models import OutboxState
from notifications import outbox
from notifications.alerts import AlertSettings, failure_notifier
from notifications.mailer import ALL, Mailer, Outcome, SmtpConfig, SmtpSettings

if TYPE_CHECKING:
    from db.engine import Database

log = logging.getLogger(__name__)

Progress = Callable[[int], None]
Clock = Callable[[], datetime]  # tracker.clock.utc_now, or a test's fixed time

# How long messages in flight may take to finish once a stop is asked for.
STOP_GRACE_SECONDS = 5.0
# Set by request_stop(): every flush of this process stops claiming (a threading.Event, since
# the worker's flush runs in the scheduler's thread while signals arrive in the main thread).
STOP = threading.Event()
_POLL_SECONDS = 0.1
# Recording transactions at once on PostgreSQL (each in a thread, with its own connection).
_COMMITS = 4
_INTERRUPTED = "Disconnected: 발송 도중 중단됨 (stopped while sending)"


class SenderSettings(SmtpSettings, AlertSettings, Protocol):
    """The settings the sender reads (tracker.config.Settings has them)."""

    @property
    def mail_from(self) -> str: ...
    @property
    def outbox_lease_seconds(self) -> int: ...
    @property
    def smtp_connections(self) -> int: ...


def default_worker_id() -> str:
    """host:pid, the claimed_by of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def request_stop() -> None:
    """Ask every flush of this process to stop claiming and finish what is in flight."""
    STOP.set()


@contextmanager
def stopping_on_signals() -> Iterator[None]:
    """install_stop_handlers() for the block only (`tracker send`), then the previous handlers."""
    previous = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    install_stop_handlers()
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def install_stop_handlers(on_stop: Callable[[], None] | None = None) -> None:
    """SIGTERM and SIGINT (Ctrl+C) ask for a stop (request_stop, then `on_stop`, e.g. shutting
    a scheduler down); a second one exits at once (status 130). Call from the main thread."""
    def first(signum: int, frame: FrameType | None) -> None:
        if STOP.is_set():
            log.warning("second stop signal: exiting now")
            os._exit(130)
        log.warning("stop asked (signal %s): finishing the messages in flight", signum)
        request_stop()
        if on_stop is not None:
            on_stop()

    signal.signal(signal.SIGTERM, first)
    signal.signal(signal.SIGINT, first)


@dataclass
class FlushReport:
    """What one flush did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0  # claimed, then put back unsent because a stop was asked for
    last_error: str | None = None

    @property
    def attempted(self) -> int:
        """Rows claimed and tried."""
        return self.sent + self.retried + self.failed

    def add(self, other: FlushReport) -> None:
        """Add the counts of `other` to these (its last error, when it has one, is the latest)."""
        self.sent, self.retried = self.sent + other.sent, self.retried + other.retried
        self.failed, self.released = self.failed + other.failed, self.released + other.released
        self.last_error = other.last_error or self.last_error


def flush(database: Database, settings: SenderSettings, *, worker_id: str | None = None,
          clock: Clock, batch: int = 100, on_progress: Progress | None = None,
          stop: threading.Event | None = None) -> FlushReport:
    """Send the outbox rows that are due, in batches, until none is left or two batches came
    back short (what is enqueued meanwhile waits for the next flush, so a busy site cannot
    keep one flush going), or a stop is asked for (`stop`, by default the process's STOP); returns counts."""
    return asyncio.run(flush_async(database, settings, worker_id=worker_id, clock=clock,
                                   batch=batch, on_progress=on_progress, stop=stop))


async def flush_async(database: Database, settings: SenderSettings, *,
                      worker_id: str | None = None, clock: Clock, batch: int = 100,
                      on_progress: Progress | None = None,
                      stop: threading.Event | None = None) -> FlushReport:
    """flush() for callers that already run an event loop."""
    run = _Run(database, settings, worker_id or default_worker_id(), clock,
               STOP if stop is None else stop, on_progress)
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    short_batches = 0
    async with Mailer(SmtpConfig.from_settings(settings)) as mailer:
        while not run.stop.is_set():
            with database.transaction() as session:
                claimed = outbox.claim(session, run.worker, clock(), batch, lease)
            if not claimed:
                break
            await run.deliver(mailer, claimed)
            short_batches += len(claimed) < batch
            if short_batches == 2:
                # The queue was empty twice: one more round took what the last one caused (a
                # failure alert); what busy users enqueue meanwhile waits for the next flush.
                break
    return run.report


class _Run:
    """One flush: sends claimed rows through the mailer's connections, recording each."""

    def __init__(self, database: Database, settings: SenderSettings, worker: str, clock: Clock,
                 stop: threading.Event, on_progress: Progress | None) -> None:
        self.database, self.settings, self.worker, self.clock = database, settings, worker, clock
        self.stop, self.on_progress = stop, on_progress
        self.report = FlushReport()
        self.slots = asyncio.Semaphore(max(1, settings.smtp_connections))
        # Answers waiting for a recorder, each with the future its sender waits on.
        self.answered: list[tuple[outbox.Claimed, Outcome, asyncio.Future[None]]] = []
        self.waiting_recorder = False  # a recorder is scheduled and has not taken them yet
        self.recorders: set[asyncio.Task[None]] = set()
        # Transactions recording at once: on PostgreSQL a commit waits for the server's disk,
        # so answers that come meanwhile commit beside it instead of after it. SQLite: one.
        self.commit_slots = asyncio.Semaphore(1 if database.embedded else _COMMITS)
        self.handed_over: set[int] = set()  # rows whose answer went to a recorder

    async def deliver(self, mailer: Mailer, claimed: list[outbox.Claimed]) -> None:
        """Send `claimed`, at most one message per connection at a time; on a stop, wait
        STOP_GRACE_SECONDS for those in flight, then cut them off (recorded as interrupted)."""
        tasks = {asyncio.ensure_future(self._one(mailer, row)): row for row in claimed}
        deadline: float | None = None
        pending = set(tasks)
        while pending:
            _, pending = await asyncio.wait(pending, timeout=_POLL_SECONDS)
            if not self.stop.is_set() or not pending:
                continue
            now = asyncio.get_running_loop().time()
            deadline = deadline or now + STOP_GRACE_SECONDS
            if now >= deadline:
                for task in pending:
                    task.cancel()
                await asyncio.wait(pending)
                if self.recorders:
                    await asyncio.wait(self.recorders)  # answers already in hand are kept
                self._interrupted([tasks[t] for t in pending
                                   if tasks[t].id not in self.handed_over])
                pending = set()
        unsent = [tasks[t] for t in tasks if not t.cancelled() and t.result() is False]
        if unsent:
            with self.database.transaction() as session:
                outbox.release(session, [row.id for row in unsent], self.worker)
            self.report.released += len(unsent)

    async def _one(self, mailer: Mailer, row: outbox.Claimed) -> bool:
        # False when the row was never started (a stop came first): it goes back to the queue.
        async with self.slots:
            if self.stop.is_set():
                return False
            outcome = await _send_one(mailer, self.settings.mail_from, row)
            # The slot (the connection) is held until the answer is committed, so at any
            # moment at most one message per connection has had its 250 without being recorded.
            await self._recorded(row, outcome)
        if self.on_progress is not None:
            self.on_progress(1)
        return True

    async def _recorded(self, row: outbox.Claimed, outcome: Outcome) -> None:
        # Hand the answer to a recorder and wait until its transaction has committed.
        committed = asyncio.get_running_loop().create_future()
        self.answered.append((row, outcome, committed))
        self.handed_over.add(row.id)
        if not self.waiting_recorder:
            self.waiting_recorder = True
            recorder = asyncio.ensure_future(self._record_answers())
            self.recorders.add(recorder)
            recorder.add_done_callback(self.recorders.discard)
        await committed

    async def _record_answers(self) -> None:
        # One transaction for every answer that has arrived when a commit slot is free: those
        # read in the same turn of the loop, and those that came while the slots were busy.
        async with self.commit_slots:
            answered, self.answered, self.waiting_recorder = self.answered, [], False
            try:
                await self._store([(row, outcome) for row, outcome, _ in answered])
            except Exception as exc:  # each waiting sender raises it, as if it had stored
                for _, _, committed in answered:
                    if not committed.done():
                        committed.set_exception(exc)
            else:
                for _, _, committed in answered:
                    if not committed.done():  # (a sender cut off by a stop no longer waits)
                        committed.set_result(None)

    async def _store(self, answered: list[tuple[outbox.Claimed, Outcome]]) -> None:
        # Counted apart and added here, on the loop: transactions in threads would otherwise
        # race on the shared report's counters.
        counted = FlushReport()
        if self.database.embedded:
            # SQLite: microseconds in this thread; in another, each call would queue for the GIL.
            self._store_now(answered, counted)
        else:
            # PostgreSQL: the commit waits on the server (and its disk); the SMTP connections
            # keep going meanwhile.
            await asyncio.to_thread(self._store_now, answered, counted)
        self.report.add(counted)

    def _store_now(self, answered: list[tuple[outbox.Claimed, Outcome]],
                   report: FlushReport) -> None:
        with self.database.transaction() as session:
            record_all(session, self.settings, answered, self.worker, self.clock(), report)

    def _interrupted(self, rows: list[outbox.Claimed]) -> None:
        # Cut off mid-transaction by a stop: the server may have the message; retry later.
        with self.database.transaction() as session:
            for row in rows:
                log.warning("outbox %s (%s): stopped while sending; the recipient may get it "
                            "twice (same Message-ID %s)", row.id, row.kind, row.message_id,
                            extra={"event": "outbox.maybe_duplicate", "outbox_id": row.id,
                                   "message_id": row.message_id})
                record(session, self.settings, row, Outcome(temporary={ALL: _INTERRUPTED}),
                       self.worker, self.clock(), self.report)


async def _send_one(mailer: Mailer, sender: str, row: outbox.Claimed) -> Outcome:
    if not row.recipients:
        return Outcome()
    if row.attempts > 1 and row.last_error and "Disconnected" in row.last_error:
        log.warning("outbox %s (%s): previous attempt was cut off; the recipient may get it "
                    "twice (same Message-ID %s)", row.id, row.kind, row.message_id)
    outcome = await mailer.send(sender, row.recipients, row.message)
    if outcome.maybe_delivered:
        log.warning("outbox %s (%s): connection lost after the message was sent; it will be "
                    "sent again and may arrive twice (Message-ID %s)", row.id, row.kind,
                    row.message_id, extra={"event": "outbox.maybe_duplicate",
                                           "outbox_id": row.id, "message_id": row.message_id})
    return outcome


def record_all(session: Session, settings: SenderSettings,
               answered: list[tuple[outbox.Claimed, Outcome]], worker: str, now: datetime,
               report: FlushReport) -> None:
    """Store the outcomes of `answered` as `record` does, those delivered to every recipient
    together (one UPDATE for all of them: at full speed most answers are these)."""
    delivered = [row for row, outcome in answered if outcome.delivered]
    outbox.mark_all_sent(session, delivered, worker, now)
    for row in delivered:
        _count(report, "sent")
        _log_outcome(row, worker, "outbox.sent")
    for row, outcome in answered:
        if not outcome.delivered:
            record(session, settings, row, outcome, worker, now, report)


def record(session: Session, settings: SenderSettings, row: outbox.Claimed, outcome: Outcome,
           worker: str, now: datetime, report: FlushReport) -> None:
    """Store one attempt's outcome: recipients done, then SENT, a retry, or FAILED."""
    if outcome.delivered:
        outbox.mark_all_sent(session, [row], worker, now)
        _count(report, "sent")
        _log_outcome(row, worker, "outbox.sent")
        return
    notify = failure_notifier(settings)
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
