"""Settings come from tracker.toml and TRACKER_* variables, are checked, and never leak the password."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.config import HELP, Settings, load_settings
from tracker.errors import Invalid, UserError


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


@pytest.mark.parametrize(("name", "value"), [
    ("TRACKER_TIMEZONE", "Asia/Busan"), ("TRACKER_TIMEZONE", "../etc"),
    ("TRACKER_REMINDER_DAYS_BEFORE", "7,하루"), ("TRACKER_REMINDER_DAYS_BEFORE", "-1"),
    ("TRACKER_WORK_END_HOUR", "25"), ("TRACKER_WORK_START_HOUR", "18"),
    ("TRACKER_SMTP_PORT", "0"), ("TRACKER_REPLY_LINK_DAYS", "0"),
])
def test_every_value_is_checked_when_loaded(tmp_path: Path, name: str, value: str) -> None:
    # A bad value is refused at start-up, naming the setting, not when a job first uses it.
    setting = "work_start_hour" if name.endswith("START_HOUR") else name[8:].lower()
    with pytest.raises(Invalid, match=setting):
        load_settings({name: value}, cwd=tmp_path)


def test_zone_and_reminder_days_are_parsed(tmp_path: Path) -> None:
    settings = load_settings({"TRACKER_TIMEZONE": "Asia/Tokyo",
                              "TRACKER_REMINDER_DAYS_BEFORE": "1, 7,3"}, cwd=tmp_path)
    assert settings.zone.key == "Asia/Tokyo"
    assert settings.reminder_days == (7, 3, 1)
    assert load_settings({"TRACKER_REMINDER_DAYS_BEFORE": ""}, cwd=tmp_path).reminder_days == ()
