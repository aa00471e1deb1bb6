"""Writers wait politely on SQLite (issue 12.4): a reply that cannot get the write lock in
time comes back as the Korean form with the typed text kept, never a 500; the writers of one
process take turns in order of arrival (db.writers)."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import select

from db import engine as db_engine
from db.models import Response
from db.writers import WriterQueue
from tests.conftest import POSTGRES_URL
from tests.web_factory import csrf_of, give_emails, issue, item_ids, make_client
from tracker.database import Database

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's file lock only")


def test_a_reply_blocked_by_a_long_writer_comes_back_with_its_text_and_a_korean_message(
    imported: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    give_emails(imported)
    token = issue(imported, "김윤지")
    [item_id, _] = item_ids(imported, "김윤지")
    monkeypatch.setattr(db_engine, "SQLITE_BUSY_TIMEOUT_MS", 300)
    engine = db_engine.make_engine(database_url)
    impatient = Database(engine, db_engine.make_session_factory(engine))
    client = make_client(impatient)
    csrf = csrf_of(client.get(f"/r/{token}").text)
    typed = {"csrf": csrf, "text": "추경에 반영 예정입니다 (긴 설명)", "kind": "추진중",
             "action": "submit"}
    importer = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    importer.execute("BEGIN IMMEDIATE")  # another process holds the write lock (an import)
    try:
        answer = client.post(f"/r/{token}/items/{item_id}", data=typed)
    finally:
        importer.execute("ROLLBACK")
        importer.close()
    assert answer.status_code == 503 and answer.headers["retry-after"]
    assert "잠시 후 다시 제출해 주세요" in answer.text
    assert "추경에 반영 예정입니다 (긴 설명)" in answer.text  # nothing typed is lost
    assert "Internal Server Error" not in answer.text
    again = client.post(f"/r/{token}/items/{item_id}", data=typed)
    assert again.status_code == 200
    with impatient.reading() as session:
        assert session.scalars(select(Response.text).where(Response.item_id == item_id)
                               ).all() == ["추경에 반영 예정입니다 (긴 설명)"]
    engine.dispose()


def test_writers_take_turns_in_the_order_they_came() -> None:
    queue = WriterQueue(timeout=5)
    order: list[int] = []
    holder = threading.Event()

    def first() -> None:
        with queue.turn():
            holder.set()
            time.sleep(0.3)
            order.append(0)

    def writer(n: int) -> None:
        with queue.turn():
            order.append(n)

    threads = [threading.Thread(target=first)]
    threads[0].start()
    holder.wait()
    for n in range(1, 6):
        thread = threading.Thread(target=writer, args=(n,))
        thread.start()
        threads.append(thread)
        time.sleep(0.02)  # arrive one after the other
    for thread in threads:
        thread.join(10)
    assert order == [0, 1, 2, 3, 4, 5]


def test_a_thread_may_nest_write_turns_and_a_late_writer_goes_after_the_timeout() -> None:
    queue = WriterQueue(timeout=0.2)
    with queue.turn(), queue.turn():  # re-entrant for the same thread
        went: list[float] = []
        started = time.monotonic()
        other = threading.Thread(target=lambda: queue.turn().__enter__() or went.append(
            time.monotonic() - started))
        other.start()
        other.join(5)
    assert went and 0.15 < went[0] < 2  # gave up waiting, went on to SQLite's own lock
