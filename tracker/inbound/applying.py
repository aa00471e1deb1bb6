"""Where a stored message lands: applied as items' submitted replies, waiting for the
secretariat (with why), or ignored (with why). All in the caller's transaction.

The rules, in order:
1. a bounce marks the outbound message it names failed (with the reason) and is ignored;
2. our own messages coming back, and automatic replies, are ignored;
3. the request is found by the reply address's KEY, else by our Message-IDs in
   In-Reply-To/References (never by the subject); without one the message waits;
4. a DKIM or DMARC failure recorded by the receiving server, or a sender who is not the
   link's contact (nor, when `inbound_same_department` is on, a contact of the same
   department), makes it wait;
5. a request whose items are all accepted, or whose reply links have all expired, keeps the
   message (ignored, shown in the console) without applying it;
6. one open item: the reply becomes its submitted reply; several: lines opened by a program
   number (`1-1`, `1-1.`) go to that program's items, and without any the message waits, for
   the secretariat to split it in the console.
Every applied reply is a new revision (type left for the secretariat, `via = "mail"`), with
a receipt e-mail as for the web.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from db.models import (
    Contact,
    InboundMessage,
    InboundState,
    Item,
    ItemStatus,
    OutboxMessage,
    OutboxState,
)
from notifications.alerts import failure_notifier
from tracker import audit, workflow
from tracker.config import Settings
from tracker.errors import UserError
from tracker.inbound import targets
from tracker.inbound.reading import ReadMessage, read_message
from tracker.inbound.sections import split_by_program
from tracker.inbound.targets import Target
from tracker.receipts import enqueue_receipt

ACTOR = "메일 회신"
VIA = "mail"


def land(session: Session, settings: Settings, row: InboundMessage, now: datetime) -> None:
    """Decide where the stored message `row` lands and do it (see the module docstring)."""
    read = read_message(row.raw)
    if read.bounce is not None:
        _ignore(row, "bounce", _fail_outbound(session, settings, read, now))
        return
    if _is_own(session, settings, read):
        _ignore(row, "own", "이 시스템이 보낸 메일이 되돌아온 것입니다.")
        return
    if read.auto_reply is not None:
        _ignore(row, "auto_reply", read.auto_reply)
        return
    target = find_target(session, settings, row, read)
    if target is None:
        _wait(row, "no_request", "어느 요청에 대한 회신인지 알 수 없습니다 (회신 주소와 참조 메일 없음).")
        return
    row.link_id, row.contact_id, row.meeting_id = target.link_id, target.contact_id, \
        target.meeting_id
    _land_on(session, settings, row, read, target, now)


def find_target(session: Session, settings: Settings, row: InboundMessage,
                read: ReadMessage) -> Target | None:
    """The request the message answers: by the envelope or header address, else by
    References."""
    addresses = [a for a in (row.recipient, *read.recipients) if a]
    target, _ = targets.by_addresses(session, settings, addresses)
    return target or targets.by_references(session, read.references)


def _land_on(session: Session, settings: Settings, row: InboundMessage, read: ReadMessage,
             target: Target, now: datetime) -> None:
    contact = session.get(Contact, target.contact_id)
    assert contact is not None  # a foreign key
    if read.auth_failure:
        _wait(row, "authentication", f"받는 서버의 발신 인증이 실패했습니다 ({read.auth_failure}): "
                                     "위조된 메일일 수 있습니다.")
        return
    if not _sender_allowed(session, settings, contact, read.sender):
        _wait(row, "sender", f"보낸 사람 {read.sender or '(없음)'}이(가) 담당자 {contact.name} "
                             f"<{contact.email or '주소 없음'}>가 아닙니다.")
        return
    items = open_items(session, target)
    if not items:
        _ignore(row, "closed", "이미 모두 완료 처리된 요청에 대한 회신입니다 (반영하지 않고 보관).")
        return
    if not targets.request_live(session, target, now):
        _ignore(row, "expired", "회신 기간이 지난 요청에 대한 회신입니다 (반영하지 않고 보관).")
        return
    text = reply_text(row)
    if not text:
        _wait(row, "empty", "회신 내용과 첨부가 모두 비어 있습니다.")
        return
    parts = proposal(items, row.reply, attachment_note(row)) if len(items) > 1 \
        else {items[0].id: text}
    if not parts:
        _wait(row, "several_items", f"의견 {len(items)}건에 대한 회신인데 사업번호로 나눌 수 "
                                    "없습니다: 콘솔에서 의견별로 나누어 반영해 주세요.")
        return
    apply_parts(session, settings, row, target.contact_id, parts, contact.name, now)


def reply_text(row: InboundMessage) -> str:
    """What a reply by e-mail stores as the follow-up: the cleaned text, then the names of its
    kept attachments (so the follow-up column shows there is a document)."""
    return _joined(row.reply, attachment_note(row))


def attachment_note(row: InboundMessage) -> str:
    """"(메일 첨부: a.hwpx, b.pdf)" for the kept attachments, or ""."""
    kept = [a.name for a in row.attachments if a.refused is None]
    return f"(메일 첨부: {', '.join(kept)})" if kept else ""


def proposal(items: list[Item], reply: str, note: str = "") -> dict[int, str]:
    """Per item, its part of a reply to several items: the section of `reply` opened by its
    program number (every item of that program gets it), then `note`; items without a
    section are left out. Pure over the loaded items."""
    numbers = {item.program.number for item in items if item.program is not None}
    _, sections = split_by_program(reply, numbers)
    parts = {}
    for item in items:
        number = item.program.number if item.program is not None else None
        if number is not None and sections.get(number):
            parts[item.id] = _joined(sections[number], note)
    return parts


def _joined(*parts: str) -> str:
    return "\n\n".join(part.strip() for part in parts if part.strip())


def open_items(session: Session, target: Target) -> list[Item]:
    """The contact's items of the meeting that still take a reply (needing one, not
    accepted), in program order."""
    query = (select(Item).where(Item.contact_id == target.contact_id,
                                Item.meeting_id == target.meeting_id,
                                Item.needs_reply.is_(True), Item.status != ItemStatus.ACCEPTED)
             .options(joinedload(Item.program)).order_by(Item.id))
    return list(session.scalars(query).unique())


def apply_parts(session: Session, settings: Settings, row: InboundMessage, contact_id: int,
                parts: Mapping[int, str], author: str, now: datetime) -> None:
    """Store each text of `parts` as a new submitted revision of its item (type left open,
    marked as a reply by e-mail), mark the message applied and enqueue the receipt."""
    for item_id, text in parts.items():
        response = workflow.submit_response(session, item_id, text, author, now=now)
        response.via = VIA
        audit.record(session, ACTOR, "mail_reply_applied", item_id=item_id,
                     inbound_id=row.id, revision=response.revision, sender=row.sender)
    row.state, row.reason, row.item_ids = InboundState.APPLIED, "applied", \
        ",".join(str(i) for i in sorted(parts))
    row.detail = f"의견 {len(parts)}건에 회신으로 반영했습니다."
    session.flush()
    enqueue_receipt(session, settings, contact_id, sorted(parts), now)


def apply_by_hand(session: Session, settings: Settings, message_id: int,
                  parts: Mapping[int, str], actor: str, now: datetime) -> InboundMessage:
    """The secretariat applies a waiting message: each text of `parts` to its item, which must
    be an open item of the message's request. UserError naming what is wrong."""
    row = session.get(InboundMessage, message_id)
    if row is None:
        raise UserError(f"받은 메일 {message_id}번이 없습니다.")
    if row.state == InboundState.APPLIED:
        raise UserError("이미 반영한 메일입니다.")
    if row.contact_id is None or row.meeting_id is None:
        raise UserError("어느 요청에 대한 회신인지 알 수 없어 반영할 수 없습니다. 무시로 처리해 주세요.")
    chosen = {item_id: text.strip() for item_id, text in parts.items() if text.strip()}
    if not chosen:
        raise UserError("반영할 의견을 하나 이상 고르고 내용을 적어 주세요.")
    allowed = {i.id for i in open_items(session, Target(row.contact_id, row.meeting_id,
                                                        row.link_id, "hand"))}
    strangers = sorted(set(chosen) - allowed)
    if strangers:
        raise UserError(f"의견 {strangers[0]}번은 이 요청의 열린 의견이 아닙니다.")
    contact = session.get(Contact, row.contact_id)
    apply_parts(session, settings, row, row.contact_id, chosen,
                contact.name if contact else "담당자", now)
    row.handled_by, row.handled_at = actor, now
    audit.record(session, actor, "mail_reply_split", inbound_id=row.id, items=sorted(chosen))
    return row


