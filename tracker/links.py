"""No-login reply links: one link per contact and meeting that stays until it expires or the
secretariat blocks it.

A link's token is derived from the server secret (`secret_key`) and the link's id:
base64url(HMAC-SHA256(secret, "reply-link:<id>")), 43 characters. The database keeps only
the token's hex SHA-256, so a leaked table does not leak working links, and a lookup by
hash compares in the database, not character by character in Python. Because the token
can be derived again, every e-mail about the same items (request, reminders, 보완 요청,
receipt) carries the same link without the database holding it; a link whose stored hash
does not match the derived token (the secret changed) is replaced by a new one.

A link's id is also its stable public key (`link_key`), e.g. for a per-request Reply-To.

Expiry: 60 days (`valid_days`) after the latest due date among the contact's items of that
meeting (counted to the end of that day in UTC), and never sooner than `now + valid_days`.
A link kept for a later e-mail is extended when its items' due dates moved later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, Literal, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from db.models import Item, ReplyLink
from tracker import audit
from tracker.clock import as_utc as as_utc  # re-exported for notifications, until it stops using it
from tracker.clock import utc_now
from tracker.errors import Invalid, NotFound

log = logging.getLogger(__name__)

LinkState = Literal["ok", "expired", "revoked", "unknown"]
Pair = tuple[int, int]  # (contact_id, meeting_id)

# The token is 32 bytes of HMAC-SHA256 in base64url without padding: 43 characters of
# [A-Za-z0-9_-]; anything else cannot be ours.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")
# Built once and read as plain columns: every page view and every POST looks its token up.
_BY_HASH = select(ReplyLink.id, ReplyLink.contact_id, ReplyLink.meeting_id, ReplyLink.expires_at,
                  ReplyLink.revoked_at).where(ReplyLink.token_hash == bindparam("token_hash"))
_TABLE = cast(Table, ReplyLink.__table__)


@dataclass(frozen=True)
class LinkScope:
    """What a reply link acts on: one contact's items of one meeting."""

    id: int
    contact_id: int
    meeting_id: int


@dataclass(frozen=True)
class LinkRef:
    """A working link as an e-mail carries it: its id, token and expiry (UTC)."""

    id: int
    contact_id: int
    meeting_id: int
    token: str
    expires_at: datetime


@cache
def _process_key() -> bytes:
    return secrets.token_bytes(32)


def link_secret(secret_key: str) -> bytes:
    """The key tokens are derived with: `secret_key`, or without one (a demo, a test) a
    random key of this process; links made with it work, but a process with another key
    replaces them with new links when it next writes to their contact."""
    return secret_key.encode("utf-8") if secret_key else _process_key()


MIN_SECRET_KEY = 16


def check_secret_key(secret_key: str) -> None:
    """Invalid unless `secret_key` is set and at least MIN_SECRET_KEY characters long:
    the web app and the workers derive the reply links every e-mail carries from it."""
    if len(secret_key) >= MIN_SECRET_KEY:
        return
    problem = "설정되지 않았습니다" if not secret_key else f"너무 짧습니다 ({len(secret_key)}자)"
    raise Invalid(
        f"비밀 키 secret_key가 {problem}. 회신 링크와 로그인을 지키는 키이므로 tracker.toml의 "
        f"secret_key나 환경 변수 TRACKER_SECRET_KEY에 {MIN_SECRET_KEY}자 이상의 임의 문자열을 "
        "적어 주세요 (예: python -c \"import secrets; print(secrets.token_hex(32))\"). "
        "모든 serve·worker 프로세스가 같은 키를 써야 합니다.")


