"""Engine and session set-up for SQLite (default, embedded) and PostgreSQL.

SQLite runs in WAL mode with foreign keys on, and every transaction that may
write starts with BEGIN IMMEDIATE: a writer takes the lock when it begins, so
two writers queue behind busy_timeout instead of failing half-way with
"database is locked". Read-only transactions (READ_ONLY) begin deferred.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from db.ordering import SQLITE_FUNCTION, padded
from db.writers import WriterQueue

SQLITE_BUSY_TIMEOUT_MS = 15_000
# Execution option of a connection that only reads: on SQLite its transaction starts with a
# plain (deferred) BEGIN, so readers run beside the one writer instead of queueing behind it.
READ_ONLY = "tracker_read_only"


def normalise_url(url: str) -> str:
    """The SQLAlchemy URL for `url`: a bare file path means a SQLite file; postgres URLs use psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{url}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An Engine for `url`, with the SQLite pragmas and locking described above."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    # No limit on overflow connections: a SQLite connection is a file handle, and the web
    # app reads on its event loop, which must never wait for a connection held by a thread.
    if make_url(url).database not in (None, "", ":memory:"):
        kwargs.setdefault("max_overflow", -1)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Take transaction control away from pysqlite so BEGIN IMMEDIATE is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # The natural order of program numbers (db.ordering), for the console's pages.
        dbapi_connection.create_function(SQLITE_FUNCTION, 1, padded, deterministic=True)

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose sessions keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back on any exception."""
    with factory() as session, session.begin():
        yield session


@dataclass
class Database:
    """An engine and its session factory."""

    engine: Engine
    sessions: sessionmaker[Session]
    # SQLite writers of this process queue here, first come first served (db.writers).
    writers: WriterQueue = field(
        default_factory=lambda: WriterQueue(SQLITE_BUSY_TIMEOUT_MS / 1000))

    @property
    def embedded(self) -> bool:
        """Whether the database is a SQLite file in this process (reads take microseconds and
        never wait on the network)."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed at the end of the block, rolled back on error.
        On SQLite the writers of this process take turns in order of arrival."""
        if not self.embedded:
            with transaction(self.sessions) as session:
                yield session
            return
        with self.writers.turn(), transaction(self.sessions) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reading: never blocks behind a writer on SQLite, always rolled back."""
        with self.sessions() as session:
            session.connection(execution_options={READ_ONLY: True})
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
