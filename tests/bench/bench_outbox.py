"""Benchmark (not a test): 10,000 queued ~2 KB Korean messages to a loopback SMTP sink.

Compares, in one run and against the same sinks (each in its own process, so it does not
share our GIL):
- tracker: enqueue (build with compose.build + store in SQLite), timed apart from the
  sender (claim batches, send over 8 pooled aiosmtplib connections, mark sent);
- before: enqueue with make_message (the email package), on a sample of the messages;
- naive: plain smtplib on one reused connection, building each EmailMessage per send;
- ceilings: Postfix smtp-source (C, 8 sessions, next to no client CPU) into each sink, so
  the sink's own limit on this machine is printed beside what the tracker reaches in it;
- sinks: aiosmtpd's Sink handler, and Postfix smtp-sink when Postfix is installed
  (apt-get install postfix).

Run from the project root: /work/venv/bin/python -m tests.bench.bench_outbox [N]
"""

from __future__ import annotations

import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from db import engine as db_engine
from db.models import Base
from notifications import outbox, sender
from notifications.compose import Built, Draft, Mailbox, build, make_message
from tests.bench.common import machine
from tests.smtp_server import free_port
from tracker.config import Settings
from tracker.database import Database

NOW = datetime(2022, 3, 2, 1, tzinfo=UTC)
BODY = ("일자리분과 2022-01-15 회의에서 나온 모니터링 의견에 대하여 후속조치 계획을 회신하여 "
        "주시기 바랍니다. ") * 4  # ≈ 2 KB per message once encoded (text + HTML, base64)
FROM = "tracker@council.example.org"
CONNECTIONS = 8
SMTP_SINK = "/usr/sbin/smtp-sink"
SMTP_SOURCE = "/usr/sbin/smtp-source"


def wait_for_smtp(port: int, process: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
    """`process` once it answers SMTP on 127.0.0.1:`port`."""
    for _ in range(200):
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=1).quit()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("sink did not start")


def start_aiosmtpd(port: int) -> subprocess.Popen[bytes]:
    """aiosmtpd with its discarding Sink handler, in its own process."""
    return wait_for_smtp(port, subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"]))


def start_smtp_sink(port: int) -> subprocess.Popen[bytes]:
    """Postfix's smtp-sink (accepts and discards everything) on loopback only."""
    return wait_for_smtp(port, subprocess.Popen([SMTP_SINK, "-u", "nobody", "-c", f"127.0.0.1:{port}", "256"],
                                                stdout=subprocess.DEVNULL))


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a sink this benchmark started."""
    process.terminate()
    process.wait()


def draft(i: int) -> Draft:
    """The i-th benchmark message: Korean names, subject and ≈ 1 KB of Korean text."""
    return Draft(sender=Mailbox("모니터링 후속조치 사무국", FROM),
                 to=Mailbox("김윤지", f"user{i}@example.org"),
                 subject=f"[일자리분과] 모니터링 의견 후속조치 회신 요청 (1-{i % 9}) - 기한 2022-02-23",
                 text=BODY, html=f"<p>{BODY}</p>", reply_to="office@example.org")


def new_database(path: Path) -> Database:
    """A fresh SQLite database with the schema."""
    engine = db_engine.make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    return Database(engine, db_engine.make_session_factory(engine))


def enqueue_all(database: Database, n: int, make: Callable[[Draft], Built | EmailMessage]) -> float:
    """Seconds to build and enqueue `n` messages in one transaction."""
    start = time.perf_counter()
    with database.transaction() as session:
        for i in range(n):
            d = draft(i)
            outbox.enqueue(session, dedup_key=f"bench:{i}", kind="request", recipient=d.to.address,
                           subject=d.subject, message=make(d), now=NOW, lifetime=timedelta(days=5))
    return time.perf_counter() - start


def send_all(database: Database, n: int, port: int) -> float:
    """Seconds for the tracker's sender to deliver the `n` queued messages."""
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port, mail_from=FROM,
                        smtp_connections=CONNECTIONS)
    start = time.perf_counter()
    report = sender.flush(database, settings, clock=lambda: NOW, batch=500)
    seconds = time.perf_counter() - start
    assert report.sent == n, report
    return seconds


