"""The minutes parser's rows, from the document model (a bridge while the parser is
moved onto :mod:`tracker.document`).

:func:`read_rows` reads any supported file with :func:`tracker.readers.read_document`
and lays the document out as the rows the parser in :mod:`tracker.minutes` takes: a
paragraph is a one-cell row, a table row is the list of its cells' texts (a merged cell's
text at its top-left position, "" where it covers). For pasted text, CSV and XLSX every
block stays on its own line number (lines that were joined or removed become empty
rows), so the parser's "12행" messages still point at the file's lines. For HWP/HWPX the
rows come in document order, nested tables right after the row holding them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from tracker.document import Cell, Document, Paragraph, Table
from tracker.errors import UserError
from tracker.readers import decode, read_document

__all__ = ["Rows", "decode", "read_rows", "rows_of"]

Rows = list[list[str]]

# A vertically merged cell in the column under this header is carried down, as the
# monitoring table's 중점추진사업 cell is merged over its programs in Hancom files. This is
# the parser's business and leaves with this bridge.
_CARRY_HEADER = "중점추진사업"
_LINE = re.compile(r"(?:^|\s)(\d+)행")


def read_rows(path: Path) -> Rows:
    """The file's content as rows of cell texts; UserError when it cannot be read or (for
    a word-processor file) holds no monitoring table."""
    document = read_document(path)
    rows = rows_of(document)
    if document.kind in ("hwp", "hwpx"):
        from tracker import hwpdoc
        from tracker.minutes import has_monitoring_header

        if not has_monitoring_header(rows):
            raise UserError(
                f"{path.name}: 이 문서에서 모니터링 표(사업번호·세부사업명·실무분과 모니터링 의견)를 "
                f"찾지 못했습니다. 찾은 표: {hwpdoc.describe(document.blocks)}"
            )
    return rows


def rows_of(document: Document) -> Rows:
    """The document as the parser's rows (see the module's docstring)."""
    if document.kind in ("hwp", "hwpx", "pdf"):
        return [row for _line, row in _rows(document)]
    placed: dict[int, list[str]] = {}
    for line, row in _rows(document):
        placed.setdefault(line, row)
    last = max(placed, default=0)
    return [placed.get(line, [""]) for line in range(1, last + 1)]


def _rows(document: Document) -> Iterator[tuple[int, list[str]]]:
    for block in document.blocks:
        if isinstance(block, Paragraph):
            yield _line(block.where), [_clean(block.text)]
        else:
            yield from _table_rows(block)


def _table_rows(table: Table) -> Iterator[tuple[int, list[str]]]:
    texts = [[_clean(cell.text) if cell else "" for cell in row] for row in table.grid]
    _carry_down(table, texts)
    for row, row_text in zip(table.grid, texts, strict=True):
        first = next((cell for cell in row if cell is not None), None)
        yield _line(first.where if first else table.where), row_text
        for cell in row:
            for nested in cell.nested if cell else []:
                yield from _table_rows(nested)


def _line(where: str) -> int:
    match = _LINE.search(where)
    return int(match.group(1)) if match else 0


def _clean(text: str) -> str:
    return " ".join(text.replace("\u00ad", "-").split())


def _carry_down(table: Table, texts: list[list[str]]) -> None:
    """Repeat a vertically merged cell's text in the rows it covers, in the columns under
    a 중점추진사업 header (rows below that header only)."""
    for header in table.cells():
        if re.sub(r"\s+", "", header.text) != _CARRY_HEADER:
            continue
        columns = range(header.col, header.col + header.col_span)
        body_start = header.row + header.row_span
        for cell in _merged_below(table, body_start, columns):
            for row in range(cell.row + 1, cell.row + cell.row_span):
                texts[row][cell.col] = texts[cell.row][cell.col]


def _merged_below(table: Table, body_start: int, columns: range) -> Iterator[Cell]:
    for cell in table.cells():
        if cell.row >= body_start and cell.row_span > 1 and cell.col in columns:
            yield cell
