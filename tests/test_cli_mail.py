"""The mail commands: send (server up and down), outbox, remind, mailcatcher."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from db.models import Contact
from notifications.compose import Draft, Mailbox, make_message, to_bytes
from notifications.mailcatcher import MailCatcher
from tests.sample_contacts import give_emails
from tests.smtp_server import TestServer, free_port, smtp_server_fixture  # noqa: F401
from tracker.database import Database


@pytest.fixture
def mail_env(smtp_server: TestServer, monkeypatch: pytest.MonkeyPatch) -> TestServer:
    settings = smtp_server.settings(smtp_password="s3cret-password")
    for name in ("smtp_host", "smtp_port", "mail_from", "secretariat_email", "smtp_password"):
        monkeypatch.setenv(f"TRACKER_{name.upper()}", str(getattr(settings, name)))
    return smtp_server


def test_send_delivers_requests_and_lists_contacts_without_email(
    imported: Database, run: Any, mail_env: TestServer
) -> None:
    give_emails(imported, skip=("조미화",))
    result = run("send")
    assert result.exit_code == 0, result.output
    assert "건너뜀: 노동정책과/조미화" in result.output
    assert "발송 7통" in result.output
    assert len(mail_env.messages) == 7
    assert "s3cret-password" not in result.output
    assert "보냄" in run("outbox", "--status", "sent").output


def test_send_with_smtp_down_keeps_them_queued(imported: Database, run: Any,
                                               mail_env: TestServer) -> None:
    give_emails(imported)
    mail_env.stop()
    result = run("send")
    assert result.exit_code == 0, result.output
    assert "대기열에 두었습니다" in result.output
    assert "s3cret-password" not in result.output
    assert run("outbox", "--status", "pending").output.count("보낼 예정") == 8


def test_dry_run_sends_and_stores_nothing(imported: Database, run: Any,
                                          mail_env: TestServer) -> None:
    give_emails(imported)
    result = run("send", "--dry-run")
    assert "--dry-run" in result.output and mail_env.messages == []
    assert "대기열에 메일이 없습니다" in run("outbox").output


def test_mailcatcher_stores_eml_files(tmp_path: Path) -> None:
    draft = Draft(Mailbox("사무국", "tracker@example.org"), Mailbox("김윤지", "kim@example.org"),
                  "[일자리분과] 시험", "본문", "<p>본문</p>")
    with MailCatcher(tmp_path / "mail", port=free_port()) as catcher, \
            smtplib.SMTP(catcher.host, catcher.port) as client:
        client.sendmail("tracker@example.org", ["kim@example.org"],
                        to_bytes(make_message(draft, datetime.now(UTC))))
    [stored] = catcher.files()
    assert b"Subject: =?utf-8?" in stored.read_bytes()


def test_a_korean_local_part_is_refused_at_entry_and_never_crashes_send(
    imported: Database, run: Any, mail_env: TestServer
) -> None:
    refused = run("contacts", "add", "--department", "관광과", "--name", "장보영",
                  "--email", "담당자@example.org")
    assert refused.exit_code == 1 and "영문 주소" in refused.stderr
    assert run("contacts", "add", "--department", "관광과", "--name", "장보영",
               "--email", "jang@관광.example").exit_code == 0  # a Korean domain goes as punycode
    give_emails(imported, skip=("장보영",))
    with imported.transaction() as session:  # an address stored before the check existed
        contact = session.scalars(select(Contact).where(Contact.name == "조미화")).one()
        contact.email = "조미화@example.org"
    result = run("send")  # set aside with its reason; everyone else's mail goes out
    assert result.exit_code == 0 and "조미화@example.org" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert len(mail_env.messages) == 7 and "영문 주소" in run("outbox", "--status", "failed").output
    assert run("contacts", "add", "--department", "노동정책과", "--name", "조미화",
               "--email", "cho@example.org").exit_code == 0
    assert run("send").exit_code == 0
    assert "cho@example.org" in {m.recipients[0] for m in mail_env.messages}
    assert "jang@xn--" in " ".join(m.recipients[0] for m in mail_env.messages)


@pytest.mark.parametrize("key", ["", "short"])
def test_worker_and_serve_refuse_to_start_without_a_secret_key(
    run: Any, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("TRACKER_SECRET_KEY", key)
    for command in (["worker"], ["serve", "--port", "1"]):
        result = run(*command)
        assert result.exit_code == 1, result.output
        assert result.output.startswith("오류: 비밀 키 secret_key가") and "TRACKER_SECRET_KEY" in result.output
