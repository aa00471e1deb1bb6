"""Benchmark (not a test): the reply page under wrk, beside a bare FastAPI route.

One uvicorn worker serves the tracker's app on a SQLite copy of the sample minutes (contact
emails given, reply links of two contacts); wrk measures `GET /r/{token}` on one link and
the POST of a reply on the other (a Lua script sends the form with the CSRF token taken
from a GET first). The same uvicorn settings serve a FastAPI app whose one route returns a
constant, written as a plain function and as a coroutine. GET, the bare routes and POST
run in alternating rounds; the median of each is printed.

Run from the project root (with `wrk`, apt-get install wrk; without it a Python client with
the same connections is used, which shares the CPU with the server and reads lower):
  /work/venv/bin/python -m tests.bench.bench_web [seconds per round]
"""

from __future__ import annotations

import asyncio
import html
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from fastapi.responses import PlainTextResponse, Response

from tests.bench.common import machine
from tests.smtp_server import free_port

SAMPLE = Path(__file__).parent.parent / "data" / "2022-01-15-jobs-subcommittee-minutes.txt"
CONNECTIONS = 8
ROUNDS = 3
SECRET = "bench-secret"
LUA = """wrk.method = "POST"
wrk.body = "{body}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
"""


def prepare(path: Path) -> tuple[str, str]:
    """A database at `path` with the sample imported; returns valid reply tokens of two
    contacts: the first for the GETs, the second for the POSTs, so the revisions the POSTs
    pile onto one item do not change the page the GETs read."""
    from sqlalchemy import select

    from db.models import Item
    from tracker import contacts
    from tracker.database import open_database
    from tracker.importer import import_file
    from tracker.links import issue_link

    database = open_database(f"sqlite:///{path}")
    with database.transaction() as session:
        import_file(session, SAMPLE)
        for row in contacts.list_contacts(session):
            contacts.add_contact(session, row.department, row.name, f"c{row.id}@example.org",
                                 actor="bench")
        pairs = session.execute(select(Item.contact_id, Item.meeting_id).where(
            Item.needs_reply.is_(True), Item.contact_id.is_not(None))
            .group_by(Item.contact_id, Item.meeting_id).order_by(Item.contact_id)).all()
        now = datetime.now(UTC)
        get, post = (issue_link(session, int(contact), meeting, now, 60)
                     for contact, meeting in pairs[:2])
        return get, post


def bare_sync() -> Response:
    """The bare route as a plain function (FastAPI runs it in its thread pool)."""
    return PlainTextResponse("ok")


async def bare_async() -> Response:
    """The bare route as a coroutine (run on the event loop, like the reply page on SQLite)."""
    return PlainTextResponse("ok")


def serve(kind: str, db_path: str, port: int) -> None:
    """Run one uvicorn worker with the tracker's app ("tracker") or the bare app ("bare")."""
    import uvicorn
    from fastapi import FastAPI

    if kind == "bare":
        app = FastAPI()
        app.add_api_route("/bare", bare_sync, methods=["GET"])
        app.add_api_route("/bare-async", bare_async, methods=["GET"])
    else:
        from tracker.config import Settings
        from tracker.database import open_database
        from tracker.web.app import create_app
        from tracker.web.context import WebOptions

        settings = Settings(base_url="https://tracker.example.org", mail_from="t@example.org",
                            secretariat_email="sec@example.org")
        app = create_app(settings, open_database(f"sqlite:///{db_path}"),
                         options=WebOptions(secret_key=SECRET))
    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, access_log=False, log_level="warning")


def start(kind: str, db_path: str, port: int, probe: str) -> subprocess.Popen[bytes]:
    """The server process, once `probe` answers."""
    process = subprocess.Popen([sys.executable, "-m", "tests.bench.bench_web", "--serve", kind,
                                db_path, str(port)])
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=2).read()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{kind} server did not start")


def wrk(url: str, seconds: int, script: Path | None = None) -> tuple[float, str]:
    """Requests/s from wrk (1 thread, CONNECTIONS connections), and its non-2xx line if any;
    without wrk, from the Python client below (same connections, keep-alive)."""
    if shutil.which("wrk") is None:
        body = re.search(r'wrk.body = "(.*)"', script.read_text()).group(1) if script else None  # type: ignore[union-attr]
        return asyncio.run(python_load(url, seconds, body))
    args = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    args += ["-s", str(script)] if script else []
    output = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: \d+", output)
    p99 = re.search(r"99%\s+(\S+)", output)
    return rate, f"p99 {p99.group(1) if p99 else '?'}" + (f", {errors.group(0)}" if errors else "")


