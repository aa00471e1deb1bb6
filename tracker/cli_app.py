"""What every `tracker` command is handed: the settings and, opened on first use, the database.

The command modules (tracker/cli_*.py) import this module, never tracker/cli.py: the root
group in tracker/cli.py loads them, so the arrows point one way. Nothing here imports
SQLAlchemy, the web or the mail stack at import time: `tracker --help` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tracker.config import Settings

OUTPUT_FORMATS = click.Choice(["table", "csv", "json"])


class App:
    """What every command needs: the settings and, opened on first use, the database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._database: Any = None

    @property
    def database(self) -> Any:
        """The configured database, schema brought up to date on first use."""
        if self._database is None:
            from tracker.database import open_database

            self._database = open_database(self.settings.database_url)
        return self._database

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction, committed at the end of the block."""
        with self.database.transaction() as session:
            yield session

    def today(self) -> date:
        """Today's date in the configured time zone."""
        from datetime import datetime
        from zoneinfo import ZoneInfo

        return datetime.now(ZoneInfo(self.settings.timezone)).date()


pass_app = click.make_pass_decorator(App)


def format_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """The --format option of the listing commands: table (default), csv or json."""
    return click.option("--format", "fmt", type=OUTPUT_FORMATS, default="table",
                        show_default=True, help="출력 형식")(func)