def ignore_by_hand(session: Session, message_id: int, actor: str, now: datetime) -> None:
    """The secretariat sets a waiting message aside (kept, shown as ignored)."""
    row = session.get(InboundMessage, message_id)
    if row is None:
        raise UserError(f"받은 메일 {message_id}번이 없습니다.")
    if row.state == InboundState.APPLIED:
        raise UserError("이미 반영한 메일은 무시로 바꿀 수 없습니다.")
    _ignore(row, "by_hand", f"{actor}이(가) 반영하지 않기로 했습니다.")
    row.handled_by, row.handled_at = actor, now
    audit.record(session, actor, "mail_reply_ignored", inbound_id=row.id)


def _sender_allowed(session: Session, settings: Settings, contact: Contact, sender: str) -> bool:
    if contact.email and sender == contact.email.strip().lower():
        return True
    if not settings.inbound_same_department or not sender:
        return False
    colleagues = session.scalars(select(Contact.email).where(
        Contact.department_id == contact.department_id, Contact.email.is_not(None)))
    return any((email or "").strip().lower() == sender for email in colleagues)


def _is_own(session: Session, settings: Settings, read: ReadMessage) -> bool:
    ours = {settings.mail_from.strip().lower(), settings.inbound_address.strip().lower()} - {""}
    if read.sender in ours or (settings.inbound_address and targets.address_state(
            settings, read.sender)[0] in ("keyed", "forged")):
        return True
    return session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.message_id == read.message_id).limit(1)) is not None


def _fail_outbound(session: Session, settings: Settings, read: ReadMessage,
                   now: datetime) -> str:
    # Mark the outbound message the bounce names failed, and alert the secretariat.
    bounce = read.bounce
    assert bounce is not None
    row = session.scalar(select(OutboxMessage).where(
        OutboxMessage.message_id == bounce.original_message_id)) \
        if bounce.original_message_id else None
    if row is None:
        return f"반송 메일: 보낸 메일을 찾지 못했습니다 ({bounce.reason})"
    row.state, row.lease_until = OutboxState.FAILED, None
    row.last_error = f"반송됨 ({bounce.recipient or row.recipient}): {bounce.reason}"[:2000]
    failure_notifier(settings)(session, row, now)
    return f"반송 메일: 보낸 메일 {row.id}번({row.recipient})을 실패로 표시했습니다. {bounce.reason}"


def _wait(row: InboundMessage, reason: str, detail: str) -> None:
    row.state, row.reason, row.detail = InboundState.WAITING, reason, detail


def _ignore(row: InboundMessage, reason: str, detail: str) -> None:
    row.state, row.reason, row.detail = InboundState.IGNORED, reason, detail
