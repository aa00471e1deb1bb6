"""Building RFC 5322 messages, safely: `build` writes the bytes directly (fast, used for
the outbox); `make_message` builds the same message with the standard `email` package.

Every header value that comes from data (a name, a subject) goes through `header_text`,
which turns CR, LF, U+2028 and other line or control characters into spaces; the policy
(`POLICY`) refuses a header with a line break anyway, so no value can inject a header.
Non-ASCII subjects and display names become RFC 2047 encoded words; bodies are UTF-8.

`build` writes only ASCII: a header value that is not plain short ASCII becomes a run of
base64 encoded words (whole UTF-8 characters each, at most 75 characters, one per folded
line), so nothing in it can end a line; bodies are base64 with CRLF line ends; the
multipart boundary ("=_" and 32 random hex digits) cannot occur in base64 text. An address
with an international domain is written with the domain in punycode; one whose local part
is not ASCII is refused (ValueError), since only a UTF-8 header (RFC 6532) could hold it.
tests/test_mailer.py checks it against `make_message`, hostile input included.
"""

from __future__ import annotations

import base64
import email.policy
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache

from notifications.addresses import ascii_address as ascii_address  # re-exported
from notifications.addresses import check_address

# SMTP line endings, strict on defects; header_store_parse refuses CR/LF in values.
POLICY = email.policy.SMTP.clone(raise_on_defect=True, max_line_length=78)

# Longest header line `build` writes when it can choose (RFC 5322 recommends 78).
LINE_LIMIT = 78
# UTF-8 bytes per encoded word: "=?utf-8?b?" + 56 base64 characters + "?=" is 68 characters,
# so "Subject: " and one word fit on a line.
WORD_BYTES = 42
# A display name written as is: atoms separated by single spaces (anything else is encoded).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+( [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")

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
        """The mailbox as an email.headerregistry.Address (name neutralised); BadAddress (a
        ValueError) when the address is not one notifications.addresses accepts."""
        return Address(display_name=header_text(self.name), addr_spec=check_address(self.address))


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


@dataclass(frozen=True)
class Built:
    """A message as sent on the wire (CRLF line ends, ASCII only) and its Message-ID."""

    message_id: str
    data: bytes


def build(draft: Draft, now: datetime) -> Built:
    """The bytes `to_bytes(make_message(draft, now))` stands for (same headers and parts,
    a fresh Message-ID and boundary), written directly: about 50 times cheaper.
    ValueError for an address that is not a plain addr-spec or an unsafe In-Reply-To."""
    message_id = make_msgid(domain=draft.sender.address.rpartition("@")[2])
    head = [
        _address_header("From", (draft.sender,)),
        _address_header("To", (draft.to,)),
        _address_header("Cc", tuple(draft.cc)) if draft.cc else "",
        _address_header("Reply-To", (Mailbox("", draft.reply_to),)) if draft.reply_to else "",
        _header("Subject", _text_tokens("Subject", header_text(draft.subject))),
        f"Date: {format_datetime(now)}\r\n",
        f"Message-ID: {message_id}\r\n",
        _threading(draft.in_reply_to) if draft.in_reply_to else "",
        "Auto-Submitted: auto-generated\r\n" if draft.automatic else "",
    ]
    return Built(message_id, "".join(head).encode("ascii") + _alternative(draft.text, draft.html))


def _header(name: str, tokens: list[str]) -> str:
    # "Name: t1 t2 …", folded before a token that would pass LINE_LIMIT (never inside one).
    lines, line = [], f"{name}:"
    for token in tokens:
        if len(line) + 1 + len(token) > LINE_LIMIT and line != f"{name}:":
            lines.append(line)
            line = ""
        line += " " + token
    lines.append(line)
    return "\r\n".join(lines) + "\r\n"


