"""Downtime and restarts (RELIABILITY.md 21, 22, 23), replayed at injected times with the
real scheduler's triggers (tests.reliability.harness.run_as_scheduler) and a real loopback
SMTP server: what a worker started at a given moment would run, it runs."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from db.models import Item, JobRun, OutboxMessage
from notifications import sender
from tests.reliability.harness import message_ids, run_as_scheduler, scheduler_ids
from tests.sample_contacts import give_emails
from tests.smtp_server import TestServer, smtp_server_fixture  # noqa: F401
from tracker import workflow
from tracker.config import Settings
from tracker.database import Database
from tracker.requests import request_contacts
from tracker.scheduler import JOB_IDS

KST = ZoneInfo("Asia/Seoul")
REQUESTED = datetime(2022, 1, 20, 10, tzinfo=KST).astimezone(UTC)
CHAIR = "chair@example.org"
# Due dates around the outage (Sat 03-05 00:00 to Tue 03-08 10:00 KST; 03-01 is a holiday):
DUE = {
    "1-1": date(2022, 3, 3),  # 김윤지: due Thu, before the outage; next: overdue on 03-10
    "1-2": date(2022, 3, 7),  # 장보영: D-1 Fri (sent), due day Mon missed
    "1-4": date(2022, 3, 8),  # 선헤미: D-1 Mon and due day Tue both missed
    "1-5": date(2022, 3, 14),  # 어수정: D-7 Mon missed
}  # 강여지 1-6 and 조미화 1-9 keep 02-23 (overdue since); 임양수 1-7 is due in July
DOWN = datetime(2022, 3, 5, 0, 0, tzinfo=KST).astimezone(UTC)
RESTART = datetime(2022, 3, 8, 10, 0, tzinfo=KST).astimezone(UTC)


def kst(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A KST wall time as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=KST).astimezone(UTC)


def requested(db: Database, settings: Settings, due: dict[str, date]) -> None:
    """Give the sample's contacts addresses, set the due dates, send the requests."""
    give_emails(db)
    with db.transaction() as session:
        for item in session.scalars(select(Item)):
            program = item.key.split("#")[0]
            if program in due:
                workflow.set_due_date(session, item.id, due[program], "test")
        request_contacts(session, settings, REQUESTED)
    sender.flush(db, settings, clock=lambda: REQUESTED)


def run_mornings(db: Database, settings: Settings, first: date, last: date) -> None:
    """Normal operation: a worker up around each morning's 09:00 slot, first..last."""
    day = first
    while day <= last:
        run_as_scheduler(settings, db, kst(day, 8, 59, 45), kst(day, 9, 6))
        day += timedelta(days=1)


def test_three_days_down_restart_sends_reminders_by_policy_without_a_storm(
    imported: Database, smtp_server: TestServer
) -> None:
    settings = smtp_server.settings()
    requested(imported, settings, DUE)
    run_mornings(imported, settings, date(2022, 1, 21), date(2022, 3, 4))
    before = len(smtp_server.messages)
    assert before > 8  # the requests, and the reminders of normal days, went out
    run_as_scheduler(settings, imported, RESTART, RESTART + timedelta(hours=1))
    after = [m for m in smtp_server.messages[before:] if m.recipients != [CHAIR]]
    subjects = {m.recipients[0]: str(m.parsed()["Subject"]) for m in after}
    assert len(after) == len(subjects) == 3, subjects  # one each, no backlog of old slots
    assert "회신 기한 도래 안내" in subjects["jang.boyoung@example.org"]
    assert "회신 기한 도래 안내" in subjects["sun.hemi@example.org"]  # D-1 skipped, stale
    assert "회신 기한 7일 전 안내" in subjects["eo.sujeong@example.org"]
    assert set(Counter(message_ids(smtp_server.messages)).values()) == {1}


def test_three_days_down_across_monday_restart_sends_that_weeks_digest_once(
    imported: Database, smtp_server: TestServer
) -> None:
    settings = smtp_server.settings()
    requested(imported, settings, DUE)
    run_mornings(imported, settings, date(2022, 2, 28), date(2022, 3, 4))  # Mon digest sent
    assert [m.recipients for m in smtp_server.messages].count([CHAIR]) == 1
    run_as_scheduler(settings, imported, RESTART, RESTART + timedelta(hours=1))
    run_as_scheduler(settings, imported, RESTART + timedelta(hours=2),
                     RESTART + timedelta(hours=3))  # a second restart the same day
    assert [m.recipients for m in smtp_server.messages].count([CHAIR]) == 2


def test_restarts_never_duplicate_jobs_or_what_they_send(
    imported: Database, smtp_server: TestServer
) -> None:
    settings = smtp_server.settings()
    monday = date(2022, 3, 7)
    requested(imported, settings, {p: date(2022, 3, 14) for p in ("1-1", "1-2", "1-4", "1-5",
                                                                  "1-6", "1-9")})
    # Three short lives on the Monday of the digest and of every D-7 (the worker crashes,
    # a supervisor starts it again), then a day of normal running.
    lives = [(kst(monday, 8, 50), kst(monday, 9, 2)), (kst(monday, 9, 1), kst(monday, 9, 20)),
             (kst(monday, 9, 21), kst(monday, 9, 40)), (kst(monday, 9, 41), kst(monday, 18))]
    for start, end in lives:
        assert scheduler_ids(settings, imported, start) == sorted(JOB_IDS)
        run_as_scheduler(settings, imported, start, end)
    to = Counter(m.recipients[0] for m in smtp_server.messages)
    reminded = Counter(m.recipients[0] for m in smtp_server.messages
                       if "7일 전" in str(m.parsed()["Subject"]))
    assert to[CHAIR] == 1
    assert len(reminded) == 6 and set(reminded.values()) == {1}
    assert set(Counter(message_ids(smtp_server.messages)).values()) == {1}
    with imported.transaction() as session:
        assert session.scalar(select(func.count()).select_from(JobRun)
                              .where(JobRun.job == "digest")) == 1


@pytest.mark.parametrize(("first", "last"), [
    (date(2022, 3, 1), date(2022, 3, 29)),  # New York springs forward on Sun 03-13
    (date(2022, 10, 25), date(2022, 11, 22)),  # and falls back on Sun 11-06
])
def test_weekly_digest_fires_once_a_week_at_nine_across_daylight_saving(
    db: Database, first: date, last: date
) -> None:
    zone = ZoneInfo("America/New_York")
    settings = Settings(timezone="America/New_York", chair_email=CHAIR,
                        mail_from="tracker@council.example.org")
    start = datetime(first.year, first.month, first.day, tzinfo=zone).astimezone(UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=zone).astimezone(UTC)
    ran = run_as_scheduler(settings, db, start, end, jobs=("weekly-digest",))
    # a second instance that came up an hour later fires the same Mondays
    run_as_scheduler(settings, db, start + timedelta(hours=1), end + timedelta(hours=1),
                     jobs=("weekly-digest",))
    with db.transaction() as session:
        digests = list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest")
                                       .order_by(OutboxMessage.id)))
        weeks = list(session.scalars(select(JobRun.occasion).order_by(JobRun.id)))
    assert len(ran) == 4 and len(digests) == 4 and len(set(weeks)) == 4
    local = [d.created_at.replace(tzinfo=d.created_at.tzinfo or UTC).astimezone(zone)
             for d in digests]
    assert [(m.weekday(), m.hour, m.minute) for m in local] == [(0, 9, 0)] * 4