def token_for(secret: bytes, link_id: int) -> str:
    """The token of link `link_id` under `secret`. Pure."""
    digest = hmac.new(secret, f"reply-link:{link_id}".encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def link_key(link_id: int) -> str:
    """The link's stable public name (its id): what a Reply-To address may carry."""
    return str(link_id)


def hash_token(token: str) -> str:
    """The hex SHA-256 of `token`, as stored in ReplyLink.token_hash."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


_LATEST_DUE = date(9000, 12, 31)


def link_expiry(latest_due: date | None, now: datetime, valid_days: int = 60) -> datetime:
    """When a link expires: `valid_days` after the latest due date (end of day, UTC), but no
    sooner than `now + valid_days`. Pure."""
    floor = as_utc(now) + timedelta(days=valid_days)
    if latest_due is None:
        return floor
    # A due date stored before entry was checked (9999-12-31) is taken as the last one the
    # arithmetic and every time zone can hold.
    latest_due = min(latest_due, _LATEST_DUE)
    after_due = datetime.combine(latest_due + timedelta(days=valid_days + 1), time(),
                                 tzinfo=UTC)
    return max(floor, after_due)


def current_links(session: Session, pairs: Iterable[Pair], now: datetime, valid_days: int,
                  secret: bytes) -> dict[Pair, LinkRef]:
    """The working link of each (contact, meeting): the live one when its token can be
    derived (its expiry extended if the items' due dates moved later), else a new one (a
    live link whose token cannot be derived is revoked). Three to five statements for the
    whole set, whatever its size."""
    wanted = set(pairs)
    if not wanted:
        return {}
    expiry = {pair: link_expiry(due, now, valid_days)
              for pair, due in _latest_dues(session, wanted).items()}
    kept, stale = _live_links(session, wanted, now, secret)
    _revoke(session, stale, now)
    found = {pair: _with_expiry(ref, max(ref.expires_at, expiry.get(pair, ref.expires_at)))
             for pair, ref in kept.items()}
    _extend(session, [ref for pair, ref in found.items() if ref.expires_at > kept[pair].expires_at])
    missing = [pair for pair in wanted if pair not in found]
    found |= _insert(session, missing, expiry, now, valid_days, secret)
    return found


def _with_expiry(ref: LinkRef, expires_at: datetime) -> LinkRef:
    return LinkRef(ref.id, ref.contact_id, ref.meeting_id, ref.token, expires_at)


def _latest_dues(session: Session, pairs: set[Pair]) -> dict[Pair, date]:
    contacts = sorted({c for c, _ in pairs})
    query = (select(Item.contact_id, Item.meeting_id, func.max(Item.due_date))
             .where(Item.contact_id.in_(contacts))  # ix_item_contact_meeting
             .group_by(Item.contact_id, Item.meeting_id))
    return {(c, m): due for c, m, due in session.execute(query) if c is not None and (c, m) in pairs}


def _live_links(session: Session, pairs: set[Pair], now: datetime,
                secret: bytes) -> tuple[dict[Pair, LinkRef], list[int]]:
    # The newest live, unexpired link of each pair whose token derives; the ids of live
    # links whose token does not (made under another key) to revoke.
    contacts = sorted({c for c, _ in pairs})
    query = (select(ReplyLink.id, ReplyLink.contact_id, ReplyLink.meeting_id,
                    ReplyLink.token_hash, ReplyLink.expires_at)
             .where(ReplyLink.contact_id.in_(contacts), ReplyLink.revoked_at.is_(None))
             .order_by(ReplyLink.id.desc()))  # ix_reply_link_contact_meeting
    kept: dict[Pair, LinkRef] = {}
    stale: list[int] = []
    for row in session.execute(query):
        pair = (row.contact_id, row.meeting_id)
        if pair not in pairs or pair in kept or as_utc(row.expires_at) <= as_utc(now):
            continue
        token = token_for(secret, row.id)
        if hmac.compare_digest(hash_token(token), row.token_hash):
            kept[pair] = LinkRef(row.id, *pair, token, as_utc(row.expires_at))
        else:
            stale.append(row.id)
    return kept, stale


def _revoke(session: Session, link_ids: list[int], now: datetime) -> None:
    if link_ids:
        log.info("reply links %s: token not derivable with this key; replaced", link_ids)
        session.execute(update(_TABLE).where(_TABLE.c.id.in_(link_ids)).values(revoked_at=now))


def _extend(session: Session, longer: list[LinkRef]) -> None:
    if longer:
        session.execute(update(_TABLE).where(_TABLE.c.id == bindparam("link_id"))
                        .values(expires_at=bindparam("new_expiry")),
                        [{"link_id": ref.id, "new_expiry": ref.expires_at} for ref in longer])


def _insert(session: Session, pairs: list[Pair], expiry: dict[Pair, datetime], now: datetime,
            valid_days: int, secret: bytes) -> dict[Pair, LinkRef]:
    # One INSERT … RETURNING with a random placeholder hash per row (the token needs the
    # id), then one executemany UPDATE that stores the real hashes. Both statements are
    # built once and the rows go as parameter sets (multi-row VALUES, "insertmanyvalues"):
    # a VALUES clause written out per batch cost more to compile than to run.
    if not pairs:
        return {}
    placeholders = {secrets.token_hex(32): pair for pair in pairs}
    rows: list[dict[str, Any]] = [
        dict(token_hash=placeholder, contact_id=pair[0], meeting_id=pair[1], created_at=now,
             expires_at=expiry.get(pair) or link_expiry(None, now, valid_days))
        for placeholder, pair in placeholders.items()]
    made = {placeholders[row.token_hash]: LinkRef(row.id, *placeholders[row.token_hash],
                                                  token_for(secret, row.id),
                                                  as_utc(row.expires_at))
            for row in session.execute(_INSERT, rows)}
    session.execute(_SET_HASH, [{"link_id": ref.id, "real_hash": hash_token(ref.token)}
                                for ref in made.values()])
    return made


_INSERT = _TABLE.insert().returning(_TABLE.c.id, _TABLE.c.token_hash, _TABLE.c.expires_at)
_SET_HASH = (update(_TABLE).where(_TABLE.c.id == bindparam("link_id"))
             .values(token_hash=bindparam("real_hash")))


def current_link(session: Session, contact_id: int, meeting_id: int, now: datetime,
                 valid_days: int, secret: bytes) -> LinkRef:
    """The working link of one contact and meeting (see `current_links`)."""
    return current_links(session, [(contact_id, meeting_id)], now, valid_days, secret)[
        (contact_id, meeting_id)]


def live_link(session: Session, contact_id: int, meeting_id: int, now: datetime,
              secret: bytes) -> LinkRef | None:
    """The contact's working link for the meeting when there is one whose token derives under
    `secret`; None otherwise. Reads only: nothing is made, extended or revoked (a receipt
    repeats the link; it never replaces one the secretariat blocked)."""
    kept, _ = _live_links(session, {(contact_id, meeting_id)}, now, secret)
    return kept.get((contact_id, meeting_id))


def link_by_token(session: Session, token: str, now: datetime) -> LinkRef | None:
    """The live, unexpired link whose token is `token` (as a visitor just used it), or None."""
    row = session.execute(
        select(ReplyLink.id, ReplyLink.contact_id, ReplyLink.meeting_id, ReplyLink.expires_at)
        .where(ReplyLink.token_hash == hash_token(token), ReplyLink.revoked_at.is_(None))
    ).first()
    if row is None or as_utc(row.expires_at) <= as_utc(now):
        return None
    return LinkRef(row.id, row.contact_id, row.meeting_id, token, as_utc(row.expires_at))


def renew_link(session: Session, contact_id: int, meeting_id: int, now: datetime,
               valid_days: int, secret: bytes) -> LinkRef:
    """A new link for the contact's items of the meeting ("새 링크"); the earlier links of
    the same contact and meeting are revoked."""
    session.execute(
        update(_TABLE)
        .where(_TABLE.c.contact_id == contact_id, _TABLE.c.meeting_id == meeting_id,
               _TABLE.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return current_link(session, contact_id, meeting_id, now, valid_days, secret)


def issue_link(
    session: Session, contact_id: int, meeting_id: int, now: datetime, valid_days: int = 60,
    *, secret: bytes | None = None,
) -> str:
    """The token of a new link for the contact and meeting (`renew_link`); without `secret`,
    under this process's key."""
    return renew_link(session, contact_id, meeting_id, now, valid_days,
                      secret or _process_key()).token


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
