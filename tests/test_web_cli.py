"""The web commands: `tracker user add` (password prompted, argon2 hash stored) and the
demo's set-up (sample imported, requests caught by the local mail catcher)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from db.models import Item, ItemStatus, User
from tracker import accounts
from tracker.cli import cli
from tracker.cli_web import demo_settings, free_port, load_demo
from tracker.database import Database, open_database
from tracker.web.devmail import read_mail


def test_user_add_prompts_and_stores_an_argon2_hash(run, db: Database, database_url: str) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["--db", database_url, "user", "add", "kim", "--role",
                                      "secretariat"], input="long enough pw\nlong enough pw\n")
    assert result.exit_code == 0, result.output
    assert "kim" in result.output
    with db.transaction() as session:
        user = session.scalars(select(User)).one()
        assert user.password_hash.startswith("$argon2")
        assert "long enough pw" not in user.password_hash
        assert accounts.authenticate(session, "kim", "long enough pw") is not None
        assert accounts.authenticate(session, "kim", "wrong") is None
        assert accounts.authenticate(session, "nobody", "long enough pw") is None


def test_user_add_refuses_short_passwords_and_duplicates(run) -> None:  # type: ignore[no-untyped-def]
    short = run("user", "add", "kim", "--role", "chair", "--password", "short")
    assert short.exit_code == 1 and "10자 이상" in short.output
    assert run("user", "add", "kim", "--role", "chair", "--password", "long enough pw"
               ).exit_code == 0
    again = run("user", "add", "kim", "--role", "chair", "--password", "long enough pw")
    assert again.exit_code == 1 and "이미 있습니다" in again.output


def test_demo_set_up_sends_requests_to_the_catcher(tmp_path: Path) -> None:
    from notifications.mailcatcher import MailCatcher

    catcher = MailCatcher(tmp_path / "mail", port=free_port())
    settings = demo_settings(tmp_path, "127.0.0.1", 8765, catcher.port)
    database = open_database(settings.database_url)
    with catcher:
        load_demo(database, settings, "demo password 1")
        caught = catcher.files()
    assert len(caught) >= 7  # one request per contact with items
    mails = [read_mail(p) for p in caught]
    assert all(m.to.endswith(("@example.org>", "@example.com>")) for m in mails)
    assert any(link.startswith("http://127.0.0.1:8765/r/") for m in mails for link in m.links)
    with database.transaction() as session:
        statuses = set(session.scalars(select(Item.status).where(Item.contact_id.is_not(None))))
        assert ItemStatus.NEW not in statuses
        assert accounts.authenticate(session, "demo", "demo password 1") is not None
    database.engine.dispose()
