"""Rules about the text of monitoring opinions: splitting a cell into bullets, and
telling an opinion that asks for something from one that only praises."""

from __future__ import annotations

import re

# A bullet marker: a symbol, a number or a Korean letter, standing after white space (or at
# the start). A symbol must be followed by white space: a dash inside a word or number
# ("1-7", "생산·관리") is not a marker.
_MARKER = re.compile(
    r"(?:^|(?<=\s))(?:[-–•○◦▪ㅇ●■□◆◇▶►](?=\s|$)|\d{1,2}\)|\(\d{1,2}\)|[①-⑳]"
    r"|[가나다라마바사아자차카타파하]\.(?=\s))"
)
# Symbols that are only ever bullets split a line wherever they stand after white space.
_STRONG = set("•○◦▪●■□◆◇▶►") | {chr(c) for c in range(ord("①"), ord("⑳") + 1)}
# Other markers (a dash, "1)", "가.") start a new bullet inside a line only where a clause
# may start: after the end of a sentence (". ", "요망 ", "함 ", ")") or another marker.
# "사업 기간 2022 - 2023 연장" keeps its dash.
_CLAUSE_END = set(".!?。;:)」』\"'”’]") | set("음함임됨요다람망것봄짐옴움까") | set("-–ㅇ") | _STRONG

# Cell values that mean "nothing written here".
_EMPTY_MARKS = {"", "-", "–", "—", "(미회신)", "(회신 불필요)"}

# An opinion only praises when it holds a praise word and none of the request words.
_PRAISE = ("우수", "적절", "잘 운영", "긍정적", "고무적", "훌륭", "원활", "성실")
_REQUEST = (
    "요청", "필요", "바람", "바랍", "요망", "검토", "해야", "하여야", "져야", "할 것",
    "했으면", "좋겠", "질의", "궁금", "개선", "보완", "마련", "노력", "추가", "확보",
    "고민", "단,", "하지만", "다만", "?",
)


def split_bullets(text: str) -> list[str]:
    """The bullets of a one-line cell, in order, each stripped; text before the first marker
    is a bullet too. A marker splits only where a clause starts.

    "- a 요망 - b" gives ["a 요망", "b"]; "- -" gives ["", ""] (two empty bullets); "" gives [].
    """
    text = " ".join(text.split())
    if not text:
        return []
    cuts = [m for m in _MARKER.finditer(text) if _starts_clause(text, m.start())]
    if not cuts:
        return [text]
    pieces = [text[: cuts[0].start()]] if cuts[0].start() else []
    for cut, after in zip(cuts, [*cuts[1:], None], strict=True):
        pieces.append(text[cut.end(): after.start() if after else len(text)])
    return [" ".join(piece.split()) for piece in pieces]


def bullets_of(paragraphs: list[str]) -> list[str]:
    """The bullets of a cell from its paragraphs (or lines): a paragraph that starts with a
    marker starts a bullet, one without continues the bullet above; markers inside a
    paragraph split it only where a clause starts (:func:`split_bullets`)."""
    bullets: list[str] = []
    for paragraph in paragraphs:
        text = " ".join(paragraph.split())
        if not text:
            continue
        pieces = split_bullets(text)
        marked = _MARKER.match(text) is not None
        if bullets and not marked and pieces:
            bullets[-1] = " ".join(p for p in (bullets[-1], pieces.pop(0)) if p)
        bullets.extend(pieces)
    return bullets


def _starts_clause(text: str, position: int) -> bool:
    before = text[:position].rstrip()
    return not before or text[position] in _STRONG or before[-1] in _CLAUSE_END


def is_empty_mark(text: str) -> bool:
    """True when a cell or bullet holds only a placeholder such as "-" or "(미회신)"."""
    return " ".join(text.split()) in _EMPTY_MARKS


def needs_reply(opinion: str) -> bool:
    """False only for an opinion that praises and asks nothing ("계획대비 우수하게 운영되고 있음")."""
    praises = any(word in opinion for word in _PRAISE)
    asks = any(word in opinion for word in _REQUEST)
    return asks or not praises
