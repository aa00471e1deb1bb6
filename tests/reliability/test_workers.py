"""Several senders at once, and a sender killed mid-claim (RELIABILITY.md 18, 19, 20):
real child processes and threads against a real loopback SMTP server."""

from __future__ import annotations

import signal
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from db import engine as db_engine
from db.models import Item, JobRun, OutboxState
from notifications import sender
from tests.conftest import POSTGRES_URL
from tests.reliability.harness import Clock, message_ids, outbox_rows, put, start_worker
from tests.sample_contacts import give_emails
from tests.smtp_server import TestServer, smtp_server_fixture  # noqa: F401
from tracker import scheduler
from tracker.database import Database
from tracker.requests import request_contacts

T0 = datetime(2022, 3, 2, 1, 0, tzinfo=UTC)  # Wed 10:00 KST
KST = ZoneInfo("Asia/Seoul")
CHILD_TIMEOUT = 180  # seconds; a child still running then has hung (a deadlock)


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TRACKER_TEST_DATABASE_URL (PostgreSQL)")
def test_two_worker_processes_drain_1000_rows_on_postgresql_each_sent_exactly_once(
    db: Database, database_url: str, smtp_server: TestServer
) -> None:
    expected = put(db, 1000, now=T0)
    workers = [start_worker(database_url, smtp_server.port, f"worker-{n}", T0, "flush")
               for n in (1, 2)]
    outputs = [w.communicate(timeout=CHILD_TIMEOUT) for w in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
        assert "deadlock" not in err.lower()
    arrived = Counter(message_ids(smtp_server.messages))
    assert set(arrived) == set(expected) and set(arrived.values()) == {1}
    rows = outbox_rows(db)
    assert {r.state for r in rows} == {OutboxState.SENT}
    assert {r.claimed_by for r in rows} == {"worker-1", "worker-2"}  # both really worked
    assert all(r.attempts == 1 for r in rows)


def test_worker_killed_after_claiming_its_rows_go_out_once_after_the_lease(
    db: Database, database_url: str, smtp_server: TestServer
) -> None:
    expected = put(db, 10, now=T0)
    child = start_worker(database_url, smtp_server.port, "doomed:1", T0, "claim-and-hang")
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "claimed 10"
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=CHILD_TIMEOUT)
    assert child.returncode == -signal.SIGKILL
    assert {(r.state, r.claimed_by) for r in outbox_rows(db)} == {(OutboxState.SENDING,
                                                                   "doomed:1")}
    lease = timedelta(seconds=smtp_server.settings().outbox_lease_seconds)
    assert sender.flush(db, smtp_server.settings(), clock=lambda: T0 + lease / 2).attempted == 0
    assert smtp_server.messages == []
    after = T0 + lease + timedelta(seconds=1)
    assert sender.flush(db, smtp_server.settings(), clock=lambda: after).sent == 10
    assert sender.flush(db, smtp_server.settings(),
                        clock=lambda: after + timedelta(days=1)).attempted == 0
    arrived = Counter(message_ids(smtp_server.messages))
    assert set(arrived) == set(expected) and set(arrived.values()) == {1}
    assert {r.claimed_by for r in outbox_rows(db)} != {"doomed:1"}


def test_two_app_instances_running_every_job_at_once_send_each_reminder_and_digest_once(
    imported: Database, database_url: str, smtp_server: TestServer
) -> None:
    settings = smtp_server.settings()
    give_emails(imported)
    requested = datetime(2022, 1, 20, 10, tzinfo=KST)
    with imported.transaction() as session:
        request_contacts(session, settings, requested)
    sender.flush(imported, settings, clock=lambda: requested)
    smtp_server.messages.clear()
    # D-7 of items due 02-28, a Monday (UTC: SQLite keeps wall times, the app stores UTC).
    monday_d7 = Clock(datetime(2022, 2, 21, 9, 5, tzinfo=KST).astimezone(UTC))
    with imported.transaction() as session:  # move the 02-23 items so D-7 falls on a Monday
        session.execute(update(Item).where(Item.next_reminder_at.is_not(None))
                        .values(next_reminder_at=monday_d7.now - timedelta(minutes=5),
                                due_date=datetime(2022, 2, 28).date()))
    instances = []
    for _ in range(2):  # two processes' worth of engines and pools
        engine = db_engine.make_engine(database_url)
        instances.append(Database(engine, db_engine.make_session_factory(engine)))
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def instance(database: Database) -> None:
        try:
            start.wait()
            scheduler.run_digest(database, settings, monday_d7)
            scheduler.run_sweep(database, settings, monday_d7)
            scheduler.run_flush(database, settings, monday_d7)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=instance, args=(d,)) for d in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(CHILD_TIMEOUT)
    for database in instances:
        database.engine.dispose()
    assert errors == []
    sender.flush(imported, settings, clock=lambda: monday_d7.now + timedelta(hours=1))
    to = Counter(m.recipients[0] for m in smtp_server.messages)
    assert to["chair@example.org"] == 1  # one digest
    reminders = {k: v for k, v in to.items() if k != "chair@example.org"}
    assert len(reminders) == 7 and set(reminders.values()) == {1}
    assert set(Counter(message_ids(smtp_server.messages)).values()) == {1}
    with imported.transaction() as session:
        assert session.scalar(select(func.count()).select_from(JobRun)
                              .where(JobRun.job == "digest")) == 1
