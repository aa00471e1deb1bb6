"""The house's arrows run one way: the front ends (web app, CLI) call the tracker's services,
which use notifications (mail) and db (storage); nothing imports upward. A module that does
fails here, naming the import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
# The front ends: the web app and the CLI (tracker.__main__, tracker.cli, tracker.cli_mail, …).
FRONT_ENDS = ("tracker.web", "tracker.cli")


def is_front_end(module: str) -> bool:
    return module in ("tracker.web", "tracker.__main__") or module.startswith(("tracker.web.", "tracker.cli"))


def test_tracker_notifications_db_contracts_are_kept() -> None:
    # The contracts in pyproject.toml: notifications imports nothing from tracker, db
    # imports neither. In its own process: import-linter reconfigures logging.
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_service_imports_a_front_end() -> None:
    graph = grimp.build_graph("tracker", "notifications", "db", cache_dir=None)
    upward = sorted(
        f"{module} -> {imported}"
        for module in graph.modules if not is_front_end(module)
        for imported in graph.find_modules_directly_imported_by(module)
        if is_front_end(imported)
    )
    assert upward == []


def test_the_check_sees_an_upward_import() -> None:
    # The check itself can fail: the web app does import services, the other way round.
    graph = grimp.build_graph("tracker", cache_dir=None)
    assert "tracker.queries" in graph.find_modules_directly_imported_by("tracker.web.console")
    assert is_front_end("tracker.cli_mail") and is_front_end("tracker.web.reply")
    assert not is_front_end("tracker.webhooks") and not is_front_end("tracker.queries")
