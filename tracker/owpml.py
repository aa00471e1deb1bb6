"""A small reader of our own for HWPX (OWPML) packages: zipfile + lxml.

It is the test oracle for :mod:`tracker.hwpdoc` (which reads through python-hwpx); both
return the blocks of :mod:`tracker.document`. A table is a full grid: a merged cell sits
at its top-left position and every position it covers holds ``None``. A cell's
paragraphs are its ``hp:p`` split at line breaks, blank ones left out.

What is read: the body paragraphs of every section (``hs:sec/hp:p``), in the order of the
package's spine; a paragraph's text is the text of its runs (``hp:run/hp:t``, with tabs,
line breaks and special spaces as white space); tables are the ``hp:tbl`` of a paragraph's
runs, nested tables the ``hp:tbl`` of a cell's paragraphs. Text in text boxes, headers,
footers and footnotes is not read.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from lxml import etree

from tracker.document import Block, Cell, Paragraph, Table

HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
_OPF = "{http://www.idpf.org/2007/opf/}"
_OCF = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_PACKAGE_MEDIA_TYPE = "application/hwpml-package+xml"
_DEFAULT_HPF = "Contents/content.hpf"
_SECTION_NAME = re.compile(r"(?:^|/)section(\d+)\.xml$")

# What an inline element inside hp:t stands for.
_INLINE_TEXT = {
    "tab": "\t",
    "lineBreak": "\n",
    "nbSpace": "\u00a0",
    "fwSpace": "\u3000",
    "hyphen": "-",
}




def grid_from_cells(cells: list[Cell], n_rows: int, n_cols: int) -> Table:
    """Place *cells* on an ``n_rows × n_cols`` grid (grown to fit every span).

    Positions no cell starts at, covered or not, hold None. Merged cells are placed first;
    a cell that starts at a position another cell already covers is dropped (Hancom
    leaves such empty zero-size placeholders in some files).
    """
    n_rows = max([n_rows, *(c.row + c.row_span for c in cells)])
    n_cols = max([n_cols, *(c.col + c.col_span for c in cells)])
    grid: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
    taken: set[tuple[int, int]] = set()
    for cell in sorted(cells, key=lambda c: c.row_span * c.col_span == 1):
        if (cell.row, cell.col) in taken:
            continue
        grid[cell.row][cell.col] = cell
        taken.update(
            (r, c)
            for r in range(cell.row, cell.row + cell.row_span)
            for c in range(cell.col, cell.col + cell.col_span)
        )
    return Table(grid)


def iter_tables(blocks: list[Block]) -> Iterator[tuple[Table, int]]:
    """Every table with its nesting depth (0 = in the body), in document order.

    A table comes before the tables nested in its cells.
    """
    for block in blocks:
        if isinstance(block, Table):
            yield from _walk_table(block, 0)


def _walk_table(table: Table, depth: int) -> Iterator[tuple[Table, int]]:
    yield table, depth
    for cell in table.cells():
        for nested in cell.nested:
            yield from _walk_table(nested, depth + 1)


# --- reading the package -------------------------------------------------------------


def read_blocks(source: Path | bytes) -> list[Block]:
    """The body of the HWPX package *source* (a path or the file's bytes) as blocks.

    Raises zipfile.BadZipFile, KeyError or lxml's XMLSyntaxError for a broken package;
    this is a test oracle, not a reader for users' files.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        blocks: list[Block] = []
        for name in section_names(package):
            root = etree.fromstring(package.read(name))
            for paragraph in root.iterchildren(f"{HP}p"):
                blocks.extend(_paragraph_blocks(paragraph))
        return blocks


def section_names(package: zipfile.ZipFile) -> list[str]:
    """The section parts in reading order: the spine of content.hpf when there is one,
    else every ``Contents/section<N>.xml`` by N."""
    names = set(package.namelist())
    hpf = _hpf_name(package, names)
    if hpf is not None:
        ordered = _spine_sections(package, hpf, names)
        if ordered:
            return ordered
    found = [(m, n) for n in names if (m := _SECTION_NAME.search(n)) and n.startswith("Contents/")]
    return [name for match, name in sorted(found, key=lambda item: int(item[0].group(1)))]


def _hpf_name(package: zipfile.ZipFile, names: set[str]) -> str | None:
    if "META-INF/container.xml" in names:
        container = etree.fromstring(package.read("META-INF/container.xml"))
        for rootfile in container.iter(f"{_OCF}rootfile"):
            if rootfile.get("media-type") == _PACKAGE_MEDIA_TYPE:
                path = str(rootfile.get("full-path", ""))
                if path in names:
                    return path
    return _DEFAULT_HPF if _DEFAULT_HPF in names else None


def _spine_sections(package: zipfile.ZipFile, hpf: str, names: set[str]) -> list[str]:
    root = etree.fromstring(package.read(hpf))
    hrefs = {item.get("id"): item.get("href", "") for item in root.iter(f"{_OPF}item")}
    folder = PurePosixPath(hpf).parent
    ordered: list[str] = []
    for itemref in root.iter(f"{_OPF}itemref"):
        href = hrefs.get(itemref.get("idref"), "")
        if not _SECTION_NAME.search(href):
            continue
        for candidate in (href, str(folder / href)):
            if candidate in names:
                ordered.append(candidate)
                break
    return ordered


# --- paragraphs, tables, cells ---------------------------------------------------------


def _paragraph_blocks(paragraph: etree._Element) -> list[Block]:
    """A body paragraph: its text (unless it only anchors tables), then its tables."""
    tables = [_table(tbl) for tbl in _run_tables(paragraph)]
    text = paragraph_text(paragraph)
    head: list[Block] = [Paragraph(text)] if text.strip() or not tables else []
    return head + list(tables)


def _run_tables(paragraph: etree._Element) -> list[etree._Element]:
    runs = paragraph.iterchildren(f"{HP}run")
    return [tbl for run in runs for tbl in run.iterchildren(f"{HP}tbl")]


def paragraph_text(paragraph: etree._Element) -> str:
    """The text of an ``hp:p``: its runs' ``hp:t`` (inline tabs, breaks, spaces as text)."""
    parts: list[str] = []
    for run in paragraph.iterchildren(f"{HP}run"):
        for child in run:
            name = etree.QName(child).localname
            if name == "t":
                parts.append(_t_text(child))
            elif name == "tab":
                parts.append("\t")
    return "".join(parts)


def _t_text(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str):  # comment or processing instruction
            parts.append(child.tail or "")
            continue
        name = etree.QName(child).localname
        parts.append(_INLINE_TEXT.get(name, "".join(child.itertext())))
        parts.append(child.tail or "")
    return "".join(parts)


def _table(tbl: etree._Element) -> Table:
    cells = [_cell(tc) for tr in tbl.iterchildren(f"{HP}tr") for tc in tr.iterchildren(f"{HP}tc")]
    return grid_from_cells(cells, _int(tbl.get("rowCnt"), 0), _int(tbl.get("colCnt"), 0))


def _cell(tc: etree._Element) -> Cell:
    addr = tc.find(f"{HP}cellAddr")
    span = tc.find(f"{HP}cellSpan")
    paragraphs = [p for sub in tc.iterchildren(f"{HP}subList") for p in sub.iterchildren(f"{HP}p")]
    return Cell(
        paragraphs=cell_lines(paragraph_text(p) for p in paragraphs),
        row=_int(None if addr is None else addr.get("rowAddr"), 0),
        col=_int(None if addr is None else addr.get("colAddr"), 0),
        row_span=max(1, _int(None if span is None else span.get("rowSpan"), 1)),
        col_span=max(1, _int(None if span is None else span.get("colSpan"), 1)),
        nested=[_table(tbl) for p in paragraphs for tbl in _run_tables(p)],
    )


def cell_lines(texts: Iterable[str]) -> list[str]:
    """A cell's paragraphs as lines: each text split at its line breaks, blank lines out."""
    return [line for text in texts for line in text.split("\n") if line.strip()]


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
