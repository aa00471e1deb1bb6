"""No-login reply links: one secret token per contact and meeting; only its SHA-256 is stored.

A token is `secrets.token_urlsafe(32)` (256 bits). The database keeps its hex SHA-256, so a
leaked table does not leak working links, and a lookup by hash compares in the database, not
character by character in Python. Issuing a new link for a contact and meeting revokes the
earlier ones: the newest e-mail always carries the one link that works.

Expiry: 60 days (`valid_days`) after the latest due date among the contact's items of that
meeting (counted to the end of that day in UTC), and never sooner than `now + valid_days`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from db.models import Item, ReplyLink
from tracker import audit
from tracker.clock import as_utc as as_utc  # re-exported for notifications, until it stops using it
from tracker.clock import utc_now
from tracker.errors import NotFound

LinkState = Literal["ok", "expired", "revoked", "unknown"]

TOKEN_BYTES = 32
# token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-]; anything else cannot be ours.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")
# Built once and read as plain columns: every page view and every POST looks its token up.
_BY_HASH = select(ReplyLink.id, ReplyLink.contact_id, ReplyLink.meeting_id, ReplyLink.expires_at,
                  ReplyLink.revoked_at).where(ReplyLink.token_hash == bindparam("token_hash"))


@dataclass(frozen=True)
class LinkScope:
    """What a reply link acts on: one contact's items of one meeting."""

    id: int
    contact_id: int
    meeting_id: int


def hash_token(token: str) -> str:
    """The hex SHA-256 of `token`, as stored in ReplyLink.token_hash."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def link_expiry(latest_due: date | None, now: datetime, valid_days: int = 60) -> datetime:
    """When a link expires: `valid_days` after the latest due date (end of day, UTC), but no
    sooner than `now + valid_days`. Pure."""
    floor = as_utc(now) + timedelta(days=valid_days)
    if latest_due is None:
        return floor
    after_due = datetime.combine(latest_due + timedelta(days=valid_days + 1), time(),
                                 tzinfo=UTC)
    return max(floor, after_due)


def issue_link(
    session: Session, contact_id: int, meeting_id: int, now: datetime, valid_days: int = 60
) -> str:
    """A new reply token for the contact's items of the meeting; earlier links of the same
    contact and meeting are revoked. Returns the token (shown once, never stored)."""
    latest_due = session.scalar(
        select(func.max(Item.due_date)).where(
            Item.contact_id == contact_id, Item.meeting_id == meeting_id
        )
    )
    session.execute(
        update(ReplyLink)
        .where(ReplyLink.contact_id == contact_id, ReplyLink.meeting_id == meeting_id,
               ReplyLink.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token, link = new_link(contact_id, meeting_id, latest_due, now, valid_days)
    session.add(link)
    session.flush()
    return token


def new_link(
    contact_id: int, meeting_id: int, latest_due: date | None, now: datetime,
    valid_days: int = 60,
) -> tuple[str, ReplyLink]:
    """A fresh token, `secrets.token_urlsafe(TOKEN_BYTES)` (256 bits), and its unsaved
    ReplyLink, which holds only the token's hash. Touches no database and revokes nothing:
    `issue_link` does both around it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, ReplyLink(
        token_hash=hash_token(token), contact_id=contact_id, meeting_id=meeting_id,
        created_at=now, expires_at=link_expiry(latest_due, now, valid_days),
    )


def resolve_link(session: Session, token: object, now: datetime) -> tuple[LinkState, LinkScope | None]:
    """The state of `token` and its link: ("ok", link), ("expired", link), ("revoked", link) or
    ("unknown", None). Any malformed input (empty, wrong alphabet or length, not a str) is
    "unknown"; this never raises for bad input."""
    if not isinstance(token, str) or not _TOKEN_SHAPE.match(token):
        return "unknown", None
    row = session.connection().execute(_BY_HASH, {"token_hash": hash_token(token)}).one_or_none()
    if row is None:
        return "unknown", None
    link = LinkScope(row.id, row.contact_id, row.meeting_id)
    if row.revoked_at is not None:
        return "revoked", link
    if as_utc(row.expires_at) <= as_utc(now):
        return "expired", link
    return "ok", link


def revoke_link(session: Session, link_id: int, actor: str, now: datetime | None = None) -> ReplyLink:
    """Revoke the link `link_id` (idempotent) and record who did it; NotFound if there is none."""
    link = session.get(ReplyLink, link_id)
    if link is None:
        raise NotFound(f"회신 링크 {link_id}번이 없습니다.")
    if link.revoked_at is None:
        link.revoked_at = now or utc_now()
        audit.record(session, actor, "link_revoked", meeting_id=link.meeting_id,
                     link_id=link.id, contact_id=link.contact_id)
    return link


def revoke_links(
    session: Session, contact_id: int, meeting_id: int, actor: str, now: datetime
) -> int:
    """Revoke every live link of the contact for the meeting; returns how many were live."""
    live = list(session.scalars(select(ReplyLink).where(
        ReplyLink.contact_id == contact_id, ReplyLink.meeting_id == meeting_id,
        ReplyLink.revoked_at.is_(None))))
    for link in live:
        revoke_link(session, link.id, actor, now)
    return len(live)


def reply_url(base_url: str, token: str) -> str:
    """The public URL of a reply link: `{base_url}/r/{token}`."""
    return f"{base_url.rstrip('/')}/r/{token}"
