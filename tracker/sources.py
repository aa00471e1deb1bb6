"""Turning a minutes file of any supported kind into rows of cells.

The kind is told by content, not by the file name: XLSX and HWPX are zip files,
HWP is an OLE file, anything else must be text (UTF-8, or CP949 as Korean Excel
writes it) holding either tab-separated pasted minutes or CSV.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from tracker.errors import UserError

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
Rows = list[list[str]]


def read_rows(path: Path) -> Rows:
    """The file's content as rows of cell texts; UserError when it cannot be read."""
    try:
        head = path.open("rb").read(8)
    except OSError as exc:
        raise UserError(f"파일을 열 수 없습니다: {path} ({exc.strerror})") from None
    if head.startswith(b"PK"):
        return _read_zip(path)
    if head == OLE_MAGIC:
        return _read_hwp(path)
    return _read_text(path)


def _read_zip(path: Path) -> Rows:
    try:
        names = set(zipfile.ZipFile(path).namelist())
    except zipfile.BadZipFile:
        raise UserError(f"{path.name}: 파일이 손상되어 읽을 수 없습니다 (zip 형식 오류).") from None
    if "xl/workbook.xml" in names:
        return _read_xlsx(path)
    return _read_hwp(path)


def _read_hwp(path: Path) -> Rows:
    from tracker import hwpdoc  # lxml and python-hwpx load only for word-processor files
    from tracker.minutes import has_monitoring_header

    blocks = hwpdoc.read_blocks(path)
    rows = hwpdoc.rows_of(blocks)
    if not has_monitoring_header(rows):
        raise UserError(
            f"{path.name}: 이 문서에서 모니터링 표(사업번호·세부사업명·실무분과 모니터링 의견)를 "
            f"찾지 못했습니다. 찾은 표: {hwpdoc.describe(blocks)}"
        )
    return rows


def _read_xlsx(path: Path) -> Rows:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise UserError(f"{path.name}: 엑셀 파일을 읽을 수 없습니다 ({exc}).") from None
    sheet = book.worksheets[0]
    rows = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def decode(data: bytes, name: str) -> str:
    """The text of `data`: UTF-8 (with or without BOM), else CP949; UserError if neither."""
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UserError(f"{name}: 글자 인코딩을 알 수 없습니다. UTF-8 또는 CP949(한글 엑셀) 파일이어야 합니다.")


def _read_text(path: Path) -> Rows:
    text = decode(path.read_bytes(), path.name)
    if "\x00" in text:
        raise UserError(f"{path.name}: 텍스트 파일이 아닙니다. 지원하는 형식: 붙여넣은 회의록(.txt), CSV, XLSX, HWPX, HWP.")
    if _looks_like_csv(path, text):
        return [list(row) for row in csv.reader(io.StringIO(text))]
    return [line.split("\t") for line in text.splitlines()]


def _looks_like_csv(path: Path, text: str) -> bool:
    if path.suffix.lower() == ".csv":
        return True
    first_lines = text.splitlines()[:50]
    return not any("\t" in line for line in first_lines) and any("," in line for line in first_lines)
