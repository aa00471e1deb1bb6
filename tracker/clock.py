"""The one clock: the current time as an aware UTC datetime, and the few conversions
between UTC and a local zone that the rules need.

Code that needs the time takes a `Clock` (or a `now`) from its caller, so tests control
time; `utc_now` is the real clock the CLI, the web app and the scheduler pass in.
Every timestamp is aware UTC; local time exists only to be shown or to turn a Korean
date and hour into a moment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]
# The zone of the times written in council minutes ("차기회의 2022. 2. 23. 15:00"): Korean
# councils write Korean time, whatever zone the tracker is configured with.
MINUTES_ZONE = ZoneInfo("Asia/Seoul")


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime; a naive value is taken to be UTC already
    (what SQLite hands back for a column without a zone)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def from_local(moment: datetime, zone: ZoneInfo) -> datetime:
    """The aware UTC moment of `moment`, a naive wall-clock time in `zone`. Pure."""
    return moment.replace(tzinfo=zone).astimezone(UTC)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar date in `zone` at `moment` (an aware datetime). Pure."""
    return moment.astimezone(zone).date()
