"""Write a table to a .hwpx document (Hancom word processor) with python-hwpx."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hwpx import HwpxDocument
from hwpx.oxml import HwpxOxmlTable, HwpxOxmlTableCell

from tracker.errors import UserError

_MARGIN_MM = 15.0

Merge = tuple[int, int, int, int]


def write_table_hwpx(
    path: Path,
    title: str,
    header: list[str],
    rows: list[list[str]],
    *,
    merges: Sequence[Merge] = (),
    column_weights: Sequence[float] | None = None,
    lines: Sequence[str] = (),
) -> None:
    """Write *path*: a landscape A4 document with the bold paragraph *title*, a paragraph
    for each of *lines* (the meeting's facts, "일 시 : …"), and one table.

    The table's first row is *header* (bold, marked as a header row that Hancom repeats on
    every page); then *rows*, each as long as *header* (shorter rows are padded with "").
    A "\\n" in a cell starts a new paragraph in that cell; long text wraps in the cell.
    The table flows across pages, breaking between rows. *merges* are ranges
    ``(first_row, first_col, last_row, last_col)`` on the whole table (the header is row 0)
    to merge into one cell that keeps the text of its top-left cell. *column_weights* sets
    relative column widths (equal widths by default).

    Raises UserError for an empty header, a row longer than the header, a merge outside the
    table, or a file that cannot be written.
    """
    grid = _grid(header, rows)
    _check_merges(merges, len(grid), len(header))
    document = HwpxDocument.new()
    try:
        margins = {side: _MARGIN_MM for side in ("left", "right", "top", "bottom")}
        document.page.setup(paper_size="A4", orientation="landscape", margins_mm=margins)
        _title(document, title)
        for line in lines:
            document.add_paragraph(line)
        _table(document, grid, merges, column_weights)
        _save(document, path)
    finally:
        document.close()


def _grid(header: list[str], rows: list[list[str]]) -> list[list[str]]:
    if not header:
        raise UserError("표의 머리글(열 이름)이 비어 있어 HWPX로 내보낼 수 없습니다.")
    for number, row in enumerate(rows, 1):
        if len(row) > len(header):
            raise UserError(f"{number}번째 행의 칸 수({len(row)})가 "
                            f"머리글 칸 수({len(header)})보다 많습니다.")
    return [list(header)] + [list(row) + [""] * (len(header) - len(row)) for row in rows]


def _check_merges(merges: Sequence[Merge], n_rows: int, n_cols: int) -> None:
    for r0, c0, r1, c1 in merges:
        if not (0 <= r0 <= r1 < n_rows and 0 <= c0 <= c1 < n_cols):
            raise UserError(f"병합 범위 {(r0, c0, r1, c1)}가 표({n_rows}×{n_cols}) 밖에 있습니다.")


def _title(document: HwpxDocument, title: str) -> None:
    paragraph = document.paragraphs[0]  # the blank first paragraph that holds the page setup
    paragraph.text = title
    for run in paragraph.runs:
        run.bold = True


def _table(document: HwpxDocument, grid: list[list[str]], merges: Sequence[Merge],
           column_weights: Sequence[float] | None) -> None:
    table = document.add_table(len(grid), len(grid[0]))
    table.set_treat_as_char(False)  # a flowing table, which Hancom breaks between rows
    if column_weights is not None:
        table.set_column_widths(list(column_weights))
    for merge in merges:
        table.merge_cells(*merge)
    for cell in _cells(table):  # after merging, only the top-left cell of a merge is left
        row, col = cell.address
        if grid[row][col]:
            cell.set_text(grid[row][col], split_paragraphs=True)
    _mark_header(table)


def _cells(table: HwpxOxmlTable) -> list[HwpxOxmlTableCell]:
    return [cell for row in table.rows for cell in row.cells]


def _mark_header(table: HwpxOxmlTable) -> None:
    table.element.set("repeatHeader", "1")
    for cell in table.rows[0].cells:
        cell.element.set("header", "1")
        for paragraph in cell.paragraphs:
            for run in paragraph.runs:
                run.bold = True


def _save(document: HwpxDocument, path: Path) -> None:
    # Written by us rather than save_to_path, whose temporary file leaves the document
    # readable by its owner only (0600), unlike every other export.
    try:
        Path(path).write_bytes(document.to_bytes())
    except OSError as exc:
        raise UserError(f"{Path(path).name} 파일을 쓸 수 없습니다: {exc.strerror or exc}") from exc
