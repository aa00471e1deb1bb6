"""Generated items for the reminder-sweep benchmarks, inserted with Core executemany."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, text, update

from db.models import Committee, Contact, Department, Item, ItemStatus, Meeting

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2024, 6, 12, 1, 0, tzinfo=UTC)  # Wednesday 10:00 KST: working time (UTC: see
# BENCHMARKS.md, SQLite stores aware datetimes without converting them)
DUE_SOON = NOW.astimezone(KST).date() + timedelta(days=7)  # due items get their D-7 reminder
CONTACTS = 1000
MEETINGS = 10
CHUNK = 20_000


def reset_postgresql(url: str) -> None:
    """Drop every table of the benchmark database (its public schema)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def populate(engine: Engine, items: int) -> None:
    """`items` open items, none due: their next_reminder_at is 1 to 30 days ahead."""
    stamp = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(insert(Committee), [{"id": 1, "name": "일자리분과"}])
        connection.execute(insert(Meeting), [
            {"id": m, "committee_id": 1, "held_on": date(2024, 5, m), "imported_at": stamp}
            for m in range(1, MEETINGS + 1)])
        connection.execute(insert(Department), [{"id": d, "name": f"부서{d}"} for d in range(1, 41)])
        connection.execute(insert(Contact), [
            {"id": c, "department_id": c % 40 + 1, "name": f"담당{c}",
             "email": f"contact{c}@city.example.org"} for c in range(1, CONTACTS + 1)])
    for start in range(0, items, CHUNK):
        with engine.begin() as connection:
            connection.execute(insert(Item), list(_items(start, min(items, start + CHUNK), stamp)))


def _items(start: int, stop: int, stamp: datetime) -> Iterator[dict[str, Any]]:
    for i in range(start, stop):
        yield {
            "id": i + 1, "meeting_id": i // (10 * CONTACTS) % MEETINGS + 1, "key": f"k{i}",
            "position": 1, "text": f"- 참여자 수를 보고해 줄 것을 요청함 ({i}).", "needs_reply": True,
            "contact_id": i // 10 % CONTACTS + 1, "due_date": DUE_SOON + timedelta(days=30),
            "due_reason": "default", "due_source": "default", "status": ItemStatus.REQUESTED,
            "requested_at": stamp, "next_reminder_at": NOW + timedelta(days=1 + i % 30),
            "reminders_sent": 0, "overdue_notices": 0, "created_at": stamp, "updated_at": stamp,
        }


def make_due(engine: Engine, count: int) -> None:
    """Make the first `count` items (10 in a row per contact and meeting) due now, with their
    D-7 reminder."""
    with engine.begin() as connection:
        connection.execute(
            update(Item).where(Item.id <= count)
            .values(next_reminder_at=NOW - timedelta(hours=2), due_date=DUE_SOON))
