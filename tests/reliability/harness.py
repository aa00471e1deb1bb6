"""Shared pieces of the reliability suite: outbox rows, a counting SMTP handler, a
mutable clock, a deterministic replay of the scheduler, and subprocess workers.

Time is always injected (a `Clock` or a `now` argument); nothing here sleeps, except the
subprocess helpers, which wait for a real child process with a bounded timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import time_machine
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from db.models import OutboxMessage
from notifications import outbox
from notifications.compose import Draft, Mailbox, make_message
from tests.smtp_server import Handler, Received
from tracker.config import Settings
from tracker.database import Database
from tracker.scheduler import JOB_DEFAULTS, make_scheduler

ROOT = Path(__file__).resolve().parents[2]
LIFETIME = timedelta(days=5)
SECONDS = float(os.environ.get("TRACKER_RELIABILITY_SECONDS", "30"))


class Clock:
    """A settable UTC clock, passed wherever the product takes a clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def put(db: Database, n: int, *, now: datetime, key: str = "rel",
        cc: tuple[str, ...] = (), to: str = "kim@example.org") -> list[str]:
    """Enqueue `n` small Korean messages at `now`; returns their Message-IDs."""
    ids: list[str] = []
    with db.transaction() as session:
        for i in range(n):
            draft = Draft(sender=Mailbox("사무국", "tracker@council.example.org"),
                          to=Mailbox("김윤지", to), cc=[Mailbox("참조", c) for c in cc],
                          subject=f"[일자리분과] 신뢰성 {key} {i}", text="본문",
                          html="<p>본문</p>")
            message = make_message(draft, now)
            row = outbox.enqueue(session, dedup_key=f"{key}:{i}", kind="request",
                                 recipient=to, cc=cc, subject=draft.subject, message=message,
                                 now=now, lifetime=LIFETIME)
            assert row is not None
            ids.append(row.message_id)
    return ids


def outbox_rows(db: Database) -> list[OutboxMessage]:
    """Every outbox row, by id."""
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def message_ids(received: Iterable[Received]) -> list[str]:
    """The Message-ID of each message a server accepted, in arrival order."""
    return [str(m.parsed()["Message-ID"]) for m in received]


@dataclass
class CountingHandler(Handler):
    """The test server's handler, also counting SMTP sessions (one EHLO or HELO each)."""

    sessions: int = 0

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server: Any, session: Any, envelope: Any,
                          hostname: str) -> str:
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return f"250 {server.hostname}"


@dataclass
class DropAfterDot(Handler):
    """Takes the message after the final dot, then closes the connection before any reply
    (the sender cannot know it arrived: RFC 1047). Does so `drops` times, then behaves."""

    drops: int = 1
    dropped: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.drops > 0:
            self.drops -= 1
            self.dropped.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                         bytes(envelope.original_content or envelope.content)))
            server.transport.close()
            return "250 nobody hears this"
        return await super().handle_DATA(server, session, envelope)


def fire_times(settings: Settings, database: Database, start: datetime, end: datetime,
               jobs: tuple[str, ...] | None = None) -> list[tuple[datetime, Any]]:
    """When a scheduler started at `start` (tracker.scheduler, as `tracker worker` builds
    it) fires each job until `end`, as (moment, job) in time order. The real triggers compute
    the times; `jobs` limits the ids (the 30 s flush over weeks would be long)."""
    clock = Clock(start)
    found: list[tuple[datetime, Any]] = []
    with time_machine.travel(start, tick=False):
        scheduler = BackgroundScheduler(timezone=settings.timezone, job_defaults=JOB_DEFAULTS)
        make_scheduler(database, settings, scheduler, clock=clock)
        for job in scheduler.get_jobs():
            if jobs is not None and job.id not in jobs:
                continue
            previous = None
            moment = job.trigger.get_next_fire_time(None, start)
            while moment is not None and moment <= end:
                found.append((moment.astimezone(UTC), job))
                previous = moment
                moment = job.trigger.get_next_fire_time(previous, moment + timedelta(seconds=1))
    found.sort(key=lambda pair: (pair[0], pair[1].id))
    return found


def run_as_scheduler(settings: Settings, database: Database, start: datetime, end: datetime,
                     jobs: tuple[str, ...] | None = None) -> list[str]:
    """Run, in order and at their injected times, the jobs a worker started at `start` would
    run until `end`; returns the ids run. Each job gets a clock fixed at its fire time."""
    ran: list[str] = []
    for moment, job in fire_times(settings, database, start, end, jobs):
        job.func(job.args[0], job.args[1], Clock(moment))
        ran.append(job.id)
    return ran


def scheduler_ids(settings: Settings, database: Database, at: datetime) -> list[str]:
    """The job ids of a scheduler built at `at`, started (paused) and shut down again."""
    with time_machine.travel(at, tick=False):
        scheduler = BackgroundScheduler(timezone=settings.timezone, job_defaults=JOB_DEFAULTS)
        make_scheduler(database, settings, scheduler, clock=Clock(at))
        scheduler.start(paused=True)
        try:
            return sorted(job.id for job in scheduler.get_jobs())
        finally:
            scheduler.shutdown(wait=False)


WORKER_SCRIPT = textwrap.dedent("""
    import sys, time
    from datetime import datetime, timedelta
    from db import engine as db_engine
    from notifications import outbox, sender
    from tracker.config import Settings
    from tracker.database import Database

    url, port, worker, moment, mode = sys.argv[1:6]
    engine = db_engine.make_engine(url)
    db = Database(engine, db_engine.make_session_factory(engine))
    now = datetime.fromisoformat(moment)
    settings = Settings(smtp_host="127.0.0.1", smtp_port=int(port), smtp_timeout_seconds=10,
                        mail_from="tracker@council.example.org",
                        secretariat_email="office@example.org", smtp_connections=2)
    if mode == "claim-and-hang":
        with db.transaction() as session:
            claimed = outbox.claim(session, worker, now, 1000, timedelta(seconds=300))
        print(f"claimed {len(claimed)}", flush=True)
        time.sleep(120)
    else:
        report = sender.flush(db, settings, worker_id=worker, clock=lambda: now, batch=25)
        print(f"sent {report.sent} retried {report.retried} failed {report.failed}", flush=True)
""")


def start_worker(url: str, port: int, worker: str, now: datetime, mode: str) -> subprocess.Popen[str]:
    """A child Python process running WORKER_SCRIPT: `flush` (send everything due at `now`)
    or `claim-and-hang` (claim every due row, print "claimed N", then sleep)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT, url, str(port), worker, now.isoformat(), mode],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


@dataclass
class Tally:
    """Thread-safe counts and failures of a concurrent test."""

    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, what: str) -> None:
        """Count one `what` (dict updates are atomic enough under the GIL)."""
        self.counts[what] = self.counts.get(what, 0) + 1


def until(deadline: float) -> Iterator[int]:
    """0, 1, 2, … while time.monotonic() is before `deadline` (a bounded real-time loop)."""
    import time

    n = 0
    while time.monotonic() < deadline:
        yield n
        n += 1
