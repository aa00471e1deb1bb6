"""Reading a meeting's minutes from a :class:`~tracker.document.Document` into plain data.

`parse_document` finds the follow-up tables by their profiles (:mod:`tracker.tables`),
the meeting facts above them (:mod:`tracker.facts`), the members and the discussion
notes per program. It writes nothing; `importer` previews and stores the result.
`parse_rows` keeps the older entry point: rows of cells (a paragraph is a one-cell row)
are turned into a Document first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from tracker import facts as fact_rules
from tracker.departments import Spellings
from tracker.document import Cell, Document, Notice, Paragraph, Table
from tracker.errors import UserError
from tracker.facts import WEEKDAYS
from tracker.profiles import COMMITTEE_MAX_LENGTH, MAX_LENGTHS, Profile, State, state_of
from tracker.tables import Reading, RowNote, TableEntry, find_tables, read_tables

__all__ = ["WEEKDAYS", "Minutes", "MemberEntry", "Row", "TableEntry", "RowNote", "parse_rows",
           "parse_document", "rows_to_document", "has_monitoring_header"]

PRESENCE_MARKS = {"O": True, "o": True, "○": True, "◯": True, "X": False, "x": False, "×": False}


@dataclass
class Row:
    """One row of the source, with where it came from ("12행") for messages."""

    where: str
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
class Minutes:
    """Everything the importer needs from one meeting's minutes."""

    source: str
    committee: str
    held_on: date
    profile: str = "monitoring"
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
    notes: list[RowNote] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)

    @property
    def programs(self) -> list[TableEntry]:
        """The program rows of the table."""
        return [e for e in self.entries if e.kind == "program"]

    @property
    def strategies(self) -> list[TableEntry]:
        """The strategy rows of the table."""
        return [e for e in self.entries if e.kind == "strategy"]


def normalise_cell(text: str) -> str:
    """The cell's text with every run of white space (U+3000, tabs, newlines) made one space."""
    return " ".join(text.replace("\u3000", " ").replace("\xa0", " ").split())


def squash(text: str) -> str:
    """`text` with all white space removed, for comparing labels such as "사업 번호"."""
    return "".join(text.split())


# --- rows to a document -----------------------------------------------------------------


def rows_to_document(raw: Iterable[Sequence[str]], source: str, kind: str = "text") -> Document:
    """A Document of rows of cells: runs of rows with two or more cells are a table (a
    one-cell or empty row between them stays inside it), other rows are paragraphs."""
    rows = []
    for number, cells in enumerate(raw, start=1):
        clean = [normalise_cell(c) for c in cells]
        while clean and not clean[-1]:
            clean.pop()
        rows.append((number, clean))
    document = Document(source=source, kind=kind)
    index = 0
    while index < len(rows):
        number, cells = rows[index]
        if len(cells) < 2:
            if cells:
                document.blocks.append(Paragraph(cells[0], f"{number}행"))
            index += 1
            continue
        end = _table_end(rows, index)
        document.blocks.append(_table([r for r in rows[index:end] if r[1]]))
        index = end
    return document


def _table_end(rows: list[tuple[int, list[str]]], start: int) -> int:
    end = start + 1
    last = start
    while end < len(rows):
        if len(rows[end][1]) >= 2:
            last = end
        elif rows[end][1] and not _next_is_table_row(rows, end):
            break
        end += 1
    return last + 1


def _next_is_table_row(rows: list[tuple[int, list[str]]], index: int) -> bool:
    for _, cells in rows[index + 1:]:
        if cells:
            return len(cells) >= 2
    return False


def _table(rows: list[tuple[int, list[str]]]) -> Table:
    width = max(len(cells) for _, cells in rows)
    grid: list[list[Cell | None]] = [
        [Cell([text] if text else [], r, c, where=f"{number}행")
         for c, text in enumerate(cells + [""] * (width - len(cells)))]
        for r, (number, cells) in enumerate(rows)
    ]
    return Table(grid, where=f"{rows[0][0]}행")


def has_monitoring_header(raw: Iterable[Sequence[str]]) -> bool:
    """True when some table in `raw` rows is a follow-up table of a known kind."""
    try:
        find_tables(rows_to_document(raw, ""))
    except UserError:
        return False
    return True


def parse_rows(
    raw: Iterable[Sequence[str]],
    source: str,
    committee: str | None = None,
    held_on: date | None = None,
    department: str | None = None,
) -> Minutes:
    """The minutes held in `raw` rows (see :func:`parse_document`)."""
    return parse_document(rows_to_document(raw, source), committee=committee, held_on=held_on,
                          department=department)


