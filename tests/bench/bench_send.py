"""Benchmark (not a test): `tracker send` end to end for 1,000 and 10,000 contacts into
Postfix smtp-sink, beside naive smtplib, on SQLite and (with --pg) PostgreSQL.

Each contact has one new item of one meeting, with its own program and department, so
`tracker send` renders, links, marks, enqueues and delivers one request per contact. The
command runs as a process (`/usr/bin/time` gives its wall time and peak RSS, beside
`tracker --help`'s). The baseline, in the same run and into the same sink: plain smtplib,
one EmailMessage built per send, on a new connection each time (as a script would do it),
measured on 1,000 messages.

Run from the project root (PostgreSQL optional, its database is emptied first):
  .venv/bin/python -m tests.bench.bench_send [--counts 1000,10000]
      [--pg postgresql://root@/tracker_send_bench]
"""

from __future__ import annotations

import argparse
import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import func, insert, select

from db.models import Committee, Contact, Department, Item, ItemStatus, Meeting, OutboxMessage
from db.models import Program as ProgramRow
from tests.bench import sweep_data
from tests.bench.bench_outbox import start_smtp_sink, stop
from tests.bench.common import machine
from tests.smtp_server import free_port
from tracker.database import open_database

TRACKER = str(Path(sys.executable).with_name("tracker"))
NAIVE = 1_000
OPINION = ("참여자 수와 취업 연계 실적을 분기별로 보고해 주시고, 내년도 예산 확보 방안을 "
           "마련하여 주시기 바랍니다.")


def populate(url: str, contacts: int) -> None:
    """`contacts` contacts in 40 departments, each with one NEW item of one meeting."""
    database = open_database(url)
    stamp = datetime.now(UTC)
    with database.engine.begin() as connection:
        connection.execute(insert(Committee), [{"id": 1, "name": "일자리분과"}])
        connection.execute(insert(Meeting), [{"id": 1, "committee_id": 1,
                                              "held_on": date(2024, 5, 14), "imported_at": stamp}])
        connection.execute(insert(Department), [{"id": d, "name": f"일자리정책{d}과"}
                                                for d in range(1, 41)])
        connection.execute(insert(Contact), [
            {"id": c, "department_id": c % 40 + 1, "name": f"담당자{c}",
             "email": f"contact{c}@city.example.org"} for c in range(1, contacts + 1)])
        connection.execute(insert(ProgramRow), [
            {"id": c, "plan_year": 2024, "number": f"{c // 1000 + 1}-{c % 1000 + 1}",
             "name": f"청년 일자리 지원 사업 {c}", "priority": False}
            for c in range(1, contacts + 1)])
        connection.execute(insert(Item), [
            {"id": c, "meeting_id": 1, "key": f"k{c}", "program_id": c, "position": 1,
             "text": OPINION, "needs_reply": True, "contact_id": c,
             "due_date": date(2024, 6, 18), "due_reason": "다음 회의일",
             "due_source": "next_meeting", "status": ItemStatus.NEW,
             "reminders_sent": 0, "overdue_notices": 0, "created_at": stamp,
             "updated_at": stamp} for c in range(1, contacts + 1)])
    database.engine.dispose()


def timed(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of running `args` under /usr/bin/time."""
    result = subprocess.run(["/usr/bin/time", "-f", "%e %M", *args], env=env, cwd=cwd,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    seconds, kilobytes = result.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kilobytes) / 1024


def environment(url: str, port: int) -> dict[str, str]:
    """The process environment of `tracker send`: database, sink, keys."""
    return {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_SMTP_HOST": "127.0.0.1",
            "TRACKER_SMTP_PORT": str(port), "TRACKER_MAIL_FROM": "tracker@council.example.org",
            "TRACKER_SECRETARIAT_EMAIL": "office@council.example.org",
            "TRACKER_BASE_URL": "https://tracker.council.example.org",
            "TRACKER_SECRET_KEY": "bench-" + "k" * 40, "TRACKER_SMTP_CONNECTIONS": "8"}


def sent(url: str) -> int:
    """How many outbox rows are SENT."""
    database = open_database(url)
    with database.transaction() as session:
        count = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.state == "sent")) or 0
    database.engine.dispose()
    return count


def naive(n: int, port: int) -> float:
    """Seconds for smtplib to send `n` requests, one EmailMessage and one connection each."""
    start = time.perf_counter()
    for i in range(n):
        message = EmailMessage()
        message["From"] = "모니터링 후속조치 사무국 <tracker@council.example.org>"
        message["To"] = f"담당자{i} <contact{i}@city.example.org>"
        message["Subject"] = f"[일자리분과] 모니터링 의견 후속조치 회신 요청 (1-{i}) - 기한 2024-06-18"
        body = f"일자리정책과 담당자{i} 님께\n\n{OPINION}\n\nhttps://tracker.example.org/r/{i:043d}\n"
        message.set_content(body)
        message.add_alternative(f"<p>{body}</p>", subtype="html")
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(message)
    return time.perf_counter() - start


def one_database(name: str, make_url: Callable[[int], str], counts: list[int], port: int,
                 naive_rate: float, help_mb: float) -> None:
    """`tracker send` for each count on one database kind; one line each."""
    per_request = {}
    for n in counts:
        url = make_url(n)
        populate(url, n)
        with tempfile.TemporaryDirectory() as cwd:
            seconds, mb = timed([TRACKER, "send"], environment(url, port), Path(cwd))
        assert sent(url) == n, f"{name}: not every request was sent"
        per_request[n] = seconds / n
        print(f"{name:<10} tracker send, {n:>6,} contacts: {seconds:6.2f} s, {n / seconds:6,.0f} "
              f"requests/s = {n / seconds / naive_rate:4.1f}x naive; peak RSS {mb:5.1f} MB "
              f"(+{mb - help_mb:.1f} MB over tracker --help)")
    if len(counts) > 1:
        low, high = min(counts), max(counts)
        print(f"{name:<10} cost per request at {high:,} / at {low:,}: "
              f"{per_request[high] / per_request[low]:.2f}x")


def main() -> None:
    """Baselines first, then `tracker send` on SQLite and, with --pg, PostgreSQL."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", default="1000,10000")
    parser.add_argument("--pg", default="")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as cwd:
        help_s, help_mb = timed([TRACKER, "--help"], dict(os.environ), Path(cwd))
    print(f"tracker --help: {help_s:.2f} s, peak RSS {help_mb:.1f} MB")
    sink = start_smtp_sink(port := free_port())
    try:
        naive_s = naive(NAIVE, port)
        naive_rate = NAIVE / naive_s
        print(f"naive smtplib, new connection and EmailMessage per send: {naive_rate:,.0f}/s "
              f"({NAIVE:,} in {naive_s:.2f} s)")
        with tempfile.TemporaryDirectory() as tmp:
            one_database("SQLite", lambda n: f"sqlite:///{Path(tmp) / f'send{n}.db'}", counts,
                         port, naive_rate, help_mb)
        if args.pg:
            def fresh(n: int) -> str:
                sweep_data.reset_postgresql(args.pg)
                return str(args.pg)

            one_database("PostgreSQL", fresh, counts, port, naive_rate, help_mb)
    finally:
        stop(sink)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    if not shutil.which("/usr/sbin/smtp-sink"):
        raise SystemExit("Postfix smtp-sink is needed (apt-get install postfix)")
    main()
