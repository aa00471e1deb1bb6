"""Splitting one reply between several items by program number.

A department answering three programs in one mail writes, for example::

    1-1. 반영하였습니다. 예산을 증액함.
    1-3 추진 중입니다.
        세부 일정은 첨부 참조.

A line that starts with a known program number (`1-1`, `1-1.`, `1-1)`, `[1-1]`, `(1-1)`,
`1-1:`, `사업 1-1`) opens that program's section; the lines up to the next such line belong to
it. Text before the first numbered line is a preamble shared by none. Pure.
"""

from __future__ import annotations

import re

_NUMBERED = re.compile(
    r"^\s*(?:[-*•·]\s*)?(?:사업\s*(?:번호)?\s*)?[\[(]?\s*(\d{1,3}(?:-\d{1,3}){1,2})\s*[\])]?"
    r"\s*(?:[.:)]|번)?(?=\s|$)")


def split_by_program(text: str, numbers: set[str]) -> tuple[str, dict[str, str]]:
    """The preamble and, per program number in `numbers` that opens a section, its text (the
    rest of the numbered line and the lines after it). A number not in `numbers` does not open
    a section (it stays in the text of the section it is in). Pure."""
    preamble: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] = preamble
    for line in text.split("\n"):
        match = _NUMBERED.match(line)
        if match and match.group(1) in numbers:
            current = sections.setdefault(match.group(1), [])
            rest = line[match.end():].strip()
            if rest:
                current.append(rest)
            continue
        current.append(line)
    return _joined(preamble), {n: _joined(lines) for n, lines in sections.items()}


def _joined(lines: list[str]) -> str:
    return "\n".join(lines).strip()
