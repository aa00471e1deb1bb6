"""Spreadsheets (XLSX, CSV) as a :class:`Document`.

A sheet is a grid of cell values; it becomes blocks like this, the same for XLSX and CSV:
rows with nothing in them separate *stretches* (each keeps the sheet's columns, so a stretch
after a blank row lines up under the header above it); in a stretch, the rows before the first
row with two or more filled cells are paragraphs (a title above the header, ``회의록``),
and the rest is one table, so a one-cell row inside a table (a group heading, a line
continued after a page break) stays in it. A stretch without any such row is paragraphs.
A cell's line breaks (Alt+Enter in Excel, quoted newlines in CSV) separate its paragraphs.

XLSX merged cells keep their spans (the merged ranges are read from the sheet's XML, as
openpyxl's read-only mode does not give them); a CSV has no merges. Every declared
address, range and the sheet's size are checked against :mod:`tracker.readers.limits`
before a value is read, so a small file claiming ``A1:XFD1048576`` is refused at once.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from lxml import etree

from tracker.document import Block, Cell, Document, Paragraph, Table
from tracker.errors import UserError
from tracker.readers.limits import (
    MAX_TABLE_POSITIONS,
    GridBudget,
    check_package,
    strip_controls,
)

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ADDRESS = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
# Cell elements a sheet may hold (filled or only styled) before it is not read at all.
MAX_SHEET_CELL_ELEMENTS = 4 * MAX_TABLE_POSITIONS


@dataclass
class SheetCell:
    """A value on a sheet (1-based row and column) with its merge, for building blocks."""

    text: str
    row_span: int = 1
    col_span: int = 1


# A sheet as {(row, col): SheetCell}, 1-based; covered positions of a merge are absent.
Sheet = dict[tuple[int, int], SheetCell]


# --- CSV ------------------------------------------------------------------------------


def read_csv(text: str, name: str) -> Document:
    """The decoded CSV *text* as a Document (kind "csv"); every record's ``where`` is the
    line it starts on."""
    sheet: Sheet = {}
    lines: dict[int, int] = {}  # record number -> its first line
    reader = csv.reader(io.StringIO(text))
    budget = GridBudget(name)
    first_line = 1
    try:
        for number, record in enumerate(reader, start=1):
            budget.check_cell(number - 1, max(len(record) - 1, 0), 1, 1, f"{first_line}행")
            lines[number] = first_line
            for col, value in enumerate(record, start=1):
                if value.strip():
                    sheet[(number, col)] = SheetCell(strip_controls(_unguard(value)))
            first_line = reader.line_num + 1
    except csv.Error as exc:
        raise UserError(f"{name} {first_line}행: CSV 형식이 잘못되었습니다 ({exc}).") from None
    blocks = sheet_blocks(sheet, name, lambda row: f"{lines[row]}행")
    return Document(source=name, kind="csv", blocks=blocks)


def _unguard(value: str) -> str:
    # tracker's own CSV export writes "'- …" so a spreadsheet shows a cell that starts like a
    # formula (= + - @) as text; reading it back drops that apostrophe.
    return value[1:] if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@", "\t") else value


# --- XLSX -----------------------------------------------------------------------------


def read_xlsx(path: Path) -> Document:
    """The workbook at *path* as a Document (kind "xlsx"): every worksheet in order, its
    blocks' ``where`` "12행" (with the sheet's name when there are several sheets)."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as package:
            check_package(package, name)
            parts = _sheet_parts(package)
            scans = [_scan_sheet(package, part, name) for _title, part in parts]
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, OSError, zlib.error, EOFError):
        raise UserError(f"{name}: 엑셀 파일이 손상되어 읽을 수 없습니다.") from None
    values = _read_values(path, [scan.extent for scan in scans])
    blocks: list[Block] = []
    for (title, _part), scan, sheet_values in zip(parts, scans, values, strict=True):
        prefix = f"{title} " if len(parts) > 1 else ""
        sheet = _sheet(scan, sheet_values)
        blocks.extend(sheet_blocks(sheet, name, _row_name(prefix)))
    return Document(source=name, kind="xlsx", blocks=blocks)


