"""Load: eight writers and the sweep at once on one database (RELIABILITY.md 24), and
5,000 items due the same day (25). The writers really run concurrently for
TRACKER_RELIABILITY_SECONDS (default 30, as RELIABILITY.md says; set it lower for a quick
local run).
"""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from db.models import Committee, Contact, Department, Item, ItemStatus, Meeting, OutboxState
from notifications import sender
from tests.reliability.harness import SECONDS, CountingHandler, Tally, outbox_rows, until
from tests.smtp_server import TestServer
from tests.web_factory import (
    add_user,
    csrf_of,
    give_emails,
    issue,
    item_ids,
    login,
    make_client,
)
from tracker import reminders
from tracker.database import Database
from tracker.requests import request_contacts

KST = ZoneInfo("Asia/Seoul")
REPLIERS = ("김윤지", "장보영", "선헤미", "어수정")  # the sample's contacts with two-ish items


@pytest.fixture
def counting_server() -> Iterator[TestServer]:
    """A loopback SMTP server that also counts the sessions opened to it."""
    server = TestServer(CountingHandler())
    server.start()
    yield server
    server.stop()


def replier(db: Database, name: str, tally: Tally) -> Callable[[float], None]:
    """A department contact saving drafts and submitting replies through the reply page; when
    the sweep's reminder has replaced the link (410), the newest link is issued again."""
    client = make_client(db, address=f"198.51.100.{len(tally.counts) + 10}")
    ids = item_ids(db, name)

    def work(deadline: float) -> None:
        token: str | None = None
        csrf = ""
        for n in until(deadline):
            if token is None:
                token = issue(db, name)
                page = client.get(f"/r/{token}")
                check(tally, f"reply {name}", page.status_code)
                if page.status_code != 200:
                    token = None
                    continue
                csrf = csrf_of(page.text)
            action = "draft" if n % 3 == 0 else "submit"
            answer = client.post(f"/r/{token}/items/{ids[n % len(ids)]}", data={
                "csrf": csrf, "text": f"{name} 회신 {n}", "kind": "추진중", "action": action})
            check(tally, f"reply {name}", answer.status_code)
            if answer.status_code == 410:
                token = None

    return work


def editor(db: Database, n: int, tally: Tally) -> Callable[[float], None]:
    """The secretariat in the console: due dates and returns for revision, all items."""
    client = make_client(db, address=f"203.0.113.{n}")
    login(client, "sec")
    with db.transaction() as session:
        everything = list(session.scalars(select(Item.id).order_by(Item.id)))

    def work(deadline: float) -> None:
        csrf = csrf_of(client.get("/console").text)
        for k in until(deadline):
            item_id = everything[(k * 5 + n) % len(everything)]
            if k % 2:
                due = (date(2022, 3, 1) + timedelta(days=k % 20)).isoformat()
                answer = client.post(f"/console/items/{item_id}/due",
                                     data={"csrf": csrf, "due": due})
            else:
                answer = client.post(f"/console/items/{item_id}/return",
                                     data={"csrf": csrf, "comment": "보완 부탁드립니다"})
            check(tally, f"editor {n}", answer.status_code)

    return work


def check(tally: Tally, who: str, status: int) -> None:
    """Count a request; a 5xx is what a user must never see."""
    tally.add(who)
    if status >= 500:
        tally.failures.append(f"{who}: HTTP {status}")


def sweeper(db: Database, server: TestServer, tally: Tally) -> Callable[[float], None]:
    """The worker: a reminder sweep and a flush, one simulated working morning after another."""
    settings = server.settings()

    def work(deadline: float) -> None:
        for n in until(deadline):
            moment = datetime(2022, 2, 14, 9, 5, tzinfo=KST).astimezone(UTC) + timedelta(days=n)
            reminders.sweep(db, settings, moment)
            sender.flush(db, settings, clock=lambda m=moment: m)
            tally.add("sweep")

    return work


def run_for(seconds: float, workers: list[Callable[[float], None]], tally: Tally) -> None:
    """Run every worker in its own thread until `seconds` have passed; collect what escaped."""
    deadline = time.monotonic() + seconds
    start = threading.Barrier(len(workers))

    def guarded(work: Callable[[float], None]) -> None:
        try:
            start.wait()
            work(deadline)
        except Exception as exc:  # noqa: BLE001 — what would reach a user
            tally.failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=guarded, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    assert not any(t.is_alive() for t in threads), "a writer hung"


