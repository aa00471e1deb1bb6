"""The new text of a reply: the quoted request and the signature cut off.

Each mail program marks the start of the quotation its own way; the cut is made at the first
line that starts one of these:

* Gmail, Korean: ``2022년 1월 20일 (목) 오후 3:00, 홍길동 <hong@…>님이 작성:``, often wrapped
  over two lines; English: ``On Thu, Jan 20, 2022 at 3:00 PM 홍길동 <…> wrote:``;
* Apple Mail and iOS, Korean: ``2022. 1. 20. 오후 3:00, 홍길동 <…> 작성:``;
* Outlook (desktop and web), Korean: a header block ``보낸 사람:`` / ``보낸 날짜:`` /
  ``받는 사람:`` / ``제목:``; English ``From:`` / ``Sent:`` / ``To:`` / ``Subject:``; Daum
  writes ``보낸사람 :``; a header block is two or more such lines together;
* separator lines: ``-----원본 메시지-----`` (Korean Outlook), ``-----Original Message-----``
  (Outlook, Naver, Daum), ``------ 원본 메일 ------``, forwarded-message markers.

Lines quoted with ">" are dropped wherever they are. The signature is cut at a ``-- `` line or
a phone program's "sent from" line. The full text is always kept beside the cleaned one.
"""

from __future__ import annotations

import re

_SEPARATOR = re.compile(
    r"^\s*[-=_]{2,}\s*(원본\s*메시지|원본\s*메일|원본\s*편지|original\s+message|forwarded\s+message|"
    r"전달된\s*메시지|전달된\s*메일|전달\s*메시지|original\s+mail)\s*[-=_]{2,}\s*$",
    re.IGNORECASE)
_FROM = re.compile(r"^\s*\**\s*(보낸\s*사람|보낸\s*이|발신자|발신|from)\s*\**\s*:", re.IGNORECASE)
_FIELD = re.compile(
    r"^\s*\**\s*(보낸\s*날짜|날짜|보낸\s*시간|받는\s*사람|받는\s*이|수신자|수신|참조|제목|"
    r"sent|date|to|cc|subject)\s*\**\s*:", re.IGNORECASE)
_GMAIL_KO = re.compile(r"^\s*\d{4}년\s*\d{1,2}월\s*\d{1,2}일")
_APPLE_KO = re.compile(r"^\s*\d{4}\.\s*\d{1,2}\.\s*\d{1,2}\.")
_ON = re.compile(r"^\s*(On|Le|Am)\s.+", re.IGNORECASE)
_WROTE = re.compile(r"(작성:|작성함:|wrote:|a écrit\s?:|schrieb:)\s*$", re.IGNORECASE)
_RULE = re.compile(r"^\s*([-_=*]\s*){5,}$")
_SIGNATURE = re.compile(
    r"^(--\s?|sent from my .+|(나의\s*)?iphone에서\s*보냄|(나의\s*)?ipad에서\s*보냄|"
    r"galaxy에서\s*보냄|samsung galaxy.*보냈습니다\.?|android용 outlook.*|ios용 outlook.*|"
    r"get outlook for (ios|android).*|outlook for (ios|android).*|"
    r"네이버\s*메일\s*앱에서\s*보냄.*|다음\s*메일\s*앱에서\s*보냄.*)$",
    re.IGNORECASE)
HEADER_WINDOW = 6  # a quote header's fields follow the "from" line within these many lines


def strip_reply(text: str) -> str:
    """The new part of a reply's text: everything from the first quotation marker on cut off,
    ">" lines dropped, the signature cut, blank runs squeezed. Pure."""
    lines = text.split("\n")
    cut = quote_start(lines)
    kept = [line for line in lines[:cut] if not line.lstrip().startswith(">")]
    kept = kept[:_signature_start(kept)]
    while kept and (not kept[-1].strip() or _RULE.match(kept[-1])):
        kept.pop()
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in kept))
    return cleaned.strip("\n")


def quote_start(lines: list[str]) -> int:
    """The index of the first line that begins the quoted message (len(lines) if none). Pure."""
    for index, line in enumerate(lines):
        if _begins_quote(lines, index, line):
            return index
    return len(lines)


def _begins_quote(lines: list[str], index: int, line: str) -> bool:
    if _SEPARATOR.match(line):
        return True
    if _attribution(line, lines[index + 1] if index + 1 < len(lines) else ""):
        return True
    return bool(_FROM.match(line)) and _header_block(lines[index + 1:index + HEADER_WINDOW])


def _attribution(line: str, following: str) -> bool:
    # "… 작성:" / "… wrote:" on this line, or wrapped onto the next one.
    if not (_GMAIL_KO.match(line) or _APPLE_KO.match(line) or _ON.match(line)):
        return False
    if _WROTE.search(line):
        return True
    return bool(following.strip()) and bool(_WROTE.search(following))


def _header_block(following: list[str]) -> bool:
    # A "보낸 사람:" line starts a quote only with another header field right after it.
    return any(_FIELD.match(line) for line in following if line.strip())


def _signature_start(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        if _SIGNATURE.match(line.strip()) or line == "-- ":
            return index
    return len(lines)
