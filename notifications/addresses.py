"""E-mail addresses: the one parser used where an address is entered (CLI, CSV import,
console) and where a message is written (notifications.compose), so what is accepted can be
sent and what is sent is exactly what was accepted.

An address is a plain addr-spec (RFC 5321/5322): a dot-atom local part of ASCII atext, `@`,
and a domain of LDH labels (an international domain is allowed and written as punycode).
Refused, with a Korean reason: comments and quoted strings (`a(comment)@example.org` would
show one address in the header and use another in the envelope), leading, trailing or
doubled dots (`.a@`, `a..b@`, `example..org`), spaces and control characters, and a Korean
local part (our messages are plain ASCII; few council servers offer SMTPUTF8). Pure.
"""

from __future__ import annotations

import re

MAX_LENGTH = 254  # RFC 5321's path limit, less the angle brackets
MAX_LOCAL = 64
_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_SPECIALS = set("()<>[]:;@\\,\"")
# White space (as str.isspace() has it: re's \s is the same Unicode class) and C0/DEL.
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


class BadAddress(ValueError):
    """An address that cannot be used; str() is the Korean reason (without the address)."""


def check_address(text: str) -> str:
    """`text` without surrounding spaces, when it is an address we can send to;
    BadAddress with the Korean reason otherwise."""
    address = text.strip()
    problem = address_problem(address)
    if problem:
        raise BadAddress(problem)
    return address


def address_problem(address: str) -> str | None:
    """Why `address` (already stripped) cannot be used, in Korean; None when it can."""
    if not address:
        return "주소가 비어 있습니다"
    if len(address) > MAX_LENGTH:
        return f"주소가 {MAX_LENGTH}자를 넘습니다 ({len(address)}자)"
    if _SPACE_OR_CONTROL.search(address):
        return "주소에 빈칸이나 제어 문자가 있습니다"
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return "주소에 '@' 앞뒤가 모두 있어야 합니다 (예: hong@example.org)"
    if "@" in local:
        return "주소에 '@'가 둘 이상 있습니다"
    return _local_problem(local) or _domain_problem(domain)


def _local_problem(local: str) -> str | None:
    if any(c in _SPECIALS for c in local):
        return "'@' 앞부분에 괄호, 따옴표, 쉼표 같은 기호는 쓸 수 없습니다"
    if not local.isascii():
        return "'@' 앞부분이 한글(비ASCII)인 주소로는 보낼 수 없습니다. 영문 주소를 적어 주세요"
    if len(local) > MAX_LOCAL:
        return f"'@' 앞부분이 {MAX_LOCAL}자를 넘습니다"
    if local.startswith(".") or local.endswith("."):
        return "'@' 앞부분이 점(.)으로 시작하거나 끝납니다"
    if ".." in local:
        return "'@' 앞부분에 점(.)이 연달아 있습니다"
    if not all(_ATOM.fullmatch(atom) for atom in local.split(".")):
        return "'@' 앞부분에 쓸 수 없는 문자가 있습니다"
    return None


def _domain_problem(domain: str) -> str | None:
    if any(c in _SPECIALS for c in domain):
        return "'@' 뒷부분(도메인)에 괄호나 기호는 쓸 수 없습니다"
    labels = domain.split(".")
    if len(labels) < 2:
        return "'@' 뒷부분(도메인)에 점(.)이 없습니다 (예: example.org)"
    if any(not label for label in labels):
        return "'@' 뒷부분(도메인)이 점(.)으로 시작하거나 끝나거나, 점이 연달아 있습니다"
    ascii_domain = _punycode(domain)
    if ascii_domain is None:
        return "'@' 뒷부분(도메인)을 인터넷 주소로 바꿀 수 없습니다"
    if not all(_LABEL.fullmatch(label) for label in ascii_domain.split(".")):
        return "'@' 뒷부분(도메인)에는 영문, 숫자, 하이픈(-)만 쓸 수 있습니다"
    return None


def _punycode(domain: str) -> str | None:
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def ascii_address(address: str) -> str | None:
    """`address` in ASCII, as every mail server takes it: unchanged when it is ASCII, with an
    international domain in punycode (IDNA) when only the domain is not; None when the local
    part is not ASCII (or the domain is no valid IDN): only SMTPUTF8 (RFC 6531) can carry it."""
    if address.isascii():
        return address
    local, at, domain = address.rpartition("@")
    if not at or not local.isascii():
        return None
    ascii_domain = _punycode(domain)
    return None if ascii_domain is None else f"{local}@{ascii_domain}"
