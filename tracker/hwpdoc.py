"""Hancom word-processor files (.hwpx and binary .hwp 5.x) as a :class:`Document`.

The body's paragraphs and tables in reading order, through python-hwpx, whose
``HwpxDocument.open`` reads both formats (an .hwp file is converted to the HWPX model in
memory). A table cell keeps its paragraphs (and the lines of a paragraph broken with
Shift+Enter) apart, a merged cell sits at its top-left position with its spans, and
tables nested in a cell are that cell's ``nested``. Before a grid is built, the table's
declared size and every cell's address and span are checked against
:mod:`tracker.readers.limits`.

Every failure reaches the caller as a :class:`~tracker.errors.UserError` with a Korean
message that names the file; nothing else is raised for a bad file.
"""

from __future__ import annotations

import logging
import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.etree.ElementTree import ParseError

from hwpx import HwpxDocument
from hwpx.errors import Hwp5ConversionWarning, Hwp5Error
from hwpx.hwp5.cfb import CompoundFile
from hwpx.opc.package import HwpxPackageError
from hwpx.oxml import (
    HwpxOxmlParagraph,
    HwpxOxmlTable,
    HwpxOxmlTableCell,
    HwpxTableGridPosition,
)
from lxml import etree

from tracker.document import Block, Cell, Document, Paragraph, Table
from tracker.errors import UserError
from tracker.owpml import cell_lines, grid_from_cells, iter_tables
from tracker.readers.limits import (
    MAX_NESTING,
    GridBudget,
    check_file_size,
    check_package,
    strip_controls,
)

logger = logging.getLogger(__name__)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
HWPX_MIMETYPE = b"application/hwp+zip"

# Bits of the property word in the .hwp FileHeader stream (HWP 5.0 spec, table 2).
_FLAG_PASSWORD = 1 << 1
_FLAG_DISTRIBUTION = 1 << 2
_FLAG_DRM = (1 << 4) | (1 << 8) | (1 << 10)  # DRM, certificate encryption, certificate DRM
_HWP_SIGNATURE = b"HWP Document File"

# What the user is told, by case; {name} is the file's name.
_NOT_HWP5 = "{name}은(는) 읽을 수 있는 HWP 5.0 문서가 아닙니다. 한글에서 HWPX로 저장해 주세요."
_OLD_HWP = "{name}: HWP {major}.x 형식은 읽을 수 없습니다. 한글에서 HWPX로 저장해 주세요."
_DISTRIBUTION = "{name}: 배포용 문서는 읽을 수 없습니다. 한글에서 HWPX로 저장해 주세요."
_PASSWORD = "{name}: 암호가 걸린 문서는 읽을 수 없습니다. 암호를 해제하고 HWPX로 저장해 주세요."
_DRM = "{name}: 보안(DRM)이 걸린 문서는 읽을 수 없습니다. 보안을 해제하고 HWPX로 저장해 주세요."
_DAMAGED = "{name} 파일이 손상되어 읽을 수 없습니다. 한글에서 열어 다시 저장해 주세요."
_FAILED = "{name} 파일을 읽지 못했습니다 ({detail}). 한글에서 HWPX로 다시 저장해 보세요."
_MISSING = "{name} 파일을 찾을 수 없습니다."
_TOO_DEEP = "{name}: 표 안에 표가 너무 깊게 들어 있습니다 (최대 {limit}단계)."
_FOREIGN = "{name}은(는) 한글 문서(.hwp, .hwpx)가 아닙니다."

_DESCRIBE_MAX_TABLES = 10
_DESCRIBE_MAX_HEADERS = 4
_DESCRIBE_MAX_CHARS = 20

# Errors that mean the bytes themselves are broken.
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, etree.XMLSyntaxError, ParseError,
           HwpxPackageError, UnicodeDecodeError)


# --- public API ----------------------------------------------------------------------


