"""Pasted text (minutes copied from a word processor or a spreadsheet) as a Document.

Lines with TABs are table rows, other lines paragraphs. What the reader undoes:

* **Rows that run over several lines.** A word processor pastes a cell's line breaks as
  line breaks, so a row whose cells hold several lines comes as several lines, each with
  fewer cells than the table. The table's width is the one that splits its first lines
  into whole rows (a wrapped header counts); a line with too few cells continues the open
  cell and the row closes when it has all its cells. A cell keeps its lines as separate
  paragraphs.
* **Quoted cells** as a spreadsheet pastes them (``"첫 줄⏎둘째 줄"``, ``""`` for a quote),
  when the closing quote is followed by a TAB or the line's end.
* **Lines without a TAB between rows** do not end the table on their own: a line starting
  with a Roman numeral (``Ⅰ. 풍요로운 …``) becomes a row of one cell across the table; any
  other continues the last cell of the row above (or starts the next row's first cell
  when the row above ends empty), each with a warning. The table ends at a line with more
  cells than the table, or at text followed by rows of another shape.
* **Page furniture**: page numbers (``- 2 -``, ``2 / 5``, ``- 2/5 -``, ``2쪽``), the
  document's title repeated at a page top, and the table's header rows repeated after a
  page break are removed, each with a warning (one for a repeated header of several rows).

Blank lines carry nothing and are dropped. ``where`` is the line: "12행" for a paragraph,
a table (its first line) and every cell of a row (the row's first line).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tracker.document import Block, Cell, Document, Notice, Paragraph, Table
from tracker.errors import UserError
from tracker.readers.limits import MAX_TABLE_COLS, MAX_TABLE_ROWS, MAX_TEXT_LINES, GridBudget

# How far a quoted cell may run (lines), and how many lines choose a table's width.
_QUOTED_LINES = 200
_WIDTH_PROBE = 60

PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*\d{1,4}\s*(?:/\s*\d{1,4}\s*)?[-–—]"  # - 2 -, - 2/5 -
    r"|\d{1,4}\s*/\s*\d{1,4}"  # 2 / 5
    r"|\(?\s*\d{1,4}\s*(?:쪽|페이지)\s*\)?)\s*$"  # 2쪽, (2 페이지)
)
_GROUP_ROW = re.compile(r"^\s*(?:[Ⅰ-Ⅻ]|[IVX]{1,5}\s*[.)])")
# A section heading ("□ 건의사항", "2. 건의사항", "가. …"): after a blank line it ends a table.
_HEADING = re.compile(r"^\s*(?:[□■◆◇▶►◎]|\d{1,2}\.\s|[가-하]\.\s|[Ⅰ-Ⅻ]\.?\s|[IVX]{1,5}\.\s)")
_MARKER = re.compile(r"^\s*([-•·○◦▪■□※*]|\d{1,2}[.)]|[①-⑳])")


@dataclass
class _Record:
    """A logical line: physical lines ``first..last`` (more than one for a quoted cell
    holding line breaks), its cells as paragraphs, and whether it is a row (has a TAB)."""

    first: int
    last: int
    cells: list[list[str]]
    text: str  # the raw text, for paragraphs

    @property
    def is_row(self) -> bool:
        return len(self.cells) > 1

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass
class _Row:
    line: int  # the first line
    cells: list[list[str]]
    last: int = 0  # the last line
    span_all: bool = False  # a line without TABs read as one cell across the table


@dataclass
class _Reader:
    name: str
    records: list[_Record]
    warnings: list[Notice] = field(default_factory=list)
    title: str | None = None

    def note(self, line: int, message: str) -> None:
        self.warnings.append(Notice(f"{line}행", message))


def read_text(text: str, name: str) -> Document:
    """The decoded pasted *text* as a Document (kind "text"); see the module docstring."""
    lines = text.splitlines()
    if len(lines) > MAX_TEXT_LINES:
        raise UserError(f"{name}: 줄이 너무 많습니다 ({len(lines):,}줄, 최대 {MAX_TEXT_LINES:,}줄). "
                        "회의록 부분만 올려 주세요.")
    reader = _Reader(name, _records(lines))
    budget = GridBudget(name)
    blocks: list[Block] = []
    records = reader.records
    i = 0
    while i < len(records):
        record = records[i]
        if not record.is_row:
            i += 1
            if record.blank or _furniture(reader, record):
                continue
            if reader.title is None:
                reader.title = _squash(record.text)
            blocks.append(Paragraph(record.text, f"{record.first}행"))
            continue
        rows, after, i = _table_rows(reader, i)
        blocks.append(_table(rows, reader, budget))
        blocks.extend(Paragraph(r.text, f"{r.first}행") for r in after)
    warnings = sorted(reader.warnings, key=lambda n: int(n.where.removesuffix("행")))
    return Document(source=name, kind="text", blocks=blocks, warnings=warnings)


# --- logical lines ---------------------------------------------------------------------


def _records(lines: list[str]) -> list[_Record]:
    records: list[_Record] = []
    i = 0
    while i < len(lines):
        record = _quoted_record(lines, i)
        if record is None:
            line = lines[i]
            cells = [[part] if part.strip() else [] for part in line.split("\t")]
            record = _Record(i + 1, i + 1, cells, line)
        records.append(record)
        i = record.last
    return records


def _quoted_record(lines: list[str], start: int) -> _Record | None:
    """The record starting at *start* read with spreadsheet quoting, when it has a quoted
    cell and reads as a row (at least one TAB outside quotes); else None. A quoted cell
    takes in the following lines (at most :data:`_QUOTED_LINES`) until its quote closes."""
    line = lines[start]
    if '"' not in line or not (line.startswith('"') or '\t"' in line):
        return None
    text, used = line, 1
    cells: list[list[str]] = []
    pos, quoted = 0, False
    while True:
        if text.startswith('"', pos):
            end = _closing_quote(text, pos + 1)
            while end == -1 and used < _QUOTED_LINES and start + used < len(lines):
                text, used = text + "\n" + lines[start + used], used + 1  # read on
                end = _closing_quote(text, pos + 1)
            if end < 0:
                return None
            value = text[pos + 1:end].replace('""', '"')
            cells.append([p for p in value.split("\n") if p.strip()])
            pos, quoted = end + 1, True
        else:
            stop = _find(text, "\t", pos)
            value = text[pos:stop]
            cells.append([value] if value.strip() else [])
            pos = stop
        if pos >= len(text):
            break
        pos += 1  # the TAB
    if not quoted or len(cells) < 2:
        return None
    return _Record(start + 1, start + used, cells, text)


def _closing_quote(text: str, pos: int) -> int:
    """The index of the quote closing a quoted cell opened before *pos*: a quote not
    doubled, followed by a TAB or the end of the text read so far. -1 when the text has
    no such quote yet (read on), -2 when a quote ends the cell wrongly (not quoting)."""
    while True:
        end = text.find('"', pos)
        if end < 0:
            return -1
        if text.startswith('""', end):
            pos = end + 2
            continue
        after = text[end + 1:end + 2]
        return end if after in ("", "\t") else -2


def _find(text: str, needle: str, pos: int) -> int:
    found = text.find(needle, pos)
    return len(text) if found < 0 else found


# --- furniture -------------------------------------------------------------------------


def _furniture(reader: _Reader, record: _Record) -> bool:
    """Is this line a page number or the title repeated at a page top? (noted if so)"""
    text = record.text.strip()
    if PAGE_NUMBER.match(text):
        reader.note(record.first, f"쪽 번호 '{text}'를 뺐습니다.")
        return True
    if reader.title is not None and _squash(text) == reader.title:
        reader.note(record.first, f"쪽마다 되풀이된 제목 '{text[:40]}'을(를) 뺐습니다.")
        return True
    return False


def _squash(text: str) -> str:
    return "".join(text.split())


# --- tables ----------------------------------------------------------------------------


def _table_rows(reader: _Reader, start: int) -> tuple[list[_Row], list[_Record], int]:
    """The rows of the table starting at record *start*, the paragraphs that follow it
    (lines read past its end), and the record where reading goes on."""
    records = reader.records
    width = _width(records, start)
    rows: list[_Row] = []
    open_row: _Row | None = None
    pending: list[_Record] = []
    i = start
    after_blank = False
    while i < len(records):
        record = records[i]
        if record.blank:
            after_blank = True
            i += 1
            continue
        if not record.is_row and _furniture(reader, record):
            i += 1
            continue
        if after_blank and rows and not record.is_row and _HEADING.match(record.text):
            # A heading after a blank line starts the next section: the lines right under
            # the last row carry on its last cell; the heading and the rest are paragraphs.
            pending = _join_above(reader, rows, pending)
            break
        after_blank = False
        if open_row is not None:
            open_row.last = record.last
            if not record.is_row:
                open_row.cells[-1].extend(record.cells[0])
                i += 1
                continue
            if len(open_row.cells) + len(record.cells) - 1 <= width:
                open_row.cells[-1].extend(record.cells[0])
                open_row.cells.extend(record.cells[1:])
                i += 1
                if len(open_row.cells) == width:
                    rows.append(open_row)
                    open_row = None
                continue
            reader.note(open_row.line, f"칸이 {len(open_row.cells)}개뿐이어서 나머지 칸을 비워 두었습니다 "
                                       f"(표는 {width}칸).")
            rows.append(_padded(open_row, width))
            open_row = None
            continue
        if not record.is_row:
            pending.append(record)
            i += 1
            continue
        count = len(record.cells)
        if count > width or (count < width and not _completes(records, i, width)
                             and (pending or _next_row_count(records, i) == count)):
            break  # a row of another shape: another table starts here
        if len(rows) > MAX_TABLE_ROWS:  # refuse before reading on (and using memory)
            GridBudget(reader.name).take(len(rows), width, f"{rows[0].line}행")
        if pending:
            _place_pending(reader, rows, pending, record, width)
            pending = []
        open_row = _Row(record.first, [list(cell) for cell in record.cells], record.last)
        i += 1
        if count == width:
            rows.append(open_row)
            open_row = None
    if open_row is not None:
        reader.note(open_row.line, f"칸이 {len(open_row.cells)}개뿐이어서 나머지 칸을 비워 두었습니다 "
                                   f"(표는 {width}칸).")
        rows.append(_padded(open_row, width))
    after = _trailing_continuation(reader, rows, pending)
    return _without_repeated_headers(reader, rows), after, i


def _width(records: list[_Record], start: int) -> int:
    """The width that splits the first lines of the table best into whole rows (see
    :func:`_fit`; the narrowest on a tie): the first row is the first line, or the first
    lines together (a wrapped header)."""
    counts = [len(r.cells) if r.is_row else 1 for r in records[start:start + _WIDTH_PROBE]
              if not r.blank]
    candidates, total = [], 0
    for number, count in enumerate(c for c in counts if c > 1):
        total = count if number == 0 else total + count - 1
        if total > MAX_TABLE_COLS or number >= 8:
            break
        candidates.append(total)
    if not candidates:  # the first line alone is wider than any table may be
        return next(c for c in counts if c > 1)
    return max(candidates, key=lambda w: (*_fit(counts, w), -w))


def _fit(counts: list[int], width: int) -> tuple[int, int]:
    """How well *width* splits the lines (their cell counts) into rows, as the reader would:
    (whole rows minus rows left short, lines read before a line too wide ends the table)."""
    score = have = used = 0
    for count in counts:
        if count == 1:
            used += 1
            continue  # a line without TABs adds no cell, between rows or inside one
        if have and have + count - 1 > width:
            score, have = score - 1, 0  # the open row is left short
        if have == 0 and count > width:
            break
        have = count if have == 0 else have + count - 1
        used += 1
        if have == width:
            score, have = score + 1, 0
    if have:
        score -= 1
    return score, used


def _completes(records: list[_Record], start: int, width: int) -> bool:
    """Do the lines from *start* make exactly one row of *width* cells?"""
    have = 0
    for record in records[start:start + _WIDTH_PROBE]:
        if record.blank or not record.is_row:
            continue
        have = len(record.cells) if have == 0 else have + len(record.cells) - 1
        if have >= width:
            return have == width
    return False


def _next_row_count(records: list[_Record], start: int) -> int:
    for index in range(start + 1, min(len(records), start + 1 + _WIDTH_PROBE)):
        if records[index].is_row:
            return len(records[index].cells)
    return 0


def _place_pending(reader: _Reader, rows: list[_Row], pending: list[_Record], record: _Record,
                   width: int) -> None:
    """Lines without TABs between two rows: a group row, the last cell of the row above,
    or the first cell of the row below."""
    for line in pending:
        above = rows[-1].cells[-1] if rows else None
        if _GROUP_ROW.match(line.text) or above is None:
            rows.append(_Row(line.first, [list(line.cells[0])], span_all=True))
            reader.note(line.first, "칸 나눔(탭)이 없는 줄을 표의 한 행(모든 칸을 합친 칸)으로 읽었습니다.")
        elif above or record.cells[0]:
            if not above and record.cells[0]:
                record.cells[0][:0] = line.cells[0]
                reader.note(line.first, "칸 나눔(탭)이 없는 줄을 아래 행의 첫 칸에 이어 붙였습니다.")
            else:
                above.extend(line.cells[0])
                reader.note(line.first, "칸 나눔(탭)이 없는 줄을 위 행의 마지막 칸에 이어 붙였습니다.")
        else:
            rows.append(_Row(line.first, [list(line.cells[0])], span_all=True))
            reader.note(line.first, "칸 나눔(탭)이 없는 줄을 표의 한 행(모든 칸을 합친 칸)으로 읽었습니다.")


def _join_above(reader: _Reader, rows: list[_Row], lines: list[_Record]) -> list[_Record]:
    """Join the lines that follow the last row with no blank line between to its last
    cell; the lines after them are returned."""
    return _join_contiguous(reader, rows[-1], lines, lambda line: True,
                            "칸 나눔(탭)이 없는 줄을 위 행의 마지막 칸에 이어 붙였습니다.")


def _trailing_continuation(reader: _Reader, rows: list[_Row], pending: list[_Record]) -> list[_Record]:
    """Lines right after the table's last row that carry on its last cell (the same list
    marker, no blank line between) join it; the rest are paragraphs after the table."""
    if not rows or not pending or not rows[-1].cells[-1]:
        return pending
    marker = _MARKER.match(rows[-1].cells[-1][0])

    def same_marker(line: _Record) -> bool:
        found = _MARKER.match(line.text)
        return bool(marker and found and found.group(1)[0] == marker.group(1)[0])

    return _join_contiguous(reader, rows[-1], pending, same_marker,
                            "표 바로 아래 줄을 표의 마지막 칸에 이어 붙였습니다.")


def _join_contiguous(reader: _Reader, last: _Row, lines: list[_Record],
                     accept: Callable[[_Record], bool], message: str) -> list[_Record]:
    """Join to *last*'s last cell the lines that follow it line after line (no blank line
    between) while *accept* holds, each with *message*; the lines after them are returned."""
    expected = max(last.line, last.last)
    joined = 0
    for line in lines:
        if line.first != expected + 1 or not accept(line):
            break
        last.cells[-1].extend(line.cells[0])
        reader.note(line.first, message)
        expected, joined = line.last, joined + 1
    return lines[joined:]


def _padded(row: _Row, width: int) -> _Row:
    row.cells.extend([] for _ in range(width - len(row.cells)))
    return row


def _without_repeated_headers(reader: _Reader, rows: list[_Row]) -> list[_Row]:
    """Drop the table's first rows where they come again later (a header repeated on
    every page), each with a warning."""
    keys = [_row_key(row) for row in rows]
    if not rows or sum(1 for cell in rows[0].cells if cell) < 2:
        return rows
    header = min(3, len(rows))  # a repeat may cover the first three rows, in order
    kept: list[_Row] = []
    i = 0
    while i < len(rows):
        if i > 0 and keys[i] == keys[0]:
            size = 1
            while size < header and i + size < len(rows) and keys[i + size] == keys[size]:
                size += 1
            reader.note(rows[i].line, _repeat_message(rows[i].line, rows[i + size - 1], size))
            i += size
            continue
        kept.append(rows[i])
        i += 1
    return kept


def _repeat_message(first: int, last: _Row, size: int) -> str:
    end = max(last.line, last.last)
    lines = f" ({first}~{end}행)" if end > first else ""
    return f"쪽이 바뀌며 되풀이된 표 머리글 {size}행{lines}을 뺐습니다."


def _row_key(row: _Row) -> tuple[str, ...]:
    return tuple(_squash("".join(cell)) for cell in row.cells)


def _table(rows: list[_Row], reader: _Reader, budget: GridBudget) -> Table:
    width = max(len(row.cells) for row in rows if not row.span_all) if any(
        not row.span_all for row in rows) else 1
    budget.take(len(rows), width, f"{rows[0].line}행")
    grid: list[list[Cell | None]] = []
    for r, row in enumerate(rows):
        where = f"{row.line}행"
        if row.span_all:
            grid.append([Cell(row.cells[0], r, 0, col_span=width, where=where)]
                        + [None] * (width - 1))
            continue
        grid.append([Cell(paragraphs, r, c, where=where) for c, paragraphs in enumerate(row.cells)])
    return Table(grid, f"{rows[0].line}행")

