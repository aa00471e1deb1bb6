"""Documents written by hand by the lead, shaped unlike the corpus builder's output, as a
check of the importer on tables nobody built it around.

- an audit follow-up report pasted from the word processor: two sections, each under a
  `□` heading after a blank line; cells whose line breaks became physical lines (no
  quotes); a status word broken over two lines (`추진⏎불가`); a committee line of its own;
- a status table as Korean Excel saves it (CP949 CSV) with a two-row header, group rows
  with subtotals and a `계` row.
"""

from __future__ import annotations

import json
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
