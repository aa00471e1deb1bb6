"""The outbox against a real loopback SMTP server that goes down, cuts the line after the
final dot, or refuses one recipient of two (RELIABILITY.md 14, 15, 17)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from db.models import OutboxState
from notifications import sender
from tests.reliability.harness import DropAfterDot, outbox_rows, put
from tests.smtp_server import TestServer, smtp_server_fixture  # noqa: F401
from tracker.database import Database

T0 = datetime(2022, 3, 2, 1, 0, tzinfo=UTC)  # Wed 10:00 KST
FLUSH_EVERY = timedelta(seconds=30)  # tracker.scheduler.FLUSH_SECONDS


@pytest.fixture
def dropping_server() -> Iterator[TestServer]:
    """An SMTP server that cuts the first connection after the final dot, before its 250."""
    server = TestServer(DropAfterDot(drops=1))
    server.start()
    yield server
    server.stop()


def test_smtp_down_two_simulated_hours_then_every_pending_message_arrives_once(
    db: Database, smtp_server: TestServer
) -> None:
    early = put(db, 12, now=T0, key="early", cc=("lee@example.org",))
    smtp_server.stop()
    moment, late = T0, []
    while moment < T0 + timedelta(hours=2):  # the scheduler's flush, every 30 s
        sender.flush(db, smtp_server.settings(), clock=lambda m=moment: m)
        if moment == T0 + timedelta(minutes=45):  # mail keeps being written meanwhile
            late = put(db, 8, now=moment, key="late")
        moment += FLUSH_EVERY
    assert smtp_server.messages == []
    assert {r.state for r in outbox_rows(db)} == {OutboxState.PENDING}
    attempts = [r.attempts for r in outbox_rows(db)]
    assert max(attempts) <= 8  # back-off (1, 2, 4 … 60 min), not 240 tries
    smtp_server.start()
    end = moment + timedelta(hours=2)
    while moment < end:
        sender.flush(db, smtp_server.settings(), clock=lambda m=moment: m)
        moment += FLUSH_EVERY
    arrived = Counter(str(m.parsed()["Message-ID"]) for m in smtp_server.messages)
    assert set(arrived) == set(early) | set(late)
    assert set(arrived.values()) == {1}
    assert {r.state for r in outbox_rows(db)} == {OutboxState.SENT}
    assert all(m.recipients == ["kim@example.org", "lee@example.org"]
               for m in smtp_server.messages if str(m.parsed()["Message-ID"]) in early)


def test_connection_cut_after_final_dot_retries_same_message_id_and_logs_possible_duplicate(
    db: Database, dropping_server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    [message_id] = put(db, 1, now=T0)
    handler = dropping_server.handler
    assert isinstance(handler, DropAfterDot)
    with caplog.at_level(logging.WARNING, logger="notifications"):
        first = sender.flush(db, dropping_server.settings(), clock=lambda: T0)
        assert (first.sent, first.retried) == (0, 1)
        [row] = outbox_rows(db)
        assert row.state == OutboxState.PENDING and "Disconnected" in (row.last_error or "")
        sender.flush(db, dropping_server.settings(), clock=lambda: T0 + timedelta(minutes=1))
    copies = handler.dropped + dropping_server.messages
    assert [str(m.parsed()["Message-ID"]) for m in copies] == [message_id, message_id]
    assert copies[0].data == copies[1].data  # the very same bytes, built once
    [row] = outbox_rows(db)
    assert (row.state, row.attempts) == (OutboxState.SENT, 2)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("twice" in w and message_id in w for w in warnings), warnings


def test_one_of_two_recipients_refused_three_times_accepted_one_gets_a_single_copy(
    db: Database, smtp_server: TestServer
) -> None:
    put(db, 1, now=T0, cc=("lee@example.org",))
    smtp_server.refuse["lee@example.org"] = "451 4.3.0 greylisted"
    moment = T0
    for _ in range(3):
        sender.flush(db, smtp_server.settings(), clock=lambda m=moment: m)
        [row] = outbox_rows(db)
        assert row.done_recipients == "kim@example.org"  # recorded per recipient
        assert row.state == OutboxState.PENDING and "451" in (row.last_error or "")
        moment = row.next_attempt_at.replace(tzinfo=UTC)
    del smtp_server.refuse["lee@example.org"]
    sender.flush(db, smtp_server.settings(), clock=lambda: moment)
    sender.flush(db, smtp_server.settings(), clock=lambda: moment + timedelta(hours=6))
    assert [m.recipients for m in smtp_server.messages] == [["kim@example.org"],
                                                           ["lee@example.org"]]
    [row] = outbox_rows(db)
    assert row.state == OutboxState.SENT and row.attempts == 4
    assert row.done_recipients == "kim@example.org,lee@example.org"


def test_a_permanent_refusal_beside_a_temporary_one_still_alerts_the_secretariat(
    db: Database, smtp_server: TestServer
) -> None:
    put(db, 1, now=T0, cc=("busy@example.org", "gone@example.org"))
    smtp_server.refuse["busy@example.org"] = "452 4.2.2 over quota"
    smtp_server.refuse["gone@example.org"] = "550 5.1.1 no such user"
    sender.flush(db, smtp_server.settings(), clock=lambda: T0)
    del smtp_server.refuse["busy@example.org"]
    sender.flush(db, smtp_server.settings(), clock=lambda: T0 + timedelta(minutes=1))
    sender.flush(db, smtp_server.settings(), clock=lambda: T0 + timedelta(minutes=2))
    delivered = [m.recipients for m in smtp_server.messages]
    assert ["kim@example.org"] in delivered and ["busy@example.org"] in delivered
    alerts = [m for m in smtp_server.messages if m.recipients == ["office@example.org"]]
    assert len(alerts) == 1
    assert "gone@example.org" in alerts[0].parsed().get_body(("plain",)).get_content()
