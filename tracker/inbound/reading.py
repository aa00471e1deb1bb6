"""Reading one received message (RFC 5322 bytes) into what the tracker needs: who sent it, to
which addresses, what it answers (In-Reply-To, References), its text in full and cleaned of
quotes and signature, its attachments, and whether it is an automatic reply or a bounce.

Pure: no database, no clock. The parser is the standard library's in its compat32 mode, so
every byte stays reachable and this module decides the charsets itself (see `charsets`).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses, parseaddr

from tracker.inbound import attachments as files
from tracker.inbound.charsets import decode_header, decode_text
from tracker.inbound.classify import Bounce, auth_failure, auto_reply_reason, bounce
from tracker.inbound.htmltext import html_to_text
from tracker.inbound.quotes import strip_reply

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")


@dataclass(frozen=True)
class Attachment:
    """One attachment: its safe name, content type, bytes (empty when refused) and size, and
    the reason when it is not kept."""

    name: str
    content_type: str
    data: bytes
    size: int
    refused: str | None = None


@dataclass(frozen=True)
class ReadMessage:
    """A received message as the tracker reads it."""

    message_id: str  # as sent, or "<sha256-…@inbound>" for a message without one
    sender: str  # the From address, lower case ("" when there is none)
    sender_name: str
    recipients: tuple[str, ...]  # every address it was delivered or written to, lower case
    subject: str
    references: tuple[str, ...]  # In-Reply-To first, then References, newest last
    text: str  # the whole text (the HTML part converted when there is no text part)
    reply: str  # the new part: quotes and signature cut off
    attachments: tuple[Attachment, ...] = ()
    auto_reply: str | None = None  # why it is an automatic reply
    bounce: Bounce | None = None
    auth_failure: str | None = None  # "dkim=fail" / "dmarc=fail" in Authentication-Results


def read_message(raw: bytes) -> ReadMessage:
    """The ReadMessage of `raw` (the message as delivered). Never raises for a malformed
    message: what cannot be read is empty. Pure."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    subject = decode_header(message.get("Subject"))
    name, sender = parseaddr(decode_header(message.get("From")))
    text = body_text(message)
    return ReadMessage(
        message_id=message_id(message, raw), sender=sender.strip().lower(), sender_name=name,
        recipients=recipients(message), subject=subject, references=references(message),
        text=text, reply=strip_reply(text), attachments=tuple(read_attachments(message)),
        auto_reply=auto_reply_reason(message, subject), bounce=bounce(message, subject),
        auth_failure=auth_failure(message),
    )


def message_id(message: Message, raw: bytes) -> str:
    """The message's Message-ID, or one made of the SHA-256 of its bytes (so the same message
    delivered twice is still known as one). Pure."""
    found = _MESSAGE_ID.search(str(message.get("Message-ID") or ""))
    if found:
        return found.group(0)[:300]
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@inbound>"


def recipients(message: Message) -> tuple[str, ...]:
    """Every address in the delivery and addressing headers, lower case, in header order,
    each once. Pure."""
    values = [decode_header(v) for h in RECIPIENT_HEADERS for v in message.get_all(h) or []]
    found = [address.strip().lower() for _, address in getaddresses(values) if "@" in address]
    return tuple(dict.fromkeys(found))


def references(message: Message) -> tuple[str, ...]:
    """The Message-IDs the message answers: In-Reply-To, then References from newest to
    oldest, each once. Pure."""
    ids = _MESSAGE_ID.findall(str(message.get("In-Reply-To") or ""))
    ids += reversed(_MESSAGE_ID.findall(str(message.get("References") or "")))
    return tuple(dict.fromkeys(i[:300] for i in ids))


def body_text(message: Message) -> str:
    """The message's text: its first text/plain part that is not an attachment, else its
    first text/html part converted to text. Pure."""
    plain = html = None
    for part in _inline_parts(message):
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = _part_text(part)
        elif kind == "text/html" and html is None:
            html = _part_text(part)
    if plain is not None and plain.strip():
        return plain.strip("\n")
    return html_to_text(html) if html else (plain or "").strip("\n")


def read_attachments(message: Message) -> list[Attachment]:
    """The message's attachments, each kept or refused with a reason (attachments module). A
    bounce's quoted message is not an attachment. Pure."""
    found: list[Attachment] = []
    kept_count = kept_bytes = 0
    for part in message.walk():
        if not _is_attachment(part):
            continue
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        raw_name = _filename(part)
        name = files.safe_name(raw_name, part.get_content_type(), len(found) + 1)
        verdict = files.judge(name, part.get_content_type(), len(data), kept_count, kept_bytes)
        if verdict.refused is None:
            kept_count, kept_bytes = kept_count + 1, kept_bytes + len(data)
        found.append(Attachment(name, verdict.content_type,
                                data if verdict.refused is None else b"", len(data),
                                verdict.refused))
    return found


def _inline_parts(message: Message) -> list[Message]:
    parts = []
    for part in message.walk():
        if part.is_multipart() or _is_attachment(part):
            continue
        if part.get_content_type() in ("message/rfc822", "message/delivery-status"):
            continue
        parts.append(part)
    return parts


def _is_attachment(part: Message) -> bool:
    if part.is_multipart() or part.get_content_maintype() == "message":
        return False
    if part.get_content_type() in ("message/delivery-status", "text/rfc822-headers"):
        return False
    disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    if disposition == "attachment":
        return True
    if _filename(part):
        return True
    return part.get_content_maintype() not in ("text", "multipart", "message")


def _filename(part: Message) -> str:
    # RFC 2231 (filename*=) first; RFC 2047 words and raw 8-bit names decoded like headers.
    name = part.get_param("filename", header="content-disposition")
    if name is None:
        name = part.get_param("name", header="content-type")
    if isinstance(name, tuple):
        charset, _, value = name
        # The parser has already undone the %-escapes, one character per byte.
        data = value.encode("latin-1", errors="replace") if isinstance(value, str) \
            else bytes(value)
        return decode_text(data, charset)
    return decode_header(str(name)) if name else ""


def _part_text(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        payload = part.get_payload()
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    return decode_text(data, part.get_content_charset())
