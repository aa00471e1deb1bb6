"""The shape of the `tracker` command: one map of commands, loaded lazily, no import cycle."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker import cli_commands
from tracker.cli import COMMANDS, cli, load_command
from tracker.cli_korean import _korean_help

PACKAGE = Path(__file__).parent.parent / "tracker"
HEAVY = ("sqlalchemy", "fastapi", "uvicorn", "aiosmtplib", "openpyxl", "hwpx", "jinja2",
         "starlette", "apscheduler", "psycopg", "lxml", "rich", "argon2", "notifications")
# The settings check their addresses with the sending parser, a module of regular
# expressions: loading it is not loading the mail stack.
LIGHT = {"notifications", "notifications.addresses"}


def heavy_in(loaded: set[str]) -> list[str]:
    """The loaded modules of the heavy stacks."""
    return sorted(m for m in loaded if m.split(".")[0] in HEAVY and m not in LIGHT)


def modules_after(*args: str) -> set[str]:
    """The modules loaded by `tracker ARGS` run in a fresh interpreter."""
    script = ("import sys\n"
              "from tracker.cli import cli\n"
              f"try:\n    cli.main({list(args)!r}, prog_name='tracker')\n"
              "except SystemExit:\n    pass\n"
              "print('\\n' + __import__('json').dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_help_lists_every_command_without_loading_one() -> None:
    loaded = modules_after("--help")
    heavy = heavy_in(loaded)
    assert heavy == []
    command_modules = {entry.split(":")[0] for entry, _ in COMMANDS.values()}
    assert not command_modules & loaded
    assert "tracker.config" not in loaded


def test_the_console_script_answers_help_without_click() -> None:
    # The entry point `tracker` (tracker.__main__:main) as the installed script runs it.
    script = ("import sys, json\n"
              "sys.argv = ['tracker', '--help']\n"
              "from tracker.__main__ import main\n"
              "main()\n"
              "print(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert "click" not in loaded
    assert not {m for m in loaded if m.startswith("tracker.") and m not in
                ("tracker.__main__", "tracker.cli_commands")}
    assert "명령:" in done.stdout and "demo" in done.stdout


@pytest.mark.parametrize("columns", ["50", "80", "200"])
def test_the_fast_help_is_the_help_click_shows(columns: str) -> None:
    environment = {**os.environ, "COLUMNS": columns}
    fast = subprocess.run([sys.executable, "-m", "tracker", "--help"], capture_output=True,
                          text=True, check=True, env=environment).stdout
    # `--db x` before `--help` takes the click path.
    through_click = subprocess.run([sys.executable, "-m", "tracker", "--db", "x", "--help"],
                                   capture_output=True, text=True, check=True,
                                   env=environment).stdout
    assert fast == through_click
    limit = min(int(columns), 80)
    assert max(cli_commands.columns(line) for line in fast.splitlines()) <= limit


def test_the_help_screens_options_are_the_groups_options() -> None:
    ctx = click.Context(cli)
    records = [param.get_help_record(ctx) for param in cli.get_params(ctx)]
    shown = [(term, _korean_help(text)) for term, text in filter(None, records)]
    assert shown == list(cli_commands.OPTIONS)


@given(st.lists(st.sampled_from(["회의록을", "가져오고(import),", "a", "TRACKER_DATABASE_URL",
                                 "의견별", "기한과", "담당자를", "관리합니다."]), min_size=1),
       st.integers(min_value=20, max_value=100))
def test_wrapped_help_keeps_every_word_within_the_width(words: list[str], width: int) -> None:
    lines = cli_commands.wrap(" ".join(words), width)
    assert " ".join(lines).split() == words
    assert all(cli_commands.columns(line) <= width or " " not in line for line in lines)


def test_a_commands_help_loads_only_its_own_module() -> None:
    loaded = modules_after("items", "--help")
    assert "tracker.cli_items" in loaded
    assert not {"tracker.cli_web", "tracker.cli_mail"} & loaded
    assert heavy_in(loaded) == []
    # the settings are read without network or crypto modules
    assert "tracker.config" in loaded
    assert not {"socket", "ssl", "secrets", "hmac", "_hashlib", "email"} & loaded


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_stacks_load_inside_the_commands_not_with_their_modules(name: str) -> None:
    # `tracker NAME --help` loads NAME's module: the web, mail, database, HWPX and
    # spreadsheet stacks must wait for the command to run.
    loaded = modules_after(name, "--help")
    assert COMMANDS[name][0].split(":")[0] in loaded
    assert heavy_in(loaded) == []


def test_help_shows_each_commands_korean_short_help() -> None:
    shown = subprocess.run([sys.executable, "-m", "tracker.cli", "--help"], capture_output=True,
                           text=True, check=True).stdout
    for name, (_, short) in COMMANDS.items():
        line = next(line for line in shown.splitlines() if line.split()[:1] == [name])
        assert short.split(".")[0][:20] in line


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_map_agrees_with_the_command(name: str) -> None:
    command = load_command(name)
    assert isinstance(command, click.Command)
    # The map's short help is the docstring's: a changed docstring must change the map too.
    assert click.Command(name, help=COMMANDS[name][1]).get_short_help_str(200) \
        == command.get_short_help_str(200)
    assert cli.get_command(click.Context(cli), name) is command


def test_command_modules_do_not_import_the_root_group() -> None:
    for path in sorted(PACKAGE.glob("cli_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            if isinstance(node, ast.ImportFrom) and node.module == "tracker":
                names = [f"tracker.{a.name}" for a in node.names]
            assert "tracker.cli" not in names, f"{path.name} imports tracker.cli (a cycle)"
