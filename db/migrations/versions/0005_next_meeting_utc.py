"""Meeting.next_meeting_at becomes an aware UTC timestamp like every other one. The
values stored so far are the Korean wall-clock times written in the minutes (naive), so
they are read as Asia/Seoul and converted to UTC (and back on downgrade).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The minutes are Korean: their times were Korea time, whatever zone was configured.
MINUTES_ZONE = "Asia/Seoul"
SQLITE_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("meeting", "next_meeting_at", type_=sa.DateTime(timezone=True),
                        postgresql_using=f"next_meeting_at AT TIME ZONE '{MINUTES_ZONE}'")
        return
    _rewrite_sqlite(_local_to_utc)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("meeting", "next_meeting_at", type_=sa.DateTime(),
                        postgresql_using=f"next_meeting_at AT TIME ZONE '{MINUTES_ZONE}'")
        return
    _rewrite_sqlite(_utc_to_local)


def _local_to_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=ZoneInfo(MINUTES_ZONE)).astimezone(UTC).replace(tzinfo=None)


def _utc_to_local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(MINUTES_ZONE)).replace(tzinfo=None)


def _rewrite_sqlite(convert: Callable[[datetime], datetime]) -> None:
    # SQLite keeps the text as written; each value is parsed, shifted and written back.
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, next_meeting_at FROM meeting WHERE next_meeting_at IS NOT NULL")).all()
    for row_id, stored in rows:
        moment = datetime.fromisoformat(str(stored))
        bind.execute(sa.text("UPDATE meeting SET next_meeting_at = :at WHERE id = :id"),
                     {"at": convert(moment).strftime(SQLITE_FORMAT), "id": row_id})