def encoded_words(text: str) -> list[str]:
    """`text` as RFC 2047 base64 encoded words of at most WORD_BYTES UTF-8 bytes each, cut
    between characters (after a space when there is one); a decoder joins adjacent words,
    so the text comes back exactly."""
    words, rest = [], text
    while rest:
        cut = _cut(rest)
        words.append(_word(rest[:cut]))
        rest = rest[cut:]
    return words


def _cut(text: str) -> int:
    # How many characters of `text` fit in one word, preferring to end just after a space.
    size, after_space = 0, 0
    for index, char in enumerate(text):
        size += len(char.encode("utf-8"))
        if size > WORD_BYTES:
            return after_space or index
        if char == " ":
            after_space = index + 1
    return len(text)


def _word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


def _text_tokens(name: str, value: str) -> list[str]:
    # An unstructured value: as is when short plain ASCII, otherwise encoded words.
    plain = value.isascii() and value.isprintable() and "=?" not in value
    if plain and len(name) + 2 + len(value) <= LINE_LIMIT:
        return [value] if value else []
    return encoded_words(value)


@lru_cache(maxsize=256)
def _address_header(name: str, mailboxes: tuple[Mailbox, ...]) -> str:
    # Cached: the same From (and often the same To or Cc) heads every message of a run, and
    # encoding a Korean name is the dearest part of a header. A bad address raises, uncached.
    return _header(name, _mailbox_tokens(mailboxes))


def _mailbox_tokens(mailboxes: Sequence[Mailbox]) -> list[str]:
    # "name <addr>, name <addr>" as tokens; the name is encoded unless it is plain atoms.
    # The same checks as Mailbox.header(), without building an Address: check_address
    # accepts only dot-atom addr-specs, which Address would hand back unchanged.
    tokens: list[str] = []
    for mailbox in mailboxes:
        if tokens:
            tokens[-1] += ","
        checked = check_address(mailbox.address)  # BadAddress (a ValueError) for a bad one
        # An international domain goes as punycode, like the envelope (mailer.plan_envelope).
        spec = ascii_address(checked)
        if spec is None:
            raise ValueError(f"bad address: {mailbox.address!r}")
        name = header_text(mailbox.name)
        if not name:
            tokens.append(spec)
            continue
        # Plain atoms only when each fits on a folded line; a longer one (a 1,200-character
        # name) becomes encoded words, which fold, so no line passes RFC 5322's 998.
        plain = (_PLAIN_NAME.fullmatch(name) and "=?" not in name
                 and max(len(atom) for atom in name.split(" ")) <= LINE_LIMIT - len("Reply-To: "))
        tokens += [name] if plain else encoded_words(name)
        tokens.append(f"<{spec}>")
    return tokens


def _threading(in_reply_to: str) -> str:
    # In-Reply-To and References; like the policy, refuse a value with a line break.
    if _UNSAFE.search(in_reply_to):
        raise ValueError(f"bad In-Reply-To: {in_reply_to!r}")
    return (_header("In-Reply-To", _text_tokens("In-Reply-To", in_reply_to))
            + _header("References", _text_tokens("References", in_reply_to)))


def _alternative(text: str, html: str) -> bytes:
    # MIME-Version and a multipart/alternative of the UTF-8 text and HTML, base64.
    boundary = "=_" + secrets.token_hex(16)
    return (f'MIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n'
            f' boundary="{boundary}"\r\n\r\n').encode("ascii") + b"".join(
        f"--{boundary}\r\nContent-Type: text/{subtype}; charset=\"utf-8\"\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n".encode("ascii") + _base64_body(body)
        + b"\r\n" for subtype, body in (("plain", text), ("html", html))
    ) + f"--{boundary}--\r\n".encode("ascii")


def _base64_body(body: str) -> bytes:
    # As set_content(cte="base64") does: UTF-8, CRLF line ends, a final CRLF, 76-column lines.
    data = b"\r\n".join(body.encode("utf-8").splitlines()) + b"\r\n"
    return base64.encodebytes(data).replace(b"\n", b"\r\n")
