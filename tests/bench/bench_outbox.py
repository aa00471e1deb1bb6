"""Benchmark (not a test): 10,000 queued ~2 KB Korean messages to a loopback SMTP sink.

Compares, in one run and against the same sink (aiosmtpd with a discarding handler, in its
own process so it does not share our GIL):
- tracker: the outbox sender (claim batches from SQLite, pooled aiosmtplib connections,
  record results) — messages are built once at enqueue time (enqueue timed separately);
- naive: plain smtplib on one reused connection, building each EmailMessage per send.

Run from the project root: /work/venv/bin/python -m tests.bench.bench_outbox [N]
"""

from __future__ import annotations

import smtplib
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from db import engine as db_engine
from db.models import Base
from notifications import outbox, sender
from notifications.compose import Draft, Mailbox, make_message
from tests.smtp_server import free_port
from tracker.config import Settings
from tracker.database import Database

NOW = datetime(2022, 3, 2, 1, tzinfo=UTC)
BODY = ("일자리분과 2022-01-15 회의에서 나온 모니터링 의견에 대하여 후속조치 계획을 회신하여 "
        "주시기 바랍니다. ") * 4  # ≈ 2 KB per message once encoded (text + HTML, base64)


def start_sink(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l",
                                f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"])
    for _ in range(100):
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=1).quit()
            return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("sink did not start")


def draft(i: int) -> Draft:
    return Draft(sender=Mailbox("모니터링 후속조치 사무국", "tracker@council.example.org"),
                 to=Mailbox("김윤지", f"user{i}@example.org"),
                 subject=f"[일자리분과] 모니터링 의견 후속조치 회신 요청 (1-{i % 9}) - 기한 2022-02-23",
                 text=BODY, html=f"<p>{BODY}</p>", reply_to="office@example.org")


def bench_tracker(n: int, port: int, workdir: Path) -> tuple[float, float]:
    url = f"sqlite:///{workdir / 'bench.db'}"
    engine = db_engine.make_engine(url)
    Base.metadata.create_all(engine)
    database = Database(engine, db_engine.make_session_factory(engine))
    start = time.perf_counter()
    with database.transaction() as session:
        for i in range(n):
            d = draft(i)
            outbox.enqueue(session, dedup_key=f"bench:{i}", kind="request", recipient=d.to.address,
                           subject=d.subject, message=make_message(d, NOW), now=NOW,
                           lifetime=timedelta(days=5))
    enqueue_s = time.perf_counter() - start
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port, mail_from="tracker@council.example.org")
    start = time.perf_counter()
    report = sender.flush(database, settings, clock=lambda: NOW, batch=200)
    send_s = time.perf_counter() - start
    assert report.sent == n, report
    return enqueue_s, send_s


def bench_naive(n: int, port: int) -> float:
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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    port = free_port()
    sink = start_sink(port)
    try:
        size = len(make_message(draft(1), NOW).as_bytes())
        with tempfile.TemporaryDirectory() as workdir:
            enqueue_s, send_s = bench_tracker(n, port, Path(workdir))
        naive_s = bench_naive(n, port)
    finally:
        sink.terminate()
        sink.wait()
    print(f"messages: {n}, size ≈ {size} bytes each")
    print(f"tracker enqueue (build + store): {n / enqueue_s:8.0f} msg/s ({enqueue_s:.2f} s)")
    print(f"tracker sender (claim+send+mark): {n / send_s:8.0f} msg/s ({send_s:.2f} s)")
    print(f"naive smtplib (build per send):   {n / naive_s:8.0f} msg/s ({naive_s:.2f} s)")
    print(f"ratio sender / naive: {naive_s / send_s:.2f}x; "
          f"end to end (enqueue+send) / naive: {naive_s / (enqueue_s + send_s):.2f}x")


if __name__ == "__main__":
    main()
