"""The packaged migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from db import engine as db_engine
from db import migrate
from db.models import AuditEvent, Base
from tests.conftest import POSTGRES_URL
from tracker.database import open_database


def test_migrations_match_models(tmp_path: Path) -> None:
    engine = db_engine.make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate.upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    assert migrate.is_current(engine)


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TRACKER_TEST_DATABASE_URL (PostgreSQL)")
def test_migrations_run_on_postgresql() -> None:
    engine = db_engine.make_engine(POSTGRES_URL or "")
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        connection.execute(text("CREATE SCHEMA migration_check"))
    scoped = db_engine.make_engine(
        POSTGRES_URL or "", connect_args={"options": "-csearch_path=migration_check"}
    )
    migrate.upgrade(scoped)
    with scoped.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    scoped.dispose()
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA migration_check CASCADE"))


def test_sqlite_file_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    database = open_database(str(tmp_path / "tracker.db"))
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_audit_log_is_append_only(imported) -> None:  # type: ignore[no-untyped-def]
    with imported.transaction() as session:
        event = session.scalars(select(AuditEvent)).first()
        assert event is not None
        event.actor = "someone else"
        with pytest.raises(ValueError, match="append-only"):
            session.flush()
        session.rollback()


def test_timestamps_keep_their_instant_whatever_the_zone(imported) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from db.models import Item

    seoul = datetime(2022, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Seoul"))
    with imported.transaction() as session:
        item = session.scalars(select(Item)).first()
        assert item is not None
        item.next_reminder_at = seoul
        item_id = item.id
    with imported.transaction() as session:
        stored = session.get(Item, item_id)
        assert stored is not None and stored.next_reminder_at == seoul  # the same instant
        assert stored.next_reminder_at.utcoffset() is not None


def test_readers_are_not_blocked_by_a_writer_on_sqlite(tmp_path: Path) -> None:
    from db.models import Committee

    database = open_database(str(tmp_path / "tracker.db"))
    with database.transaction() as writer:
        writer.add(Committee(name="일자리분과"))
        writer.flush()  # the writer holds SQLite's write lock until the block ends
        with database.reading() as reader:  # would wait for the lock, then fail, if IMMEDIATE
            assert reader.scalars(select(Committee)).all() == []
    with database.reading() as reader:
        assert [c.name for c in reader.scalars(select(Committee))] == ["일자리분과"]


def test_a_sqlite_reader_never_waits_for_a_pooled_connection(tmp_path: Path) -> None:
    # The reply page reads on the web app's event loop: if threads held every pooled
    # connection (writers queueing for the lock), waiting for one would stall every page.
    database = open_database(str(tmp_path / "tracker.db"))
    held = [database.engine.connect() for _ in range(40)]  # the web thread pool's size
    try:
        with database.reading() as reader:
            assert reader.execute(text("SELECT 1")).scalar() == 1
    finally:
        for connection in held:
            connection.close()
