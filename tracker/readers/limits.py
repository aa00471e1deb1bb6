"""What a file may claim before any reader builds a grid from it, and the text clean-up
every reader applies on the way in.

A hostile or broken file can declare far more than it holds: a 1.5 KB XLSX merging
``A1:XFD1048576``, an HWPX table with ``rowCnt="200000"``, a zip whose parts inflate to
gigabytes. Every reader checks such claims against the limits below *before* it allocates
anything sized by them, and refuses with one Korean line naming the file. The limits are
far above any council document (the largest real follow-up table seen has ~300 rows and
12 columns) and low enough that reading stays within seconds and a few hundred MB.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

from tracker.errors import UserError

# The file as uploaded (any kind).
MAX_FILE_BYTES = 50 * 1024 * 1024
# Decoded text of a pasted-text or CSV file, and its lines.
MAX_TEXT_CHARS = 2_000_000
MAX_TEXT_LINES = 100_000
# One XML part of a zip package (an HWPX section, an XLSX sheet), once inflated.
MAX_XML_PART_BYTES = 64 * 1024 * 1024
# All parts of a zip package together, once inflated (images included).
MAX_PACKAGE_BYTES = 256 * 1024 * 1024
# Parts in a zip package.
MAX_PACKAGE_PARTS = 10_000
# One table: grid rows, grid columns, and rows × columns.
MAX_TABLE_ROWS = 20_000
MAX_TABLE_COLS = 256
MAX_TABLE_POSITIONS = 400_000
# Every table of a document together (grid positions), nested tables included.
MAX_DOCUMENT_POSITIONS = 1_000_000
# Tables nested in tables.
MAX_NESTING = 8
# PDF pages read.
MAX_PDF_PAGES = 300

# C0 control characters other than TAB, LF and CR (and DEL): removed from every text.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(text: str) -> str:
    """*text* without C0 control characters (TAB, LF and CR are kept)."""
    return _CONTROLS.sub("", text)


def check_file_size(size: int, name: str) -> None:
    """Refuse a file larger than :data:`MAX_FILE_BYTES`."""
    if size > MAX_FILE_BYTES:
        raise UserError(
            f"{name}: 파일이 너무 큽니다 ({_mb(size)}, 최대 {_mb(MAX_FILE_BYTES)}). "
            "회의록 파일이 맞는지 확인해 주세요."
        )


def check_text_size(length: int, name: str) -> None:
    """Refuse a text longer than :data:`MAX_TEXT_CHARS` characters."""
    if length > MAX_TEXT_CHARS:
        raise UserError(
            f"{name}: 텍스트가 너무 깁니다 ({length:,}자, 최대 {MAX_TEXT_CHARS:,}자). "
            "회의록 부분만 올려 주세요."
        )


def check_package(package: zipfile.ZipFile, name: str) -> None:
    """Refuse a zip package whose parts are too many or inflate too far (a zip bomb)."""
    infos = package.infolist()
    if len(infos) > MAX_PACKAGE_PARTS:
        raise UserError(f"{name}: 압축 파일 안의 항목이 너무 많습니다 ({len(infos):,}개).")
    total = 0
    for info in infos:
        total += info.file_size
        if info.filename.endswith(".xml") and info.file_size > MAX_XML_PART_BYTES:
            raise UserError(
                f"{name}: 문서 내용이 너무 큽니다 ({info.filename} {_mb(info.file_size)}, "
                f"최대 {_mb(MAX_XML_PART_BYTES)})."
            )
    if total > MAX_PACKAGE_BYTES:
        raise UserError(
            f"{name}: 압축을 풀면 너무 큽니다 ({_mb(total)}, 최대 {_mb(MAX_PACKAGE_BYTES)})."
        )


@dataclass
class GridBudget:
    """The grid positions a document may still build; one per document read.

    :meth:`take` is called with a table's declared size before its grid is allocated.
    """

    name: str
    left: int = MAX_DOCUMENT_POSITIONS

    def take(self, rows: int, cols: int, where: str = "") -> None:
        """Check a table of *rows* × *cols* against the table and document limits and
        count it; UserError (naming the file and *where*) when it is too large."""
        place = f" {where}" if where else ""
        if rows > MAX_TABLE_ROWS:
            raise UserError(
                f"{self.name}{place}: 표의 행이 너무 많습니다 ({rows:,}행, 최대 {MAX_TABLE_ROWS:,}행)."
            )
        if cols > MAX_TABLE_COLS:
            raise UserError(
                f"{self.name}{place}: 표의 열이 너무 많습니다 ({cols:,}열, 최대 {MAX_TABLE_COLS}열)."
            )
        if rows < 0 or cols < 0:
            raise UserError(f"{self.name}{place}: 표의 크기가 잘못되었습니다 ({rows}×{cols}).")
        positions = rows * cols
        if positions > MAX_TABLE_POSITIONS:
            raise UserError(
                f"{self.name}{place}: 표가 너무 큽니다 ({rows:,}×{cols:,}칸, 최대 {MAX_TABLE_POSITIONS:,}칸)."
            )
        if positions > self.left:
            raise UserError(
                f"{self.name}: 문서의 표가 모두 합쳐 너무 큽니다 (최대 {MAX_DOCUMENT_POSITIONS:,}칸)."
            )
        self.left -= positions

    def check_cell(self, row: int, col: int, row_span: int, col_span: int, where: str = "") -> None:
        """Refuse a cell whose address or span reaches past the table limits."""
        place = f" {where}" if where else ""
        if min(row, col) < 0 or min(row_span, col_span) < 1:
            raise UserError(f"{self.name}{place}: 표 칸의 위치가 잘못되었습니다 ({row}, {col}).")
        if row + row_span > MAX_TABLE_ROWS or col + col_span > MAX_TABLE_COLS:
            raise UserError(
                f"{self.name}{place}: 표 칸이 표의 한계를 넘습니다 "
                f"({row + 1}행 {col + 1}열에서 {row_span}×{col_span}칸, "
                f"최대 {MAX_TABLE_ROWS:,}행 {MAX_TABLE_COLS}열)."
            )


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}MB"
