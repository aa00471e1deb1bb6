"""click's own messages in Korean with tracker's exit codes: a mistake is one `오류:` line and
exit 1; a command line tracker cannot read at all is one `오류:` line and exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest

from tracker import cli_params
from tracker.cli import COMMANDS, cli, load_command

ENGLISH = re.compile(r"\b(Error|Usage|Invalid|Missing|No such|Try|Got unexpected|Aborted)\b")


def one_korean_line(result) -> str:  # type: ignore[no-untyped-def]
    """The one stderr line of a refused command, checked for click's English."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("오류: "), lines[0]
    assert not ENGLISH.search(lines[0]), lines[0]
    assert result.stdout == ""
    return lines[0]


@pytest.mark.parametrize(("args", "says"), [
    (["import", "없는파일.txt"], "파일이 없습니다: 없는파일.txt"),
    (["import"], "FILE을(를) 주세요. 도움말: tracker import --help"),
    (["items", "--as-of", "2022-13-01"], "--as-of: 2022-13-01은(는) 없는 날짜입니다"),
    (["items", "--as-of", "2022-02-30"], "2022-02-30은(는) 없는 날짜입니다"),
    (["overdue", "--as-of", "어제"], "어제은(는) 날짜 형식이 아닙니다. YYYY-MM-DD로 주세요"),
    (["items", "--format", "xml"], "--format: xml은(는) 쓸 수 없는 값입니다. 다음 중 하나: table, csv, json"),
    (["items", "--meeting", "첫째"], "--meeting: 첫째은(는) 정수가 아닙니다"),
    (["item", "show", "열하나"], "ITEM_ID: 열하나은(는) 정수가 아닙니다"),
    (["contacts", "add", "--name", "장보영"], "--department 옵션이 필요합니다"),
    (["items", "--as-of"], "--as-of 옵션에 값을 주세요"),
    (["export", "--format", "xlsx", "-o", "."], "은(는) 파일이 아니라 폴더입니다"),
    (["worker", "--sweep-seconds", "0"], "--sweep-seconds: 0은(는) 범위 밖입니다 (1 이상)"),
])
def test_a_mistake_is_one_korean_line_and_exit_1(run, args: list[str], says: str) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert says in one_korean_line(result)


@pytest.mark.parametrize(("args", "says"), [
    (["itmes"], "itmes(이)라는 명령은 없습니다 (혹시 items, item?). 도움말: tracker --help"),
    (["item", "shwo", "1"], "shwo(이)라는 명령은 없습니다 (혹시 show?)"),
    (["items", "--formt", "csv"], "--formt 옵션은 없습니다 (혹시 --format?)"),
    (["import", "a.txt", "b.txt"], "필요 없는 인자가 있습니다: b.txt"),
])
def test_a_command_line_tracker_cannot_read_is_one_korean_line_and_exit_2(  # type: ignore[no-untyped-def]
        run, tmp_path: Path, args: list[str], says: str) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert says in one_korean_line(result)


def test_a_service_refusal_is_one_korean_line_and_exit_1(run) -> None:  # type: ignore[no-untyped-def]
    result = run("item", "show", "999")
    assert result.exit_code == 1
    assert "999" in one_korean_line(result)


def test_a_bad_settings_file_is_one_korean_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "tracker.toml").write_text("smtp_port = '스물다섯'\n", encoding="utf-8")
    result = run("items")
    assert result.exit_code == 1
    assert "smtp_port" in one_korean_line(result)


def test_help_screens_are_korean(run) -> None:  # type: ignore[no-untyped-def]
    for args in (["--help"], ["items", "--help"], ["item", "--help"], ["item", "show", "--help"],
                 ["demo", "--help"]):
        shown = run(*args)
        assert shown.exit_code == 0
        assert shown.stdout.startswith("사용법: tracker")
        assert "옵션:" in shown.stdout
        assert "이 도움말을 보여 줍니다." in shown.stdout
        assert not ENGLISH.search(shown.stdout), shown.stdout
        assert "Show this message" not in shown.stdout and "default:" not in shown.stdout
    assert "명령:" in run("--help").stdout
    assert "[기본: 8000]" in run("demo", "--help").stdout


