"""One table description, written as every file kind the importer reads.

A :class:`TableSpec` describes a document the way a secretariat would lay it out: the
paragraphs above the table (the title first), the header rows, the body rows, the
paragraphs below, and where the pages break. Its writers produce the same document as

* ``to_text(style)``: text pasted from a word processor (``style="word"``: a cell's
  paragraphs as separate lines, so a row runs over several lines; at a page break a page
  number ``- 2 -``, the title and the header rows come again) or from a spreadsheet
  (``style="excel"``: cells with line breaks quoted, ``""`` for a quote);
* ``to_csv(encoding)``: CSV bytes (``utf-8``, ``utf-8-sig`` or ``cp949``), the paragraphs
  above as one-field records, merged cells written at their top-left, a blank record
  before the paragraphs below;
* ``to_xlsx(path)``: a workbook with the paragraphs in column A, a blank row, the table
  with its merges (openpyxl) and its cells' line breaks;
* ``to_hwpx(path)``: a Hancom document (python-hwpx) with one paragraph per line above
  and below, one table with its merges, a cell's paragraphs as its own paragraphs;
* ``to_pdf(path)``: an HTML table (rowspan/colspan, borders) printed by headless
  Chromium; returns False when Chromium is not installed.

How to write a table (the same marks as tests/document_factory.py)::

    spec = TableSpec(
        above=["2022년 제2차 보건의료분과 회의", "□ 일 시 : 2022. 5. 18.(수) 15:00"],
        header=[["연번", "사업명", "모니터링 의견", "<"],          # "<": merged with the left
                ["^", "^", "의견", "후속조치"]],                    # "^": merged with the above
        body=[["1", "건강검진", "- 확대 필요\\n- 홍보 강화", ""],   # "\\n" separates paragraphs
              ["2", "방문보건", "- 잘 됨", "완료"]],
        page_breaks=[1],  # a page breaks before body row 1 (text: furniture; others: nothing)
    )
    spec.to_xlsx(tmp_path / "a.xlsx")
    document = read_document(tmp_path / "a.xlsx")
    assert texts_of(only_table(document)) == spec.texts(merges=True)

``texts(merges)`` is what a reader must give back: the grid of cell texts (paragraphs
joined by "\\n"), covered positions None when the format keeps merges (XLSX, HWPX, PDF)
or "" when it does not (text, CSV). ``KEEPS_MERGES`` says which is which.

Limits of the text form (a pasted table is ambiguous where nothing marks a cell's line
breaks): in ``style="word"`` a first-column cell must have one paragraph (the reader
gives such a line to the last cell of the row above), and a paragraph must not look like
page furniture (``- 2 -``) or start with a Roman numeral (read as a group row);
:meth:`TableSpec.text_safe` checks both.
"""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from tracker.document import Document, Table

CHROMIUM = "/usr/bin/chromium"
KEEPS_MERGES = {"text": False, "csv": False, "xlsx": True, "hwpx": True, "pdf": True}
_FURNITURE = re.compile(r"^\s*(?:[-–—]\s*\d+.*[-–—]|\d+\s*/\s*\d+|\(?\s*\d+\s*(?:쪽|페이지)\s*\)?)\s*$")
_GROUP = re.compile(r"^\s*(?:[Ⅰ-Ⅻ]|[IVX]{1,5}\s*[.)])")

Merge = tuple[int, int, int, int]  # first row, first column, last row, last column


