"""Settings come from tracker.toml and TRACKER_* variables, are checked, and never leak the password."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.config import HELP, Settings, load_settings
from tracker.errors import UserError


def test_environment_overrides_file(tmp_path: Path) -> None:
    (tmp_path / "tracker.toml").write_text('smtp_port = 2525\nmail_from = "a@example.org"\n')
    settings = load_settings({"TRACKER_SMTP_PORT": "587"}, cwd=tmp_path)
    assert settings.smtp_port == 587
    assert settings.mail_from == "a@example.org"


def test_bad_values_are_named(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="smtp_port"):
        load_settings({"TRACKER_SMTP_PORT": "twenty"}, cwd=tmp_path)
    (tmp_path / "tracker.toml").write_text("smtp_prot = 25\n")
    with pytest.raises(UserError, match="smtp_prot"):
        load_settings({}, cwd=tmp_path)


def test_password_is_masked() -> None:
    assert Settings(smtp_password="secret").redacted()["smtp_password"] == "********"


def test_every_setting_is_documented() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for name in Settings.__dataclass_fields__:
        assert name in HELP, name
        assert f"TRACKER_{name.upper()}" in readme, name
