"""Documents written by hand by the lead, shaped unlike the corpus builder's output, as a
check of the importer on tables nobody built it around.

- an audit follow-up report pasted from the word processor: two sections, each under a
  `□` heading after a blank line; cells whose line breaks became physical lines (no
  quotes); a status word broken over two lines (`추진⏎불가`); a committee line of its own;
- a status table as Korean Excel saves it (CP949 CSV) with a two-row header, group rows
  with subtotals and a `계` row;
- a three-page audit table as PDF from another producer than the corpus's Chromium
  (ReportLab, Adobe CID font HYSMyeongJo without embedded glyphs, header repeated on every
  page, cells wrapped over several lines).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from tracker.cli import cli

UNSEEN = Path(__file__).parent / "data" / "unseen"


def _preview(tmp_path: Path, name: str, *options: str) -> dict:
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(tmp_path / "t.db"), "import", str(UNSEEN / name),
                                 "--dry-run", "--format", "json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_pasted_audit_report_with_two_headed_sections(tmp_path: Path) -> None:
    preview = _preview(tmp_path, "2023-audit-pasted-two-sections.txt", "--department", "노인복지과")
    assert preview["meeting"]["committee"] == "복지환경위원회"  # its own line above the table
    assert preview["meeting"]["held_on"] == "2023-11-28"  # the last day of 감사기간
    items = preview["items"]
    assert [i["status"] for i in items] == ["accepted", "answered", "answered", "new", "answered"]
    assert [i["reply_kind"] for i in items][1:3] == ["추진중", "반영곤란"]  # 추진⏎불가 read whole
    assert [i["item_kind"] for i in items] == ["시정요구사항"] * 3 + ["건의사항"] * 2
    assert "분기별 현장점검" in items[0]["reply"]  # the answer's second line stays in its cell
    assert not any("건의사항" in i["reply"] for i in items)  # the heading is not glued to a cell
    assert "2024 - 2025 연장" in items[4]["text"]  # one opinion, not two


def test_status_table_saved_by_korean_excel(tmp_path: Path) -> None:
    preview = _preview(tmp_path, "2024-status-cp949.csv", "--committee", "복지분과",
                       "--meeting-date", "2024-07-10")
    items = preview["items"]
    assert [i["text"] for i in items] == ["어르신 맞춤 돌봄 확대", "치매안심센터 기능 강화",
                                          "마을복지계획 수립"]
    assert [i["status"] for i in items] == ["accepted", "answered", "answered"]
    kept = [row for row in preview["rows"]]
    assert len(kept) >= 3  # two group rows and the 계 row are listed, not dropped in silence


def _audit_sheet(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_rows_after_blank_rows_of_a_sheet_stay_in_the_table(tmp_path: Path) -> None:
    # Secretariats leave blank rows between groups of a spreadsheet; a row after one, even a
    # row with its right-hand cells empty, is a row of the same table.
    path = _audit_sheet(tmp_path / "감사.xlsx", [
        ["2022년 행정사무감사 시정요구사항 처리결과"], [],
        ["연번", "시정요구사항", "처리결과", "비고"],
        [1, "예산 집행 잔액 관리 철저", "잔액 반납 완료", "완료"],
        [2, "위탁시설 점검 강화", None, None], [],
        [3, "민원 처리 기한 준수", "처리 기한 관리 시스템 도입 추진 중", "추진중"],
        [None, None, None, None],
        [4, "청사 안전 점검"],
    ])
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(tmp_path / "t.db"), "import", str(path),
                                 "--dry-run", "--format", "json", "--department", "총무과",
                                 "--committee", "행정자치위원회", "--meeting-date", "2022-11-30"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]
    assert [i["text"] for i in items] == ["예산 집행 잔액 관리 철저", "위탁시설 점검 강화",
                                          "민원 처리 기한 준수", "청사 안전 점검"]
    assert [i["status"] for i in items] == ["accepted", "new", "answered", "new"]


def test_a_table_that_cannot_be_read_as_a_continuation_is_named(tmp_path: Path) -> None:
    # After the follow-up table, a narrower table without a header holding numbered rows
    # (a second page pasted with its columns merged): not read, and the preview says so.
    from tracker.document import Cell, Document, Table
    from tracker.importer import ImportOptions, preview

    def table(rows: list[list[str]], where: str) -> Table:
        grid: list[list[Cell | None]] = [
            [Cell([text] if text else [], r, c, where=f"{where} {r + 1}행")
             for c, text in enumerate(row)] for r, row in enumerate(rows)]
        return Table(grid, where)

    document = Document(source="감사.hwpx", kind="hwpx", blocks=[
        table([["연번", "시정요구사항", "처리결과", "비고"],
               ["1", "예산 집행 잔액 관리 철저", "잔액 반납 완료", "완료"]], "표 1"),
        table([["2", "위탁시설 점검 강화"], ["3", "민원 처리 기한 준수"]], "표 2"),
    ])
    plan = preview(document, ImportOptions(committee="행정자치위원회", department="총무과",
                                           held_on=date(2022, 11, 30)))
    assert [item.text for item in plan.items] == ["예산 집행 잔액 관리 철저"]
    assert any(w.where == "표 2" and "읽지 않은 표" in w.message and "2개" in w.message
               for w in plan.warnings)


def test_an_audit_table_without_a_number_column_is_numbered_by_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "건의사항.txt"
    path.write_text(
        "2023년도 행정사무감사 건의사항 조치결과 보고\n\n"
        "건의사항\t소관부서\t조치결과\n"
        "경로당 냉난방비 지원 확대\t노인복지과\t2024년 본예산에 반영하였음\n"
        "Ⅱ. 교통\n"
        "장애인 콜택시 대기시간 단축\t장애인복지과\t차량 5대 증차 추진중\n"
        "공공 와이파이 확대\t정보통신과\t\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(tmp_path / "t.db"), "import", str(path),
                                 "--dry-run", "--format", "json", "--committee", "복지위원회",
                                 "--meeting-date", "2023-12-01"])
    assert result.exit_code == 0, result.output
    preview = json.loads(result.stdout)
    items = preview["items"]
    assert [(i["number"], i["department"]) for i in items] == [
        ("1", "노인복지과"), ("2", "장애인복지과"), ("3", "정보통신과")]
    assert [i["status"] for i in items] == ["answered", "answered", "new"]
    assert any("연번 열이 없어" in w["message"] for w in preview["warnings"])


def test_a_pdf_from_another_producer_over_three_pages(tmp_path: Path) -> None:
    preview = _preview(tmp_path, "2023-audit-reportlab-3-pages.pdf")
    assert preview["meeting"]["committee"] == "복지환경위원회"
    assert preview["meeting"]["held_on"] == "2023-11-28"
    items = preview["items"]
    assert [i["number"] for i in items] == [str(n) for n in range(1, 41)]  # none lost at a page
    assert [i["status"] for i in items[:3]] == ["answered", "new", "accepted"]
    assert items[2]["reply"].split() == ["점검", "계획", "수립", "완료", "1분기", "점검", "실시"]
    assert [i["department"] for i in items[18:20]] == ["안전총괄과", "시설관리과"]
    assert items[5]["text"].endswith("세부 내용 세부 내용")  # a wrapped cell read whole
    repeated = [w for w in preview["warnings"] if "되풀이된 표 머리글" in w["message"]]
    assert len(repeated) == 2


def test_text_copied_out_of_a_pdf_viewer_is_refused_with_what_to_do(tmp_path: Path) -> None:
    # Copying a table out of a PDF viewer turns its cells into spaces: no table to read.
    path = tmp_path / "복사.txt"
    path.write_text("2023년도 행정사무감사 시정요구사항 처리결과\n\n연번 시정요구사항 처리결과 비고\n"
                    "1 예산 집행 잔액 관리 철저 잔액 반납 완료 완료\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "t.db"), "import", str(path),
                                      "--dry-run", "--committee", "복지위원회",
                                      "--meeting-date", "2023-12-01"])
    assert result.exit_code == 1
    assert "탭으로 나뉘어" in result.output and "PDF 파일을 그대로" in result.output
    assert "Traceback" not in result.output


def test_a_department_merged_down_over_programs_answers_for_each(tmp_path: Path) -> None:
    # Korean Excel's usual shape: a two-row header with 담당 merged over 부서·팀·담당자, and a
    # department cell merged down over the programs it runs; an empty one below it too.
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["2022년 제2차 ○○시지역사회보장협의체 보건의료분과 회의 결과"],
                ["일시: 2022. 5. 18.(수) 15:00"], [],
                ["사업번호", "세부사업명", "담당", None, None, "분과 의견", "조치결과"],
                [None, None, "부서", "팀", "담당자", None, None],
                ["2-3-1", "방문건강관리", "건강증진과", "방문보건팀", "김민수",
                 "- 대상자 발굴 확대 필요\n- 2022년 9월까지 인력 충원 계획 수립 요망", ""],
                ["2-3-2", "치매 조기검진", None, "치매관리팀", "이영희", "- 검진율 제고 방안 마련",
                 "홍보 강화 추진 중"],
                ["2-3-3", "정신건강 상담", None, "정신건강팀", "박철수",
                 "- 사업 기간 2022 - 2023 연장 검토 요망", ""]):
        sheet.append(row)
    for cells in ("A4:A5", "B4:B5", "C4:E4", "F4:F5", "G4:G5", "C6:C7"):
        sheet.merge_cells(cells)
    path = tmp_path / "보건의료.xlsx"
    book.save(path)
    preview = _preview(tmp_path, str(path))
    items = preview["items"]
    assert [(i["number"], i["department"], i["team"], i["contact"]) for i in items] == [
        ("2-3-1", "건강증진과", "방문보건팀", "김민수"), ("2-3-1", "건강증진과", "방문보건팀", "김민수"),
        ("2-3-2", "건강증진과", "치매관리팀", "이영희"), ("2-3-3", "건강증진과", "정신건강팀", "박철수")]
    assert items[1]["due_date"] == "2022-09-30"
    assert "2022 - 2023 연장" in items[3]["text"]


def test_a_contact_without_a_department_is_named_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "부서없음.txt"
    path.write_text(
        "2022년 1차 일자리분과 회의록\n일 시 : 2022년 1월 15일(토) 10:00\n\n"
        "사업번호\t세부사업명\t담당부서\t담당팀\t담당자\t실무분과 모니터링 의견\t사업부서 의견(후속조치)\n"
        "1-1\t청년 일자리\t\t청년팀\t김철수\t- 성과지표 보완 요망\t\n"
        "1-2\t중장년 일자리\t일자리정책과\t중장년팀\t이영희\t- 참여자 확대\t\n", encoding="utf-8")
    preview = _preview(tmp_path, str(path))
    assert [i["contact"] for i in preview["items"]] == ["김철수", "이영희"]
    assert any(w["where"] == "5행" and "김철수" in w["message"] and "담당부서가 비어" in w["message"]
               for w in preview["warnings"])


def test_a_status_sheet_with_percentages_as_excel_shows_them(tmp_path: Path) -> None:
    # 추진율 typed as numbers under a "0%" format: the preview shows 45%, not 0.45.
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["공약사항 추진현황 (2024. 6. 30. 기준)"], [],
                ["연번", "공약사항", "소관부서", "추진상황", None, None, "추진율"],
                [None, None, None, "완료", "정상추진", "미추진", None],
                ["Ⅰ. 활력있는 경제도시"],
                [1, "청년 창업지원센터 건립", "일자리정책과", "○", None, None, 1.0],
                [2, "전통시장 주차장 확충", "지역경제과", None, "○", None, 0.45],
                ["계", None, None, 1, 1, 0, None]):
        sheet.append(row)
    for cells in ("A3:A4", "B3:B4", "C3:C4", "D3:F3", "G3:G4"):
        sheet.merge_cells(cells)
    for cell in ("G6", "G7"):
        sheet[cell].number_format = "0%"
    path = tmp_path / "공약.xlsx"
    book.save(path)
    preview = _preview(tmp_path, str(path), "--committee", "기획행정위원회",
                       "--meeting-date", "2024-07-10")
    items = preview["items"]
    assert [(i["fields"]["percent"], i["status"]) for i in items] == [("100%", "accepted"),
                                                                      ("45%", "answered")]


def test_excel_unicode_text_utf16_is_read(tmp_path: Path) -> None:
    # Excel's "유니코드 텍스트 (*.txt)" and Notepad's "유니코드": UTF-16 LE with a BOM, TABs, CRLF.
    path = tmp_path / "유니코드.txt"
    text = ("2023년도 행정사무감사 시정요구사항 처리결과\r\n\r\n연번\t시정요구사항\t처리결과\t비고\r\n"
            "1\t예산 집행 잔액 관리 철저\t잔액 반납 완료\t완료\r\n2\t위탁시설 점검 강화\t\t\r\n")
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    preview = _preview(tmp_path, str(path), "--committee", "행정자치위원회",
                       "--meeting-date", "2023-12-01", "--department", "총무과")
    assert [(i["text"], i["status"]) for i in preview["items"]] == [
        ("예산 집행 잔액 관리 철저", "accepted"), ("위탁시설 점검 강화", "new")]