KOREAN_TYPES = (cli_params.DateTime, cli_params.Choice, cli_params.Integer, cli_params.IntRange,
                cli_params.File, cli_params.Folder)
CANNOT_FAIL = (click.types.StringParamType, click.types.BoolParamType,
               click.types.UnprocessedParamType)


def every_command(command: click.Command, path: str) -> list[tuple[str, click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found += every_command(sub, f"{path} {name}")
    return found


def test_every_parameter_refuses_in_korean() -> None:
    commands = every_command(cli, "tracker")
    for name in COMMANDS:
        commands += every_command(load_command(name), f"tracker {name}")
    for path, command in commands:
        for param in command.params:
            assert isinstance(param.type, KOREAN_TYPES + CANNOT_FAIL), \
                f"{path} {param.name}: {type(param.type).__name__}: use tracker.cli_params"


def test_a_folder_without_a_database_is_told_so_and_nothing_is_created(  # type: ignore[no-untyped-def]
        run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for args in (["items"], ["overdue"], ["contacts", "list"], ["send", "--dry-run"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, result.output
        line = one_korean_line(result)
        assert f"데이터베이스 파일이 없습니다: {folder / 'tracker.db'}" in line
        assert "tracker init" in line
    assert list(folder.iterdir()) == []
    created = CliRunner().invoke(cli, ["init"])
    assert created.exit_code == 0
    assert f"새 데이터베이스를 만들었습니다: {folder / 'tracker.db'}" in created.stderr
    listed = CliRunner().invoke(cli, ["items", "--format", "json"])
    assert listed.exit_code == 0 and listed.stdout.strip() == "[]"


def test_import_may_start_a_new_database(run, sample: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    new = tmp_path / "new.db"
    result = CliRunner().invoke(cli, ["--db", str(new), "import", str(sample)])
    assert result.exit_code == 0, result.output
    assert f"새 데이터베이스를 만들었습니다: {new}" in result.stderr
    listed = CliRunner().invoke(cli, ["--db", str(new), "items", "--format", "json"])
    assert len(json.loads(listed.stdout)) == 14


def test_times_are_printed_in_the_configured_zone_with_its_name() -> None:
    from datetime import UTC, datetime

    from tracker.labels import moment_text  # the same words as the web's

    seoul = "Asia/Seoul"
    assert moment_text(datetime(2022, 3, 7, 1, 5), seoul) == "2022-03-07 10:05 KST"  # naive: UTC
    assert moment_text(datetime(2022, 3, 7, 15, 30, tzinfo=UTC), seoul) == "2022-03-08 00:30 KST"
    assert moment_text(datetime(2022, 3, 7, 1, 5, tzinfo=UTC), "UTC") == "2022-03-07 01:05 UTC"


def test_item_history_shows_local_times(run, sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    assert run("import", str(sample)).exit_code == 0
    assert run("item", "update", "2", "--due", "2022-08-31").exit_code == 0
    shown = run("item", "show", "2")
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} KST 기한을 .*2022-08-31\(으\)로 바꿨습니다",
                     shown.stdout), shown.stdout
    assert "(default)" not in shown.stdout and "미발송" in shown.stdout
    monkeypatch.setenv("TRACKER_TIMEZONE", "UTC")
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", run("item", "show", "2").stdout)


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_a_port_in_use_is_said_before_anything_is_printed_or_started(run, command: str) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(command, "--port", str(port))
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}에서 웹 화면을 열 수 없습니다: 다른 프로그램이 이 포트를 쓰고 있습니다" \
        in one_korean_line(result)


def test_an_abandoned_prompt_ends_with_a_korean_line(run) -> None:  # type: ignore[no-untyped-def]
    result = run("user", "add", "kim", "--role", "chair")  # no password typed: end of input
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == "중단했습니다."
    assert "Aborted" not in result.output
