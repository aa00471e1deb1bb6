"""Bounded work per request (issue 12.3): password checks at most two at a time and counted
before they run, request bodies refused before they are read, X-Forwarded-For believed only
from configured proxies, valid links working beside a guessing neighbour, redirects on the
public address. The memory and body tests run against a real `tracker serve` process."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.smtp_server import free_port
from tests.web_factory import SETTINGS, add_user, csrf_of, make_client
from tracker import accounts
from tracker.database import Database
from tracker.web.security import FORM_MAX_BYTES, TrustedProxies

TRACKER = str(Path(sys.executable).with_name("tracker"))
LOGINS = 40


@pytest.fixture
def server(db: Database, database_url: str, tmp_path: Path) -> Iterator[tuple[int, int]]:
    """`tracker serve` (no scheduler) on a free port: (port, pid)."""
    add_user(db, "sec", "secretariat")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env |= {"TRACKER_SECRET_KEY": "x" * 32, "TRACKER_BASE_URL": f"http://127.0.0.1:{port}"}
    child = subprocess.Popen([TRACKER, "--db", database_url, "serve", "--no-scheduler",
                              "--port", str(port)], cwd=tmp_path, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            break
        except OSError:
            assert child.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
    yield port, child.pid
    child.terminate()
    child.wait(timeout=30)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    assert match
    return int(match.group(1)) / 1024


def wrong_login(port: int) -> int:
    """One visitor: the login form, then a wrong password; the answer's status."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"http://127.0.0.1:{port}/console/login", timeout=60).read().decode()
    data = urllib.parse.urlencode({"username": "sec", "password": "wrong password",
                                   "csrf": csrf_of(form)}).encode()
    try:
        return int(opener.open(f"http://127.0.0.1:{port}/console/login", data=data,
                               timeout=120).status)
    except urllib.error.HTTPError as answer:
        return answer.code


def test_forty_concurrent_wrong_logins_keep_the_servers_memory_bounded(
    server: tuple[int, int],
) -> None:
    port, pid = server
    assert wrong_login(port) == 400  # warm: one check has run
    before = peak_rss_mb(pid)
    start = threading.Barrier(LOGINS)

    def visitor(_: int) -> int:
        start.wait()
        return wrong_login(port)

    with ThreadPoolExecutor(LOGINS) as pool:
        statuses = Counter(pool.map(visitor, range(LOGINS)))
    grown = peak_rss_mb(pid) - before
    assert set(statuses) <= {400, 429}, statuses  # refused or asked to wait, never a 500
    assert statuses[400] >= 2
    # Unbounded, 40 argon2 checks of 64 MiB each took the server from 143 MB to 1.5 GB.
    assert grown < 300, f"peak RSS grew by {grown:.0f} MB ({before:.0f} MB before)"


def test_a_300_mb_post_is_refused_before_it_is_read(server: tuple[int, int]) -> None:
    port, _ = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(b"POST /console/items/1/due HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Type: application/x-www-form-urlencoded\r\n"
                           b"Content-Length: 300000000\r\n\r\n" + b"a" * 1000)
        started = time.monotonic()
        answer = connection.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 5  # answered at once, not after 300 MB
    assert "요청이 너무 큽니다".encode() in answer or b"413" in answer


def test_a_streamed_body_over_the_limit_is_cut_off(db: Database) -> None:
    client = make_client(db)

    def chunks() -> Iterator[bytes]:
        for _ in range(3 * FORM_MAX_BYTES // 65536):
            yield b"a" * 65536

    answer = client.post("/console/login", content=chunks(),
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413 and "요청이 너무 큽니다" in answer.text
    small = client.post("/console/login", data={"username": "x"})
    assert small.status_code != 413
    upload = replace(SETTINGS, upload_max_bytes=5 * FORM_MAX_BYTES)
    big_upload = b"a" * (2 * FORM_MAX_BYTES)
    uploader = make_client(db, settings=upload)
    assert uploader.post("/console/import", content=big_upload).status_code != 413
    assert uploader.post("/console/login", content=big_upload).status_code == 413


def test_parallel_wrong_logins_cannot_pass_the_limit_between_check_and_count(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(db, "sec", "secretariat")
    checks = Counter[str]()
    real = accounts.authenticate

    def counted(*args: object) -> object:
        checks["run"] += 1
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(accounts, "authenticate", counted)
    client = make_client(db, login_failure_limit=20)
    csrf = csrf_of(client.get("/console/login").text)

    def attempt(_: int) -> int:
        return client.post("/console/login", data={
            "username": "sec", "password": "wrong", "csrf": csrf}).status_code

    with ThreadPoolExecutor(50) as pool:
        statuses = Counter(pool.map(attempt, range(200)))
    assert checks["run"] <= 20, (checks, statuses)  # 49 got through before the fix
    assert statuses[429] >= 180 and set(statuses) <= {400, 429}


def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(db: Database) -> None:
    proxies = TrustedProxies("127.0.0.1, 10.0.0.0/8")
    assert proxies.client("127.0.0.1", "192.0.2.9") == "192.0.2.9"
    assert proxies.client("127.0.0.1", "6.6.6.6, 192.0.2.9, 10.1.2.3") == "192.0.2.9"
    assert proxies.client("192.0.2.50", "1.2.3.4") == "192.0.2.50"
    assert TrustedProxies("").client("127.0.0.1", "1.2.3.4") == "127.0.0.1"
    # Not configured: a client on 127.0.0.1 cannot pose as many addresses to dodge the limit.
    local = make_client(db, address="127.0.0.1", login_failure_limit=3)
    for n in range(3):
        local.get(f"/r/bad{n}", headers={"x-forwarded-for": f"203.0.113.{n}"})
    local_limited = make_client(db, address="127.0.0.1", bad_token_limit=3)
    for n in range(3):
        local_limited.get(f"/r/bad{n}", headers={"x-forwarded-for": f"203.0.113.{n}"})
    assert local_limited.get("/r/bad", headers={"x-forwarded-for": "203.0.113.99"}
                             ).status_code == 429
    behind = make_client(db, address="127.0.0.1", bad_token_limit=3,
                         settings=replace(SETTINGS, trusted_proxies="127.0.0.1"))
    for n in range(3):
        behind.get(f"/r/bad{n}", headers={"x-forwarded-for": "203.0.113.1"})
    assert behind.get("/r/bad", headers={"x-forwarded-for": "203.0.113.1"}).status_code == 429
    assert behind.get("/r/bad", headers={"x-forwarded-for": "203.0.113.2"}).status_code == 404


def test_a_trailing_slash_redirect_uses_the_public_address_not_the_host_header(
    db: Database,
) -> None:
    client = make_client(db)
    answer = client.get("/console/?x=1", headers={"host": "evil.example.net"})
    assert answer.status_code == 307
    assert answer.headers["location"] == "https://tracker.example.org/console?x=1"


def test_the_body_limit_leaves_normal_pages_alone(db: Database) -> None:
    client: TestClient = make_client(db)
    assert client.get("/console/login").status_code == 200
