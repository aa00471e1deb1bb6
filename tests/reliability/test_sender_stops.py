"""A sender killed or stopped while a slow server is answering (issue 12.1): each message's
outcome is recorded as its 250 arrives, so a crash re-sends at most the messages in flight
(one per connection) and a SIGTERM or Ctrl+C re-sends none.

Real parts: `tracker send` as a child process, an aiosmtpd server on loopback that stores
each message and only then, after a delay, answers 250 (the worst moment to die), and the
test database (SQLite file, or PostgreSQL with TRACKER_TEST_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from db.models import OutboxState
from notifications import sender
from tests.reliability.harness import message_ids, outbox_rows, put
from tests.smtp_server import Handler, Received, TestServer
from tracker.database import Database

TRACKER = str(Path(sys.executable).with_name("tracker"))
CONNECTIONS = 4
MESSAGES = 60
LEASE = 300


@dataclass
class SlowHandler(Handler):
    """Stores the message at the final dot, then waits `delay` seconds before its 250."""

    delay: float = 0.3

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.original_content or envelope.content)))
        await asyncio.sleep(self.delay)
        return "250 Message accepted"


@pytest.fixture
def slow_server() -> Iterator[TestServer]:
    """A loopback SMTP server that takes 0.3 s to answer each message."""
    server = TestServer(SlowHandler())
    server.start()
    yield server
    server.stop()


def start_send(database_url: str, server: TestServer, tmp_path: Path) -> subprocess.Popen[str]:
    """`tracker send` in a child process, sending to `server` over CONNECTIONS connections."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env |= {"TRACKER_SMTP_HOST": "127.0.0.1", "TRACKER_SMTP_PORT": str(server.port),
            "TRACKER_SMTP_CONNECTIONS": str(CONNECTIONS), "TRACKER_SMTP_TIMEOUT_SECONDS": "20",
            "TRACKER_MAIL_FROM": "tracker@council.example.org",
            "TRACKER_OUTBOX_LEASE_SECONDS": str(LEASE)}
    return subprocess.Popen([TRACKER, "--db", database_url, "send"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(server: TestServer, count: int, child: subprocess.Popen[str]) -> None:
    """Until the server has stored `count` messages (bounded; fails if the child ends first)."""
    deadline = time.monotonic() + 60
    while len(server.messages) < count:
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the sender never got going"
        time.sleep(0.02)


def copies(server: TestServer) -> Counter[str]:
    """How many times the server got each Message-ID."""
    return Counter(message_ids(server.messages))


def test_a_sender_killed_mid_batch_resends_at_most_the_messages_in_flight(
    db: Database, database_url: str, slow_server: TestServer, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = datetime.now(UTC)
    expected = put(db, MESSAGES, now=now)
    child = start_send(database_url, slow_server, tmp_path)
    try:
        wait_for(slow_server, MESSAGES // 3, child)
    finally:
        child.kill()  # SIGKILL: no handler, no clean-up
        child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert len(slow_server.messages) < MESSAGES  # it really died mid-way
    # Restarted after the lease: the rows the dead sender held are claimed again.
    with caplog.at_level(logging.WARNING, logger="notifications"):
        sender.flush(db, slow_server.settings(smtp_connections=CONNECTIONS),
                     clock=lambda: now + timedelta(seconds=LEASE + 120))
    arrived = copies(slow_server)
    assert set(arrived) == set(expected)
    twice = [message_id for message_id, n in arrived.items() if n > 1]
    assert max(arrived.values()) <= 2 and len(twice) <= CONNECTIONS, arrived
    assert {r.state for r in outbox_rows(db)} == {OutboxState.SENT}
    warnings = "\n".join(r.getMessage() for r in caplog.records)
    assert all(message_id in warnings for message_id in twice)  # logged as possible twins


def test_sigterm_finishes_the_messages_in_flight_records_them_and_leaves_the_rest_queued(
    db: Database, database_url: str, slow_server: TestServer, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    expected = put(db, MESSAGES, now=now)
    child = start_send(database_url, slow_server, tmp_path)
    try:
        wait_for(slow_server, MESSAGES // 3, child)
        child.send_signal(signal.SIGTERM)
        started = time.monotonic()
        _, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert time.monotonic() - started < sender.STOP_GRACE_SECONDS + 2
    assert child.returncode == 130 and "중단했습니다" in err, err
    assert len(slow_server.messages) < MESSAGES
    rows = outbox_rows(db)
    assert OutboxState.SENDING not in {r.state for r in rows}  # nothing waits for a lease
    sent = {r.message_id for r in rows if r.state == OutboxState.SENT}
    assert sent == set(copies(slow_server))  # every 250 it got was recorded
    # Started again at once (no lease to wait for): the rest goes, nothing twice.
    sender.flush(db, slow_server.settings(smtp_connections=CONNECTIONS), clock=lambda: now)
    arrived = copies(slow_server)
    assert set(arrived) == set(expected) and set(arrived.values()) == {1}


def test_a_second_ctrl_c_exits_at_once(
    db: Database, database_url: str, slow_server: TestServer, tmp_path: Path
) -> None:
    handler = slow_server.handler
    assert isinstance(handler, SlowHandler)
    handler.delay = 20.0  # the messages in flight would hold the first Ctrl+C for seconds
    put(db, 10, now=datetime.now(UTC))
    child = start_send(database_url, slow_server, tmp_path)
    try:
        wait_for(slow_server, 1, child)
        child.send_signal(signal.SIGINT)
        time.sleep(0.3)
        assert child.poll() is None  # the first one waits for the messages in flight
        child.send_signal(signal.SIGINT)
        started = time.monotonic()
        child.communicate(timeout=30)
    finally:
        child.kill()
    assert time.monotonic() - started < 2
    assert child.returncode == 130
