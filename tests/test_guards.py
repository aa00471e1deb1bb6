"""Hostile and oversized files are refused before any grid is built, in one Korean line.

Each file is built here. How long each refusal takes and how much memory it needs is
measured by tests/bench/bench_hostile.py (BENCHMARKS.md), not asserted here.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import DATA
from tracker.document import Paragraph
from tracker.errors import UserError
from tracker.readers import read_document
from tracker.readers.limits import (
    MAX_TABLE_COLS,
    MAX_TABLE_ROWS,
    MAX_TEXT_CHARS,
    MAX_TEXT_LINES,
    MAX_XML_PART_BYTES,
    strip_controls,
)

MINUTES_HWPX = DATA / "2022-01-15-jobs-subcommittee-minutes.hwpx"


def small_xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["연번", "사업명"])
    sheet.append([1, "건강검진"])
    book.save(path)
    return path


def rewrite_part(source: Path, target: Path, part: str, change: object) -> Path:
    """A copy of the zip *source* with *part* passed through ``change(text) -> text``."""
    assert callable(change)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == part:
                data = change(data.decode("utf-8")).encode("utf-8")
            new.writestr(info, data)
    return target


def sheet_xml(text: str, *, merge: str | None = None, cell: str | None = None) -> str:
    if cell:
        text = text.replace("</sheetData>", f'<row r="{cell[1]}"><c r="{cell[0]}{cell[1]}" t="inlineStr">'
                            "<is><t>x</t></is></c></row></sheetData>")
    if merge:
        text = text.replace("</sheetData>", f'</sheetData><mergeCells count="1"><mergeCell ref="{merge}"/>'
                            "</mergeCells>")
    return text


# --- spreadsheets ----------------------------------------------------------------------


def test_xlsx_merging_the_whole_sheet_is_refused(tmp_path: Path) -> None:
    path = rewrite_part(small_xlsx(tmp_path / "a.xlsx"), tmp_path / "폭탄.xlsx",
                        "xl/worksheets/sheet1.xml", lambda t: sheet_xml(t, merge="A1:XFD1048576"))
    assert path.stat().st_size < 10_000
    with pytest.raises(UserError, match=r"^폭탄.xlsx 병합 범위 A1:XFD1048576: 표 칸이 표의 한계를 넘습니다"):
        read_document(path)


def test_xlsx_cell_at_the_last_address_is_refused(tmp_path: Path) -> None:
    path = rewrite_part(small_xlsx(tmp_path / "a.xlsx"), tmp_path / "먼칸.xlsx",
                        "xl/worksheets/sheet1.xml", lambda t: sheet_xml(t, cell=("XFD", "1048576")))
    with pytest.raises(UserError, match=r"^먼칸.xlsx 1048576행 16384열: 표 칸이 표의 한계를 넘습니다"):
        read_document(path)


def test_xlsx_declared_dimension_is_not_trusted(tmp_path: Path) -> None:
    path = rewrite_part(small_xlsx(tmp_path / "a.xlsx"), tmp_path / "치수.xlsx",
                        "xl/worksheets/sheet1.xml",
                        lambda t: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', t))
    table = next(read_document(path).tables())
    assert (table.n_rows, table.n_cols) == (2, 2)


def test_csv_with_too_many_rows_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "긴표.csv"
    path.write_text("연번,사업명\n" + "".join(f"{n},사업\n" for n in range(MAX_TABLE_ROWS + 10)),
                    encoding="utf-8")
    with pytest.raises(UserError, match="^긴표.csv .*표 칸이 표의 한계를 넘습니다"):
        read_document(path)


# --- word-processor files ----------------------------------------------------------------


def test_hwpx_table_declaring_200000_rows_is_refused(tmp_path: Path) -> None:
    path = rewrite_part(MINUTES_HWPX, tmp_path / "행폭탄.hwpx", "Contents/section0.xml",
                        lambda t: re.sub(r'rowCnt="\d+"', 'rowCnt="200000"', t, count=1))
    with pytest.raises(UserError, match=r"^행폭탄.hwpx 표 1: 표의 행이 너무 많습니다 \(200,000행, 최대 20,000행\)"):
        read_document(path)


def test_hwpx_cell_spanning_past_the_limits_is_refused(tmp_path: Path) -> None:
    path = rewrite_part(MINUTES_HWPX, tmp_path / "병합.hwpx", "Contents/section0.xml",
                        lambda t: re.sub(r'colSpan="\d+"', 'colSpan="100000"', t, count=1))
    with pytest.raises(UserError, match=r"^병합.hwpx 표 1: 표 칸이 표의 한계를 넘습니다"):
        read_document(path)


def test_hwpx_part_inflating_past_the_limit_is_refused(tmp_path: Path) -> None:
    padding = " " * (MAX_XML_PART_BYTES + 1)
    path = rewrite_part(MINUTES_HWPX, tmp_path / "압축폭탄.hwpx", "Contents/section0.xml",
                        lambda t: t.replace("?>", "?>" + padding, 1))
    assert path.stat().st_size < 1_000_000
    with pytest.raises(UserError, match=r"^압축폭탄.hwpx: 문서 내용이 너무 큽니다 \(Contents/section0.xml"):
        read_document(path)


# --- text -----------------------------------------------------------------------------


def test_text_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "긴글.txt"
    path.write_text("가" * (MAX_TEXT_CHARS + 1), encoding="utf-8")
    with pytest.raises(UserError, match=r"^긴글.txt: 텍스트가 너무 깁니다"):
        read_document(path)


def test_text_with_too_many_lines_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "줄많음.txt"
    path.write_text("가\n" * (MAX_TEXT_LINES + 1), encoding="utf-8")
    with pytest.raises(UserError, match=r"^줄많음.txt: 줄이 너무 많습니다"):
        read_document(path)


def test_pasted_table_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "긴붙여넣기.txt"
    path.write_text("".join(f"{n}\t사업\n" for n in range(MAX_TABLE_ROWS + 5)), encoding="utf-8")
    with pytest.raises(UserError, match="^긴붙여넣기.txt 1행: 표의 행이 너무 많습니다"):
        read_document(path)


def test_pasted_row_wider_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "넓은표.txt"
    path.write_text("\t".join(["칸"] * (MAX_TABLE_COLS + 1)) + "\n", encoding="utf-8")
    with pytest.raises(UserError, match="^넓은표.txt 1행: 표의 열이 너무 많습니다"):
        read_document(path)


def test_control_characters_are_removed_on_the_way_in(tmp_path: Path) -> None:
    assert strip_controls("가\x00나\x07다\t라\r\n마\x1b\x7f") == "가나다\t라\r\n마"
    path = tmp_path / "제어.txt"
    path.write_bytes("2022년\x0c 제1차\x1b[31m 회의\n번호\t의\x08견\n1\t좋음\x07\n".encode())
    document = read_document(path)
    assert document.blocks[0] == Paragraph("2022년 제1차[31m 회의", "1행")
    table = next(document.tables())
    assert [[c.text for c in row if c] for row in table.grid] == [["번호", "의견"], ["1", "좋음"]]


def test_control_characters_in_csv_cells_are_removed(tmp_path: Path) -> None:
    # (XML forbids C0 characters, so an HWPX or XLSX cannot carry them in the first place)
    path = tmp_path / "제어.csv"
    path.write_bytes("연번,사업\x1b명\n1,\"건강\x07\n검진\"\n".encode("cp949"))
    table = next(read_document(path).tables())
    assert [[c.paragraphs for c in row if c] for row in table.grid] == [
        [["연번"], ["사업명"]], [["1"], ["건강", "검진"]]]


def test_damaged_files_of_every_kind_are_refused_naming_the_file(tmp_path: Path) -> None:
    # bytes flipped and files cut short: always one UserError naming the file, never a crash
    import random

    from tests.corpus_builder import TableSpec

    spec = TableSpec(header=[["연번", "사업명"]], body=[["1", "건강검진"]])
    sources = [spec.to_xlsx(tmp_path / "원본.xlsx"), spec.to_hwpx(tmp_path / "원본.hwpx"),
               DATA / "pdf" / "audit-follow-up.pdf"]
    chance = random.Random(10)
    for source in sources:
        data = source.read_bytes()
        for attempt in range(12):
            damaged = bytearray(data)
            if attempt % 2:
                damaged = damaged[: chance.randrange(len(damaged))]
            else:
                for _ in range(5):
                    damaged[chance.randrange(len(damaged))] = chance.randrange(256)
            path = tmp_path / f"손상{source.suffix}"
            path.write_bytes(bytes(damaged))
            try:
                read_document(path)
            except UserError as exc:
                assert str(exc).startswith(path.name), str(exc)
