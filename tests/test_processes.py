"""Several real processes on one PostgreSQL database (RELIABILITY.md 18, 20, 22): two
`tracker serve --no-scheduler` and two `tracker worker`, an aiosmtpd server on loopback.
Requests are sent through both web processes at once; the workers sweep, flush and try the
digest every second. Every request, every reminder and the week's digest arrive once.

The workers run on a shifted clock (`--clock-start`, a hidden test option) that starts just
after the items' first reminder slot, in working hours, whatever the real time is.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from db.models import Item, JobRun, OutboxMessage, OutboxState
from notifications.policy import next_business_day
from tests.conftest import POSTGRES_URL
from tests.reliability.harness import message_ids
from tests.sample_contacts import give_emails
from tests.smtp_server import TestServer, free_port, smtp_server_fixture  # noqa: F401
from tracker import accounts
from tracker.database import Database

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="several processes need a shared server database: "
                             "set TRACKER_TEST_DATABASE_URL=postgresql://…")

TRACKER = str(Path(sys.executable).with_name("tracker"))
KST = ZoneInfo("Asia/Seoul")
PASSWORD = "correct horse battery"
BUDGET = 45.0  # seconds for the processes to deliver everything; the test stays under 60 s
CHAIR = "chair@example.org"


class Processes:
    """Child `tracker` processes, their logs in files; all stopped by stop_all()."""

    def __init__(self, folder: Path, environment: dict[str, str]) -> None:
        self.folder, self.environment = folder, environment
        self.children: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """`tracker ARGS` in the background, stdout and stderr to `name`.log."""
        log = self.folder / f"{name}.log"
        with log.open("wb") as out:
            child = subprocess.Popen([TRACKER, *args], stdout=out, stderr=subprocess.STDOUT,
                                     env=self.environment, cwd=self.folder)
        self.children.append((child, log))
        return child

    def logs(self) -> str:
        """Every child's output, for a failure message."""
        return "\n".join(f"== {log.name}\n{log.read_text(errors='replace')[-3000:]}"
                         for _, log in self.children)

    def stop_all(self) -> None:
        """SIGTERM each child, then SIGKILL what is still running after 5 s."""
        for child, _ in self.children:
            if child.poll() is None:
                child.terminate()
        for child, _ in self.children:
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=5)