def _row_name(prefix: str) -> RowName:
    return lambda row: f"{prefix}{row}행"


@dataclass
class _Scan:
    """What a sheet's XML declares: its filled extent and merged ranges, all checked."""

    extent: tuple[int, int]  # the last row and column holding a value
    merges: list[tuple[int, int, int, int]]  # (row, col, last row, last col), 1-based


def _sheet_parts(package: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part name) of every worksheet, in the workbook's order."""
    book = etree.fromstring(package.read("xl/workbook.xml"))
    rels = etree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PKG_REL}Relationship")}
    parts = []
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
        if part in package.namelist() and "worksheets/" in part:
            parts.append((sheet.get("name", ""), part))
    return parts


def _scan_sheet(package: zipfile.ZipFile, part: str, name: str) -> _Scan:
    """Stream the sheet's XML once: check every cell address and merged range against
    the limits, and find the extent of the cells that hold a value."""
    budget = GridBudget(name)
    last_row = last_col = elements = 0
    merges = []
    with package.open(part) as stream:
        for _event, element in etree.iterparse(stream, events=("end",)):
            tag = element.tag
            if tag == f"{_MAIN}c":
                elements += 1
                if elements > MAX_SHEET_CELL_ELEMENTS:
                    raise UserError(f"{name}: 시트의 칸이 너무 많습니다 (최대 {MAX_SHEET_CELL_ELEMENTS:,}칸).")
                if len(element):  # a value (v, is, f); a bare styled cell holds nothing
                    row, col = _address(element.get("r", ""), name)
                    budget.check_cell(row - 1, col - 1, 1, 1, _label(row, col))
                    last_row, last_col = max(last_row, row), max(last_col, col)
                element.clear()
            elif tag == f"{_MAIN}mergeCell":
                merges.append(_range(element.get("ref", ""), name, budget))
            elif tag == f"{_MAIN}row":
                element.clear()
                while element.getprevious() is not None:  # keep memory flat on long sheets
                    del element.getparent()[0]
    for _top, _left, bottom, right in merges:
        last_row, last_col = max(last_row, bottom), max(last_col, right)
    budget.take(last_row, last_col, "시트")
    return _Scan((last_row, last_col), merges)


def _address(ref: str, name: str) -> tuple[int, int]:
    match = _ADDRESS.match(ref)
    if not match:
        raise UserError(f"{name}: 엑셀 칸 주소를 읽을 수 없습니다 ({ref[:20]!r}).")
    col = 0
    for letter in match.group(1).upper():
        col = col * 26 + ord(letter) - ord("A") + 1
    return int(match.group(2)), col


def _range(ref: str, name: str, budget: GridBudget) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    top, left = _address(first, name)
    bottom, right = _address(last or first, name)
    top, bottom = min(top, bottom), max(top, bottom)
    left, right = min(left, right), max(left, right)
    budget.check_cell(top - 1, left - 1, bottom - top + 1, right - left + 1, f"병합 범위 {ref}")
    return top, left, bottom, right


def _label(row: int, col: int) -> str:
    return f"{row}행 {col}열"


def _read_values(path: Path, extents: list[tuple[int, int]]) -> list[dict[tuple[int, int], str]]:
    """The text of every filled cell of every sheet, within the extents already checked."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise UserError(f"{path.name}: 엑셀 파일을 읽을 수 없습니다 ({exc}).") from None
    try:
        found = []
        for sheet, (last_row, last_col) in zip(book.worksheets, extents, strict=False):
            values: dict[tuple[int, int], str] = {}
            if last_row and last_col:
                rows = sheet.iter_rows(min_row=1, max_row=last_row, max_col=last_col)
                for r, row in enumerate(rows, start=1):
                    for c, cell in enumerate(row, start=1):
                        text = cell_text(cell.value, getattr(cell, "number_format", ""))
                        if text.strip():
                            values[(r, c)] = strip_controls(text)
            found.append(values)
        return found
    finally:
        book.close()


def _sheet(scan: _Scan, values: dict[tuple[int, int], str]) -> Sheet:
    sheet = {position: SheetCell(text) for position, text in values.items()}
    for top, left, bottom, right in scan.merges:
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                if (r, c) != (top, left):
                    sheet.pop((r, c), None)  # Excel keeps only the top-left value
        sheet[(top, left)] = SheetCell(values.get((top, left), ""), bottom - top + 1,
                                       right - left + 1)
    return sheet


def cell_text(value: object, number_format: str = "") -> str:
    """A spreadsheet value as text: whole floats without ".0", dates as 2022-05-18, a number
    shown as a percentage (format "0%") as the sheet shows it, "45%" rather than 0.45."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in number_format:
        return f"{round(value * 100, 2):g}%"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- a sheet to blocks (pure) ---------------------------------------------------------

