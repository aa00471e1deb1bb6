"""The audit log: one append-only row per change, written in the change's own transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from db.models import AuditEvent


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    item_id: int | None = None,
    meeting_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event for `action` by `actor`; `detail` is stored as JSON (Korean kept readable)."""
    event = AuditEvent(
        actor=actor,
        action=action,
        item_id=item_id,
        meeting_id=meeting_id,
        detail=_json(detail),
    )
    session.add(event)
    return event


def record_many(session: Session, actor: str, action: str, at: datetime,
                events: Sequence[tuple[int | None, dict[str, Any]]]) -> None:
    """Add one audit event per (item_id, detail) in `events`, all by `actor` for `action`,
    with one executemany INSERT (nothing is added to the session's identity map)."""
    if not events:
        return
    table = cast(Table, AuditEvent.__table__)
    session.execute(insert(table), [
        dict(at=at, actor=actor, action=action, item_id=item_id, meeting_id=None,
             detail=_json(detail)) for item_id, detail in events])


def _json(detail: dict[str, Any]) -> str:
    return json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True)


def history(session: Session, item_id: int, offset: int = 0,
            limit: int | None = None) -> list[AuditEvent]:
    """The audit events of one item, oldest first: all of them, or `limit` after `offset`."""
    query = (select(AuditEvent).where(AuditEvent.item_id == item_id).order_by(AuditEvent.id)
             .offset(offset).limit(limit))
    return list(session.scalars(query))


def history_count(session: Session, item_id: int) -> int:
    """How many audit events one item has, counted by the database."""
    return int(session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.item_id == item_id)) or 0)
