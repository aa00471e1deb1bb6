"""PDF files with a text layer as a Document (pdfplumber).

Ruled tables are found by their lines (``find_tables``); a table's rows and columns are
the distinct edges of its cells' boxes, so a merged cell keeps its spans. A cell's text
is the words whose middle lies in its box, in lines; a line that ends where the next
line's first word could not have fitted is a wrapped line and is joined to it with a
space, any other line break starts a new paragraph (a new bullet). Text outside tables
gives one paragraph per line, joined the same way.

A table that goes on over a page break is one table: the next page's first table with
the same column edges continues it, and a repeat of its header rows is dropped with a
warning. Page numbers (``- 2 -``, ``2 / 5``) outside tables are dropped with a warning.

A PDF without any text (scanned pages) is refused: we read characters, not images.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.document import Block, Cell, Document, Notice, Paragraph, Table
from tracker.errors import UserError
from tracker.readers.limits import MAX_PDF_PAGES, GridBudget, strip_controls
from tracker.readers.text import PAGE_NUMBER

_SCANNED = ("{name}: 스캔한 PDF로 보입니다(글자 정보가 없음). 한글이나 엑셀 원본, "
            "또는 글자를 선택할 수 있는 PDF를 올려 주세요.")
_PASSWORD = "{name}: 암호가 걸린 PDF는 읽을 수 없습니다. 암호를 해제해 저장하거나 한글·엑셀 원본을 올려 주세요."
_DAMAGED = "{name}: PDF 파일이 손상되어 읽을 수 없습니다. 한글이나 엑셀 원본을 올려 주세요."
_TOO_MANY_PAGES = "{name}: PDF의 쪽이 너무 많습니다 ({pages}쪽, 최대 {limit}쪽). 회의록 부분만 올려 주세요."

_EDGE_TOLERANCE = 1.5  # points: cell edges closer than this are the same grid line
_LINE_TOLERANCE = 3.0  # points: words whose tops differ less are on one line

Box = tuple[float, float, float, float]  # x0, top, x1, bottom
Word = dict[str, Any]


@dataclass
class _Line:
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(str(w["text"]) for w in self.words)

    @property
    def x0(self) -> float:
        return float(self.words[0]["x0"])

    @property
    def x1(self) -> float:
        return float(self.words[-1]["x1"])

    @property
    def top(self) -> float:
        return float(self.words[0]["top"])

    @property
    def first_word_width(self) -> float:
        return float(self.words[0]["x1"]) - float(self.words[0]["x0"])

    @property
    def size(self) -> float:
        return float(self.words[0].get("bottom", 0)) - float(self.words[0]["top"]) or 10.0


@dataclass
class _PageTable:
    page: int
    top: float
    table: Table
    columns: list[float]  # the column edges, for telling a continued table


@dataclass
class _Reader:
    name: str
    budget: GridBudget
    warnings: list[Notice] = field(default_factory=list)
    tables: int = 0


def read_pdf(path: Path) -> Document:
    """The PDF at *path* as a Document (kind "pdf"); UserError for a PDF without text, a
    password-protected or damaged one, or one with too many pages."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font notes on every page
    name = path.name
    reader = _Reader(name, GridBudget(name))
    try:
        with pdfplumber.open(path) as pdf:
            if len(pdf.pages) > MAX_PDF_PAGES:
                raise UserError(_TOO_MANY_PAGES.format(name=name, pages=len(pdf.pages),
                                                       limit=MAX_PDF_PAGES))
            if not any(page.chars for page in pdf.pages):
                raise UserError(_SCANNED.format(name=name))
            placed = [block for number, page in enumerate(pdf.pages, start=1)
                      for block in _page_blocks(reader, page, number)]
    except UserError:
        raise
    except PDFPasswordIncorrect:
        raise UserError(_PASSWORD.format(name=name)) from None
    except (PDFSyntaxError, ValueError, KeyError, TypeError, OSError) as exc:
        logging.getLogger(__name__).info("%s: %s", name, exc)
        raise UserError(_DAMAGED.format(name=name)) from None
    except Exception as exc:  # pdfminer raises many kinds on broken files
        if "password" in str(exc).lower() or "encrypt" in type(exc).__name__.lower():
            raise UserError(_PASSWORD.format(name=name)) from None
        raise UserError(_DAMAGED.format(name=name)) from None
    blocks = _join_continued_tables(reader, placed)
    return Document(source=name, kind="pdf", blocks=blocks, warnings=reader.warnings)


# --- one page ---------------------------------------------------------------------------


def _page_blocks(reader: _Reader, page: Any, number: int) -> list[Block | _PageTable]:
    words: list[Word] = page.extract_words(keep_blank_chars=False, use_text_flow=False)
    found = page.find_tables()
    boxes = [tuple(t.bbox) for t in found]
    placed: list[tuple[float, Block | _PageTable]] = []
    for table in found:
        page_table = _table(reader, table, words, number)
        if page_table is not None:
            placed.append((page_table.top, page_table))
    outside = [w for w in words if not any(_inside(w, box) for box in boxes)]
    lines = _lines(outside)
    # the text area's right edge, taking the margins as equal (as word processors do)
    right = float(page.width) - min((line.x0 for line in lines), default=0.0)
    for top, text in _paragraphs(lines, right):
        if PAGE_NUMBER.match(text):
            reader.warnings.append(Notice(f"{number}쪽", f"쪽 번호 '{text}'를 뺐습니다."))
            continue
        placed.append((top, Paragraph(strip_controls(text), f"{number}쪽")))
    placed.sort(key=lambda item: item[0])
    return [block for _top, block in placed]


