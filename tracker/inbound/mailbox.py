"""Storing received messages, and reading them back for the console.

A message is stored whole, with its attachments, before anything is decided about it, and
only once: its Message-ID (or the SHA-256 of its bytes when it has none) is unique.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from db.models import InboundAttachment, InboundMessage, InboundState
from tracker.inbound.reading import ReadMessage
from tracker.paging import Paged, paginate

STATE_LABELS = {
    InboundState.RECEIVED: "처리 전", InboundState.APPLIED: "반영됨",
    InboundState.WAITING: "확인 필요", InboundState.IGNORED: "무시함",
}


def store(session: Session, read: ReadMessage, raw: bytes, recipient: str,
          now: datetime) -> tuple[InboundMessage, bool]:
    """Store the message (RECEIVED) with its attachments in the caller's transaction; returns
    the row and True, or the row already stored under the same Message-ID and False."""
    existing = find(session, read.message_id)
    if existing is not None:
        return existing, False
    row = InboundMessage(
        message_id=read.message_id, received_at=now, raw=raw, sender=read.sender[:254],
        subject=read.subject[:300], recipient=recipient[:254], text=read.text,
        reply=read.reply, state=InboundState.RECEIVED, reason="", detail="", item_ids="",
    )
    row.attachments = [
        InboundAttachment(name=a.name[:200], content_type=a.content_type[:100], size=a.size,
                          data=a.data, refused=a.refused)
        for a in read.attachments
    ]
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # delivered twice at the same moment: the other one stored it
        again = find(session, read.message_id)
        if again is None:
            raise
        return again, False
    return row, True


def find(session: Session, message_id: str) -> InboundMessage | None:
    """The stored message with `message_id`, or None."""
    return session.scalar(select(InboundMessage).where(InboundMessage.message_id == message_id))


def pending(session: Session, limit: int = 100) -> list[int]:
    """Ids of stored messages not yet looked at (applying them failed, or was interrupted)."""
    return list(session.scalars(
        select(InboundMessage.id).where(InboundMessage.state == InboundState.RECEIVED)
        .order_by(InboundMessage.id).limit(limit)))


@dataclass(frozen=True)
class MailboxRow:
    """One received message as the console's mailbox lists it."""

    id: int
    received_at: datetime
    sender: str
    subject: str
    state: str
    state_label: str
    reason: str
    detail: str
    attachments: int


def listing_page(session: Session, page: str | int | None = None,
                 state: str | None = None) -> Paged[MailboxRow]:
    """One page (tracker.paging) of the received messages (or those in `state`), newest
    first, without their bytes; counted by the database."""
    total = sum(n for s, n in counts(session).items() if state is None or s == state)
    shown = paginate(page, total)
    return Paged(listing(session, state, shown.limit, shown.offset), shown)


def listing(session: Session, state: str | None = None, limit: int = 200,
            offset: int = 0) -> list[MailboxRow]:
    """The newest received messages (or those in `state`), newest first, without their
    bytes: `limit` of them after skipping `offset`."""
    count = (select(func.count(InboundAttachment.id))
             .where(InboundAttachment.message_id == InboundMessage.id)
             .correlate(InboundMessage).scalar_subquery())
    query = select(InboundMessage.id, InboundMessage.received_at, InboundMessage.sender,
                   InboundMessage.subject, InboundMessage.state, InboundMessage.reason,
                   InboundMessage.detail, count.label("attachments"))
    if state:
        query = query.where(InboundMessage.state == state)
    rows = session.execute(query.order_by(InboundMessage.id.desc()).offset(offset).limit(limit))
    return [MailboxRow(r.id, r.received_at, r.sender, r.subject, r.state.value,
                       STATE_LABELS[r.state], r.reason, r.detail, r.attachments) for r in rows]


def counts(session: Session) -> dict[str, int]:
    """How many received messages are in each state."""
    rows = session.execute(select(InboundMessage.state, func.count()).group_by(
        InboundMessage.state))
    return {state.value: number for state, number in rows}


def get(session: Session, message_id: int) -> InboundMessage | None:
    """One stored message with its attachments (the bytes load when read)."""
    return session.scalar(select(InboundMessage).where(InboundMessage.id == message_id)
                          .options(selectinload(InboundMessage.attachments)))


def attachment(session: Session, message_id: int, attachment_id: int) -> InboundAttachment | None:
    """One kept attachment of a stored message, or None (refused ones have no bytes)."""
    found = session.get(InboundAttachment, attachment_id)
    if found is None or found.message_id != message_id or found.refused is not None:
        return None
    return found


@dataclass(frozen=True)
class ItemChoice:
    """An open item of the message's request, with the text proposed for it."""

    id: int
    program: str
    opinion: str
    proposed: str


@dataclass(frozen=True)
class MessageView:
    """One received message as the console shows it."""

    row: InboundMessage
    state_label: str
    contact: str | None
    items: list[ItemChoice]
    can_apply: bool
    documents: dict[int, str]  # attachment id -> the text of an attached HWP/HWPX/XLSX/PDF


def view(session: Session, message_id: int) -> MessageView | None:
    """The message `message_id` with its attachments and, when it waits and its request is
    known, the request's open items each with a proposed text: its program's section of the
    reply, else (for the first item only) the whole reply."""
    from tracker.inbound import applying
    from tracker.inbound.documents import document_text
    from tracker.inbound.targets import Target

    row = get(session, message_id)
    if row is None:
        return None
    contact = row.contact
    choices: list[ItemChoice] = []
    if row.contact_id is not None and row.meeting_id is not None:
        items = applying.open_items(session, Target(row.contact_id, row.meeting_id,
                                                    row.link_id, "view"))
        parts = applying.proposal(items, row.reply, applying.attachment_note(row))
        if not parts and items:
            parts = {items[0].id: applying.reply_text(row)}
        choices = [ItemChoice(i.id, i.program.number if i.program else "-", i.text,
                              parts.get(i.id, "")) for i in items]
    can_apply = row.state in (InboundState.WAITING, InboundState.IGNORED) and bool(choices)
    documents = {a.id: text for a in row.attachments if a.refused is None
                 for text in [document_text(a.data, a.name)] if text}
    return MessageView(row, STATE_LABELS[row.state],
                       f"{contact.name} <{contact.email or ''}>" if contact else None,
                       choices, can_apply, documents)
