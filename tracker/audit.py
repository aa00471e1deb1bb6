"""The audit log: one append-only row per change, written in the change's own transaction."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
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
        detail=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True),
    )
    session.add(event)
    return event


def history(session: Session, item_id: int) -> list[AuditEvent]:
    """Every audit event of one item, oldest first."""
    query = select(AuditEvent).where(AuditEvent.item_id == item_id).order_by(AuditEvent.id)
    return list(session.scalars(query))
