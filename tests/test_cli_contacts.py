"""`tracker contacts retire/restore/unassigned/assign/merge-departments`: the console's
contacts services from the command line, with Korean messages and exit 1 on a mistake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def items_json(run: Any) -> list[dict[str, Any]]:
    return json.loads(run("items", "--format", "json").stdout)  # type: ignore[no-any-return]


def test_retire_assign_and_list_unassigned_items(run: Any, sample: Path) -> None:
    run("import", str(sample))
    assert run("contacts", "add", "--department", "관광과", "--name", "박새로",
               "--email", "park@example.org").exit_code == 0
    assert run("contacts", "retire", "관광과/장보영").exit_code == 0
    listed = run("contacts", "unassigned")
    assert "관광과 (2건)" in listed.stdout
    assert all(c["name"] != "장보영" for c in json.loads(
        run("contacts", "list", "--format", "json").stdout))
    one = next(i for i in items_json(run) if i["program"] == "1-2")
    assert run("contacts", "assign", "관광과/박새로", "--item", str(one["id"])).exit_code == 0
    rest = run("contacts", "assign", "관광과/박새로", "--department", "관광과")
    assert rest.exit_code == 0 and "의견 1건" in rest.stdout
    assert {i["contact"] for i in items_json(run) if i["program"] == "1-2"} == {"박새로"}
    assert "모두 담당자가 있습니다" in run("contacts", "unassigned").stdout
    refused = run("contacts", "assign", "관광과/장보영", "--item", str(one["id"]))
    assert refused.exit_code == 1 and refused.stderr.startswith("오류:")
    assert "사용 중지된 담당자" in refused.stderr
    assert run("contacts", "restore", "관광과/장보영").exit_code == 0
    missing = run("contacts", "retire", "관광과/없는사람")
    assert missing.exit_code == 1 and "없는사람" in missing.stderr
    neither = run("contacts", "assign", "관광과/박새로")
    assert neither.exit_code == 1 and "--item이나 --department" in neither.stderr


def test_merge_departments_asks_then_merges(run: Any, sample: Path, database_url: str) -> None:
    from click.testing import CliRunner

    from tracker.cli import cli

    run("import", str(sample))
    run("contacts", "add", "--department", "관광정책과", "--name", "도하늘",
        "--email", "do@example.org")
    kept = CliRunner().invoke(cli, ["--db", database_url, "contacts", "merge-departments",
                                    "관광과", "관광정책과"], input="n\n")
    assert kept.exit_code == 0 and "합치지 않았습니다" in kept.stdout
    assert "옮겨지는 담당자 1명" in kept.stdout
    done = run("contacts", "merge-departments", "관광과", "관광정책과", "--yes")
    assert done.exit_code == 0 and "합쳤습니다" in done.stdout
    listed = json.loads(run("contacts", "list", "--format", "json").stdout)
    assert {c["department"] for c in listed if c["name"] == "도하늘"} == {"관광과"}
    gone = run("contacts", "merge-departments", "관광과", "관광정책과", "--yes")
    assert gone.exit_code == 1 and "관광정책과" in gone.stderr
