"""Opening the configured database for the CLI, the web app and the scheduler."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from db import engine as db_engine
from db import migrate
from tracker.errors import Unavailable


@dataclass
class Database:
    """An engine and its session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def embedded(self) -> bool:
        """Whether the database is a SQLite file in this process (reads take microseconds and
        never wait on the network)."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed at the end of the block, rolled back on error."""
        with db_engine.transaction(self.sessions) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reading: never blocks behind a writer on SQLite, always rolled back."""
        with self.sessions() as session:
            session.connection(execution_options={db_engine.READ_ONLY: True})
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def rollback_only(self) -> Iterator[Session]:
        """A session whose work is always rolled back (dry runs)."""
        with self.sessions() as session, session.begin() as transaction:
            yield session
            transaction.rollback()


def open_database(url: str, *, upgrade: bool = True) -> Database:
    """The database at `url`, its schema brought up to date; Unavailable when it cannot be reached."""
    engine = db_engine.make_engine(url)
    try:
        if upgrade and not migrate.is_current(engine):
            migrate.upgrade(engine)
    except OperationalError as exc:
        raise Unavailable(f"데이터베이스에 연결할 수 없습니다 ({_safe(url)}): {exc.orig}") from None
    return Database(engine, db_engine.make_session_factory(engine))


def _safe(url: str) -> str:
    # Never print a password that is part of the URL.
    from sqlalchemy.engine import make_url

    return make_url(db_engine.normalise_url(url)).render_as_string(hide_password=True)
