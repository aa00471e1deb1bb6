"""Safe output (issue 12.5): data printed in a terminal as text, never as Rich markup, with
control and escape characters shown escaped; header lines folded whatever the name;
passwords masked in every message."""

from __future__ import annotations

import email.policy
from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from db.models import Item, Program
from notifications.compose import Draft, Mailbox, build
from tests.conftest import POSTGRES_URL
from tracker.cli import cli
from tracker.config import Settings
from tracker.database import Database, safe_url
from tracker.terminal import visible

HOSTILE = "청년 [/] 일자리 [link=https://evil.example]여기[/link] \x1b[2J\x1b]8;;x\x07 끝"


def test_markup_and_escape_sequences_in_data_print_as_written(
    imported: Database, run: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # no folding inside the cells looked at
    with imported.transaction() as session:  # stored raw (as before text was cleaned)
        program_id = session.scalars(select(Program.id).where(Program.number == "1-1")).one()
        session.execute(update(Program).where(Program.id == program_id).values(name=HOSTILE))
        item_id = session.scalars(select(Item.id).where(Item.program_id == program_id)).first()
        session.execute(update(Item).where(Item.id == item_id).values(
            text="의견 [bold]굵게[/bold] \x1b[31m빨강\u202e거꾸로"))
    listed = run("items")
    assert listed.exit_code == 0, listed.output  # "[/]" crashed Rich's markup parser
    assert "[bold]굵게[/bold]" in listed.output and "\x1b" not in listed.output
    shown = run("item", "show", str(item_id))
    assert shown.exit_code == 0, shown.output
    assert "[link=https://evil.example]" in shown.output and "[bold]굵게[/bold]" in shown.output
    assert "\\x1b[2J" in shown.output and "\\u202e" in shown.output
    assert "\x1b" not in shown.output and "\u202e" not in shown.output


def test_visible_escapes_controls_and_keeps_korean_and_line_breaks() -> None:
    assert visible("가\x00나\x1b[0m\n다\t") == "가\\x00나\\x1b[0m\n다\t"
    assert visible("\u202e\x9b") == "\\u202e\\x9b"


def test_a_1200_character_ascii_name_is_folded_to_rfc_5322_lines() -> None:
    name = "A" * 1200
    built = build(Draft(Mailbox("Council", "tracker@example.org"), Mailbox(name, "a@example.org"),
                        "subject", "text", "<p>html</p>", cc=[Mailbox("B" * 500, "b@example.org")]),
                  datetime(2022, 1, 20, tzinfo=UTC))
    head = built.data.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78
    raw = message_from_bytes(built.data)["To"]  # RFC 2047 decoding joins adjacent words
    assert str(make_header(decode_header(raw))) == f"{name} <a@example.org>"
    parsed = message_from_bytes(built.data, policy=email.policy.default)
    assert parsed["To"].addresses[0].addr_spec == "a@example.org"


def test_passwords_are_masked_in_every_message() -> None:
    url = "postgresql://tracker:s3cret-pw@127.0.0.1:1/tracker"
    assert "s3cret-pw" not in safe_url(url)
    assert "s3cret-pw" not in str(Settings(database_url=url, smtp_password="smtp-pw").redacted())
    assert "smtp-pw" not in str(Settings(smtp_password="smtp-pw").redacted())
    for command in ("init", "status", "items"):
        result = CliRunner().invoke(cli, ["--db", url, command])
        assert result.exit_code != 0
        assert "s3cret-pw" not in result.output + result.stderr, command


@pytest.mark.skipif(not POSTGRES_URL or "@/" not in (POSTGRES_URL or ""),
                    reason="needs a local-socket PostgreSQL (TRACKER_TEST_DATABASE_URL)")
def test_init_on_postgresql_does_not_print_the_password(database_url: str) -> None:
    with_password = database_url.replace("@/", ":s3cret-pw@/", 1)  # the socket ignores it
    result = CliRunner().invoke(cli, ["--db", with_password, "init"])
    assert result.exit_code == 0, result.output
    assert "s3cret-pw" not in result.output and "***" in result.output