def test_eight_concurrent_writers_and_the_sweep_never_show_database_is_locked(
    imported: Database, counting_server: TestServer
) -> None:
    give_emails(imported)
    add_user(imported, "sec", "secretariat")
    with imported.transaction() as session:
        request_contacts(session, counting_server.settings(),
                         datetime(2022, 1, 20, 1, tzinfo=UTC))
    tally = Tally()
    workers = [replier(imported, name, tally) for name in REPLIERS]
    workers += [editor(imported, n, tally) for n in range(4)]
    workers.append(sweeper(imported, counting_server, tally))
    run_for(SECONDS, workers, tally)
    assert tally.failures == []
    assert len(tally.counts) == 9 and min(tally.counts.values()) >= 3, tally.counts
    with imported.transaction() as session:  # every revision whole and numbered 1..n
        for item in session.scalars(select(Item)):
            assert [r.revision for r in item.responses] == list(range(1, len(item.responses) + 1))
    assert len(counting_server.messages) > 8  # the sweep's mail went out meanwhile


def many_items(db: Database, count: int, per_contact: int, due: date, tag: str) -> None:
    """`count` requested items of a fresh meeting, `per_contact` per contact, all due `due`,
    each waiting for its D-7 reminder (bulk inserts: the set-up is not what is measured)."""
    d7 = datetime.combine(due - timedelta(days=7), datetime.min.time().replace(hour=9),
                          tzinfo=KST).astimezone(UTC)
    with db.transaction() as session:
        committee = session.scalar(select(Committee)) or Committee(name="일자리분과")
        department = session.scalar(select(Department)) or Department(name="일자리정책과")
        meeting = Meeting(committee=committee, held_on=due - timedelta(days=40))
        session.add_all([committee, department, meeting])
        session.flush()
        contacts = [Contact(department_id=department.id, name=f"담당{tag}{n}",
                            email=f"c{tag}{n}@example.org") for n in range(count // per_contact)]
        session.add_all(contacts)
        session.flush()
        session.execute(insert(Item), [dict(
            meeting_id=meeting.id, key=f"{tag}-{n}#1", position=1, text=f"의견 {n} " * 20,
            needs_reply=True, contact_id=contacts[n // per_contact].id, due_date=due,
            due_reason="test", due_source="manual", status=ItemStatus.REQUESTED,
            requested_at=d7 - timedelta(days=20), next_reminder_at=d7, reminders_sent=0,
            overdue_notices=0) for n in range(count)])


def swept_peak(db: Database, server: TestServer, due: date) -> tuple[int, int]:
    """(peak bytes traced, e-mails enqueued) of the sweep on the D-7 morning of `due`."""
    moment = datetime.combine(due - timedelta(days=7), datetime.min.time().replace(hour=9, minute=5),
                              tzinfo=KST).astimezone(UTC)
    tracemalloc.start()
    try:
        report = reminders.sweep(db, server.settings(), moment)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.errors == 0
    return peak, report.enqueued


def test_5000_items_due_the_same_day_bounded_smtp_connections_and_memory(
    db: Database, counting_server: TestServer
) -> None:
    many_items(db, 1000, 25, date(2022, 3, 14), "a")
    many_items(db, 5000, 25, date(2022, 3, 17), "b")  # D-7 Thu 03-10: no shared slot
    small, small_mails = swept_peak(db, counting_server, date(2022, 3, 14))
    large, large_mails = swept_peak(db, counting_server, date(2022, 3, 17))
    assert (small_mails, large_mails) == (40, 200)
    assert large < 64 * 2**20  # generous: tens of megabytes at most
    assert large < 2.5 * small, (small, large)  # five times the items, not five times the memory
    settings = counting_server.settings(smtp_connections=3)
    report = sender.flush(db, settings, clock=lambda: datetime(2022, 3, 10, 1, tzinfo=UTC))
    assert report.sent == 240 and len(counting_server.messages) == 240
    handler = counting_server.handler
    assert isinstance(handler, CountingHandler)
    assert 1 <= handler.sessions <= settings.smtp_connections
    assert {r.state for r in outbox_rows(db)} == {OutboxState.SENT}
