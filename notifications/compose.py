"""Building RFC 5322 messages with the standard `email` package, safely.

Every header value that comes from data (a name, a subject) goes through `header_text`,
which turns CR, LF, U+2028 and other line or control characters into spaces; the policy
(`POLICY`) refuses a header with a line break anyway, so no value can inject a header.
Non-ASCII subjects and display names become RFC 2047 encoded words; bodies are UTF-8.
"""

from __future__ import annotations

import email.policy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

# SMTP line endings, strict on defects; header_store_parse refuses CR/LF in values.
POLICY = email.policy.SMTP.clone(raise_on_defect=True, max_line_length=78)

# Line separators (CR, LF, VT, FF, NEL, U+2028, U+2029) and other control characters.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


def header_text(value: str) -> str:
    """`value` fit for one header line: line breaks and control characters become one space."""
    return _UNSAFE.sub(" ", value).strip()


@dataclass(frozen=True)
class Mailbox:
    """A display name and an address, e.g. ("김윤지", "kim@example.org")."""

    name: str
    address: str

    def header(self) -> Address:
        """The mailbox as an email.headerregistry.Address (name neutralised); ValueError when
        the address is not a plain addr-spec."""
        if _UNSAFE.search(self.address) or "," in self.address or "<" in self.address:
            raise ValueError(f"bad address: {self.address!r}")
        return Address(display_name=header_text(self.name), addr_spec=self.address)


@dataclass(frozen=True)
class Draft:
    """Everything a message is built from."""

    sender: Mailbox
    to: Mailbox
    subject: str
    text: str
    html: str
    reply_to: str = ""
    cc: Sequence[Mailbox] = ()
    in_reply_to: str | None = None
    automatic: bool = True


def make_message(draft: Draft, now: datetime) -> EmailMessage:
    """A multipart/alternative (text, HTML) message with a fresh Message-ID in the sender's
    domain, Date, Auto-Submitted on automatic mail, Reply-To, and threading headers."""
    message = EmailMessage(policy=POLICY)
    message["From"] = draft.sender.header()
    message["To"] = draft.to.header()
    if draft.cc:
        message["Cc"] = [c.header() for c in draft.cc]
    if draft.reply_to:
        message["Reply-To"] = Mailbox("", draft.reply_to).header()
    message["Subject"] = header_text(draft.subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=draft.sender.address.rpartition("@")[2])
    if draft.in_reply_to:
        message["In-Reply-To"] = draft.in_reply_to
        message["References"] = draft.in_reply_to
    if draft.automatic:
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(draft.text, charset="utf-8", cte="base64")
    message.add_alternative(draft.html, subtype="html", charset="utf-8", cte="base64")
    return message


def to_bytes(message: EmailMessage) -> bytes:
    """The message as sent on the wire (CRLF line ends)."""
    return message.as_bytes(policy=POLICY)
