"""Opening the configured database for the CLI, the web app and the scheduler (the
`Database` itself, an engine and its sessions, lives in db.engine)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db import engine as db_engine
from db import migrate
from db.engine import Database as Database  # where the CLI, web app and tests have found it
from tracker.errors import Unavailable
from tracker.fields import check_before_flush

# Every session's rows are cleaned and their lengths checked before each flush.
if not event.contains(Session, "before_flush", check_before_flush):
    event.listen(Session, "before_flush", check_before_flush)


def open_database(url: str, *, upgrade: bool = True) -> Database:
    """The database at `url`, its schema brought up to date; Unavailable when it cannot be reached."""
    engine = db_engine.make_engine(url)
    try:
        if upgrade and not migrate.is_current(engine):
            migrate.upgrade(engine)
    except OperationalError as exc:
        raise Unavailable(f"데이터베이스에 연결할 수 없습니다 ({safe_url(url)}): {exc.orig}") from None
    return Database(engine, db_engine.make_session_factory(engine))


def safe_url(url: str) -> str:
    """`url` fit to print: a password in it is masked ("***")."""
    from sqlalchemy.engine import make_url

    return make_url(db_engine.normalise_url(url)).render_as_string(hide_password=True)
