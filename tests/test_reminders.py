"""The reminder sweep, digest and schedule on the sample: right occasion, once, threaded."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from db.models import Item, JobRun, OutboxMessage
from notifications import sender
from tests.sample_contacts import give_emails
from tests.smtp_server import TestServer, smtp_server_fixture  # noqa: F401
from tracker import digest, reminders, workflow
from tracker.clock import utc_now
from tracker.database import Database
from tracker.requests import request_contacts
from tracker.scheduler import make_scheduler

KST = ZoneInfo("Asia/Seoul")
REQUESTED = datetime(2022, 1, 20, 10, tzinfo=KST)
D7 = datetime(2022, 2, 16, 9, 5, tzinfo=KST)  # the sample's 2022-02-23 items, D-7
DUE = datetime(2022, 2, 23, 10, tzinfo=KST)


def requested(db: Database, server: TestServer) -> None:
    give_emails(db)
    with db.transaction() as session:
        request_contacts(session, server.settings(), REQUESTED)
    sender.flush(db, server.settings(), clock=lambda: REQUESTED)
    server.messages.clear()


def sweep_and_send(db: Database, server: TestServer, now: datetime) -> reminders.SweepReport:
    report = reminders.sweep(db, server.settings(), now)
    sender.flush(db, server.settings(), clock=lambda: now)
    return report


def subjects(server: TestServer) -> list[str]:
    return sorted(m.parsed()["Subject"] for m in server.messages)


def test_d7_reminders_are_threaded_under_the_request(imported: Database,
                                                     smtp_server: TestServer) -> None:
    requested(imported, smtp_server)
    sweep_and_send(imported, smtp_server, D7)
    # six contacts have reply-needed items due 2022-02-23 (1-7 is due in July, 1-8 is info)
    assert len(smtp_server.messages) == 6
    assert all("기한 7일 전 안내" in s for s in subjects(smtp_server))
    with imported.transaction() as session:
        requests = {r.recipient: r.message_id for r in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "request"))}
    for received in smtp_server.messages:
        parsed = received.parsed()
        assert parsed["In-Reply-To"] == requests[received.recipients[0]]
        assert "/r/" in parsed.get_body(("plain",)).get_content()


def test_a_second_sweep_sends_nothing_more(imported: Database, smtp_server: TestServer) -> None:
    requested(imported, smtp_server)
    sweep_and_send(imported, smtp_server, D7)
    assert sweep_and_send(imported, smtp_server, D7 + timedelta(minutes=5)).items == 0
    assert len(smtp_server.messages) == 6


def test_nothing_outside_working_hours(imported: Database, smtp_server: TestServer) -> None:
    requested(imported, smtp_server)
    assert sweep_and_send(imported, smtp_server, D7.replace(hour=8)).items == 0
    assert smtp_server.messages == []


def test_three_days_down_gives_one_reminder_each_no_storm(imported: Database,
                                                          smtp_server: TestServer) -> None:
    requested(imported, smtp_server)
    report = sweep_and_send(imported, smtp_server, DUE)  # nothing ran since before D-7
    assert len(smtp_server.messages) == 6
    assert all("회신 기한 도래 안내" in s for s in subjects(smtp_server))
    assert report.skipped == 2 * report.items  # D-7 and D-1 skipped for every item


def test_answered_items_are_not_reminded(imported: Database, smtp_server: TestServer) -> None:
    requested(imported, smtp_server)
    with imported.transaction() as session:
        for item in session.scalars(select(Item).where(Item.key.like("1-1#%"))):
            workflow.submit_response(session, item.id, "반영하겠습니다.", "김윤지")
    sweep_and_send(imported, smtp_server, D7)
    assert "kim.yunji@example.org" not in {m.recipients[0] for m in smtp_server.messages}
    assert len(smtp_server.messages) == 5


def test_overdue_notices_weekly_at_most_four(imported: Database, smtp_server: TestServer) -> None:
    requested(imported, smtp_server)
    moment = datetime(2022, 3, 2, 9, 5, tzinfo=KST)
    for _ in range(56):  # every morning for eight weeks
        sweep_and_send(imported, smtp_server, moment)
        moment += timedelta(days=1)
    kim = [m.parsed()["Subject"] for m in smtp_server.messages
           if m.recipients == ["kim.yunji@example.org"]]
    assert len(kim) == 4 and all("회신 기한 경과 안내" in s for s in kim)
    assert [s.rsplit(", ", 1)[1] for s in kim] == ["7일 경과", "15일 경과", "21일 경과", "28일 경과"]
    with imported.transaction() as session:
        item = session.scalars(select(Item).where(Item.key == "1-1#1")).one()
        assert (item.overdue_notices, item.next_reminder_at) == (4, None)


def test_two_sweeps_at_once_send_each_reminder_once(imported: Database,
                                                    smtp_server: TestServer) -> None:
    requested(imported, smtp_server)
    settings = smtp_server.settings()
    threads = [threading.Thread(target=reminders.sweep, args=(imported, settings, D7))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sender.flush(imported, settings, clock=lambda: D7)
    assert len(smtp_server.messages) == 6


def test_digest_once_per_week(imported: Database, smtp_server: TestServer) -> None:
    requested(imported, smtp_server)
    monday = datetime(2022, 3, 7, 9, tzinfo=KST)
    settings = smtp_server.settings()
    for moment in (monday, monday + timedelta(hours=1), monday + timedelta(days=2)):
        with imported.transaction() as session:
            digest.run_digest(session, settings, moment)
    sender.flush(imported, settings, clock=lambda: monday + timedelta(days=2))
    [received] = smtp_server.messages
    assert received.recipients == ["chair@example.org"]
    body = received.parsed().get_body(("plain",)).get_content()
    assert "일자리정책과" in body and "12일 경과" in body and "회신율" in body
    with imported.transaction() as session:
        assert session.scalar(select(func.count()).select_from(JobRun)) == 1


def test_digest_week_survives_a_daylight_saving_change() -> None:
    # 2022-03-13 02:00 America/New_York springs forward; both Mondays' runs are distinct weeks
    # and two firings around the change inside one week are one occasion.
    zone = "America/New_York"
    before = datetime(2022, 3, 13, 6, 30, tzinfo=UTC)  # Sun 01:30 EST
    after = datetime(2022, 3, 13, 8, 30, tzinfo=UTC)  # Sun 04:30 EDT
    assert digest.occasion_of(before, zone) == digest.occasion_of(after, zone) == "2022-W10"
    assert digest.occasion_of(datetime(2022, 3, 14, 13, tzinfo=UTC), zone) == "2022-W11"


def test_restarting_the_scheduler_never_duplicates_jobs(db: Database) -> None:
    from tracker.config import Settings

    scheduler = BackgroundScheduler(timezone=KST)
    for _ in range(3):
        make_scheduler(db, Settings(), scheduler, clock=utc_now)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"reminder-sweep", "outbox-flush", "weekly-digest"}
    assert len(scheduler.get_jobs()) == 3
    assert all(job.coalesce and job.max_instances == 1 for job in jobs.values())


def test_a_running_scheduler_keeps_one_of_each_job(db: Database) -> None:
    from tracker.config import Settings

    scheduler = BackgroundScheduler(timezone=KST)
    scheduler.start(paused=True)
    try:
        for _ in range(2):
            make_scheduler(db, Settings(), scheduler, clock=utc_now)
        assert sorted(job.id for job in scheduler.get_jobs()) == \
            ["outbox-flush", "reminder-sweep", "weekly-digest"]
    finally:
        scheduler.shutdown(wait=False)


def test_a_retired_contact_gets_no_reminder(imported: Database, smtp_server: TestServer) -> None:
    from tracker import contacts

    requested(imported, smtp_server)
    with imported.transaction() as session:
        jang = next(c for c in contacts.list_contacts(session) if c.name == "장보영")
        contacts.retire_contact(session, jang.id, "sec", REQUESTED)
    sweep_and_send(imported, smtp_server, D7)
    assert len(smtp_server.messages) == 5  # six contacts are due, one retired
    assert not any("jang.boyoung@" in r for m in smtp_server.messages for r in m.recipients)