def sniff(path: Path) -> str | None:
    """Return "hwpx" for a zip package that is an HWPX document (its ``mimetype`` entry
    says application/hwp+zip, or it has Contents/section0.xml; a damaged zip counts when
    its first entry is that mimetype), "hwp" for any OLE2 compound file, else None.

    Decided by the bytes, never by the file name; an unreadable file is None.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError:
        return None
    if head == OLE2_MAGIC:
        return "hwp"
    if head.startswith(ZIP_MAGIC) and _is_hwpx_zip(path):
        return "hwpx"
    return None


def read_document(path: Path) -> Document:
    """The .hwp/.hwpx file at *path* as a Document (kind "hwp" or "hwpx"), texts raw but
    for C0 control characters.

    Raises UserError (Korean, naming the file) for a missing, foreign, protected
    (password, distribution, DRM), damaged or oversized file, for a table larger than the
    limits, and for any failure of python-hwpx.
    """
    path = Path(path)
    kind = _require_kind(path)
    with _refusals(path):
        check_file_size(path.stat().st_size, path.name)
        if kind == "hwp":
            _check_hwp_header(path)
        else:
            with zipfile.ZipFile(path) as package:
                check_package(package, path.name)
        with warnings.catch_warnings():
            # a report of .hwp content the model cannot hold (drawings, OLE objects …)
            warnings.simplefilter("ignore", Hwp5ConversionWarning)
            document = HwpxDocument.open(path)
        try:
            _log_unconverted(path, document)
            blocks = _Reader(path.name).blocks(document)
        finally:
            document.close()
    return Document(source=path.name, kind=kind, blocks=blocks)


def read_blocks(path: Path) -> list[Block]:
    """The blocks of :func:`read_document`."""
    return read_document(path).blocks


def tables(path: Path) -> list[list[list[str]]]:
    """Every table's grid as normalised text, top-level and nested, in document order
    (a table before the tables nested in it); covered positions are "".
    Raises UserError as :func:`read_document`.
    """
    return [grid_text(table) for table, _depth in iter_tables(read_blocks(path))]


def describe_tables(path: Path) -> str:
    """A one-line Korean list of the tables in the file, for error messages, e.g.
    "표 1 (3×4: 항목, 내용, …); 표 2 (표 안의 표, 1×1: 비고)", or "없음".
    Raises UserError as :func:`read_document`.
    """
    return describe(read_blocks(path))


# --- blocks as text (pure) -----------------------------------------------------------


def clean(text: str) -> str:
    """*text* on one line: every run of white space (tabs, newlines, U+3000, no-break
    spaces) becomes one space, the ends are stripped; a soft hyphen becomes "-"."""
    return " ".join(text.replace("\u00ad", "-").split())


def grid_text(table: Table) -> list[list[str]]:
    """The table's grid as normalised text; covered positions are ""."""
    return [[clean(cell.text) if cell else "" for cell in row] for row in table.grid]


def describe(blocks: list[Block]) -> str:
    """The text of :func:`describe_tables` for blocks already read."""
    found = list(iter_tables(blocks))
    if not found:
        return "없음"
    parts = [_describe_one(n, table, depth) for n, (table, depth) in enumerate(found, 1)]
    shown = parts[:_DESCRIBE_MAX_TABLES]
    if len(parts) > len(shown):
        shown.append(f"외 {len(parts) - len(shown)}개")
    return "; ".join(shown)


def _describe_one(number: int, table: Table, depth: int) -> str:
    nested = "표 안의 표, " if depth else ""
    headers = _header_preview(grid_text(table))
    preview = f": {headers}" if headers else ""
    return f"표 {number} ({nested}{table.n_rows}×{table.n_cols}{preview})"


def _header_preview(grid: list[list[str]]) -> str:
    first = next((row for row in grid if any(row)), [])
    texts = list(dict.fromkeys(text for text in first if text))
    cut = [t if len(t) <= _DESCRIBE_MAX_CHARS else t[:_DESCRIBE_MAX_CHARS] + "…" for t in texts]
    more = ["…"] if len(cut) > _DESCRIBE_MAX_HEADERS else []
    return ", ".join(cut[:_DESCRIBE_MAX_HEADERS] + more)


# --- python-hwpx model to blocks -----------------------------------------------------


def _log_unconverted(path: Path, document: HwpxDocument) -> None:
    """Log what python-hwpx could not carry over from an .hwp file (drawings, OLE …)."""
    report = document.conversion_report
    if report is not None and report.unconverted:
        kinds = ", ".join(f"{kind} ×{count}" for kind, count in sorted(report.unconverted.items()))
        logger.warning("%s: python-hwpx did not convert %s", path.name, kinds)