# --- the document -------------------------------------------------------------------------


def parse_document(
    document: Document,
    *,
    committee: str | None = None,
    held_on: date | None = None,
    department: str | None = None,
) -> Minutes:
    """The minutes held in `document`; UserError naming the place when something is wrong.

    `committee`, `held_on` and `department` fill in what the file does not say (a bare
    table, an audit table that answers to one department); the error says which is missing.
    """
    source = document.source
    reading = read_tables(document)
    before = _rows_before(document, reading)
    after = _rows_after(document, reading)
    facts = fact_rules.read_facts([(row.where, row.cells) for row in before + after])
    if facts.errors and held_on is None:
        where, message = facts.errors[0]
        raise UserError(f"{source} {where}: {message}")
    committee = committee or facts.committee
    held_on = held_on or facts.held_on
    _require(source, committee, held_on, reading, department)
    assert committee is not None and held_on is not None
    minutes = Minutes(
        source=source, committee=committee, held_on=held_on, profile=reading.profile.name,
        sequence=facts.sequence, title=facts.title, time_text=facts.time_text,
        place=facts.place, plan_year=facts.plan_year, next_meeting_at=facts.next_meeting_at,
        next_meeting_place=facts.next_meeting_place,
        warnings=[*document.warnings, *(Notice(w, m) for w, m in facts.warnings)],
    )
    minutes.plan_year = minutes.plan_year or _header_plan_year(reading)
    minutes.members = _read_members(before, minutes)
    minutes.discussions = _read_discussions(before)
    minutes.entries, minutes.notes = reading.entries, reading.notes
    minutes.warnings += reading.warnings
    _departments(minutes, department)
    _check_counts(document, reading, minutes)
    if minutes.plan_year is None:
        minutes.plan_year = held_on.year if reading.profile.row_is_program else held_on.year - 1
        if not reading.profile.row_is_program:
            minutes.warnings.append(Notice("", (
                f"시행계획 연도를 찾지 못해 회의 전년도({minutes.plan_year}년)로 봅니다.")))
    return minutes


def _require(
    source: str, committee: str | None, held_on: date | None, reading: Reading,
    department: str | None,
) -> None:
    missing: list[tuple[str, str]] = []  # (what, the CLI option that gives it)
    if not committee:
        missing.append(("분과(위원회) 이름 (예: '2022년 1차 일자리분과 회의록')", "--committee"))
    if not held_on:
        missing.append(("회의 날짜 ('일 시' 또는 '회의일시' 행)", "--meeting-date"))
    if not department and not any("department" in m.columns for m in reading.tables):
        missing.append(("담당부서 (표에 담당부서 열이 없습니다)", "--department"))
    if missing:
        # The web form asks for these in its own fields; only the terminal names options.
        raise UserError(f"{source}: 다음을 문서에서 찾을 수 없습니다: "
                        + "; ".join(what for what, _ in missing),
                        hint_cli="옵션으로 알려 주세요: " + ", ".join(o for _, o in missing))
    if committee and len(committee) > COMMITTEE_MAX_LENGTH:
        raise UserError(f"{source}: 분과 이름이 너무 깁니다 ({len(committee)}자, "
                        f"최대 {COMMITTEE_MAX_LENGTH}자).")
    if department and len(department) > MAX_LENGTHS["department"]:
        raise UserError(f"--department 이름이 너무 깁니다 ({len(department)}자, "
                        f"최대 {MAX_LENGTHS['department']}자).")


def _rows_before(document: Document, reading: Reading) -> list[Row]:
    """The rows above the first table read: the blocks before it, and the rows of that
    table above its header (a title and facts written inside the same grid)."""
    rows: list[Row] = []
    first = reading.tables[0]
    blocks = document.blocks[:reading.first_block]
    if reading.first_block < len(document.blocks) and document.blocks[reading.first_block] is first.table:
        blocks.append(Table(first.table.grid[:first.row], first.table.where))
    for block in blocks:
        if isinstance(block, Paragraph):
            for line in block.text.splitlines() or [""]:
                rows.append(Row(block.where, [normalise_cell(line)]))
            continue
        for r, grid_row in enumerate(block.grid):
            cells = [normalise_cell(c.text) if c else "" for c in grid_row]
            while cells and not cells[-1]:
                cells.pop()
            where = next((c.where for c in grid_row if c and c.where), f"{block.where} {r + 1}행")
            rows.append(Row(where, cells))
    return rows


