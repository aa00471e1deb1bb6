"""The `tracker` command as the secretariat and the chair use it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import DATA


def items_json(run) -> list[dict]:  # type: ignore[no-untyped-def]
    result = run("items", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_import_then_overdue_as_the_chair_sees_it(run, sample: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("import", str(sample)).exit_code == 0
    result = run("overdue", "--as-of", "2022-03-01", "--format", "json")
    assert result.exit_code == 0, result.output
    overdue = json.loads(result.stdout)
    # Every reply-needed item but 1-7's (due 2022-07-31) is past the next meeting, 2022-02-23.
    assert len(overdue) == 11
    assert "1-7" not in {o["program"] for o in overdue}
    assert {o["days_overdue"] for o in overdue} == {6}
    assert all(o["department"] for o in overdue)
    departments = [o["department"] for o in overdue]
    assert departments == sorted(departments, key=departments.index)  # grouped, not interleaved


def test_items_json_is_stable_for_scripts(run, sample: Path) -> None:  # type: ignore[no-untyped-def]
    run("import", str(sample))
    items = items_json(run)
    assert len(items) == 14
    seventh = next(i for i in items if i["program"] == "1-7")
    expected = {"id", "meeting_date", "committee", "program", "program_name", "department",
                "team", "contact", "text", "position", "needs_reply", "due", "due_reason",
                "status", "follow_up"}
    assert expected <= set(seventh)
    assert seventh["due"] == "2022-07-31" and seventh["due_reason"] == "2022년 7월"
    assert seventh["meeting_date"] == "2022-01-15" and seventh["committee"] == "일자리분과"
    assert seventh["program_name"] == "취업박람회 및 구인구직 행사"
    strategy = items[0]
    assert strategy["program"] is None and strategy["needs_reply"] is False


def test_dry_run_writes_nothing(run, sample: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("import", "--dry-run", str(sample))
    assert result.exit_code == 0
    assert "의견 14" in result.stdout and "저장하지 않았습니다" in result.stdout
    assert items_json(run) == []


def test_reimport_says_nothing_changed(run, sample: Path) -> None:  # type: ignore[no-untyped-def]
    run("import", str(sample))
    result = run("import", str(sample))
    assert "바뀐 것이 없습니다" in result.stdout
    assert len(items_json(run)) == 14


def test_user_mistakes_get_one_line_and_exit_1(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "notes.txt"
    bad.write_text("회의록이 아닌 메모\n", encoding="utf-8")
    result = run("import", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith("오류: notes.txt: 가져올 표(모니터링 표")
    assert "Traceback" not in result.output
    assert run("item", "show", "999").exit_code == 1
    assert run("items", "--status", "없는상태").exit_code == 1


def test_a_missing_argument_or_bad_value_is_a_mistake_and_an_unknown_command_is_not(run) -> None:  # type: ignore[no-untyped-def]
    # README: exit 1 for a mistake in the input, 2 for a command line tracker cannot read.
    assert run("import").exit_code == 1
    assert run("overdue", "--as-of", "어제").exit_code == 1
    assert run("overdu").exit_code == 2


def test_item_update_flips_reply_and_sets_due(run, sample: Path) -> None:  # type: ignore[no-untyped-def]
    run("import", str(sample))
    praise = next(i for i in items_json(run) if i["program"] == "1-8")
    result = run("item", "update", str(praise["id"]), "--needs-reply", "--due", "2022-02-01")
    assert result.exit_code == 0, result.output
    updated = next(i for i in items_json(run) if i["id"] == praise["id"])
    assert updated["needs_reply"] is True and updated["due"] == "2022-02-01"
    overdue = json.loads(run("overdue", "--as-of", "2022-03-01", "--format", "json").stdout)
    assert praise["id"] in {o["id"] for o in overdue}
    shown = run("item", "show", str(praise["id"]))
    assert "기한을 " in shown.stdout and "2022-02-01(으)로 바꿨습니다." in shown.stdout
    assert "회신이 필요한 의견으로 표시했습니다." in shown.stdout
    assert "due_changed" not in shown.stdout


def test_item_update_contact(run, sample: Path) -> None:  # type: ignore[no-untyped-def]
    run("import", str(sample))
    first = next(i for i in items_json(run) if i["program"] == "1-1")
    assert run("item", "update", str(first["id"]), "--contact", "일자리정책과/임양수").exit_code == 0
    assert next(i for i in items_json(run) if i["id"] == first["id"])["contact"] == "임양수"
    missing = run("item", "update", str(first["id"]), "--contact", "홍길동")
    assert missing.exit_code == 1 and "홍길동" in missing.stderr


def test_contacts_import_before_and_after_minutes(run, sample: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "부서,팀,이름,이메일\n일자리정책과,일자리 지원팀,임양수,lim@example.org\n", encoding="utf-8"
    )
    assert run("contacts", "import", str(contacts)).exit_code == 0
    run("import", str(sample))
    listed = json.loads(run("contacts", "list", "--format", "json").stdout)
    lim = [c for c in listed if c["name"] == "임양수"]
    assert lim == [{"id": lim[0]["id"], "department": "일자리정책과", "team": "일자리 지원팀",
                    "name": "임양수", "email": "lim@example.org"}]
    assert len(listed) == 8  # the importer found the same contact instead of adding one


def test_contacts_import_rejects_bad_address_and_writes_nothing(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "department,team,name,email\n관광과,,장보영,jang@example.org\n노동정책과,,조미화,메일없음\n",
        encoding="utf-8",
    )
    result = run("contacts", "import", str(contacts))
    assert result.exit_code == 1 and "3행" in result.stderr
    assert json.loads(run("contacts", "list", "--format", "json").stdout) == []


def test_contacts_add(run) -> None:  # type: ignore[no-untyped-def]
    assert run("contacts", "add", "--department", "관광과", "--name", "장보영",
               "--email", "jang@example.org").exit_code == 0
    assert run("contacts", "add", "--department", "관광과", "--name", "장보영",
               "--email", "not-an-address").exit_code == 1


def test_sample_data_is_in_the_repository() -> None:
    assert (DATA / "2022-01-15-jobs-subcommittee-minutes.txt").is_file()