class _Reader:
    """Turns python-hwpx's model into blocks, numbering tables in document order and
    checking every table's size before its grid is built."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.budget = GridBudget(name)
        self.tables = 0
        self.paragraphs = 0

    def blocks(self, document: HwpxDocument) -> list[Block]:
        return [
            block
            for section in document.sections
            for paragraph in section.paragraphs
            for block in self._paragraph_blocks(paragraph)
        ]

    def _paragraph_blocks(self, paragraph: HwpxOxmlParagraph) -> list[Block]:
        """A body paragraph: its text (unless it only anchors tables), then its tables."""
        self.paragraphs += 1
        where = f"{self.paragraphs}번째 문단"
        text = strip_controls(paragraph.text or "")
        found: list[Block] = [self._table(table, 0) for table in paragraph.tables]
        head: list[Block] = [Paragraph(text, where)] if text.strip() or not found else []
        return head + found

    def _table(self, table: HwpxOxmlTable, depth: int) -> Table:
        if depth > MAX_NESTING:
            raise UserError(_TOO_DEEP.format(name=self.name, limit=MAX_NESTING))
        self.tables += 1
        where = f"표 {self.tables}"
        self.budget.take(table.row_count, table.column_count, where)
        physical = [cell for row in table.rows for cell in row.cells]
        for cell in physical:
            self.budget.check_cell(*cell.address, *cell.span, where)
        try:
            cell_map = table.get_cell_map()
        except (IndexError, ValueError):  # holes or overlaps in the grid: place what is there
            cells = [self._cell(cell, *cell.address, *cell.span, where, depth)
                     for cell in physical]
            placed = grid_from_cells(cells, table.row_count, table.column_count)
            self.budget.take(placed.n_rows, placed.n_cols, where)
            return Table(placed.grid, where)
        grid = [[self._position(position, where, depth) if position.is_anchor else None
                 for position in row] for row in cell_map]
        return Table(grid, where)

    def _position(self, position: HwpxTableGridPosition, where: str, depth: int) -> Cell:
        return self._cell(position.cell, position.row, position.column, position.row_span,
                          position.col_span, where, depth)

    def _cell(self, cell: HwpxOxmlTableCell, row: int, col: int, row_span: int,
              col_span: int, where: str, depth: int) -> Cell:
        return Cell(
            paragraphs=cell_lines(strip_controls(p.text or "") for p in cell.paragraphs),
            row=row,
            col=col,
            row_span=max(1, row_span),
            col_span=max(1, col_span),
            where=f"{where}, {row + 1}행 {col + 1}열",
            nested=[self._table(nested, depth + 1) for nested in cell.tables],
        )


# --- sniffing and refusals -----------------------------------------------------------


def _is_hwpx_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            if "mimetype" in names and package.read("mimetype").strip() == HWPX_MIMETYPE:
                return True
            return "Contents/section0.xml" in names
    except (zipfile.BadZipFile, OSError, zlib.error, EOFError, RuntimeError, ValueError,
            NotImplementedError):
        return _first_entry_is_hwpx_mimetype(path)


def _first_entry_is_hwpx_mimetype(path: Path) -> bool:
    """For a damaged zip: does its first local entry store mimetype = application/hwp+zip?"""
    with open(path, "rb") as handle:
        head = handle.read(30 + 8 + 64 + len(HWPX_MIMETYPE))
    if len(head) < 30:
        return False
    method, = struct.unpack_from("<H", head, 8)
    name_len, extra_len = struct.unpack_from("<HH", head, 26)
    name = head[30:30 + name_len]
    data = head[30 + name_len + extra_len:]
    return method == 0 and name == b"mimetype" and data.startswith(HWPX_MIMETYPE)


def _require_kind(path: Path) -> str:
    if not path.is_file():
        raise UserError(_MISSING.format(name=path.name))
    kind = sniff(path)
    if kind is None:
        raise UserError(_FOREIGN.format(name=path.name))
    return kind


def _check_hwp_header(path: Path) -> None:
    """Refuse a password, distribution or DRM .hwp before converting it."""
    compound = CompoundFile(path.read_bytes())
    header = compound.read("FileHeader") if compound.has_stream("FileHeader") else b""
    if len(header) < 40 or not header.startswith(_HWP_SIGNATURE):
        raise UserError(_NOT_HWP5.format(name=path.name))
    version, flags = struct.unpack_from("<II", header, 32)
    _refuse_flags(path, version >> 24, flags)


def _refuse_flags(path: Path, major: int, flags: int) -> None:
    if major != 5:
        raise UserError(_OLD_HWP.format(name=path.name, major=major))
    for mask, message in ((_FLAG_DISTRIBUTION, _DISTRIBUTION), (_FLAG_PASSWORD, _PASSWORD),
                          (_FLAG_DRM, _DRM)):
        if flags & mask:
            raise UserError(message.format(name=path.name))


@contextmanager
def _refusals(path: Path) -> Iterator[None]:
    """Turn every failure of reading *path* into a UserError naming the file."""
    try:
        yield
    except UserError:
        raise
    except Hwp5Error as exc:
        raise _hwp5_refusal(path, exc) from exc
    except _DAMAGE as exc:
        raise UserError(_DAMAGED.format(name=path.name)) from exc
    except Exception as exc:  # python-hwpx can fail in many ways; the user sees one line
        raise _failed(path, exc) from exc


def _failed(path: Path, exc: Exception) -> UserError:
    detail = clean(f"{type(exc).__name__}: {exc}")[:200]
    return UserError(_FAILED.format(name=path.name, detail=detail))


# python-hwpx's refusal codes for .hwp files (hwpx.hwp5.reader), as a second net
_HWP5_CODES = {
    "hwp5-distribution": _DISTRIBUTION,
    "hwp5-password": _PASSWORD,
    "hwp5-drm": _DRM,
    "hwp5-not-hwp5": _NOT_HWP5,
    "hwp5-version-unsupported": _NOT_HWP5,
    "hwp5-damaged": _DAMAGED,
}


def _hwp5_refusal(path: Path, exc: Hwp5Error) -> UserError:
    message = _HWP5_CODES.get(exc.code)
    return UserError(message.format(name=path.name)) if message else _failed(path, exc)
