"""The filled table the council gets back: XLSX, CSV and HTML, and importing an export again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tracker import workflow
from tracker.database import Database
from tracker.export import HEADER, build_table, write

REPLY = "2022년 하반기 시행계획 변경 시 참여기업 수와 참여자 수를 성과지표로 추가하겠습니다."


def answer_and_accept(db: Database, program: str, position: int, text: str) -> None:
    from sqlalchemy import select

    from db.models import Item

    with db.transaction() as session:
        item = session.scalars(select(Item).where(Item.key == f"{program}#{position}")).one()
        workflow.submit_response(session, item.id, text, author="임양수")
        workflow.accept(session, item.id, actor="secretariat")


def comparable(items: list[dict]) -> list[tuple]:
    return [(i["program"], i["position"], i["text"], i["due"], i["needs_reply"], i["follow_up"])
            for i in items]


def test_table_in_the_council_column_order(imported: Database) -> None:
    answer_and_accept(imported, "1-7", 1, REPLY)
    with imported.transaction() as session:
        table = build_table(session)
    assert table.header == HEADER
    assert table.caption == "2021년도 시행계획 총괄평가"
    assert table.rows[0][0].startswith("추진전략 I.")
    seventh = next(row for row in table.rows if row[1] == "1-7")
    assert seventh[:8] == ["6", "1-7", "-", "지속", "취업박람회 및 구인구직 행사", "일자리정책과",
                           "일자리 지원팀", "임양수"]
    assert seventh[9] == f"- {REPLY}"
    assert seventh[10:] == ["", "", "", "완료"]  # no kind given; accepted
    sixth = next(row for row in table.rows if row[1] == "1-6")
    assert sixth[8].count("\n- ") == 1 and sixth[8].endswith("법적근거 마련 검토를 요청함.")
    assert sixth[9] == ""


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_gives_the_same_items(
    imported: Database, run, tmp_path: Path, fmt: str  # type: ignore[no-untyped-def]
) -> None:
    answer_and_accept(imported, "1-7", 1, REPLY)
    answer_and_accept(imported, "1-9", 2, "인력 충원을 2023년 정원 조정에 반영 요청하였습니다.")
    exported = tmp_path / f"table.{fmt}"
    assert run("export", "--format", fmt, "-o", str(exported)).exit_code == 0
    before = json.loads(run("items", "--format", "json").stdout)

    other_db = f"sqlite:///{tmp_path / 'other.db'}"
    from click.testing import CliRunner

    from tracker.cli import cli

    result = CliRunner().invoke(cli, ["--db", other_db, "import", str(exported)])
    assert result.exit_code == 0, result.output
    after = json.loads(CliRunner().invoke(cli, ["--db", other_db, "items", "--format", "json"]).stdout)
    assert comparable(after) == comparable(before)
    assert next(i for i in after if i["program"] == "1-7")["follow_up"] == REPLY


def test_csv_opens_in_korean_excel(imported: Database, tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    with imported.transaction() as session:
        write(build_table(session), path, "csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8


def test_xlsx_wraps_text_and_prints_landscape(imported: Database, tmp_path: Path) -> None:
    path = tmp_path / "table.xlsx"
    with imported.transaction() as session:
        write(build_table(session), path, "xlsx")
    sheet = load_workbook(path).active
    assert sheet is not None
    header_row = next(r for r in sheet.iter_rows() if r[0].value == "연번")
    opinion = sheet.cell(row=header_row[0].row + 2, column=9)
    assert opinion.alignment.wrap_text
    assert sheet.column_dimensions["I"].width >= 40
    assert sheet.page_setup.orientation == "landscape"


def test_html_escapes_and_prints_on_a4(imported: Database, tmp_path: Path) -> None:
    answer_and_accept(imported, "1-4", 1, "<script>alert(1)</script> 추경 반영")
    path = tmp_path / "table.html"
    with imported.transaction() as session:
        write(build_table(session), path, "html")
    html = path.read_text(encoding="utf-8")
    assert "size: A4 landscape" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "사업부서 의견(후속조치)" in html


def test_hwpx_holds_the_filled_table(imported: Database, tmp_path: Path) -> None:
    from tracker import hwpdoc

    answer_and_accept(imported, "1-7", 1, REPLY)
    path = tmp_path / "table.hwpx"
    with imported.transaction() as session:
        write(build_table(session), path, "hwpx")
    grid = hwpdoc.tables(path)[0]
    assert [" ".join(c.split()) for c in grid[0]] == HEADER
    assert HEADER[-4:] == ["회신 구분", "반영곤란 사유", "완료 예정일", "처리 상태"]
    seventh = next(row for row in grid if row[1] == "1-7")
    assert REPLY in seventh[9]


def item_id_of(db: Database, program: str, position: int) -> int:
    from sqlalchemy import select

    from db.models import Item

    with db.transaction() as session:
        return session.scalars(select(Item.id).where(Item.key == f"{program}#{position}")).one()


def test_exports_carry_kind_reason_date_and_state(imported: Database, tmp_path: Path) -> None:
    from datetime import date

    hard, returned = item_id_of(imported, "1-7", 1), item_id_of(imported, "1-1", 1)
    unreviewed = item_id_of(imported, "1-1", 2)
    with imported.transaction() as session:
        workflow.submit_response(session, hard, "국비 매칭이 어렵습니다", "임양수", kind="반영곤란",
                                 reason="국비 매칭 불가", planned_on=date(2022, 12, 31))
        workflow.submit_response(session, returned, "검토 중", "김윤지", kind="추진중")
        workflow.return_for_revision(session, returned, "일정을 적어 주십시오", "sec")
        workflow.submit_response(session, unreviewed, "반영함", "김윤지", kind="반영")
        table = build_table(session)
    seventh = next(row for row in table.rows if row[1] == "1-7")
    assert seventh[10:] == ["반영곤란", "국비 매칭 불가", "2022-12-31", "검토 대기"]
    first = next(row for row in table.rows if row[1] == "1-1")
    # Two opinions in the row: one line each, in the opinions' order; the returned reply
    # and the unreviewed one are marked, not shown as if accepted.
    assert first[10] == "- 추진중\n- 반영" and first[13] == "- 보완 요청\n- 검토 대기"
    for fmt in ("xlsx", "csv", "html", "hwpx"):
        write(table, tmp_path / f"t.{fmt}", fmt)
    sheet = load_workbook(tmp_path / "t.xlsx").active
    assert sheet is not None
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "국비 매칭 불가" in values and "- 보완 요청\n- 검토 대기" in values
    assert "보완 요청" in (tmp_path / "t.html").read_text(encoding="utf-8")


FORMULAS = ['=HYPERLINK("http://evil.example/","눌러 보세요")', "+1+2", "-3+4", "@SUM(A1)",
            "\t=1+1", "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_every_spreadsheet_cell_is_text(imported: Database, tmp_path: Path, formula: str) -> None:
    import csv
    import io

    from tracker.export import guard_formula

    with imported.transaction() as session:
        item = item_id_of(imported, "1-4", 1)
        workflow.submit_response(session, item, formula, "담당자", kind="반영")
        table = build_table(session)
    table.rows.append([formula] * len(HEADER))  # an opinion or any cell may start so
    write(table, tmp_path / "t.xlsx", "xlsx")
    write(table, tmp_path / "t.csv", "csv")
    sheet = load_workbook(tmp_path / "t.xlsx").active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type == "s" for c in cells)  # no formula anywhere
    assert any(c.value == formula.replace("\t", "\t") for c in cells)
    rows = list(csv.reader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8-sig"))))
    written = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in written)
    assert guard_formula(formula) in written and guard_formula(formula).startswith("'")


def test_control_characters_never_break_an_export(imported: Database, tmp_path: Path) -> None:
    from tracker import hwpdoc
    from tracker.export import clean

    assert clean("a\x00b\x0bc\x1bd\x7fe\r\nf\rg\th") == "abcde\nf\ng\th"
    with imported.transaction() as session:
        item = item_id_of(imported, "1-7", 1)
        workflow.submit_response(session, item, "종\x0b료\x1b 예\x07정\x08", "임양수", kind="반영")
        table = build_table(session)
    for fmt in ("xlsx", "csv", "html", "hwpx"):
        write(table, tmp_path / f"t.{fmt}", fmt)
    seventh = next(row for row in hwpdoc.tables(tmp_path / "t.hwpx")[0] if row[1] == "1-7")
    assert "종료 예정" in seventh[9]
    sheet = load_workbook(tmp_path / "t.xlsx").active
    assert sheet is not None
    assert "- 종료 예정" in [c.value for row in sheet.iter_rows() for c in row]


def test_xlsx_in_malgun_gothic_with_strategy_rows_merged(imported: Database,
                                                        tmp_path: Path) -> None:
    with imported.transaction() as session:
        write(build_table(session), tmp_path / "t.xlsx", "xlsx")
    sheet = load_workbook(tmp_path / "t.xlsx").active
    assert sheet is not None
    fonts = {c.font.name for row in sheet.iter_rows() for c in row if c.value}
    assert fonts == {"맑은 고딕"}
    strategy = next(c for c in sheet["A"] if str(c.value or "").startswith("추진전략 I."))
    assert f"A{strategy.row}:E{strategy.row}" in {str(r) for r in sheet.merged_cells.ranges}


def test_html_export_is_a_print_view_where_names_do_not_break(imported: Database,
                                                             tmp_path: Path) -> None:
    with imported.transaction() as session:
        write(build_table(session), tmp_path / "t.html", "html")
    html = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "word-break: keep-all; overflow-wrap: normal" in html  # names whole, in print too
    assert "@media print" in html and "인쇄용 보기" in html


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "hwpx"])
def test_an_export_imports_again_as_the_same_meeting(imported: Database, tmp_path: Path,
                                                     fmt: str) -> None:
    # A council keeps the filled table and brings it back next round: the export must be a
    # document the importer reads whole, meeting facts included, with nothing to fill in.
    from tracker.importer import preview, read_document

    answer_and_accept(imported, "1-7", 1, REPLY)
    path = tmp_path / f"table.{fmt}"
    with imported.transaction() as session:
        write(build_table(session), path, fmt)
    again = preview(read_document(path))
    assert (again.minutes.committee, again.minutes.held_on.isoformat()) == ("일자리분과",
                                                                            "2022-01-15")
    assert len(again.items) == 14
    seventh = next(item for item in again.items if item.number == "1-7")
    assert seventh.due_date.isoformat() == "2022-07-31" and REPLY in seventh.reply
    assert path.stat().st_mode & 0o044 == 0o044  # readable like any file the user saves
