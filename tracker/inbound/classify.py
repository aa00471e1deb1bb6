"""What kind of message came in: a person's reply, an automatic reply, a bounce; and whether
the receiving server found its DKIM or DMARC check failing.

Automatic replies are known by their headers (RFC 3834 `Auto-Submitted`, `X-Autoreply`,
`X-Autorespond`, `X-Auto-Response-Suppress`, `Precedence: bulk/junk/auto_reply/list`, an
empty `Return-Path`) or their subject (`자동 회신:`, `부재중`, `Automatic reply`, `Out of
Office`, …). A bounce is a `multipart/report` (RFC 3464): it names the message that failed
and why. Pure functions over a parsed message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser

from tracker.inbound.charsets import decode_header, decode_text

_AUTO_SUBJECT = re.compile(
    r"^\s*(자동\s*회신|자동\s*응답|자동\s*답장|부재\s*중|부재중|휴가\s*중|automatic\s+reply|auto\s*reply|"
    r"autoreply|auto-reply|out\s+of\s+(the\s+)?office|abwesend|absence|vacation)\b|부재중\s*(알림|안내|자동)",
    re.IGNORECASE)
_BULK = frozenset({"bulk", "junk", "auto_reply"})
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliverable|undelivered mail|delivery status notification|mail delivery failed|"
    r"returned mail|failure notice|배달\s*실패|전달되지\s*않음|메일\s*전송\s*실패|반송)",
    re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")
_AUTH_FAIL = re.compile(r"\b(dkim|dmarc)\s*=\s*(fail|permerror)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Bounce:
    """A delivery report: the Message-ID of the message that failed (if the report quotes it),
    the failed recipient and the reason as the reporting server gave it."""

    original_message_id: str | None
    recipient: str | None
    reason: str


def auto_reply_reason(message: Message, subject: str) -> str | None:
    """Why `message` is an automatic reply (a Korean phrase naming the header or subject that
    says so), or None for a message a person wrote. Pure."""
    auto = _header(message, "Auto-Submitted").lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"자동 발송 메일 (Auto-Submitted: {auto})"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if _header(message, name):
            return f"자동 회신 ({name})"
    precedence = _header(message, "Precedence").lower()
    if precedence in _BULK:
        return f"자동·대량 메일 (Precedence: {precedence})"
    if message.get("Return-Path") is not None and _header(message, "Return-Path") in ("<>", ""):
        return "자동 메일 (Return-Path: <>)"
    if _AUTO_SUBJECT.search(subject):
        return f"자동 회신 (제목: {subject[:60]})"
    return None


def bounce(message: Message, subject: str) -> Bounce | None:
    """The delivery report `message` carries (a `multipart/report`, or a mailer-daemon message
    with a bounce subject), or None. Pure."""
    report = message.get_content_type() == "multipart/report"
    if not report and not (_is_daemon(message) and _BOUNCE_SUBJECT.search(subject)):
        return None
    status: dict[str, str] = {}
    original: str | None = None
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            status |= _status_fields(part)
        elif kind in ("message/rfc822", "text/rfc822-headers") and original is None:
            original = _quoted_message_id(part)
    return Bounce(original, _recipient(status), _reason(status, subject))


def auth_failure(message: Message) -> str | None:
    """The DKIM or DMARC failure the receiving server recorded in `Authentication-Results`
    (e.g. "dmarc=fail"), or None when none failed (or none were checked). Pure."""
    for value in message.get_all("Authentication-Results") or []:
        found = _AUTH_FAIL.search(decode_header(str(value)))
        if found:
            return f"{found.group(1).lower()}={found.group(2).lower()}"
    return None


def _header(message: Message, name: str) -> str:
    return decode_header(message.get(name)).strip()


def _is_daemon(message: Message) -> bool:
    sender = _header(message, "From").lower()
    return "mailer-daemon" in sender or "postmaster" in sender


def _status_fields(part: Message) -> dict[str, str]:
    # The delivery-status body is header blocks (per message, then per recipient).
    fields: dict[str, str] = {}
    payload = part.get_payload()
    blocks: list[Message] = [b for b in payload if isinstance(b, Message)] \
        if isinstance(payload, list) else []
    if isinstance(payload, str):
        blocks = [HeaderParser().parsestr(b) for b in re.split(r"\r?\n\r?\n", payload)]
    for block in blocks:
        for name in ("Final-Recipient", "Original-Recipient", "Status", "Diagnostic-Code",
                     "Action"):
            value = block.get(name)
            if value and name not in fields:
                fields[name] = " ".join(str(value).split())
    return fields


def _quoted_message_id(part: Message) -> str | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        value = payload[0].get("Message-ID")
        return _first_id(str(value)) if value else None
    if isinstance(payload, str):
        text = decode_text(payload.encode("utf-8", "surrogateescape"))
        match = re.search(r"^Message-ID:\s*(<[^>]+>)", text, re.I | re.M)
        return match.group(1) if match else None
    return None


def _first_id(value: str) -> str | None:
    found = _MESSAGE_ID.search(value)
    return found.group(0) if found else None


def _recipient(status: dict[str, str]) -> str | None:
    value = status.get("Final-Recipient") or status.get("Original-Recipient")
    return value.split(";", 1)[-1].strip() if value else None


def _reason(status: dict[str, str], subject: str) -> str:
    parts = [status[n] for n in ("Status", "Diagnostic-Code") if n in status]
    return " ".join(parts)[:500] or f"반송 메일: {subject[:100]}"
