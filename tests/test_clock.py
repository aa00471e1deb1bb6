"""One clock, aware UTC everywhere: the conversions, the next meeting's time stored as UTC
from the Korean time the minutes wrote, and the migration that converts stored values."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text

from db import engine as db_engine
from db import migrate
from db.models import Meeting
from tests.conftest import POSTGRES_URL
from tracker import clock
from tracker.database import Database
from tracker.export import build_table

SEOUL = ZoneInfo("Asia/Seoul")
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
                       timezones=st.sampled_from([UTC, SEOUL, timezone(timedelta(hours=-5))]))


def test_the_real_clock_is_aware_utc() -> None:
    now = clock.utc_now()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


@given(moments)
def test_as_utc_keeps_the_instant(moment: datetime) -> None:
    assert clock.as_utc(moment) == moment and clock.as_utc(moment).tzinfo is UTC
    naive_utc = moment.astimezone(UTC).replace(tzinfo=None)
    assert clock.as_utc(naive_utc) == moment  # what SQLite hands back


def test_local_wall_time_and_date() -> None:
    at = clock.from_local(datetime(2022, 2, 23, 8, 30), SEOUL)
    assert at == datetime(2022, 2, 22, 23, 30, tzinfo=UTC)
    assert clock.local_date(at, SEOUL) == date(2022, 2, 23)  # not the UTC date


def test_the_next_meeting_is_stored_as_utc_and_shown_in_korean_time(imported: Database) -> None:
    with imported.reading() as session:
        meeting = session.scalars(select(Meeting)).one()
        assert meeting.next_meeting_at == datetime(2022, 2, 23, 6, tzinfo=UTC)
        table = build_table(session, meeting.id)
    assert ("차기회의 일시", "2022. 2. 23. 15:00") in table.facts


def _engine(tmp_path: Path, backend: str) -> Iterator[Engine]:
    if backend == "sqlite":
        engine = db_engine.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    admin = db_engine.make_engine(POSTGRES_URL or "")
    with admin.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS clock_check CASCADE"))
        connection.execute(text("CREATE SCHEMA clock_check"))
    engine = db_engine.make_engine(POSTGRES_URL or "",
                                   connect_args={"options": "-csearch_path=clock_check"})
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(text("DROP SCHEMA clock_check CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def old_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("needs TRACKER_TEST_DATABASE_URL (PostgreSQL)")
    yield from _engine(tmp_path, request.param)


def test_migration_reads_stored_times_as_korean_and_converts_them(old_engine: Engine) -> None:
    config = migrate.alembic_config(old_engine)
    command.upgrade(config, "0004")
    with old_engine.begin() as connection:  # a database written before the change
        connection.execute(text("INSERT INTO committee (id, name) VALUES (1, '일자리분과')"))
        connection.execute(text(
            "INSERT INTO meeting (id, committee_id, held_on, next_meeting_at, imported_at) "
            "VALUES (1, 1, :held, :next, :now), (2, 1, :other, NULL, :now)"),
            {"held": date(2022, 1, 15), "other": date(2022, 3, 1),
             "next": datetime(2022, 2, 23, 15, 0), "now": datetime(2022, 1, 16, tzinfo=UTC)})
    command.upgrade(config, "0005")
    sessions = db_engine.make_session_factory(old_engine)
    with sessions() as session:
        rows = session.execute(select(Meeting.id, Meeting.next_meeting_at))
        stored = {meeting_id: at for meeting_id, at in rows}
    assert stored == {1: datetime(2022, 2, 23, 6, 0, tzinfo=UTC), 2: None}
    command.downgrade(config, "0004")
    with old_engine.connect() as connection:
        back = connection.execute(text("SELECT next_meeting_at FROM meeting WHERE id = 1"))
        value = back.scalar_one()
    assert str(value).startswith("2022-02-23 15:00:00")
