"""What every `tracker` command is handed: the settings and, opened on first use, the database.

The command modules (tracker/cli_*.py) import this module, never tracker/cli.py: the root
group in tracker/cli.py loads them, so the arrows point one way. Nothing here imports
SQLAlchemy, the web or the mail stack at import time: `tracker --help` stays fast.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracker import cli_params as params

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tracker.config import Settings
    from tracker.database import Database

OUTPUT_FORMATS = params.Choice(["table", "csv", "json"])


class App:
    """What every command needs: the settings and, opened on first use, the database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.may_create = False  # set by @creates_database
        self._database: Database | None = None

    @property
    def database(self) -> Database:
        """The configured database, schema brought up to date on first use. A SQLite file
        that does not exist is refused (UserError), not created, unless the command is one
        that may create it (see creates_database): a command run in the wrong folder says
        so instead of starting an empty database there."""
        if self._database is None:
            missing = missing_sqlite_file(self.settings.database_url)
            if missing is not None and not self.may_create:
                from tracker.errors import UserError

                raise UserError(f"데이터베이스 파일이 없습니다: {missing.resolve()}. 새로 만들려면 "
                                "`tracker init`을 실행하고, 다른 데이터베이스는 --db 또는 "
                                "TRACKER_DATABASE_URL로 지정하세요.")
            from tracker.database import open_database

            self._database = open_database(self.settings.database_url)
            if missing is not None:
                click.echo(f"새 데이터베이스를 만들었습니다: {missing.resolve()}", err=True)
        return self._database

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction, committed at the end of the block."""
        with self.database.transaction() as session:
            yield session

    def today(self) -> date:
        """Today's date in the configured time zone."""
        from zoneinfo import ZoneInfo

        from tracker.clock import local_date, utc_now

        return local_date(utc_now(), ZoneInfo(self.settings.timezone))


pass_app = click.make_pass_decorator(App)


def creates_database(command: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a command (below @pass_app) as one that may create a missing SQLite file: `init`,
    and `import`, which is how a table first comes in. Every other command refuses one."""

    @functools.wraps(command)
    def run(app: App, *args: Any, **kwargs: Any) -> Any:
        app.may_create = True
        return command(app, *args, **kwargs)

    return run


def missing_sqlite_file(url: str) -> Path | None:
    """The path of the SQLite file `url` names when that file does not exist; None for an
    existing file, an in-memory database or a server database."""
    from sqlalchemy.engine import make_url

    from db.engine import normalise_url

    parsed = make_url(normalise_url(url))
    name = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or name in ("", ":memory:") \
            or name.startswith("file:"):
        return None
    path = Path(name)
    return None if path.exists() else path


def format_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """The --format option of the listing commands: table (default), csv or json."""
    return click.option("--format", "fmt", type=OUTPUT_FORMATS, default="table",
                        show_default=True, help="출력 형식")(func)
