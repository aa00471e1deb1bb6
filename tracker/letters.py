"""What an e-mail about a contact's items says, read set-wise.

One Core query reads a whole batch of items with their contact, department, meeting,
committee, program and discussion note (plain rows: the session's identity map does not
grow with the run). `letter` turns one contact's rows of one meeting into the plain
`emails.Letter` the renderers take; `link_text` does the same for a reply link.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, and_, select
from sqlalchemy.orm import Session

from db.models import Committee, Contact, Department, Discussion, Item, Meeting, Program
from notifications import outbox, replykey
from notifications.addresses import address_problem
from notifications.compose import Mailbox, ascii_address
from notifications.emails import Letter, Line, LinkText
from tracker import labels
from tracker.errors import Invalid
from tracker.links import LinkRef, link_secret, reply_url

if TYPE_CHECKING:
    from tracker.config import Settings

ACTOR = "mailer"
Pair = tuple[int, int]  # (contact_id, meeting_id)

_ROWS = (
    select(Item.id, Item.contact_id, Item.meeting_id, Item.program_id, Item.text,
           Item.due_date, Item.needs_reply, Item.status, Program.number.label("program"),
           Program.name.label("program_name"), Discussion.text.label("discussion"),
           Contact.name.label("contact_name"), Contact.email.label("contact_email"),
           Contact.department_id, Department.name.label("department"),
           Committee.name.label("committee"), Meeting.held_on)
    .select_from(Item)
    .join(Contact, Contact.id == Item.contact_id)
    .join(Department, Department.id == Contact.department_id)
    .join(Meeting, Meeting.id == Item.meeting_id)
    .join(Committee, Committee.id == Meeting.committee_id)
    .outerjoin(Program, Program.id == Item.program_id)
    .outerjoin(Discussion, and_(Discussion.meeting_id == Item.meeting_id,
                                Discussion.program_id == Item.program_id))
)
# The order requests list items in: table order within each meeting.
TABLE_ORDER = (Item.meeting_id, Program.number, Item.position, Item.id)
ID_ORDER = (Item.meeting_id, Item.id)


def rows(session: Session, *where: Any, order: Sequence[Any] = ID_ORDER) -> list[Row[Any]]:
    """The letter rows of the items matching `where` (items with a contact only)."""
    return list(session.execute(_ROWS.where(*where).order_by(*order)))


def by_contact_meeting(found: Iterable[Row[Any]]) -> dict[Pair, list[Row[Any]]]:
    """`found` grouped by (contact, meeting), in order of first appearance."""
    groups: dict[Pair, list[Row[Any]]] = {}
    for row in found:
        groups.setdefault((row.contact_id, row.meeting_id), []).append(row)
    return groups


def letter(group: Sequence[Row[Any]], secretariat: str, comment: str | None = None) -> Letter:
    """The Letter of one contact's rows of one meeting; a discussion note is shown once per
    program. Pure."""
    first, shown, lines = group[0], set(), []
    for row in group:
        key = row.program_id or 0
        lines.append(Line(program=row.program or "-", program_name=row.program_name or "",
                          text=row.text, discussion=None if key in shown else row.discussion,
                          due=row.due_date.isoformat(), needs_reply=row.needs_reply,
                          comment=comment))
        shown.add(key)
    replying = [r.due_date for r in group if r.needs_reply] or [r.due_date for r in group]
    return Letter(greeting=f"{first.department} {first.contact_name} 님께",
                  committee=first.committee, meeting_date=first.held_on.isoformat(),
                  programs=", ".join(dict.fromkeys(r.program or "전략" for r in group)),
                  due=max(replying).isoformat(), lines=tuple(lines), secretariat=secretariat)


def secretariat(settings: Settings) -> str:
    """The address e-mails name for questions (the secretariat, else the sender)."""
    return settings.secretariat_email or settings.mail_from


def reply_to(settings: Settings, link_id: int | None) -> str:
    """The Reply-To of a message carrying the reply link `link_id`: `reply+KEY@…` naming the
    link when replies by e-mail are on (`inbound_address` and `secret_key`), else the
    secretariat's address (also when the message carries no link)."""
    if link_id is None or not (settings.inbound_address and settings.secret_key):
        return settings.secretariat_email
    key = replykey.make_key(settings.secret_key, link_id)
    return replykey.reply_address(settings.inbound_address, settings.inbound_separator, key)


def link_text(ref: LinkRef, settings: Settings) -> LinkText:
    """The link as an e-mail shows it: URL, and its last day in the configured zone."""
    local = ref.expires_at.astimezone(ZoneInfo(settings.timezone))
    return LinkText(url=reply_url(settings.base_url, ref.token), expires=local.date().isoformat())


def secret(settings: Settings) -> bytes:
    """The key reply-link tokens are derived with."""
    return link_secret(settings.secret_key)


def outbox_lifetime(settings: Settings) -> timedelta:
    """How long the outbox retries a message with temporary errors."""
    return timedelta(days=settings.outbox_lifetime_days)


def mailbox(name: str, address: str) -> Mailbox:
    """The recipient `name <address>`; Invalid for an address no mail server takes (one
    stored before addresses were checked)."""
    if ascii_address(address) is None:
        raise Invalid(f"이 주소로는 보낼 수 없습니다: {name} <{address}>. 영문 주소를 적어 주세요.",
                      hint_cli="`tracker contacts add`로 고칠 수 있습니다.")
    return Mailbox(name, address)


CONTACT_REMEDY = "`tracker contacts add`나 콘솔에서 주소를 고친 뒤 다시 보내 주세요."


def bad_address_reason(name: str, address: str, problem: str,
                       remedy: str = CONTACT_REMEDY) -> str:
    """The Korean reason a message to `name <address>` was set aside, with what to do
    (by default: fix the contact's address)."""
    return f"주소가 올바르지 않아 보내지 않았습니다: {name} <{address}> ({problem}). {remedy}"


def set_aside_if_unusable(
    session: Session, *, kind: str, dedup_key: str, name: str, address: str, now: datetime,
    item_ids: Sequence[int] = (), contact_id: int | None = None, subject: str = "",
    remedy: str = CONTACT_REMEDY,
) -> bool:
    """Whether the message `dedup_key` to `name <address>` cannot be written because the
    address is unusable (stored before addresses were checked at entry, or a bad setting).
    If so it is set aside in the caller's transaction: a FAILED outbox row with the Korean
    reason, shown by `tracker outbox --status failed` and the console's 발송함, once per
    `dedup_key`; the caller then leaves this message out and goes on with every other one."""
    problem = address_problem(address.strip())
    if problem is None:
        return False
    outbox.set_aside(session, dedup_key=dedup_key, kind=kind, recipient=address,
                     subject=subject or labels.outbox_kind_label(kind)
                     + (f" ({len(item_ids)}건)" if item_ids else ""),
                     reason=bad_address_reason(name, address, problem, remedy), now=now,
                     item_ids=item_ids, contact_id=contact_id)
    return True


def id_list(ids: Iterable[int]) -> str:
    """Item ids as a dedup key writes them: sorted, joined by dots."""
    return ".".join(str(i) for i in sorted(ids))