@dataclass
class TableSpec:
    """A document holding one table; see the module docstring for the marks."""

    header: list[list[str]]
    body: list[list[str]]
    above: list[str] = field(default_factory=list)
    below: list[str] = field(default_factory=list)
    page_breaks: list[int] = field(default_factory=list)  # body rows a new page starts at

    # --- the table as data ----------------------------------------------------------

    @property
    def rows(self) -> list[list[str]]:
        """Header and body rows, each padded to the table's width with ""."""
        raw = self.header + self.body
        width = max(len(row) for row in raw)
        return [row + [""] * (width - len(row)) for row in raw]

    @property
    def width(self) -> int:
        """The number of columns."""
        return len(self.rows[0])

    def merges(self) -> list[Merge]:
        """Every merged range (first row, first column, last row, last column)."""
        rows = self.rows
        owner: dict[tuple[int, int], tuple[int, int]] = {}
        extent: dict[tuple[int, int], tuple[int, int]] = {}
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                if text == "<":
                    owner[(r, c)] = owner[(r, c - 1)]
                elif text == "^":
                    owner[(r, c)] = owner[(r - 1, c)]
                else:
                    owner[(r, c)] = (r, c)
                top = owner[(r, c)]
                last = extent.get(top, top)
                extent[top] = (max(last[0], r), max(last[1], c))
        return [(r, c, er, ec) for (r, c), (er, ec) in sorted(extent.items()) if (er, ec) != (r, c)]

    def paragraphs(self, r: int, c: int) -> list[str]:
        """The paragraphs of the cell at (r, c), [] for a covered or empty one."""
        text = self.rows[r][c]
        return [] if text in ("<", "^") else [" ".join(p.split()) for p in text.split("\n") if p.strip()]

    def covered(self) -> set[tuple[int, int]]:
        """Positions covered by a merged cell (not its top-left)."""
        return {(r, c) for r0, c0, r1, c1 in self.merges()
                for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0)}

    def texts(self, merges: bool) -> list[list[str | None]]:
        """The grid a reader must give back: cell texts (paragraphs joined by "\\n"),
        covered positions None when *merges* (the format keeps them), else ""."""
        covered = self.covered()
        return [[(None if merges else "") if (r, c) in covered
                 else "\n".join(self.paragraphs(r, c)) for c in range(self.width)]
                for r in range(len(self.rows))]

    def text_safe(self) -> bool:
        """Can ``to_text(style="word")`` write this table unambiguously? A first-column
        cell has one paragraph at most; no paragraph looks like page furniture or a group
        row; the last cell of the table has one paragraph, or all of its paragraphs start
        with the same list marker (else its lines read as paragraphs below the table)."""
        rows = self.rows
        first_column_single = all(len(self.paragraphs(r, 0)) <= 1 for r in range(len(rows)))
        plain = all(not _FURNITURE.match(p) and not _GROUP.match(p) and "\t" not in p
                    for r in range(len(rows)) for c in range(self.width)
                    for p in self.paragraphs(r, c))
        last = self.paragraphs(len(rows) - 1, self.width - 1)
        last_ok = len(last) <= 1 or len({p[0] for p in last}) == 1 and last[0][0] in "-•○※"
        return first_column_single and plain and last_ok

    # --- writers --------------------------------------------------------------------

    def to_text(self, style: str = "word") -> str:
        """The document as pasted text (see the module docstring)."""
        lines = list(self.above)
        header_count = len(self.header)
        pages = 1
        for r in range(len(self.rows)):
            body = r - header_count
            if body >= 0 and body in self.page_breaks and body > 0:
                pages += 1
                lines += [f"- {pages} -", ""]
                lines += self.above[:1]
                lines += [self._text_row(h, style) for h in range(header_count)]
            lines.append(self._text_row(r, style))
        if self.below:
            lines.append("")
            lines += self.below
        return "\n".join(lines) + "\n"

    def _text_row(self, r: int, style: str) -> str:
        cells = []
        for c in range(self.width):
            paragraphs = self.paragraphs(r, c)
            text = "\n".join(paragraphs)
            if style == "excel" and (len(paragraphs) > 1 or text.startswith('"')):
                text = '"' + text.replace('"', '""') + '"'
            cells.append(text)
        return "\t".join(cells)

    def to_csv(self, encoding: str = "utf-8") -> bytes:
        """The document as CSV bytes in *encoding*."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for paragraph in self.above:
            writer.writerow([paragraph])
        for r in range(len(self.rows)):
            writer.writerow(["\n".join(self.paragraphs(r, c)) for c in range(self.width)])
        if self.below:
            writer.writerow([])
        for paragraph in self.below:
            writer.writerow([paragraph])
        return buffer.getvalue().encode(encoding)

    def to_xlsx(self, path: Path) -> Path:
        """Write the document as a workbook at *path*."""
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for paragraph in self.above:
            sheet.append([paragraph])
        top = len(self.above) + 2 if self.above else 1
        for r in range(len(self.rows)):
            for c in range(self.width):
                text = "\n".join(self.paragraphs(r, c))
                if text:
                    sheet.cell(row=top + r, column=c + 1, value=text)
        for r0, c0, r1, c1 in self.merges():
            sheet.merge_cells(start_row=top + r0, start_column=c0 + 1, end_row=top + r1,
                              end_column=c1 + 1)
        bottom = top + len(self.rows) + 1
        for offset, paragraph in enumerate(self.below):
            sheet.cell(row=bottom + offset, column=1, value=paragraph)
        book.save(path)
        return path

    def to_hwpx(self, path: Path) -> Path:
        """Write the document as an HWPX file at *path* (python-hwpx)."""
        from hwpx import HwpxDocument

        doc = HwpxDocument.new()
        first, *rest = self.above or [""]
        doc.paragraphs[0].text = first
        for paragraph in rest:
            doc.add_paragraph(paragraph)
        table = doc.add_table(len(self.rows), self.width)
        table.set_treat_as_char(False)
        for merge in self.merges():
            table.merge_cells(*merge)
        covered = self.covered()
        for r in range(len(self.rows)):
            for c in range(self.width):
                paragraphs = self.paragraphs(r, c)
                if (r, c) not in covered and paragraphs:
                    table.set_cell_text(r, c, "\n".join(paragraphs), split_paragraphs=True)
        for paragraph in self.below or [""]:
            doc.add_paragraph(paragraph)
        doc.save_to_path(path)
        doc.close()
        return path

    def to_html(self) -> str:
        """The document as an HTML page: one bordered table, its header rows in
        ``<thead>`` (Chromium repeats them on every page), a page break before each body
        row of ``page_breaks``, words kept whole as Hancom wraps Korean."""
        covered = self.covered()
        spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in self.merges()}
        parts = ['<!doctype html><html lang="ko"><meta charset="utf-8"><style>'
                 "body{font-family:'Noto Sans CJK KR',sans-serif;font-size:10pt;"
                 "word-break:keep-all}table{border-collapse:collapse;width:100%}"
                 "td{border:1px solid #000;padding:3px 5px;vertical-align:top}"
                 "p{margin:0 0 4px}tr{break-inside:avoid}</style><body>"]
        parts += [f"<p>{html.escape(p)}</p>" for p in self.above]
        parts.append("<table><thead>")
        for r in range(len(self.rows)):
            if r == len(self.header):
                parts.append("</thead><tbody>")
            page_break = r - len(self.header) in self.page_breaks and r > len(self.header)
            parts.append('<tr style="break-before:page">' if page_break else "<tr>")
            for c in range(self.width):
                if (r, c) in covered:
                    continue
                rows, cols = spans.get((r, c), (1, 1))
                body = "<br>".join(html.escape(p) for p in self.paragraphs(r, c))
                parts.append(f'<td rowspan="{rows}" colspan="{cols}">{body}</td>')
            parts.append("</tr>")
        parts.append("</tbody></table>")
        parts += [f"<p>{html.escape(p)}</p>" for p in self.below]
        return "".join(parts) + "</body></html>"

    def to_pdf(self, path: Path) -> bool:
        """Print the HTML form to a PDF at *path* with headless Chromium; False (nothing
        written) when Chromium is not installed."""
        if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
            return False
        with tempfile.TemporaryDirectory() as folder:
            page = Path(folder) / "table.html"
            page.write_text(self.to_html(), encoding="utf-8")
            subprocess.run(
                [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                 f"--user-data-dir={folder}/profile", f"--print-to-pdf={path}", page.as_uri()],
                check=True, capture_output=True, timeout=120,
            )
        return True

    def write(self, kind: str, folder: Path, stem: str = "table") -> Path | None:
        """Write the document as *kind* ("text", "excel-text", "csv", "csv-cp949", "xlsx",
        "hwpx", "pdf") in *folder*; the path, or None when the kind cannot be made here."""
        if kind in ("text", "excel-text"):
            path = folder / f"{stem}-{kind}.txt"
            path.write_text(self.to_text("excel" if kind == "excel-text" else "word"),
                            encoding="utf-8")
        elif kind.startswith("csv"):
            path = folder / f"{stem}-{kind}.csv"
            path.write_bytes(self.to_csv("cp949" if kind == "csv-cp949" else "utf-8-sig"))
        elif kind == "xlsx":
            path = self.to_xlsx(folder / f"{stem}.xlsx")
        elif kind == "hwpx":
            path = self.to_hwpx(folder / f"{stem}.hwpx")
        elif kind == "pdf":
            path = folder / f"{stem}.pdf"
            if not self.to_pdf(path):
                return None
        else:
            raise ValueError(kind)
        return path


# --- random tables (hypothesis) ---------------------------------------------------------

WORDS = ["건강", "검진", "방문", "보건", "확대", "필요", "의견", "완료", "추진중", "2022년",
         "예산", "홍보", "강화", "주거", "지원", "일자리", "정책과", "1-1", "3-1-2", "(가)",
         "사업", "기간", "2022 - 2023", "연장", "검토", "요망", "ABC", "5건", "○", "～"]


def specs(max_width: int = 5, max_body: int = 5) -> st.SearchStrategy[TableSpec]:
    """Random documents the builder can write in every format: a title and maybe a line
    above, a one- or two-row header (a two-row header has its first column merged down
    and maybe a label over two columns), body rows numbered in the first column, cells of
    zero to three paragraphs (some bulleted), maybe a vertical and a horizontal merge in
    the body, maybe page breaks and a line below."""
    return st.builds(_build_spec, st.data(), st.integers(2, max_width), st.integers(1, max_body))


def _build_spec(data: st.DataObject, width: int, n_body: int) -> TableSpec:
    draw = data.draw
    paragraph = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)
    bullet = st.tuples(st.sampled_from(["", "- ", "○ "]), paragraph).map("".join)
    cell = st.lists(bullet, max_size=3).map("\n".join)
    label = st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(" ".join)
    header = [[draw(label) for _ in range(width)]]
    if draw(st.booleans()):
        second = ["^"] + [draw(label) for _ in range(width - 1)]
        if width >= 3 and draw(st.booleans()):
            header[0][2] = "<"  # a label over columns 1 and 2
        header.append(second)
    body = [[str(n + 1)] + [draw(cell) for _ in range(width - 1)] for n in range(n_body)]
    merge = draw(st.sampled_from(["none", "down", "across"]))
    if merge == "down" and n_body >= 2:
        r = draw(st.integers(0, n_body - 2))
        body[r + 1][draw(st.integers(1, width - 1))] = "^"
    elif merge == "across" and width >= 3:
        body[draw(st.integers(0, n_body - 1))][2] = "<"
    above = ["2022년 제1차 분과 회의"] + (["□ 일 시 : 2022. 5. 18.(수) 15:00"]
                                          if draw(st.booleans()) else [])
    breaks = sorted(set(draw(st.lists(st.integers(1, max(1, n_body - 1)), max_size=2))))
    below = ["붙임 자료 별도"] if draw(st.booleans()) else []
    return TableSpec(header, body, above, below, [b for b in breaks if b < n_body])


def grid_texts(table: Table) -> list[list[str | None]]:
    """A table read back, in the form of :meth:`TableSpec.texts`: cell texts (paragraphs
    joined by "\\n", white space inside a paragraph made single spaces), None if covered."""
    return [[None if cell is None else "\n".join(" ".join(p.split()) for p in cell.paragraphs
                                                 if p.strip())
             for cell in row] for row in table.grid]


def only_table(document: Document) -> Table:
    """The document's one table (AssertionError when there is not exactly one)."""
    tables = list(document.tables())
    assert len(tables) == 1, f"{len(tables)} tables in {document.source}"
    return tables[0]
