"""Regenerate tests/data/2022-01-15-jobs-subcommittee-minutes.hwpx from the pasted-text
minutes next to it, laid out as Hancom would have the document.

    /work/venv/bin/python tests/data/make_minutes_hwpx.py

The text file is the minutes pasted from a word processor: each line a paragraph or a
table row split on tabs. This script puts the same content back into one HWPX document
written with python-hwpx:

* the paragraphs before the first table (the title);
* the 일시/장소/참석자 table (11×7): 일시, 장소 and 회의주제 및 안건 span six columns,
  참석자 spans the eight attendance rows;
* the body paragraphs;
* the monitoring table as ONE table (11×10), not split at the page break as the pasted
  text is: two header rows (the first eight header cells merged across both header rows,
  "2021년도 시행계획 총괄평가" over the last two columns, both rows repeated on every
  page), the 추진전략 row (its text spanning the first five columns), and the eight
  program rows 1-1 … 1-9. The 1-6 opinion holds its whole text ("… 점검을 통해 법적근거
  마련 검토를 요청함."), its follow-up cell "- -". The 중점추진사업 cell "-" of the six
  rows 1-4 … 1-9 is one vertically merged cell, as council staff often write it.

A cell's bullets ("- …") and the agenda items are separate paragraphs inside the cell.
Paragraph and table ids are random, so the bytes differ between runs; the content does not.
"""

from __future__ import annotations

import re
from pathlib import Path

from hwpx import HwpxDocument
from hwpx.oxml import HwpxOxmlTable

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "2022-01-15-jobs-subcommittee-minutes.txt"
TARGET = HERE / "2022-01-15-jobs-subcommittee-minutes.hwpx"

ATTENDANCE_COLUMNS = 7
MONITORING_COLUMNS = 10
MONITORING_WIDTHS = [4, 5, 5, 5, 12, 7, 7, 5, 38, 12]
PRIORITY_COLUMN = 2  # 중점추진사업
MERGED_PRIORITY_PROGRAMS = ("1-4", "1-9")  # first and last program of the merged "-" cell


def cell_paragraphs(text: str) -> str:
    """Start each bullet ("- ") and each agenda item ("1. ", "2) ") on its own line."""
    text = re.sub(r"(?<=\S) (?=- \S)", "\n", text)
    return re.sub(r"(?<=\S) (?=\d+[.)] )", "\n", text)


Merge = tuple[int, int, int, int]


def fill(table: HwpxOxmlTable, rows: list[list[str]], merges: list[Merge]) -> None:
    """Merge the given ranges (r0, c0, r1, c1), then write every anchor cell's text."""
    for merge in merges:
        table.merge_cells(*merge)
    covered = {
        (r, c)
        for r0, c0, r1, c1 in merges
        for r in range(r0, r1 + 1)
        for c in range(c0, c1 + 1)
        if (r, c) != (r0, c0)
    }
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if (r, c) not in covered and text:
                table.set_cell_text(r, c, cell_paragraphs(text), split_paragraphs=True)


def attendance_rows(lines: list[str]) -> list[list[str]]:
    """The pasted rows, seven cells each. The last attendance row lost its covered first
    cell when pasted ("김경희\tO\t이미진\tX\t\t\t"): it is shifted back under 성 명."""
    rows = [(line.split("\t") + [""] * ATTENDANCE_COLUMNS)[:ATTENDANCE_COLUMNS] for line in lines]
    attendance = range(3, len(rows) - 1)  # under the 참석자 cell, below its header row
    return [[""] + row[:-1] if r in attendance and row[0] else row for r, row in enumerate(rows)]


def monitoring_rows(lines: list[str]) -> list[list[str]]:
    """The monitoring table's rows as one table: the repeated header after the page break
    is dropped and the row that continues 1-6's opinion is joined to it."""
    rows: list[list[str]] = []
    skip = 0
    for line in (line for line in lines if line.strip()):
        cells = (line.split("\t") + [""] * MONITORING_COLUMNS)[:MONITORING_COLUMNS]
        if skip:
            skip -= 1
        elif cells[0].replace(" ", "") == "연번" and rows:
            skip = 1  # the repeated header: this row and the next
        elif rows and len(rows) > 2 and not any(cells[:8]):
            rows[-1] = [" ".join(filter(None, pair)) for pair in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    return rows


def monitoring_merges(rows: list[list[str]]) -> list[Merge]:
    """Header cells, the 추진전략 row, and the 중점추진사업 "-" of programs 1-4 … 1-9."""
    merges = [(0, c, 1, c) for c in range(8)]
    merges += [(0, 8, 0, 9), (2, 0, 2, 4), (2, 5, 2, 7)]
    numbers = [row[1] for row in rows]
    first, last = (numbers.index(n) for n in MERGED_PRIORITY_PROGRAMS)
    merges.append((first, PRIORITY_COLUMN, last, PRIORITY_COLUMN))
    return merges


def add_table(doc: HwpxDocument, rows: list[list[str]], cols: int) -> HwpxOxmlTable:
    """A new body table with a row per entry of *rows*, flowing across pages."""
    table = doc.add_table(len(rows), cols)
    table.set_treat_as_char(False)  # Hancom breaks a flowing table between rows
    return table


def build() -> HwpxDocument:
    """The minutes document, built from the pasted text (not saved)."""
    lines = SOURCE.read_text(encoding="utf-8").rstrip("\n").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("일 시\t"))
    topic = next(i for i, line in enumerate(lines) if line.startswith("회의주제 및 안건\t"))
    monitoring = next(i for i, line in enumerate(lines) if line.startswith("연번\t"))

    doc = HwpxDocument.new()
    doc.paragraphs[0].text = lines[0]
    for line in lines[1:start]:
        doc.add_paragraph(line)

    attendance = attendance_rows(lines[start : topic + 1])
    last = len(attendance) - 1
    table = add_table(doc, attendance, ATTENDANCE_COLUMNS)
    table.set_column_widths([14, 18, 6, 18, 6, 18, 6])
    fill(table, attendance, [(0, 1, 0, 6), (1, 1, 1, 6), (2, 0, last - 1, 0), (last, 1, last, 6)])

    for line in lines[topic + 1 : monitoring]:
        doc.add_paragraph(line)

    rows = monitoring_rows(lines[monitoring:])
    table = add_table(doc, rows, MONITORING_COLUMNS)
    table.set_column_widths(MONITORING_WIDTHS)
    fill(table, rows, monitoring_merges(rows))
    table.element.set("repeatHeader", "1")
    for row in table.rows[:2]:
        for cell in row.cells:
            cell.element.set("header", "1")
    doc.add_paragraph("")
    return doc


def main() -> None:
    """Write the .hwpx next to the text it is built from."""
    doc = build()
    doc.save_to_path(TARGET)
    doc.close()
    print(f"wrote {TARGET.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