def bench_naive(n: int, port: int) -> float:
    """Seconds for plain smtplib on one connection, one EmailMessage built per send."""
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for i in range(n):
            d = draft(i)
            message = EmailMessage()
            message["From"] = f"{d.sender.name} <{d.sender.address}>"
            message["To"] = f"{d.to.name} <{d.to.address}>"
            message["Subject"] = d.subject
            message.set_content(d.text)
            message.add_alternative(d.html, subtype="html")
            smtp.send_message(message)
    return time.perf_counter() - start


def bench_smtp_source(n: int, port: int, size: int) -> float:
    """Seconds for Postfix smtp-source to send `n` messages of `size` bytes, 8 sessions."""
    start = time.perf_counter()
    subprocess.run([SMTP_SOURCE, "-d", "-s", str(CONNECTIONS), "-m", str(n), "-l", str(size),
                    "-f", FROM, "-t", "user@example.org", f"127.0.0.1:{port}"], check=True)
    return time.perf_counter() - start


def rate(label: str, n: int, seconds: float) -> None:
    """One result line."""
    print(f"{label:<46} {n / seconds:8.0f} msg/s ({seconds:.2f} s for {n:,})")


def main() -> None:
    """Run every variant and print the figures beside their baselines."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    sample = min(n, 2_000)
    size = len(build(draft(1), NOW).data)
    postfix = shutil.which(SMTP_SINK) and shutil.which(SMTP_SOURCE)
    print(f"machine: {machine()}")
    print(f"messages: {n:,}, size ≈ {size} bytes each; {CONNECTIONS} connections")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        before_s = enqueue_all(new_database(workdir / "before.db"), sample,
                               lambda d: make_message(d, NOW))
        rate("enqueue with make_message (before)", sample, before_s)
        sink = start_aiosmtpd(port := free_port())
        try:
            if postfix:
                rate("ceiling: smtp-source → aiosmtpd", n, bench_smtp_source(n, port, size))
            database = new_database(workdir / "bench.db")
            enqueue_s = enqueue_all(database, n, lambda d: build(d, NOW))
            send_s = send_all(database, n, port)
            rate("tracker sender → aiosmtpd (claim+send+mark)", n, send_s)
            naive_s = bench_naive(n, port)
            rate("naive smtplib → aiosmtpd (build per send)", n, naive_s)
        finally:
            stop(sink)
        print(f"  sender / naive: {naive_s / send_s:.1f}x")
        rate("tracker enqueue (build + store)", n, enqueue_s)
        print(f"enqueue now / before: {(n / enqueue_s) / (sample / before_s):.1f}x; "
              f"end to end (enqueue + send) / naive: {naive_s / (enqueue_s + send_s):.1f}x")
        if postfix:
            postfix_limits(workdir, n, size)
        else:
            print("Postfix smtp-source/smtp-sink not installed: ceilings not measured")


def postfix_limits(workdir: Path, n: int, size: int) -> None:
    """Postfix smtp-source → smtp-sink, and the tracker's sender into smtp-sink."""
    sink = start_smtp_sink(port := free_port())
    try:
        source_s = bench_smtp_source(n, port, size)
        rate("ceiling: smtp-source → smtp-sink", n, source_s)
        database = new_database(workdir / "postfix.db")
        enqueue_all(database, n, lambda d: build(d, NOW))
        send_s = send_all(database, n, port)
        rate("tracker sender → smtp-sink", n, send_s)
        print(f"  tracker into smtp-sink / ceiling: {source_s / send_s:.2f}")
    finally:
        stop(sink)


if __name__ == "__main__":
    main()
