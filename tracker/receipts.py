"""The receipt e-mail after a contact submits replies: one per submission.

Two or three statements (the items' letter rows, their newest revision numbers unless the
caller knows them, the outbox row) and one rendering, in the transaction that stores the replies.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from db.models import Item
from notifications import emails, outbox
from notifications.compose import Mailbox
from tracker import letters
from tracker.queries import latest_revisions

if TYPE_CHECKING:
    from tracker.config import Settings


def enqueue_receipt(
    session: Session, settings: Settings, contact_id: int, item_ids: Sequence[int],
    now: datetime, revisions: dict[int, int] | None = None,
) -> int | None:
    """A receipt to the contact for their submitted replies to `item_ids` (call it in the
    transaction that stores the replies). Once per item revision set: submitting the same
    revisions again enqueues nothing. `revisions` (item → its newest revision number) saves
    a query when the caller knows them. Returns the outbox id; None when the contact has no
    address or nothing new was queued. An unusable stored address never stops the
    submission: the receipt is set aside with the Korean reason (letters.set_aside_if_unusable)
    and the replies are stored all the same."""
    group = letters.rows(session, Item.id.in_(list(item_ids)), Item.contact_id == contact_id)
    if not group or not group[0].contact_email:
        return None
    first = group[0]
    local = now.astimezone(ZoneInfo(settings.timezone))
    numbers = revisions if revisions is not None and set(revisions) >= {r.id for r in group} \
        else latest_revisions(session, [r.id for r in group])
    submitted = ".".join(f"{r.id}r{numbers.get(r.id, 0)}" for r in group)
    key, ids = f"receipt:{contact_id}:{submitted}", [r.id for r in group]
    if letters.set_aside_if_unusable(session, kind="receipt", dedup_key=key,
                                     name=first.contact_name, address=first.contact_email,
                                     now=now, item_ids=ids, contact_id=contact_id):
        return None
    message = emails.Outgoing(
        kind="receipt", dedup_key=key, to=Mailbox(first.contact_name, first.contact_email),
        rendered=emails.render_receipt(letters.letter(group, letters.secretariat(settings)),
                                       local.strftime("%Y-%m-%d %H:%M")),
        reply_to=settings.secretariat_email, item_ids=tuple(r.id for r in group),
        contact_id=contact_id)
    queued = emails.prepare(message, emails.sender_mailbox(settings.mail_from), now)
    return outbox.enqueue_many(session, [queued], now,
                               letters.outbox_lifetime(settings)).get(message.dedup_key)
