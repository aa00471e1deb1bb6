"""Writers get their turn during a long import (issue 12.4): `tracker import` of a
10,000-row table runs in its own process, committing in short batches, while eight web
writers save replies through their reply links and change due dates in the console of a
real server (uvicorn, real HTTP). No request fails, every writer's text is in the database
afterwards, and the import is complete: all its items there, the meeting no longer marked
"가져오는 중".

The import is also resumable: stopped midway, it leaves the meeting marked and the batches
it committed; run again, it writes the rest, nothing doubled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import func, select

from db.models import AuditEvent, Contact, Item, Meeting, Response
from tests.bench.common import write_table_csv
from tests.web_factory import (
    CURRENT_TIME,
    PASSWORD,
    SETTINGS,
    Clock,
    add_user,
    csrf_of,
    give_emails,
    issue,
    item_ids,
)
from tracker import import_marks, review
from tracker.database import Database
from tracker.importer import ImportOptions, import_in_batches, preview, read_document
from tracker.requests import request_contacts
from tracker.web.app import create_app
from tracker.web.context import WebOptions

ROWS = 10_000  # 20,000 items
REPLIERS = ["김윤지", "장보영", "선헤미", "어수정", "강여지", "조미화"]  # six reply links
EDITORS = 2  # and two secretariat users in the console
TRACKER = Path(sys.executable).with_name("tracker")


@dataclass
class Writer:
    """What one writer saved, and anything that went wrong."""

    name: str
    saved: list[str] = field(default_factory=list)  # texts (replies) or dates (console)
    during_import: int = 0  # saves that finished while the import was still running
    failures: list[str] = field(default_factory=list)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(imported: Database) -> Iterator[str]:
    """The app on uvicorn at 127.0.0.1, over the sample (with addresses and a user)."""
    import uvicorn

    give_emails(imported)
    for n in range(EDITORS):
        add_user(imported, f"sec{n}", "secretariat")
    port = free_port()
    settings = replace(SETTINGS, base_url=f"http://127.0.0.1:{port}")  # cookies without Secure
    app = create_app(settings, imported, Clock(CURRENT_TIME),
                     WebOptions(secret_key="import-writers"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def reply_writer(base: str, token: str, items: list[int], writer: Writer,
                 importing: subprocess.Popen[bytes]) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        n = 0
        while importing.poll() is None or n < 3:
            page = client.get(f"/r/{token}")
            if page.status_code != 200:
                writer.failures.append(f"GET {page.status_code}")
                return
            text = f"{writer.name} 회신 {n}: 예산을 확보해 하반기에 추진합니다."
            answer = client.post(f"/r/{token}/items/{items[n % len(items)]}", data={
                "csrf": csrf_of(page.text), "text": text, "kind": "추진중",
                "action": "submit"})
            if answer.status_code != 200 or "회신을 제출했습니다" not in answer.text:
                writer.failures.append(f"POST {answer.status_code}: {answer.text[:200]}")
            else:
                writer.saved.append(text)
                writer.during_import += importing.poll() is None
            n += 1


def console_writer(base: str, username: str, item_id: int, writer: Writer,
                   importing: subprocess.Popen[bytes]) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        form = client.get("/console/login")
        logged = client.post("/console/login", data={
            "username": username, "password": PASSWORD, "csrf": csrf_of(form.text)})
        if logged.status_code != 303:
            writer.failures.append(f"login {logged.status_code}")
            return
        n = 0
        while importing.poll() is None or n < 3:
            page = client.get(f"/console/items/{item_id}")
            due = (date(2022, 3, 1) + timedelta(days=n % 300)).isoformat()
            answer = client.post(f"/console/items/{item_id}/due",
                                 data={"csrf": csrf_of(page.text), "due": due})
            if answer.status_code != 303:
                writer.failures.append(f"POST {answer.status_code}: {answer.text[:200]}")
            else:
                writer.saved.append(due)
                writer.during_import += importing.poll() is None
            n += 1


def environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items()
            if not name.startswith("TRACKER_")}


def test_eight_web_writers_are_served_during_a_10000_row_import(
        served: str, imported: Database, database_url: str, tmp_path: Path) -> None:
    table = tmp_path / "일자리분과-3차.csv"
    write_table_csv(table, ROWS)
    tokens = {name: issue(imported, name) for name in REPLIERS}
    with imported.reading() as session:  # the console's items: 손지현's, which no link answers
        edited = list(session.scalars(select(Item.id).join(Contact).where(
            Contact.name == "손지현").order_by(Item.id)))
    assert edited
    importing = subprocess.Popen(  # `tracker import`, a process of its own, like an operator's
        [str(TRACKER), "--db", database_url, "import", str(table), "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment(), cwd=tmp_path)
    writers = [Writer(name) for name in REPLIERS] + [Writer(f"sec{n}") for n in range(EDITORS)]
    threads = [threading.Thread(target=reply_writer, args=(
        served, tokens[w.name], item_ids(imported, w.name), w, importing)) for w in writers[:6]]
    threads += [threading.Thread(target=console_writer, args=(
        served, w.name, edited[0], w, importing)) for w in writers[6:]]
    for thread in threads:
        thread.start()
    try:
        out, err = importing.communicate(timeout=300)
    finally:
        for thread in threads:
            thread.join(timeout=120)
    assert importing.returncode == 0, err.decode()
    print("saves during the import:", {w.name: w.during_import for w in writers})
    assert not [(w.name, w.failures[:3]) for w in writers if w.failures]
    assert all(w.during_import > 0 for w in writers), [(w.name, w.during_import) for w in writers]

    planned = json.loads(out)
    with imported.reading() as session:
        meeting_id = session.scalar(select(Meeting.id).where(
            Meeting.held_on == date.fromisoformat(planned["meeting"]["held_on"])))
        assert meeting_id is not None
        assert session.scalar(select(func.count()).select_from(Item).where(
            Item.meeting_id == meeting_id)) == 2 * ROWS
        assert import_marks.being_imported(session) == set()
        replies = set(session.scalars(select(Response.text)))
        dates = {json.loads(d)["new"] for d in session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "due_changed"))}
    for writer in writers[:6]:
        assert set(writer.saved) <= replies, writer.name
    for writer in writers[6:]:
        assert set(writer.saved) <= dates, writer.name


def test_an_import_stopped_midway_is_marked_and_finished_by_importing_again(
        imported: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker import importer

    table = tmp_path / "표.csv"
    write_table_csv(table, 700)
    plan = preview(read_document(table), ImportOptions())
    real = importer._entries
    batches: list[int] = []

    def failing_third_batch(*args: Any, **kwargs: Any) -> None:
        batches.append(1)
        if len(batches) == 3:
            raise RuntimeError("전원이 나갔습니다")
        real(*args, **kwargs)

    monkeypatch.setattr(importer, "_entries", failing_third_batch)
    with pytest.raises(RuntimeError):
        import_in_batches(imported, plan, batch=200, pause=0)
    with imported.reading() as session:
        [meeting_id] = import_marks.being_imported(session)
        assert session.scalar(select(func.count()).select_from(Item).where(
            Item.meeting_id == meeting_id)) == 2 * 400  # two batches of 200 rows stayed
        assert [m.importing for m in review.meeting_summaries(session, meeting_id)] == [True]
    with imported.transaction() as session:  # half a meeting is never requested
        for contact in session.scalars(select(Contact)):
            contact.email = f"c{contact.id}@example.org"
        asked = request_contacts(session, SETTINGS, CURRENT_TIME)
        requested = set(session.scalars(select(Item.meeting_id).where(
            Item.requested_at.is_not(None))))
    assert asked.enqueued and meeting_id not in requested  # the sample's meeting was asked
    monkeypatch.setattr(importer, "_entries", real)
    report = import_in_batches(imported, plan, batch=200, pause=0)
    assert report.meeting_id == meeting_id and report.created["item"] == 2 * 300
    with imported.reading() as session:
        assert import_marks.being_imported(session) == set()
        keys = list(session.scalars(select(Item.key).where(Item.meeting_id == meeting_id)))
    assert len(keys) == len(set(keys)) == 2 * 700  # nothing lost, nothing doubled
