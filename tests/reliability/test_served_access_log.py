"""RELIABILITY 7, the part an in-process test cannot see: `tracker serve`, as deployed, runs
uvicorn with its own access log off, so a reply link's token never reaches the log; the
request lines it does write show `/r/[token]`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from db.models import Contact, Item
from tests.smtp_server import free_port
from tracker import links
from tracker.database import Database

TRACKER = str(Path(sys.executable).with_name("tracker"))
SECRET = "served-access-log-secret-0123456789"


def _token(db: Database) -> str:
    # The token the served process derives: the same secret_key, the link's id.
    with db.transaction() as session:
        contact = session.scalars(select(Contact).where(Contact.name == "장보영")).one()
        meeting_id = session.scalars(
            select(Item.meeting_id).where(Item.contact_id == contact.id)).first()
        assert meeting_id is not None
        pair = (contact.id, meeting_id)
        found = links.current_links(session, [pair], datetime.now(UTC), 60,
                                    links.link_secret(SECRET))
        return found[pair].token


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_tracker_serve_logs_requests_without_the_token(imported: Database, database_url: str,
                                                       tmp_path: Path) -> None:
    token = _token(imported)
    port = free_port()
    log = tmp_path / "serve.log"
    environment = {**os.environ, "TRACKER_SECRET_KEY": SECRET}
    with log.open("wb") as out:
        server = subprocess.Popen([TRACKER, "--db", database_url, "serve", "--no-scheduler",
                                   "--port", str(port)], stdout=out, stderr=subprocess.STDOUT,
                                  env=environment, cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        assert _get(f"{base}/r/{token}") == 200
        assert _get(f"{base}/r/{token[:-4]}AAAA") in (404, 410)
    finally:
        server.terminate()
        server.wait(timeout=20)
    written = log.read_text(errors="replace")
    assert "/r/[token]" in written, written[-2000:]
    assert token not in written and token[:-4] not in written