def _inside(word: Word, box: tuple[float, ...]) -> bool:
    x = (float(word["x0"]) + float(word["x1"])) / 2
    y = (float(word["top"]) + float(word["bottom"])) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _lines(words: list[Word]) -> list[_Line]:
    """Words grouped into lines, top to bottom, left to right."""
    lines: list[_Line] = []
    for word in sorted(words, key=lambda w: (float(w["top"]), float(w["x0"]))):
        if lines and abs(float(word["top"]) - lines[-1].top) < _LINE_TOLERANCE:
            lines[-1].words.append(word)
        else:
            lines.append(_Line([word]))
    for line in lines:
        line.words.sort(key=lambda w: float(w["x0"]))
    return lines


def _paragraphs(lines: list[_Line], right: float) -> list[tuple[float, str]]:
    """Lines joined where the text only wrapped: a line is wrapped when the next line's
    first word would not have fitted before *right* (the inner right edge)."""
    paragraphs: list[tuple[float, str]] = []
    wrapped = False
    for index, line in enumerate(lines):
        if wrapped and paragraphs:
            top, text = paragraphs[-1]
            paragraphs[-1] = (top, f"{text} {line.text}")
        else:
            paragraphs.append((line.top, line.text))
        following = lines[index + 1] if index + 1 < len(lines) else None
        wrapped = following is not None and (
            line.x1 + line.size * 0.3 + following.first_word_width > right + 0.5)
    return paragraphs


def _table(reader: _Reader, found: Any, words: list[Word], number: int) -> _PageTable | None:
    boxes: list[Box] = [tuple(cell) for cell in found.cells]
    if not boxes:
        return None
    rows = _edges([b[1] for b in boxes] + [b[3] for b in boxes])
    cols = _edges([b[0] for b in boxes] + [b[2] for b in boxes])
    reader.tables += 1
    where = f"{number}쪽 표 {reader.tables}"
    reader.budget.take(len(rows) - 1, len(cols) - 1, where)
    grid: list[list[Cell | None]] = [[None] * (len(cols) - 1) for _ in range(len(rows) - 1)]
    taken: set[tuple[int, int]] = set()
    for box in sorted(boxes, key=lambda b: (b[1], b[0])):
        r, r_end = _index(rows, box[1]), _index(rows, box[3])
        c, c_end = _index(cols, box[0]), _index(cols, box[2])
        if (r, c) in taken or r_end <= r or c_end <= c:
            continue
        taken.update((i, j) for i in range(r, r_end) for j in range(c, c_end))
        inside = [w for w in words if _inside(w, box)]
        lines = _lines(inside)
        pad = (lines[0].x0 - box[0]) if lines else 0.0
        paragraphs = [strip_controls(text) for _top, text in _paragraphs(lines, box[2] - pad)]
        grid[r][c] = Cell(paragraphs, r, c, r_end - r, c_end - c,
                          where=f"{where}, {r + 1}행 {c + 1}열")
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is None and (r, c) not in taken:
                row[c] = Cell([], r, c, where=f"{where}, {r + 1}행 {c + 1}열")
    return _PageTable(number, float(found.bbox[1]), Table(grid, where), cols)


def _edges(values: list[float]) -> list[float]:
    """Distinct grid lines: values closer than the tolerance are one line."""
    edges: list[float] = []
    for value in sorted(values):
        if not edges or value - edges[-1] > _EDGE_TOLERANCE:
            edges.append(value)
    return edges


def _index(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


# --- across pages -------------------------------------------------------------------------


def _join_continued_tables(reader: _Reader, placed: list[Block | _PageTable]) -> list[Block]:
    """One table for a table that goes on over a page break: a page's first block that is
    a table with the same column edges as the table ending the page before continues it
    (a repeat of its header rows dropped with a warning)."""
    blocks: list[Block] = []
    last: _PageTable | None = None
    for item in placed:
        if isinstance(item, _PageTable):
            if (last is not None and blocks and blocks[-1] is last.table
                    and item.page == last.page + 1 and _same_columns(last.columns, item.columns)):
                _append_rows(reader, last.table, item.table)
                last = _PageTable(item.page, item.top, last.table, item.columns)
                continue
            blocks.append(item.table)
            last = item
        else:
            blocks.append(item)
    return blocks


def _same_columns(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= _EDGE_TOLERANCE * 2 for x, y in zip(a, b, strict=True))


def _append_rows(reader: _Reader, table: Table, more: Table) -> None:
    rows = more.grid
    header = [_row_key(row) for row in table.grid[:3]]
    skip = 0
    while skip < len(rows) and skip < len(header) and _row_key(rows[skip]) == header[skip] \
            and any(header[skip]):
        skip += 1
    if skip:
        first = next((cell for cell in rows[0] if cell), None)
        reader.warnings.append(Notice(first.where if first else more.where,
                                      f"쪽이 바뀌며 되풀이된 표 머리글 {skip}행을 뺐습니다."))
    offset = table.n_rows - skip
    for row in rows[skip:]:
        for cell in row:
            if cell is not None:
                cell.row += offset
        table.grid.append(row)


def _row_key(row: list[Cell | None]) -> tuple[str, ...]:
    return tuple("".join(cell.text.split()) if cell else "" for cell in row)
