"""Which request a received message answers: the contact and meeting named by the KEY in the
reply address, or else by one of our Message-IDs in In-Reply-To/References. The subject is
never used. Also: the reply address to put on an outgoing request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Item, OutboxMessage, ReplyLink
from notifications import replykey
from tracker.config import Settings
from tracker.links import as_utc

AddressState = Literal["keyed", "forged", "plain", "foreign"]


@dataclass(frozen=True)
class Target:
    """The request a message answers: one contact's items of one meeting."""

    contact_id: int
    meeting_id: int
    link_id: int | None  # None when found by References
    found_by: str  # "address" or "references"


def enabled(settings: Settings) -> bool:
    """Whether replies by e-mail are configured: an inbound address and a server secret."""
    return bool(settings.inbound_address and settings.secret_key)


def reply_address(session: Session, settings: Settings, contact_id: int,
                  meeting_id: int) -> str | None:
    """The Reply-To for a request to the contact about the meeting: `reply+KEY@…` naming
    their newest reply link, or None when replies by e-mail are off or there is no link."""
    if not enabled(settings):
        return None
    link_id = session.scalar(
        select(ReplyLink.id).where(ReplyLink.contact_id == contact_id,
                                   ReplyLink.meeting_id == meeting_id)
        .order_by(ReplyLink.id.desc()).limit(1))  # ix_reply_link_contact_meeting
    if link_id is None:
        return None
    return address_for_link(settings, link_id)


def address_for_link(settings: Settings, link_id: int) -> str:
    """The reply address naming the link `link_id`."""
    key = replykey.make_key(settings.secret_key, link_id)
    return replykey.reply_address(settings.inbound_address, settings.inbound_separator, key)


def address_state(settings: Settings, address: str) -> tuple[AddressState, int | None]:
    """What `address` is to us: ("keyed", link id) with a good MAC, ("forged", None) with a
    bad one, ("plain", None) for the inbound address itself, ("foreign", None) otherwise."""
    if not settings.inbound_address:
        return "foreign", None
    key = replykey.key_of(address, settings.inbound_address, settings.inbound_separator)
    if key is None:
        plain = address.strip().lower() == settings.inbound_address.strip().lower()
        return ("plain" if plain else "foreign"), None
    link_id = replykey.read_key(settings.secret_key, key) if settings.secret_key else None
    return ("keyed", link_id) if link_id is not None else ("forged", None)


def by_addresses(session: Session, settings: Settings,
                 addresses: Iterable[str]) -> tuple[Target | None, bool]:
    """The target named by the first keyed address among `addresses`, and whether any keyed
    address was forged (a bad MAC, or a link that does not exist)."""
    forged = False
    for address in addresses:
        state, link_id = address_state(settings, address)
        if state == "forged":
            forged = True
        if state != "keyed" or link_id is None:
            continue
        link = session.get(ReplyLink, link_id)
        if link is None:
            forged = True
            continue
        return Target(link.contact_id, link.meeting_id, link.id, "address"), forged
    return None, forged


def by_references(session: Session, references: Iterable[str]) -> Target | None:
    """The target of the newest of our messages named in In-Reply-To/References that was
    written to a contact about items, or None."""
    wanted = list(references)[:50]
    if not wanted:
        return None
    rows = session.execute(
        select(OutboxMessage.message_id, OutboxMessage.contact_id, OutboxMessage.item_ids)
        .where(OutboxMessage.message_id.in_(wanted), OutboxMessage.contact_id.is_not(None))
    ).all()  # ix_outbox_message_id
    order = {message_id: index for index, message_id in enumerate(wanted)}
    for row in sorted(rows, key=lambda r: order.get(r.message_id, len(order))):
        first = next((int(i) for i in row.item_ids.split(",") if i.strip().isdigit()), None)
        meeting_id = session.scalar(select(Item.meeting_id).where(Item.id == first)) \
            if first is not None else None
        if meeting_id is not None and row.contact_id is not None:
            return Target(row.contact_id, meeting_id, None, "references")
    return None


def request_live(session: Session, target: Target, now: datetime) -> bool:
    """Whether the contact still has a live (unrevoked, unexpired) reply link for the meeting:
    the request has not expired."""
    expiries = session.scalars(select(ReplyLink.expires_at).where(
        ReplyLink.contact_id == target.contact_id, ReplyLink.meeting_id == target.meeting_id,
        ReplyLink.revoked_at.is_(None)))
    return any(as_utc(expiry) > as_utc(now) for expiry in expiries)
