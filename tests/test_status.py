"""The health of a running tracker: system_status, /healthz, `tracker status`, JSON logs.

Time is fixed at CURRENT_TIME; the sweep's stamp and the outbox rows are written at chosen
moments around it."""

from __future__ import annotations

import io
import json
import logging
import time
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select, update

from db.models import JobRun, OutboxMessage, OutboxState
from tests.reliability.harness import put
from tests.web_factory import Clock, make_client
from tracker import scheduler
from tracker.config import Settings
from tracker.database import Database
from tracker.logs import JsonFormatter
from tracker.status import Backlog, Status, judge, system_status

CURRENT_TIME = datetime(2022, 3, 2, 1, 0, tzinfo=UTC)  # Wed 10:00 KST


def status_at(db: Database, now: datetime = CURRENT_TIME) -> Status:
    """system_status of `db` at `now`."""
    with db.rollback_only() as session:
        return system_status(session, now)


def stamp(db: Database, at: datetime) -> None:
    """A reminder sweep that ran at `at` (as the scheduler's job stamps it)."""
    with db.transaction() as session:
        scheduler.stamp_sweep(session, at)


def test_a_fresh_database_warns_that_no_sweep_ran_yet(db: Database) -> None:
    status = status_at(db)
    assert (status.overall, status.database_reachable, status.exit_code) == ("warn", True, 0)
    assert status.database_kind in ("sqlite", "postgresql")
    assert status.last_sweep_at is None and "sweep" in status.reasons[0]


def test_a_recent_sweep_and_an_empty_outbox_are_ok(db: Database) -> None:
    stamp(db, CURRENT_TIME - timedelta(minutes=4))
    status = status_at(db)
    assert (status.overall, status.reasons, status.sweep_age_seconds) == ("ok", (), 240)


def test_a_sweep_older_than_15_minutes_fails_with_exit_code_3(db: Database) -> None:
    stamp(db, CURRENT_TIME - timedelta(minutes=16))
    status = status_at(db)
    assert (status.overall, status.exit_code) == ("fail", 3)
    assert "16분" in status.reasons[0]


def test_the_sweep_stamp_is_one_row_however_many_sweeps(db: Database) -> None:
    for minutes in range(0, 60, 5):
        event = JobExecutionEvent(EVENT_JOB_EXECUTED, "reminder-sweep", "default", CURRENT_TIME)
        scheduler.on_executed(event, db, lambda m=minutes: CURRENT_TIME + timedelta(minutes=m))
    other = JobExecutionEvent(EVENT_JOB_EXECUTED, "outbox-flush", "default", CURRENT_TIME)
    scheduler.on_executed(other, db, lambda: CURRENT_TIME + timedelta(hours=5))
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(JobRun)) == 1
    assert status_at(db, CURRENT_TIME + timedelta(minutes=56)).sweep_age_seconds == 60


def test_a_running_scheduler_stamps_each_sweep_it_completes(db: Database) -> None:
    background = BackgroundScheduler(timezone="Asia/Seoul")
    scheduler.make_scheduler(db, Settings(), background, clock=lambda: CURRENT_TIME)
    background.start()
    try:
        background.modify_job("reminder-sweep", next_run_time=datetime.now(UTC))
        deadline = time.monotonic() + 10
        while status_at(db).last_sweep_at is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        background.shutdown(wait=True)
    assert status_at(db).last_sweep_at == CURRENT_TIME


def test_the_outbox_backlog_is_counted_and_judged(db: Database) -> None:
    stamp(db, CURRENT_TIME)
    put(db, 4, now=CURRENT_TIME - timedelta(hours=2))
    with db.transaction() as session:
        ids = list(session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
        session.execute(update(OutboxMessage).where(OutboxMessage.id == ids[0])
                        .values(state=OutboxState.FAILED))
        session.execute(update(OutboxMessage).where(OutboxMessage.id == ids[1])
                        .values(state=OutboxState.SENDING,
                                lease_until=CURRENT_TIME - timedelta(minutes=1)))
    status = status_at(db)
    assert status.backlog == Backlog(pending=2, expired_leases=1, failed_recently=1,
                                     oldest_pending_seconds=7200)
    assert status.overall == "warn" and len(status.reasons) == 3
    a_week_later = status_at(db, CURRENT_TIME + timedelta(days=8))
    assert a_week_later.backlog.failed_recently == 0


def test_judge_fails_before_it_warns() -> None:
    level, reasons = judge(20 * 60, Backlog(failed_recently=2))
    assert level == "fail" and len(reasons) == 2 and "20분" in reasons[0]
    assert judge(60, Backlog(oldest_pending_seconds=59 * 60)) == ("ok", [])


def test_healthz_answers_json_without_login_200_or_503(db: Database) -> None:
    clock = Clock(CURRENT_TIME)
    client = make_client(db, clock=clock)
    stamp(db, CURRENT_TIME)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["overall"] == "ok" and body["database_reachable"] is True
    assert "database_url" not in response.text and "secret" not in response.text
    clock.advance(minutes=20)
    assert client.get("/healthz").status_code == 503
    assert client.head("/healthz").status_code == 503


def test_healthz_fails_when_the_database_is_gone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from db import engine as db_engine

    engine = db_engine.make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables
    client = make_client(Database(engine, db_engine.make_session_factory(engine)))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database_reachable"] is False


def test_status_command_prints_table_or_json_and_exits_by_level(run, db: Database) -> None:  # type: ignore[no-untyped-def]
    stamp(db, datetime.now(UTC))
    result = run("status")
    assert result.exit_code == 0, result.output
    assert "정상 (ok)" in result.output and "대기 0통" in result.output
    stamp(db, datetime.now(UTC) - timedelta(hours=1))
    result = run("status", "--format", "json")
    assert result.exit_code == 3
    assert json.loads(result.output)["overall"] == "fail"


def test_status_command_reports_a_missing_database_file(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from tracker.cli import cli

    missing = tmp_path / "nowhere.db"
    result = CliRunner().invoke(cli, ["--db", str(missing), "status"])
    assert result.exit_code == 3 and "장애" in result.output
    assert not missing.exists()


def test_json_logs_are_one_object_per_line_with_the_ids() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("outbox %s 발송", 7, extra={"event": "outbox.sent", "outbox_id": 7,
                                                  "item_ids": [1, 2], "worker": "h:1"})
    finally:
        logger.removeHandler(handler)
    [line] = stream.getvalue().splitlines()
    data = json.loads(line)
    assert data["event"] == "outbox.sent" and data["message"] == "outbox 7 발송"
    assert (data["outbox_id"], data["item_ids"], data["worker"]) == (7, [1, 2], "h:1")
    assert data["level"] == "WARNING" and data["logger"] == "tests.json" and "ts" in data
