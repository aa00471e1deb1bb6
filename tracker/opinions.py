"""Rules about the text of monitoring opinions: splitting a cell into bullets, and
telling an opinion that asks for something from one that only praises."""

from __future__ import annotations

import re

# A bullet marker stands at the start of the cell or after white space and is
# followed by white space: "- 예산 … 요망 - 타 지역의 …". A dash inside a word or
# number ("1-7", "생산·관리") is not a marker.
_BULLET = re.compile(r"(?:^|(?<=\s))[-•○◦▪ㅇ](?=\s|$)")

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
    """The bullets of a cell, in order, each stripped; text before the first marker is a bullet too.

    "- a - b" gives ["a", "b"]; "- -" gives ["", ""] (two empty bullets); "" gives [].
    """
    text = text.strip()
    if not text:
        return []
    pieces = _BULLET.split(text)
    if pieces and not pieces[0].strip():
        pieces = pieces[1:]
    return [" ".join(piece.split()) for piece in pieces]


def is_empty_mark(text: str) -> bool:
    """True when a cell or bullet holds only a placeholder such as "-" or "(미회신)"."""
    return " ".join(text.split()) in _EMPTY_MARKS


def needs_reply(opinion: str) -> bool:
    """False only for an opinion that praises and asks nothing ("계획대비 우수하게 운영되고 있음")."""
    praises = any(word in opinion for word in _PRAISE)
    asks = any(word in opinion for word in _REQUEST)
    return asks or not praises
