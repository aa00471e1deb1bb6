"""The receipt e-mail after a contact submits replies: one per submission, listing what was
submitted (for each item its opinion, the follow-up text, 회신 구분, 반영곤란 사유 and 완료
예정일 where given) with the contact's reply link.

A handful of statements (the items' letter rows, their newest submitted revisions, the link,
the outbox row) and one rendering, in the transaction that stores the replies. The link is
the one the contact used (its token given by the reply page), else their live link when it
can be derived; a receipt never makes a new link nor brings back a blocked one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from db.models import Item, Response
from notifications import emails, outbox
from notifications.compose import Mailbox
from tracker import labels, letters, links

if TYPE_CHECKING:
    from tracker.config import Settings


def enqueue_receipt(
    session: Session, settings: Settings, contact_id: int, item_ids: Sequence[int],
    now: datetime, token: str | None = None,
) -> int | None:
    """A receipt to the contact for their submitted replies to `item_ids` (call it in the
    transaction that stores the replies). Once per item revision set: submitting the same
    revisions again enqueues nothing. `token`: the reply link the contact submitted through
    (repeated in the receipt); without it, the contact's live link when `secret_key` lets it
    be derived, else none. Returns the outbox id; None when the contact has
    no address or nothing new was queued. An unusable stored address never stops the
    submission: the receipt is set aside with the Korean reason (letters.set_aside_if_unusable)
    and the replies are stored all the same."""
    group = letters.rows(session, Item.id.in_(list(item_ids)), Item.contact_id == contact_id,
                         order=letters.TABLE_ORDER)
    if not group or not group[0].contact_email:
        return None
    first = group[0]
    latest = _latest_submitted(session, [r.id for r in group])
    submitted = ".".join(f"{r.id}r{latest[r.id].revision if r.id in latest else 0}"
                         for r in sorted(group, key=lambda r: r.id))
    key, ids = f"receipt:{contact_id}:{submitted}", [r.id for r in group]
    if letters.set_aside_if_unusable(session, kind="receipt", dedup_key=key,
                                     name=first.contact_name, address=first.contact_email,
                                     now=now, item_ids=ids, contact_id=contact_id):
        return None
    link = _link(session, settings, first.contact_id, first.meeting_id, now, token)
    message = emails.Outgoing(
        kind="receipt", dedup_key=key, to=Mailbox(first.contact_name, first.contact_email),
        rendered=emails.render_receipt(
            letters.letter(group, letters.secretariat(settings)),
            labels.moment_text(now, settings.timezone),
            [_submitted(row, latest[row.id]) for row in group if row.id in latest],
            letters.link_text(link, settings) if link is not None else None),
        reply_to=letters.reply_to(settings, link.id if link else None),
        item_ids=tuple(r.id for r in group), contact_id=contact_id,
        link_id=link.id if link else None)
    queued = emails.prepare(message, emails.sender_mailbox(settings.mail_from), now)
    return outbox.enqueue_many(session, [queued], now,
                               letters.outbox_lifetime(settings)).get(message.dedup_key)


def _latest_submitted(session: Session, item_ids: list[int]) -> dict[int, Row[Any]]:
    newest = (select(Response.item_id, func.max(Response.revision).label("revision"))
              .where(Response.item_id.in_(item_ids), Response.submitted.is_(True))
              .group_by(Response.item_id).subquery())
    query = (select(Response.item_id, Response.revision, Response.text, Response.kind,
                    Response.reason, Response.planned_on)
             .join(newest, (newest.c.item_id == Response.item_id)
                   & (newest.c.revision == Response.revision)))
    found: dict[int, Any] = {}
    for row in session.execute(query):
        found[row.item_id] = row
    return found


def _submitted(item: Row[Any], response: Row[Any]) -> emails.Submitted:
    return emails.Submitted(
        program=item.program or "-", program_name=item.program_name or "", opinion=item.text,
        reply=response.text, kind=response.kind or None, reason=response.reason or None,
        planned_on=response.planned_on.isoformat() if response.planned_on else None,
        revision=response.revision)


def _link(session: Session, settings: Settings, contact_id: int, meeting_id: int,
          now: datetime, token: str | None) -> links.LinkRef | None:
    if token:
        used = links.link_by_token(session, token, now)
        if used is not None and (used.contact_id, used.meeting_id) == (contact_id, meeting_id):
            return used
    if not settings.secret_key:
        return None  # a random per-process key: deriving would only find nothing
    return links.live_link(session, contact_id, meeting_id, now, letters.secret(settings))
