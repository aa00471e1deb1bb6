"""Shared fixtures: a fresh database per test (SQLite file, or the PostgreSQL database named by
TRACKER_TEST_DATABASE_URL), the sample minutes, and a CLI runner bound to the test database."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings
from sqlalchemy import text

from db import engine as db_engine
from db.models import Base
from tracker.cli import cli
from tracker.database import Database

# CI explores the same examples on every run (a red build must mean a change broke
# something); a developer's run draws new ones and keeps finding new inputs.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "2022-01-15-jobs-subcommittee-minutes.txt"
POSTGRES_URL = os.environ.get("TRACKER_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def _postgres_engine() -> Iterator[object]:
    engine = db_engine.make_engine(POSTGRES_URL or "")
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    Base.metadata.create_all(engine)
    _stamp_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, up-to-date database for this test."""
    if POSTGRES_URL:
        engine = request.getfixturevalue("_postgres_engine")
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return POSTGRES_URL
    url = f"sqlite:///{tmp_path / 'test.db'}"
    engine = db_engine.make_engine(url)
    Base.metadata.create_all(engine)
    _stamp_head(engine)
    engine.dispose()
    return url


def _stamp_head(engine: object) -> None:
    # Mark the schema as current so the CLI does not try to migrate it again.
    from alembic import command

    from db.migrate import alembic_config

    command.stamp(alembic_config(engine), "head")  # type: ignore[arg-type]


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """The test database, opened the way the application opens it."""
    engine = db_engine.make_engine(database_url)
    yield Database(engine, db_engine.make_session_factory(engine))
    engine.dispose()


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A private copy of the real sample minutes (pasted text)."""
    return Path(shutil.copy(SAMPLE, tmp_path / SAMPLE.name))


@pytest.fixture
def run(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run the `tracker` CLI against the test database; returns click's Result."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("TRACKER_") and name != "TRACKER_TEST_DATABASE_URL":
            monkeypatch.delenv(name)

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--db", database_url, *args], catch_exceptions=False)

    return invoke


@pytest.fixture
def imported(db: Database, sample: Path) -> Database:
    """The test database with the sample minutes imported."""
    from tracker.importer import import_file

    with db.transaction() as session:
        import_file(session, sample)
    return db