async def python_load(url: str, seconds: int, body: str | None) -> tuple[float, str]:
    """Requests/s of CONNECTIONS keep-alive HTTP/1.1 connections sending GET `url` (or POST
    `body` as a form) for `seconds`; the fallback when wrk is not installed (it spends
    client CPU on the same cores, so it reads lower than wrk would)."""
    parts = urllib.parse.urlsplit(url)
    head = f"{'POST' if body is not None else 'GET'} {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
    if body is not None:
        head += ("Content-Type: application/x-www-form-urlencoded\r\n"
                 f"Content-Length: {len(body.encode())}\r\n")
    request = (head + "\r\n" + (body or "")).encode()
    deadline = time.perf_counter() + seconds
    done, failed = [0], [0]

    async def one_connection() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        while time.perf_counter() < deadline:
            writer.write(request)
            header = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length: *(\d+)", header)
            await reader.readexactly(int(length.group(1)) if length else 0)
            done[0] += 1
            failed[0] += not header.startswith((b"HTTP/1.1 2", b"HTTP/1.1 3"))
        writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(one_connection() for _ in range(CONNECTIONS)))
    rate = done[0] / (time.perf_counter() - start)
    return rate, "python client" + (f", Non-2xx or 3xx responses: {failed[0]}" if failed[0] else "")


def post_script(workdir: Path, port: int, token: str) -> tuple[Path, str]:
    """A wrk Lua script posting a reply to the first item of the page; and its URL."""
    page = urllib.request.urlopen(f"http://127.0.0.1:{port}/r/{token}").read().decode()
    csrf = html.unescape(re.search(r'name="csrf" value="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    item = re.search(r'action="/r/[^/"]+/items/(\d+)', page).group(1)  # type: ignore[union-attr]
    body = urllib.parse.urlencode({"csrf": csrf, "text": "2024년 상반기 중 반영 예정입니다.",
                                   "kind": "추진중", "action": "submit"})
    script = workdir / "post.lua"
    script.write_text(LUA.format(body=body))
    return script, f"http://127.0.0.1:{port}/r/{token}/items/{item}"


def main() -> None:
    """Measure GET and POST of the reply page and the bare routes, in alternating rounds (the
    median of ROUNDS each, so a passing load spike hits both sides); print the ratios."""
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    print(f"machine: {machine()}")
    rates: dict[str, list[tuple[float, str]]] = {"get": [], "post": [], "bare": [], "async": []}
    with tempfile.TemporaryDirectory() as tmp:
        workdir, port, bare_port = Path(tmp), free_port(), free_port()
        token, post_token = prepare(workdir / "web.db")
        servers = [start("tracker", str(workdir / "web.db"), port, f"/r/{token}"),
                   start("bare", "", bare_port, "/bare")]
        try:
            script, url = post_script(workdir, port, post_token)
            for _ in range(ROUNDS):
                rates["get"].append(wrk(f"http://127.0.0.1:{port}/r/{token}", seconds))
                rates["bare"].append(wrk(f"http://127.0.0.1:{bare_port}/bare", seconds))
                rates["async"].append(wrk(f"http://127.0.0.1:{bare_port}/bare-async", seconds))
                rates["post"].append(wrk(url, seconds, script))
        finally:
            for server in servers:
                server.terminate()
                server.wait()
    get, post, bare, bare_async = (median(rates[k]) for k in ("get", "post", "bare", "async"))
    print(f"GET /r/{{token}}: {get[0]:7.0f} req/s ({get[1]}); {get[0] / bare[0]:.0%} of the bare "
          f"route, {get[0] / bare_async[0]:.0%} of the async bare route (goal ≥ 500 req/s, ≥ 40%)")
    print(f"POST reply:      {post[0]:7.0f} req/s ({post[1]}); {post[0] / bare[0]:.0%} of bare")
    print(f"bare route:      {bare[0]:7.0f} req/s ({bare[1]}; plain function, thread pool)")
    print(f"bare async:      {bare_async[0]:7.0f} req/s ({bare_async[1]}; coroutine)")
    print("rounds:", {k: [round(r) for r, _ in v] for k, v in rates.items()})


def median(results: list[tuple[float, str]]) -> tuple[float, str]:
    """The median result by rate (the middle one of an odd number)."""
    return sorted(results)[len(results) // 2]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
