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
    seventh = next(row for row in grid if row[1] == "1-7")
    assert REPLY in seventh[9]