@pytest.fixture
def processes(tmp_path: Path, smtp_server: TestServer) -> Iterator[Processes]:
    """A process group sending to the test SMTP server; stopped at the end, pass or fail."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    environment |= {
        "TRACKER_SMTP_HOST": "127.0.0.1", "TRACKER_SMTP_PORT": str(smtp_server.port),
        "TRACKER_SMTP_TIMEOUT_SECONDS": "5", "TRACKER_MAIL_FROM": "tracker@council.example.org",
        "TRACKER_SECRETARIAT_EMAIL": "office@example.org", "TRACKER_CHAIR_EMAIL": CHAIR,
        "TRACKER_BASE_URL": "http://tracker.example.org", "TRACKER_SECRET_KEY": "s" * 64,
        "TRACKER_LOG_FORMAT": "json",
    }
    group = Processes(tmp_path, environment)
    try:
        yield group
    finally:
        group.stop_all()


def test_two_web_and_two_worker_processes_deliver_each_message_exactly_once(
    imported: Database, database_url: str, smtp_server: TestServer, processes: Processes
) -> None:
    due = prepare(imported)
    ports = [free_port(), free_port()]
    for n, port in enumerate(ports):
        processes.start(f"serve-{n}", "--db", database_url, "serve", "--no-scheduler",
                        "--port", str(port))
    deadline = time.monotonic() + BUDGET
    for port in ports:
        assert wait_healthy(port, deadline) in (200, 503), processes.logs()
    # Both web processes asked at once: one for a department, one for everyone.
    sessions = [Console(port) for port in ports]
    threads = [threading.Thread(target=s.send_requests, args=(d,))
               for s, d in zip(sessions, ["일자리정책과", ""], strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert [s.status for s in sessions] == [200, 200], processes.logs()

    slot = first_slot(imported)
    assert slot.astimezone(KST).date() < due  # the D-7 reminder comes first
    start = (slot + timedelta(minutes=1)).astimezone(KST).strftime("%Y-%m-%dT%H:%M:%S%z")
    for n in (1, 2):
        processes.start(f"worker-{n}", "--db", database_url, "worker", "--sweep-seconds", "1",
                        "--flush-seconds", "1", "--digest-seconds", "1", "--clock-start", start)
    expected = 8 + 7 + 1  # 7 requests + 1 info e-mail, 7 reminders (D-7), the digest
    wait_for(lambda: len(smtp_server.messages) >= expected, deadline)
    time.sleep(3)  # three more rounds of every job: nothing more may arrive

    rows = outbox(imported)
    kinds = Counter(kind for kind, _, _ in rows)
    assert kinds == {"request": 7, "info": 1, "reminder": 7, "digest": 1}, processes.logs()
    assert {state for _, state, _ in rows} == {OutboxState.SENT}
    arrived = Counter(message_ids(smtp_server.messages))
    assert arrived == Counter({message_id: 1 for _, _, message_id in rows}), processes.logs()
    assert Counter(m.recipients[0] for m in smtp_server.messages)[CHAIR] == 1
    with imported.transaction() as session:
        digests = session.scalar(select(func.count()).where(JobRun.job == "digest"))
    assert digests == 1
    assert sent_events(processes) == expected  # one JSON log line per delivery, with its id
    assert wait_healthy(ports[0], deadline) == 200  # the workers stamped their sweeps
    status = subprocess.run([TRACKER, "--db", database_url, "status", "--format", "json"],
                            capture_output=True, text=True, env=processes.environment,
                            timeout=20)
    assert status.returncode == 0, status.stdout + status.stderr
    report = json.loads(status.stdout)
    assert report["overall"] == "ok" and report["last_sweep_at"] is not None, report
    assert report["backlog"]["pending"] == 0


def prepare(db: Database) -> date:
    """The sample with addresses, a secretariat user, and every item due in about two weeks
    (so its first reminder, D-7, lies ahead of the requests sent now); returns the due day."""
    give_emails(db)
    due = next_business_day(datetime.now(KST).date() + timedelta(days=14))
    with db.transaction() as session:
        accounts.add_user(session, "sec", PASSWORD, accounts.role("secretariat"), actor="test")
        session.execute(update(Item).values(due_date=due))
    return due


def first_slot(db: Database) -> datetime:
    """The earliest next_reminder_at the requests set (UTC)."""
    with db.transaction() as session:
        slot = session.scalar(select(func.min(Item.next_reminder_at)))
    assert slot is not None
    return slot.astimezone(UTC)


def outbox(db: Database) -> list[tuple[str, OutboxState, str]]:
    """(kind, state, Message-ID) of every outbox row."""
    with db.transaction() as session:
        query = select(OutboxMessage.kind, OutboxMessage.state, OutboxMessage.message_id)
        return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def sent_events(processes: Processes) -> int:
    """How many `outbox.sent` JSON log lines the workers wrote (each with an outbox_id)."""
    count = 0
    for _, log in processes.children:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                event = json.loads(line)
                if event.get("event") == "outbox.sent":
                    assert isinstance(event["outbox_id"], int) and event["worker"]
                    count += 1
    return count


class Console:
    """A secretariat's browser on one web process: logs in, posts the request form."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()))
        self.status = 0

    def send_requests(self, department: str) -> None:
        """Log in and send the requests of `department` ("" for every department)."""
        form = self.get("/console/login")
        self.post("/console/login", username="sec", password=PASSWORD, csrf=csrf_of(form))
        csrf = csrf_of(self.get("/console"))
        self.post("/console/requests", department=department, csrf=csrf, confirm="1")

    def get(self, path: str) -> str:
        """The page at `path`."""
        with self.opener.open(self.base + path, timeout=15) as response:
            return str(response.read().decode())

    def post(self, path: str, **fields: str) -> None:
        """Post a form; keep the final status."""
        data = urllib.parse.urlencode(fields).encode()
        with self.opener.open(self.base + path, data=data, timeout=15) as response:
            self.status = response.status


def csrf_of(html: str) -> str:
    """The first CSRF token of a page."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def wait_healthy(port: int, deadline: float) -> int:
    """The status code of /healthz once the process answers (200 or 503)."""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                return int(r.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError:
            time.sleep(0.2)
    return 0


def wait_for(condition: object, deadline: float) -> None:
    """Poll `condition()` every 0.2 s until it holds or the deadline passes."""
    assert callable(condition)
    while time.monotonic() < deadline and not condition():
        time.sleep(0.2)
