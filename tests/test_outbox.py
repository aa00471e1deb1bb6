"""The outbox against a real SMTP server: retries, back-off, failures, leases, concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from db.models import OutboxMessage, OutboxState
from notifications import outbox, sender
from notifications.compose import Draft, Mailbox, make_message
from tests.conftest import POSTGRES_URL
from tests.smtp_server import TestServer, smtp_server_fixture  # noqa: F401
from tracker.database import Database

T0 = datetime(2022, 3, 2, 1, 0, tzinfo=UTC)  # Wed 10:00 KST
LIFETIME = timedelta(days=5)


def put(db: Database, n: int = 1, to: str = "kim@example.org", cc: tuple[str, ...] = (),
        key: str = "test") -> list[int]:
    """Enqueue `n` small Korean messages; returns their outbox ids."""
    ids = []
    with db.transaction() as session:
        for i in range(n):
            draft = Draft(sender=Mailbox("사무국", "tracker@council.example.org"),
                          to=Mailbox("김윤지", to), cc=[Mailbox("참조", c) for c in cc],
                          subject=f"[일자리분과] 시험 {i}", text="본문", html="<p>본문</p>")
            row = outbox.enqueue(session, dedup_key=f"{key}:{i}", kind="request", recipient=to,
                                 cc=cc, subject=draft.subject, message=make_message(draft, T0),
                                 now=T0, lifetime=LIFETIME)
            assert row is not None
            ids.append(row.id)
    return ids


def rows(db: Database) -> dict[int, OutboxMessage]:
    with db.transaction() as session:
        return {r.id: r for r in session.scalars(select(OutboxMessage))}


def flush_at(db: Database, server: TestServer, moment: datetime, **kw: object) -> sender.FlushReport:
    return sender.flush(db, server.settings(**kw), clock=lambda: moment)


def test_enqueue_is_idempotent_on_dedup_key(db: Database) -> None:
    put(db, key="same")
    with db.transaction() as session:
        draft = Draft(Mailbox("a", "a@example.org"), Mailbox("b", "b@example.org"), "s", "t", "h")
        again = outbox.enqueue(session, dedup_key="same:0", kind="request", recipient="b@example.org",
                               subject="s", message=make_message(draft, T0), now=T0,
                               lifetime=LIFETIME)
        assert again is None
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_smtp_down_then_up_delivers_everything_once(db: Database, smtp_server: TestServer) -> None:
    put(db, 5)
    smtp_server.stop()
    down = flush_at(db, smtp_server, T0)
    assert (down.sent, down.retried) == (0, 5)
    assert all(r.state == OutboxState.PENDING and r.attempts == 1 for r in rows(db).values())
    smtp_server.start()
    assert flush_at(db, smtp_server, T0).attempted == 0  # back-off: not due yet
    assert flush_at(db, smtp_server, T0 + timedelta(minutes=1)).sent == 5
    assert flush_at(db, smtp_server, T0 + timedelta(hours=3)).attempted == 0
    assert sorted(m.parsed()["Subject"] for m in smtp_server.messages) == \
        [f"[일자리분과] 시험 {i}" for i in range(5)]


def test_two_hours_down_backoff_grows_capped_then_one_delivery(
    db: Database, smtp_server: TestServer
) -> None:
    [row_id] = put(db)
    smtp_server.stop()
    moment, waits = T0, []
    while moment < T0 + timedelta(hours=2):
        flush_at(db, smtp_server, moment)
        due = rows(db)[row_id].next_attempt_at
        waits.append(due.replace(tzinfo=UTC) - moment if due.tzinfo is None else due - moment)
        moment += waits[-1]
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(waits) == timedelta(hours=1)
    smtp_server.start()
    flush_at(db, smtp_server, moment)
    flush_at(db, smtp_server, moment + timedelta(hours=2))
    assert len(smtp_server.messages) == 1
    assert rows(db)[row_id].state == OutboxState.SENT


def test_4xx_is_retried_and_keeps_message_id(db: Database, smtp_server: TestServer) -> None:
    [row_id] = put(db)
    smtp_server.data_replies.extend(["451 4.3.0 try later", "452 4.3.1 full"])
    flush_at(db, smtp_server, T0)
    flush_at(db, smtp_server, T0 + timedelta(minutes=1))
    assert rows(db)[row_id].state == OutboxState.PENDING
    assert "452" in (rows(db)[row_id].last_error or "")
    flush_at(db, smtp_server, T0 + timedelta(minutes=3))
    row = rows(db)[row_id]
    assert (row.state, row.attempts) == (OutboxState.SENT, 3)
    [received] = smtp_server.messages
    assert received.parsed()["Message-ID"] == row.message_id


def test_4xx_until_lifetime_runs_out_fails_and_alerts(db: Database, smtp_server: TestServer) -> None:
    [row_id] = put(db)
    smtp_server.refuse["kim@example.org"] = "450 4.2.1 mailbox busy"
    moment = T0
    while rows(db)[row_id].state == OutboxState.PENDING:
        flush_at(db, smtp_server, moment)
        moment += timedelta(hours=1)
    assert moment > T0 + LIFETIME - timedelta(hours=2)
    assert rows(db)[row_id].state == OutboxState.FAILED
    [alert] = smtp_server.messages
    assert alert.recipients == ["office@example.org"]
    assert "메일 발송 실패" in alert.parsed()["Subject"]


def test_5xx_fails_at_once_and_the_secretariat_is_told(db: Database, smtp_server: TestServer) -> None:
    [row_id] = put(db)
    smtp_server.refuse["kim@example.org"] = "550 5.1.1 no such user"
    report = flush_at(db, smtp_server, T0)
    assert report.failed == 1
    row = rows(db)[row_id]
    assert row.state == OutboxState.FAILED and "550" in (row.last_error or "")
    [alert] = smtp_server.messages
    assert alert.recipients == ["office@example.org"]
    body = alert.parsed().get_body(("plain",)).get_content()
    assert "kim@example.org" in body and "550" in body


def test_one_of_two_recipients_refused_for_now(db: Database, smtp_server: TestServer) -> None:
    [row_id] = put(db, cc=("lee@example.org",))
    smtp_server.refuse["lee@example.org"] = "450 4.2.1 try again"
    flush_at(db, smtp_server, T0)
    assert rows(db)[row_id].done_recipients == "kim@example.org"
    del smtp_server.refuse["lee@example.org"]
    flush_at(db, smtp_server, T0 + timedelta(minutes=1))
    assert [m.recipients for m in smtp_server.messages] == [["kim@example.org"], ["lee@example.org"]]
    assert rows(db)[row_id].state == OutboxState.SENT


def test_one_of_two_recipients_refused_for_good(db: Database, smtp_server: TestServer) -> None:
    [row_id] = put(db, cc=("gone@example.org",))
    smtp_server.refuse["gone@example.org"] = "550 5.1.1 no such user"
    flush_at(db, smtp_server, T0)
    assert rows(db)[row_id].state == OutboxState.SENT
    assert [m.recipients for m in smtp_server.messages] == [["kim@example.org"],
                                                           ["office@example.org"]]


def test_row_of_a_dead_sender_is_claimed_again_after_the_lease(
    db: Database, smtp_server: TestServer
) -> None:
    put(db, 3)
    with db.transaction() as session:  # a sender claims, then dies before sending
        assert len(outbox.claim(session, "dead:1", T0, 10, timedelta(seconds=300))) == 3
    assert flush_at(db, smtp_server, T0 + timedelta(seconds=299)).attempted == 0
    assert flush_at(db, smtp_server, T0 + timedelta(seconds=301)).sent == 3
    assert len(smtp_server.messages) == 3
    assert {r.claimed_by for r in rows(db).values()} != {"dead:1"}


def test_exception_before_commit_leaves_no_row(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        draft = Draft(Mailbox("a", "a@example.org"), Mailbox("b", "b@example.org"), "s", "t", "h")
        outbox.enqueue(session, dedup_key="x", kind="request", recipient="b@example.org",
                       subject="s", message=make_message(draft, T0), now=T0, lifetime=LIFETIME)
        raise RuntimeError("boom")
    assert rows(db) == {}


def test_backoff_is_exponential_and_capped() -> None:
    assert [outbox.backoff(n) for n in (1, 2, 3, 6, 7, 50)] == [
        timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4),
        timedelta(minutes=32), timedelta(hours=1), timedelta(hours=1)]


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TRACKER_TEST_DATABASE_URL (PostgreSQL)")
def test_two_senders_on_postgresql_deliver_each_message_once(
    db: Database, smtp_server: TestServer
) -> None:
    put(db, 300)
    settings = smtp_server.settings()

    def work(worker: str) -> None:
        sender.flush(db, settings, worker_id=worker, clock=lambda: T0, batch=20)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [m.parsed()["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == 300 and len(set(ids)) == 300
    assert {r.state for r in rows(db).values()} == {OutboxState.SENT}
    assert len({r.claimed_by for r in rows(db).values()}) == 2