RowName = Callable[[int], str]


def sheet_blocks(sheet: Sheet, name: str, where: RowName) -> list[Block]:
    """The blocks of *sheet* (see the module's docstring); ``where(row)`` names a row."""
    by_row: dict[int, list[tuple[int, SheetCell]]] = {}
    for (r, c), cell in sorted(sheet.items()):
        by_row.setdefault(r, []).append((c, cell))
    budget = GridBudget(name)
    # Every part of the sheet keeps the sheet's columns, so rows after a blank row line up
    # under the header above it and are read as the same table's rows.
    frame = (min((c for _r, c in sheet), default=0),
             max((c + cell.col_span - 1 for (_r, c), cell in sheet.items()), default=0))
    blocks: list[Block] = []
    for rows in _stretches(sheet):
        blocks.extend(_stretch_blocks(by_row, rows, where, budget, frame))
    return blocks


def _stretches(sheet: Sheet) -> Iterator[list[int]]:
    """Runs of consecutive rows that hold something (a merge's covered rows included)."""
    used = {row for (r, _), cell in sheet.items() for row in range(r, r + cell.row_span)}
    run: list[int] = []
    for row in sorted(used):
        if run and row != run[-1] + 1:
            yield run
            run = []
        run.append(row)
    if run:
        yield run


def _stretch_blocks(by_row: dict[int, list[tuple[int, SheetCell]]], rows: list[int],
                    where: RowName, budget: GridBudget, frame: tuple[int, int]) -> list[Block]:
    def filled(row: int) -> list[SheetCell]:
        return [cell for _c, cell in by_row.get(row, []) if cell.text.strip()]

    start = next((i for i, row in enumerate(rows) if len(filled(row)) >= 2), None)
    head = rows if start is None else rows[:start]
    blocks: list[Block] = [Paragraph(cell.text, where(row)) for row in head for cell in filled(row)]
    if start is not None:
        blocks.append(_table(by_row, rows[start:], where, budget, frame))
    return blocks


def _table(by_row: dict[int, list[tuple[int, SheetCell]]], rows: list[int], where: RowName,
           budget: GridBudget, frame: tuple[int, int]) -> Table:
    first, last = rows[0], rows[-1]
    placed = [(r, c, cell) for r in rows for c, cell in by_row.get(r, [])]
    left, right = frame
    n_rows, n_cols = last - first + 1, right - left + 1
    budget.take(n_rows, n_cols, where(first))
    grid: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
    covered: set[tuple[int, int]] = set()
    for r, c, cell in placed:
        row_span = min(cell.row_span, last - r + 1)
        covered.update((r + i, c + j) for i in range(row_span) for j in range(cell.col_span)
                       if i or j)
        grid[r - first][c - left] = Cell(
            paragraphs=[line for line in cell.text.splitlines() if line.strip()],
            row=r - first, col=c - left, row_span=row_span, col_span=cell.col_span,
            where=where(r),
        )
    for r in range(first, last + 1):
        for c in range(left, right + 1):
            if grid[r - first][c - left] is None and (r, c) not in covered:
                grid[r - first][c - left] = Cell([], r - first, c - left, where=where(r))
    return Table(grid, where(first))
