"""Reading a meeting's minutes from rows of cells into plain data.

Every source (pasted text, CSV, XLSX, HWPX/HWP) is first turned into rows: a
paragraph is a one-cell row, a table row is its cells. `parse_rows` finds the
meeting facts, the members, the discussion notes per program and the monitoring
table in those rows. It writes nothing; `importer` stores the result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from tracker import opinions
from tracker.errors import UserError

WEEKDAYS = "월화수목금토일"
PRESENCE_MARKS = {"O": True, "o": True, "○": True, "◯": True, "X": False, "x": False, "×": False}


@dataclass
class Row:
    """One row of the source, with its 1-based line (or row) number for error messages."""

    line: int
    cells: list[str]

    def cell(self, index: int | None) -> str:
        """The cell at `index`, or "" when the row is shorter or the column is unknown."""
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    def filled(self) -> list[str]:
        """The non-empty cells, in order."""
        return [c for c in self.cells if c]


@dataclass
class MemberEntry:
    """A committee member as listed in the attendance table."""

    name: str
    title: str | None  # the words in brackets: "민간분과장", "총무", "공공"
    role: str  # chair | secretary | member
    present: bool | None


@dataclass
class TableEntry:
    """A row of the monitoring table: a program or a strategy, with its opinions and replies."""

    line: int
    kind: str  # "program" | "strategy"
    number: str  # "1-7", or the strategy's code "I"
    name: str
    opinion_text: str = ""
    reply_text: str = ""
    sequence: int | None = None
    priority: bool = False
    category: str | None = None
    department: str | None = None
    team: str | None = None
    contact: str | None = None
    strategy: str | None = None  # the code of the strategy a program falls under
    note: str | None = None  # a strategy row's other cells

    @property
    def opinions(self) -> list[str]:
        """The opinion bullets, empty ones dropped."""
        return [b for b in opinions.split_bullets(self.opinion_text) if not opinions.is_empty_mark(b)]

    @property
    def replies(self) -> list[str]:
        """One reply per opinion ("" where none): bullets paired in order when the counts
        match, otherwise the whole reply text for every opinion."""
        count = len(self.opinions)
        if opinions.is_empty_mark(self.reply_text):
            return [""] * count
        bullets = [
            "" if opinions.is_empty_mark(b) else b for b in opinions.split_bullets(self.reply_text)
        ]
        if len(bullets) == count:
            return bullets
        whole = " ".join(b for b in bullets if b)
        return [whole] * count


@dataclass
class Minutes:
    """Everything the importer needs from one meeting's minutes."""

    source: str
    committee: str
    held_on: date
    sequence: int | None = None
    title: str | None = None
    time_text: str | None = None
    place: str | None = None
    plan_year: int | None = None
    next_meeting_at: datetime | None = None
    next_meeting_place: str | None = None
    members: list[MemberEntry] = field(default_factory=list)
    discussions: dict[str, str] = field(default_factory=dict)
    entries: list[TableEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def programs(self) -> list[TableEntry]:
        """The program rows of the monitoring table."""
        return [e for e in self.entries if e.kind == "program"]

    @property
    def strategies(self) -> list[TableEntry]:
        """The strategy rows of the monitoring table."""
        return [e for e in self.entries if e.kind == "strategy"]


def normalise_cell(text: str) -> str:
    """The cell's text with every run of white space (U+3000, tabs, newlines) made one space."""
    return " ".join(text.replace("\u3000", " ").replace("\xa0", " ").split())


def make_rows(raw: Iterable[Sequence[str]]) -> list[Row]:
    """Rows numbered from 1, cells normalised, trailing empty cells dropped."""
    rows = []
    for number, cells in enumerate(raw, start=1):
        clean = [normalise_cell(c) for c in cells]
        while clean and not clean[-1]:
            clean.pop()
        rows.append(Row(number, clean))
    return rows


def squash(text: str) -> str:
    """`text` with all white space removed, for comparing labels such as "사업 번호"."""
    return "".join(text.split())


def parse_rows(
    raw: Iterable[Sequence[str]],
    source: str,
    committee: str | None = None,
    held_on: date | None = None,
) -> Minutes:
    """The minutes held in `raw` rows; UserError naming the line when something is malformed.

    `committee` and `held_on` fill in facts a bare table (CSV, XLSX) does not carry.
    """
    rows = make_rows(raw)
    header_index = _find_header(rows)
    if header_index is None:
        raise UserError(
            f"{source}: 모니터링 표를 찾을 수 없습니다. "
            "'사업번호', '세부사업명', '실무분과 모니터링 의견' 열이 있는 머리글 행이 필요합니다."
        )
    facts = _read_facts(rows[:header_index], source)
    header_text = " ".join(rows[header_index].cells)
    if facts.plan_year is None and (year := _PLAN_YEAR.search(header_text)):
        facts.plan_year = int(year.group(1))
    committee = committee or facts.committee
    held_on = held_on or facts.held_on
    if not committee:
        raise UserError(f"{source}: 분과 이름을 찾을 수 없습니다 (예: '2022년 1차 일자리분과 회의록'). --committee 옵션으로 알려 주세요.")
    if len(committee) > 100:
        raise UserError(f"{source}: 분과 이름이 너무 깁니다 ({len(committee)}자, 최대 100자).")
    if not held_on:
        raise UserError(f"{source}: 회의 날짜를 찾을 수 없습니다 ('일 시' 행). --meeting-date 옵션으로 알려 주세요.")
    minutes = Minutes(
        source=source, committee=committee, held_on=held_on, sequence=facts.sequence,
        title=facts.title, time_text=facts.time_text, place=facts.place,
        plan_year=facts.plan_year, next_meeting_at=facts.next_meeting_at,
        next_meeting_place=facts.next_meeting_place, warnings=facts.warnings,
    )
    minutes.members = _read_members(rows[:header_index], minutes)
    minutes.discussions = _read_discussions(rows[:header_index])
    minutes.entries = _read_table(rows, header_index, minutes)
    if minutes.plan_year is None:
        minutes.plan_year = held_on.year - 1
        minutes.warnings.append(
            f"시행계획 연도를 찾지 못해 회의 전년도({minutes.plan_year}년)로 봅니다."
        )
    return minutes


# --- meeting facts ---------------------------------------------------------------

_TITLE = re.compile(r"(\d{4})\s*년\s*(?:(\d+)\s*차\s*)?(\S*분과)")
_DATE = re.compile(r"(\d{4})\s*[.년/-]\s*(\d{1,2})\s*[.월/-]\s*(\d{1,2})\s*일?\.?\s*(?:\((\w)\))?")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_PLAN_YEAR = re.compile(r"(\d{4})\s*년도?\s*시행\s*계획")


@dataclass
class _Facts:
    """Meeting facts found before the monitoring table."""

    committee: str | None = None
    held_on: date | None = None
    sequence: int | None = None
    title: str | None = None
    time_text: str | None = None
    place: str | None = None
    plan_year: int | None = None
    next_meeting_at: datetime | None = None
    next_meeting_place: str | None = None
    warnings: list[str] = field(default_factory=list)


def _read_facts(rows: list[Row], source: str) -> _Facts:
    facts = _Facts()
    after_next_meeting = False
    for row in rows:
        label, value = squash(row.cell(0)), row.cell(1)
        text = " ".join(row.filled())
        if facts.title is None and (m := _TITLE.search(text)) and len(row.filled()) == 1:
            facts.title, facts.committee = text, m.group(3)
            facts.sequence = int(m.group(2)) if m.group(2) else None
        if label in ("분과", "분과명") and value:
            facts.committee = value
        elif label == "일시" and value and facts.held_on is None:
            facts.held_on = _meeting_date(value, row, source, facts)
            facts.time_text = _time_range(value)
        elif label == "장소" and value and facts.place is None:
            facts.place = value
        elif label.startswith("차기회의") and value:
            _next_meeting_fact(label, value, facts)
        elif "차기회의" in squash(text):
            after_next_meeting = True
        elif after_next_meeting and len(row.filled()) == 1:
            _next_meeting_line(text, facts)
        if (m := _PLAN_YEAR.search(text)) and facts.plan_year is None:
            facts.plan_year = int(m.group(1))
    return facts


def _meeting_date(value: str, row: Row, source: str, facts: _Facts) -> date:
    match = _DATE.search(value)
    if not match:
        raise UserError(f"{source} {row.line}행: 회의 날짜를 읽을 수 없습니다: {value!r}")
    held_on = _to_date(match, row, source)
    written = match.group(4)
    actual = WEEKDAYS[held_on.weekday()]
    if written and written in WEEKDAYS and written != actual:
        facts.warnings.append(
            f"{row.line}행: 회의 날짜 {held_on.isoformat()}는 {actual}요일인데 문서에는 '({written})'(으)로 "
            "적혀 있습니다. 날짜를 그대로 씁니다."
        )
    return held_on


def _to_date(match: re.Match[str], row: Row, source: str) -> date:
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise UserError(f"{source} {row.line}행: 없는 날짜입니다: {match.group(0)!r}") from None


def _time_range(value: str) -> str | None:
    times = _TIME.findall(value)
    return " ~ ".join(f"{h}:{m}" for h, m in times) or None


def _next_meeting_fact(label: str, value: str, facts: _Facts) -> None:
    if "장소" in label:
        facts.next_meeting_place = value
    else:
        _set_next_meeting_at(value, facts)


def _next_meeting_line(text: str, facts: _Facts) -> None:
    body = text.lstrip("-•○ ").strip()
    label, _, value = body.partition(":")
    label = squash(label)
    if label == "일시":
        _set_next_meeting_at(value, facts)
    elif label == "장소" and value.strip():
        facts.next_meeting_place = value.strip()


def _set_next_meeting_at(value: str, facts: _Facts) -> None:
    match = _DATE.search(value)
    if not match:
        return
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return
    time = _TIME.search(value[match.end() :])
    hour, minute = (int(time.group(1)), int(time.group(2))) if time else (0, 0)
    if hour < 24 and minute < 60:
        facts.next_meeting_at = datetime(day.year, day.month, day.day, hour, minute)


# --- members -----------------------------------------------------------------------

_NAME_TITLE = re.compile(r"^(?P<name>[^()]+?)\s*(?:\((?P<title>[^)]*)\))?$")


def _read_members(rows: list[Row], minutes: Minutes) -> list[MemberEntry]:
    start = next((i for i, r in enumerate(rows) if squash(r.cell(0)).startswith("참석자")), None)
    if start is None:
        return []
    members: list[MemberEntry] = []
    for row in rows[start:]:
        cells = row.filled()
        if row.line != rows[start].line and not _is_pair_row(cells):
            break
        members.extend(_members_in(cells))
    _check_attendance(rows[start], members, minutes)
    return members


def _is_pair_row(cells: list[str]) -> bool:
    return bool(cells) and len(cells) % 2 == 0 and all(
        mark in PRESENCE_MARKS or mark == "-" for mark in cells[1::2]
    )


def _members_in(cells: list[str]) -> list[MemberEntry]:
    found = []
    for name_cell, mark in zip(cells, cells[1:], strict=False):
        if mark not in PRESENCE_MARKS and mark != "-":
            continue
        match = _NAME_TITLE.match(name_cell)
        if not match or squash(match["name"]) in ("공석", "성명"):
            continue
        title = match["title"]
        found.append(MemberEntry(match["name"].strip(), title, _role(title), PRESENCE_MARKS.get(mark)))
    return found


def _role(title: str | None) -> str:
    if title and "분과장" in title:
        return "chair"
    if title and ("총무" in title or "서기" in title):
        return "secretary"
    return "member"


def _check_attendance(row: Row, members: list[MemberEntry], minutes: Minutes) -> None:
    match = re.search(r"(\d+)\s*/\s*(\d+)", row.cell(0))
    if not match:
        return
    present = sum(1 for m in members if m.present)
    if (present, len(members)) != (int(match.group(1)), int(match.group(2))):
        minutes.warnings.append(
            f"{row.line}행: 참석자 수가 '{match.group(0)}'로 적혀 있으나 명단에서는 "
            f"{present}/{len(members)}명입니다."
        )


# --- discussion notes ----------------------------------------------------------------

_PROGRAM_HEADING = re.compile(r"^(\d+-\d+)\s*[.)]\s*\S")
_SECTION_END = re.compile(r"^(#|\d+\)\s|\d+\.\s|\(\d+\)|붙임)")


def _read_discussions(rows: list[Row]) -> dict[str, str]:
    notes: dict[str, list[str]] = {}
    current: str | None = None
    for row in rows:
        if len(row.filled()) != 1 or row.cells[0] == "":
            continue
        text = row.cells[0]
        if heading := _PROGRAM_HEADING.match(text):
            current = heading.group(1)
            notes.setdefault(current, [])
        elif _SECTION_END.match(text):
            current = None
        elif current:
            notes[current].append(text)
    return {number: "\n".join(lines) for number, lines in notes.items() if lines}


# --- the monitoring table --------------------------------------------------------------

COLUMNS = {
    "연번": "sequence",
    "사업번호": "number",
    "중점추진사업": "priority",
    "구분": "category",
    "세부사업명": "name",
    "담당부서": "department",
    "담당팀": "team",
    "담당자": "contact",
}
REQUIRED = ("number", "name", "department", "opinion")
LABELS = {"number": "사업번호", "name": "세부사업명", "department": "담당부서", "opinion": "실무분과 모니터링 의견"}
_NUMBER = re.compile(r"^\d+-\d+$")
_STRATEGY = re.compile(r"^추진\s*전략\s*([IVXⅠ-Ⅹ]+|\d+)\s*[.)]?\s*(.*)$")


def _is_header(row: Row) -> bool:
    labels = {squash(c) for c in row.cells}
    return "사업번호" in labels and "세부사업명" in labels


def has_monitoring_header(raw: Iterable[Sequence[str]]) -> bool:
    """True when some row of `raw` is the monitoring table's header (사업번호, 세부사업명)."""
    return _find_header(make_rows(raw)) is not None


def _find_header(rows: list[Row]) -> int | None:
    return next((i for i, row in enumerate(rows) if _is_header(row)), None)


def _columns(rows: list[Row], index: int, source: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for offset in (0, 1):  # the opinion columns may sit in a second header row
        if index + offset >= len(rows):
            break
        for position, cell in enumerate(rows[index + offset].cells):
            label = squash(cell)
            if label in COLUMNS and offset == 0:
                columns[COLUMNS[label]] = position
            elif "모니터링의견" in label:
                columns["opinion"] = position
            elif "후속조치" in label or "사업부서의견" in label:
                columns["reply"] = position
    missing = [LABELS[name] for name in REQUIRED if name not in columns]
    if missing:
        raise UserError(f"{source} {rows[index].line}행: 표 머리글에 {', '.join(missing)} 열이 없습니다.")
    return columns


def _is_subheader(row: Row) -> bool:
    return bool(row.filled()) and all(
        "모니터링의견" in squash(c) or "후속조치" in squash(c) or "사업부서의견" in squash(c)
        for c in row.filled()
    )


@dataclass
class _TableState:
    """What reading the table has found so far."""

    entries: list[TableEntry] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)  # program number -> its first line
    strategy: str | None = None  # the code of the latest strategy row


def _read_table(rows: list[Row], header_index: int, minutes: Minutes) -> list[TableEntry]:
    state = _TableState()
    columns = _columns(rows, header_index, minutes.source)
    in_table = True
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        if _is_header(row):
            columns, in_table = _columns(rows, index, minutes.source), True
        elif not row.filled() or _is_subheader(row) or not in_table:
            continue
        elif len(row.cells) == 1:
            in_table = False  # a paragraph after the table: the table has ended
        else:
            _read_table_row(row, columns, state, minutes.source)
    if not state.seen:
        raise UserError(f"{minutes.source}: 모니터링 표에 사업 행이 하나도 없습니다.")
    return state.entries


def _read_table_row(row: Row, columns: dict[str, int], state: _TableState, source: str) -> None:
    first = row.filled()[0]
    number = row.cell(columns["number"])
    if strategy := _STRATEGY.match(first):
        state.entries.append(_strategy_entry(row, strategy, columns))
        state.strategy = strategy.group(1)
    elif _NUMBER.match(number):
        _check_unique(number, row, state.seen, source)
        entry = _program_entry(row, columns, state.strategy)
        state.entries.append(_check_lengths(entry, source))
    elif not number and not row.cell(columns["name"]):
        _continue_entry(row, columns, state.entries, source)
    else:
        shown = number or first
        raise UserError(
            f"{source} {row.line}행: 표의 행을 읽을 수 없습니다. "
            f"사업번호는 '1-7' 꼴이어야 합니다: {shown!r}"
        )


def _strategy_entry(row: Row, match: re.Match[str], columns: dict[str, int]) -> TableEntry:
    used = {columns.get("opinion"), columns.get("reply")}
    rest = [c for i, c in enumerate(row.cells) if c and i not in used and c != row.filled()[0]]
    return TableEntry(
        line=row.line,
        kind="strategy",
        number=match.group(1),
        name=match.group(2).strip(),
        opinion_text=row.cell(columns["opinion"]),
        reply_text=row.cell(columns.get("reply")),
        note=" ".join(rest) or None,
    )


def _program_entry(row: Row, columns: dict[str, int], strategy: str | None) -> TableEntry:
    sequence = row.cell(columns.get("sequence"))
    return TableEntry(
        line=row.line,
        kind="program",
        number=row.cell(columns["number"]),
        name=row.cell(columns["name"]),
        opinion_text=row.cell(columns["opinion"]),
        reply_text=row.cell(columns.get("reply")),
        sequence=int(sequence) if sequence.isascii() and sequence.isdigit() else None,
        priority="중점" in row.cell(columns.get("priority")),
        category=row.cell(columns.get("category")) or None,
        department=row.cell(columns["department"]) or None,
        team=row.cell(columns.get("team")) or None,
        contact=row.cell(columns.get("contact")) or None,
        strategy=strategy,
    )


# The longest value each column holds in the database.
MAX_LENGTHS = {"number": 20, "name": 300, "category": 50, "department": 100, "team": 100,
               "contact": 100}
LENGTH_LABELS = {"number": "사업번호", "name": "세부사업명", "category": "구분",
                 "department": "담당부서", "team": "담당팀", "contact": "담당자"}


def _check_lengths(entry: TableEntry, source: str) -> TableEntry:
    for name, limit in MAX_LENGTHS.items():
        value = getattr(entry, name) or ""
        if len(value) > limit:
            raise UserError(
                f"{source} {entry.line}행: {LENGTH_LABELS[name]} 칸이 너무 깁니다 "
                f"({len(value)}자, 최대 {limit}자). 칸이 밀리지 않았는지 확인해 주세요."
            )
    return entry


def _check_unique(number: str, row: Row, seen: dict[str, int], source: str) -> None:
    if number in seen:
        raise UserError(
            f"{source} {row.line}행: 사업번호 {number}가 {seen[number]}행에도 있습니다. 한 번만 적어 주세요."
        )
    seen[number] = row.line


def _continue_entry(
    row: Row, columns: dict[str, int], entries: list[TableEntry], source: str
) -> None:
    # A row broken across a page: its cells continue the previous row's text.
    if not entries:
        raise UserError(f"{source} {row.line}행: 이어지는 내용인데 앞의 사업 행이 없습니다.")
    entry = entries[-1]
    opinion, reply = row.cell(columns["opinion"]), row.cell(columns.get("reply"))
    entry.opinion_text = " ".join(t for t in (entry.opinion_text, opinion) if t)
    entry.reply_text = " ".join(t for t in (entry.reply_text, reply) if t)