def _rows_after(document: Document, reading: Reading) -> list[Row]:
    """The paragraphs after the last table read (a next-meeting note at the end)."""
    read = {id(m.table) for m in reading.tables}
    last = max((i for i, b in enumerate(document.blocks) if id(b) in read), default=None)
    if last is None:
        return []
    return [Row(b.where, [normalise_cell(line)]) for b in document.blocks[last + 1:]
            if isinstance(b, Paragraph) for line in b.text.splitlines()]


def _header_plan_year(reading: Reading) -> int | None:
    for match in reading.tables:
        for row in match.table.grid[match.row:match.row + match.depth]:
            for cell in row:
                if cell and (year := fact_rules.plan_year(cell.text)):
                    return year
    return None


def _departments(minutes: Minutes, given: str | None) -> None:
    """One spelling per department (the first seen); the given one fills empty cells."""
    spellings = Spellings([given] if given else [])
    told: set[tuple[str, str]] = set()
    for entry in minutes.entries:
        if entry.kind != "program":
            continue
        if not entry.department:
            entry.department = given
            continue
        kept = spellings.canonical(entry.department)
        if kept != entry.department and (entry.department, kept) not in told:
            told.add((entry.department, kept))
            minutes.warnings.append(Notice(entry.where, (
                f"부서 '{entry.department}'를 '{kept}'와 같은 부서로 봅니다 (띄어쓰기·가운뎃점·괄호만 다름).")))
        entry.department = kept


_COUNT = re.compile(r"([가-힣]+)\s*(?:총\s*)?(\d+)\s*건\s*\(([^)]*)\)")
_COUNT_PART = re.compile(r"([가-힣][가-힣 ]*?)\s*(\d+)\s*건?")


def _check_counts(document: Document, reading: Reading, minutes: Minutes) -> None:
    """Counts printed in the document ("시정요구사항 5건 (완료 2, 추진중 2, 추진불가 1)")
    checked against the rows read; a mismatch is a warning."""
    programs = [e for e in reading.entries if e.kind == "program"]
    for where, text in _texts(document):
        for match in _COUNT.finditer(text):
            kind, total, parts = match.group(1), int(match.group(2)), match.group(3)
            entries = _of_kind(programs, kind, reading.profile)
            if entries is None:
                continue
            found = [f"{len(entries)}건" if len(entries) != total else ""]
            for word, count in _COUNT_PART.findall(parts):
                state = state_of(word)
                if state is None:
                    continue
                read = sum(1 for e in entries if _same(e.state, state))
                if read != int(count):
                    found.append(f"{squash(word)} {read}")
            if any(found):
                minutes.warnings.append(Notice(where, (
                    f"문서에는 '{match.group(0)}'로 적혀 있으나 읽은 행은 "
                    f"{len(entries)}건입니다 (다른 것: {', '.join(f for f in found if f)}).")))


def _same(read: State | None, printed: State) -> bool:
    return read is not None and (read.status, read.kind) == (printed.status, printed.kind)


def _of_kind(entries: list[TableEntry], kind: str, profile: Profile) -> list[TableEntry] | None:
    if kind in ("총", "전체", "계", "합계"):
        return entries
    for known in profile.item_kinds:
        if kind == known or kind == known.removesuffix("사항"):
            return [e for e in entries if e.item_kind == known]
    return None


def _texts(document: Document) -> Iterable[tuple[str, str]]:
    for block in document.blocks:
        if isinstance(block, Paragraph):
            yield block.where, block.text
        else:
            for cell in block.cells():
                if "건" in cell.text:
                    yield cell.where, cell.text


# --- members -----------------------------------------------------------------------

_NAME_TITLE = re.compile(r"^(?P<name>[^()]+?)\s*(?:\((?P<title>[^)]*)\))?$")


def _read_members(rows: list[Row], minutes: Minutes) -> list[MemberEntry]:
    start = next((i for i, r in enumerate(rows) if squash(r.cell(0)).startswith("참석자")), None)
    if start is None:
        return []
    members: list[MemberEntry] = []
    for index, row in enumerate(rows[start:]):
        cells = row.filled()
        if index and not _is_pair_row(cells):
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
        minutes.warnings.append(Notice(row.where, (
            f"참석자 수가 '{match.group(0)}'로 적혀 있으나 명단에서는 "
            f"{present}/{len(members)}명입니다.")))


# --- discussion notes ----------------------------------------------------------------

_PROGRAM_HEADING = re.compile(r"^(\d+(?:-\d+)+)\s*[.)]\s*\S")
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
