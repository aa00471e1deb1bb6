"""tracker.readers: every supported kind read into the document model, the others refused."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hwpx.hwp5.cfb import build_compound_file
from openpyxl import Workbook

from tests.conftest import SAMPLE
from tracker.document import Document, Paragraph, Table
from tracker.errors import UserError
from tracker.readers import read_document
from tracker.sources import rows_of


def texts(table: Table) -> list[list[str]]:
    """The grid as cell texts; covered positions are None."""
    return [[cell.text if cell else None for cell in row] for row in table.grid]


def only_table(document: Document) -> Table:
    tables = list(document.tables())
    assert len(tables) == 1
    return tables[0]


# --- spreadsheets --------------------------------------------------------------------


def test_xlsx_title_above_the_header_and_merged_cells(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "2022년 제2차 보건의료분과 회의 결과"
    sheet.merge_cells("A1:D1")
    sheet.append([])
    sheet.append(["연번", "사업명", "의견", None])
    sheet.append([None, None, "모니터링", "후속조치"])
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:B4")
    sheet.merge_cells("C3:D3")
    sheet.append([1, "건강검진", "- 확대 필요\n- 홍보 강화", "검토 중"])
    sheet.append(["Ⅰ. 풍요로운 도시"])
    sheet.append([2.0, "방문보건", None, "완료"])
    path = tmp_path / "표.xlsx"
    book.save(path)

    document = read_document(path)
    assert document.kind == "xlsx"
    assert document.blocks[0] == Paragraph("2022년 제2차 보건의료분과 회의 결과", "1행")
    table = only_table(document)
    assert table.where == "3행"
    assert texts(table) == [
        ["연번", "사업명", "의견", None],
        [None, None, "모니터링", "후속조치"],
        ["1", "건강검진", "- 확대 필요\n- 홍보 강화", "검토 중"],
        ["Ⅰ. 풍요로운 도시", "", "", ""],  # a one-cell row stays in the table
        ["2", "방문보건", "", "완료"],
    ]
    header = table.grid[0][0]
    assert header is not None and (header.row_span, header.col_span) == (2, 1)
    opinion = table.grid[2][2]
    assert opinion is not None and opinion.paragraphs == ["- 확대 필요", "- 홍보 강화"]
    assert opinion.where == "5행"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_csv_in_every_encoding_with_title_and_quoted_newlines(tmp_path: Path, encoding: str) -> None:
    text = ("2022년 행정사무감사 시정요구사항 처리결과,,\n"
            "연번,시정요구사항,처리결과\n"
            '1,"보건소 인력 확충\n예산 반영",완료\n'
            "2,방문간호 확대,추진중\n")
    path = tmp_path / "감사.csv"
    path.write_bytes(text.encode(encoding))
    document = read_document(path)
    assert document.kind == "csv"
    assert document.blocks[0] == Paragraph("2022년 행정사무감사 시정요구사항 처리결과", "1행")
    table = only_table(document)
    assert texts(table) == [["연번", "시정요구사항", "처리결과"],
                            ["1", "보건소 인력 확충\n예산 반영", "완료"],
                            ["2", "방문간호 확대", "추진중"]]
    assert [row[0].where for row in table.grid if row[0]] == ["2행", "3행", "5행"]


def test_csv_is_told_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "minutes.txt"
    path.write_text("연번,사업명\n1,건강검진\n", encoding="utf-8")
    assert read_document(path).kind == "csv"
    pasted = tmp_path / "pasted.csv"
    pasted.write_text("제목, 부제\n연번\t사업명\n1\t건강검진\n", encoding="utf-8")
    assert read_document(pasted).kind == "text"


# --- the bridge to today's parser ----------------------------------------------------


def test_sample_rows_are_the_pasted_lines() -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    rows = rows_of(read_document(SAMPLE))
    assert len(rows) == len(lines)
    assert rows[139] == lines[139].split("\t")  # 140행: the 1-7 program, on its line


# --- files we do not read ------------------------------------------------------------


def test_legacy_office_files_are_named(tmp_path: Path) -> None:
    xls = tmp_path / "회의록.xls"
    xls.write_bytes(build_compound_file([("Workbook", b"\0" * 600)]))
    with pytest.raises(UserError, match=r"^회의록.xls은\(는\) 예전 엑셀 형식\(.xls\).*\.xlsx"):
        read_document(xls)
    doc = tmp_path / "회의록.doc"
    doc.write_bytes(build_compound_file([("WordDocument", b"\0" * 600)]))
    with pytest.raises(UserError, match=r"워드 문서\(.doc\)"):
        read_document(doc)


@pytest.mark.parametrize(
    ("entries", "message"),
    [({"word/document.xml": "<w/>"}, r"워드 문서\(.docx\)"),
     ({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"},
      r"오픈오피스 문서\(.odt\)"),
     ({"readme.txt": "hello"}, "압축\\(zip\\) 파일이지만")],
)
def test_other_zip_files_are_named(tmp_path: Path, entries: dict[str, str], message: str) -> None:
    path = tmp_path / "문서.bin"
    with zipfile.ZipFile(path, "w") as package:
        for name, data in entries.items():
            package.writestr(name, data)
    with pytest.raises(UserError, match="^문서.bin은\\(는\\) " + message):
        read_document(path)


def test_binary_and_missing_files(tmp_path: Path) -> None:
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(UserError, match="photo.png은\\(는\\) 텍스트 파일이 아닙니다"):
        read_document(image)
    with pytest.raises(UserError, match="파일을 열 수 없습니다: 없음.txt"):
        read_document(tmp_path / "없음.txt")
