"""Meeting facts read from the lines above a follow-up table, as small pure rules.

A line is the list of a row's cells (a paragraph is a one-cell line). The rules read:

- the title: ``2022년 제2차 ○○시지역사회보장협의체 보건의료분과 회의``, ``… 회의록``,
  ``… 회의 결과``, ``2022년 1차 일자리분과 회의록``; the committee is its last word ending
  in 분과 or 위원회 (else 협의체), the sequence its ``N차``;
- date lines: a ``일시``/``일 시``/``회의일시``/``감사기간`` label in its own cell, or
  written ``□ 일 시 : …`` / ``일시: 2022. 5. 18.(수) 15:00`` in one paragraph; a period
  (``감사기간 : 2004.11.26~12.2``) gives its last day;
- place (``장소``), and the next meeting's date and place under a ``차기회의`` heading;
- the plan year (``2021년도 시행계획``).

No clock and no I/O: the caller decides what a missing fact means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from tracker.profiles import squash

WEEKDAYS = "월화수목금토일"

_YEAR = r"(\d{4})\s*년도?"
_TITLE = re.compile(_YEAR + r"\s*(?:제\s*)?(?:(\d+)\s*차\s*)?(.*)$")
_COMMITTEE = re.compile(r"(\S*?(?:분과|위원회))(?=\s|$|회의|협의)")
_COUNCIL = re.compile(r"(\S*협의체)")
_COMMITTEE_LINE = re.compile(r"^\s*[가-힣A-Za-z0-9·]{1,30}(?:위원회|분과)\s*$")
_TITLE_END = re.compile(r"(회의록|회의\s*결과|회의|감사|심사|보고|결과)\s*$")
_DATE = re.compile(
    r"(\d{4})\s*[.년/-]\s*(\d{1,2})\s*[.월/-]\s*(\d{1,2})\s*일?\.?\s*(?:\((\w)\))?"
)
_LATER_DAY = re.compile(r"^\s*~\s*(?:(\d{4})\s*[.년/-]\s*)?(?:(\d{1,2})\s*[.월/-]\s*)?(\d{1,2})(?!\s*[:\d])")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_PLAN_YEAR = re.compile(r"(\d{4})\s*년도?\s*시행\s*계획")
_LABELLED = re.compile(r"^[\s□■○◦▪●◎◇◆※\-•·]*([가-힣][가-힣 ]{0,9}?)\s*[:：]\s*(.*)$")
_MARKS = "□■○◦▪●◎◇◆※-•· "

DATE_LABELS = ("일시", "회의일시", "일자", "회의일자", "개최일시", "개최일", "날짜", "감사기간",
               "심사기간", "조사기간", "기간", "회의일")
PLACE_LABELS = ("장소", "회의장소", "개최장소")
COMMITTEE_LABELS = ("분과", "분과명", "위원회", "위원회명", "회의명")


@dataclass
class Facts:
    """The meeting facts found, and what the reading noticed."""

    committee: str | None = None
    held_on: date | None = None
    sequence: int | None = None
    title: str | None = None
    time_text: str | None = None
    place: str | None = None
    plan_year: int | None = None
    next_meeting_at: datetime | None = None
    next_meeting_place: str | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (where, message)
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Title:
    """What a title line says."""

    text: str
    year: int
    sequence: int | None
    committee: str | None


def read_title(text: str) -> Title | None:
    """The title a line is, when it starts with a year and names a meeting
    (``… 분과 회의``, ``… 회의록``, ``… 회의 결과``, ``… 위원회 …감사 …``)."""
    text = " ".join(text.split())
    match = _TITLE.match(text)
    if not match or not _TITLE_END.search(text) and not _COMMITTEE.search(text):
        return None
    rest = match.group(3)
    committees = _COMMITTEE.findall(rest)
    committee = committees[-1] if committees else None
    if committee is None and (council := _COUNCIL.findall(rest)):
        committee = council[-1]
    if committee is None and not _TITLE_END.search(text):
        return None
    sequence = int(match.group(2)) if match.group(2) else None
    return Title(text, int(match.group(1)), sequence, committee)


def labelled(cells: list[str]) -> tuple[str, str] | None:
    """The (squashed label, value) a line holds: a label cell and a value cell, or one
    paragraph written ``□ 일 시 : …``; None for other lines."""
    filled = [c for c in cells if c]
    if len(filled) >= 2:
        return squash(filled[0].strip(_MARKS)), " ".join(filled[1:])
    if len(filled) == 1 and (match := _LABELLED.match(filled[0])):
        return squash(match.group(1)), match.group(2).strip()
    return None


def read_date(value: str) -> tuple[date, str | None] | str:
    """The day a date value names and the weekday written beside it; for a period
    (``2004.11.26~12.2``) its last day. A string (the Korean reason) when it names none."""
    match = _DATE.search(value)
    if not match:
        return "날짜를 읽을 수 없습니다"
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    weekday = match.group(4)
    if later := _LATER_DAY.match(value[match.end():]):
        year = int(later.group(1) or year)
        month = int(later.group(2) or month)
        day, weekday = int(later.group(3)), None
    try:
        return date(year, month, day), weekday
    except ValueError:
        return f"없는 날짜입니다: {match.group(0)!r}"


def time_range(value: str) -> str | None:
    """The times written in a date value, "10:00 ~ 11:30", or None."""
    times = _TIME.findall(value)
    return " ~ ".join(f"{h}:{m}" for h, m in times) or None


def next_meeting_at(value: str) -> datetime | None:
    """The date and time of a next-meeting value (midnight when no time is written)."""
    match = _DATE.search(value)
    if not match:
        return None
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    time = _TIME.search(value[match.end():])
    hour, minute = (int(time.group(1)), int(time.group(2))) if time else (0, 0)
    if hour < 24 and minute < 60:
        return datetime(day.year, day.month, day.day, hour, minute)
    return None


def plan_year(text: str) -> int | None:
    """The plan year a line names ("2021년도 시행계획"), or None."""
    match = _PLAN_YEAR.search(text)
    return int(match.group(1)) if match else None


def read_facts(lines: list[tuple[str, list[str]]]) -> Facts:
    """The meeting facts of `lines` (each its where and its cells), first found wins."""
    facts = Facts()
    in_next_meeting = False
    for where, cells in lines:
        text = " ".join(c for c in cells if c)
        if not text:
            continue
        if "차기회의" in squash(text) and not _is_next_meeting_fact(cells):
            in_next_meeting = True
        elif _read_line(where, cells, text, facts, in_next_meeting):
            pass
        if facts.plan_year is None:
            facts.plan_year = plan_year(text)
    return facts


def _is_next_meeting_fact(cells: list[str]) -> bool:
    pair = labelled(cells)
    return bool(pair and pair[0].startswith("차기회의") and pair[1])


def _read_line(
    where: str, cells: list[str], text: str, facts: Facts, in_next_meeting: bool
) -> bool:
    filled = [c for c in cells if c]
    if facts.title is None and len(filled) == 1 and (title := read_title(text)):
        facts.title, facts.sequence = title.text, title.sequence
        facts.committee = facts.committee or title.committee
        return True
    if facts.committee is None and len(filled) == 1 and _COMMITTEE_LINE.match(text):
        facts.committee = text.strip()  # a line that is only the committee: "복지환경위원회"
        return True
    pair = labelled(cells)
    if pair is None or not pair[1]:
        return False
    label, value = pair
    if label.startswith("차기회의"):
        if "장소" in label:
            facts.next_meeting_place = value
        else:
            facts.next_meeting_at = next_meeting_at(value)
    elif in_next_meeting and label in ("일시", "일자", "날짜"):
        facts.next_meeting_at = next_meeting_at(value)
    elif in_next_meeting and label in PLACE_LABELS:
        facts.next_meeting_place = value
    elif label in COMMITTEE_LABELS and facts.committee is None:
        facts.committee = value
    elif label in DATE_LABELS and facts.held_on is None:
        _meeting_date(where, value, facts)
    elif label in PLACE_LABELS and facts.place is None:
        facts.place = value
    else:
        return False
    return True


def _meeting_date(where: str, value: str, facts: Facts) -> None:
    found = read_date(value)
    if isinstance(found, str):
        facts.errors.append((where, f"회의 날짜를 읽을 수 없습니다 ({found}): {value!r}"))
        return
    held_on, written = found
    facts.held_on, facts.time_text = held_on, time_range(value)
    actual = WEEKDAYS[held_on.weekday()]
    if written and written in WEEKDAYS and written != actual:
        facts.warnings.append((where,
            f"회의 날짜 {held_on.isoformat()}는 {actual}요일인데 문서에는 '({written})'(으)로 "
            "적혀 있습니다. 날짜를 그대로 씁니다."))
