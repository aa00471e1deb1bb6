"""The issue's end-to-end check: a request sent by `tracker send` (through a real SMTP server)
and answered by e-mail, as Korean Outlook writes the answer, shows the answer in the
follow-up column (`tracker items`) and in the export, with no copying by hand."""

from __future__ import annotations

import base64
import csv
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.sample_contacts import give_emails
from tests.smtp_server import TestServer, smtp_server_fixture  # noqa: F401
from tracker.cli import cli
from tracker.database import Database


@pytest.fixture
def mail_env(smtp_server: TestServer, monkeypatch: pytest.MonkeyPatch) -> TestServer:
    settings = smtp_server.settings()
    for name in ("smtp_host", "smtp_port", "mail_from", "secretariat_email"):
        monkeypatch.setenv(f"TRACKER_{name.upper()}", str(getattr(settings, name)))
    monkeypatch.setenv("TRACKER_INBOUND_ADDRESS", "reply@tracker.example.org")
    monkeypatch.setenv("TRACKER_SECRET_KEY", "end-to-end-secret")
    return smtp_server


def outlook_reply(request: Any, text: str) -> bytes:
    """A reply to `request` (the e-mail as received) as Korean Outlook writes it."""
    body = (f"{text}\n\n-----원본 메시지-----\n보낸 사람: {request['From']}\n"
            f"보낸 날짜: 2022년 1월 20일 목요일 오후 3:00\n받는 사람: {request['To']}\n"
            f"제목: {request['Subject']}\n\n(원래 요청 본문)\n")
    subject = base64.b64encode(f"RE: {request['Subject']}".encode("cp949")).decode()
    head = (f"From: =?ks_c_5601-1987?B?{base64.b64encode('선헤미'.encode('cp949')).decode()}?= "
            f"<sun.hemi@example.org>\r\nTo: {request['Reply-To']}\r\n"
            f"Subject: =?ks_c_5601-1987?B?{subject}?=\r\n"
            f"Message-ID: <e2e-reply-0001@example.org>\r\nIn-Reply-To: {request['Message-ID']}\r\n"
            f"References: {request['Message-ID']}\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=\"ks_c_5601-1987\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n")
    return head.encode("ascii") + base64.encodebytes(
        body.replace("\n", "\r\n").encode("cp949"))


def test_sent_by_tracker_send_answered_by_mail_shows_in_follow_up_and_export(
        imported: Database, run: Any, mail_env: TestServer, database_url: str,
        tmp_path: Path) -> None:
    give_emails(imported)
    assert run("send").exit_code == 0
    [request] = [m.parsed() for m in mail_env.messages
                 if "sun.hemi@example.org" in m.recipients]
    assert str(request["Reply-To"]).startswith("reply+")

    answer = "추경 예산 2천만원을 확보하였습니다. 똠방각하 사업과 연계합니다."
    received = CliRunner().invoke(cli, ["--db", database_url, "inbound"],
                                  input=outlook_reply(request, answer))
    assert received.exit_code == 0, received.output

    items = json.loads(run("items", "--format", "json").output)
    [answered] = [i for i in items if i["program"] == "1-4"]
    assert answered["follow_up"] == answer
    assert answered["status"] in ("answered", "회신됨")

    output = tmp_path / "총괄평가.csv"
    assert run("export", "--format", "csv", "-o", str(output)).exit_code == 0
    rows = list(csv.reader(output.open(encoding="utf-8-sig")))
    assert any(answer in cell for row in rows if "1-4" in row for cell in row)

    receipts = [m for m in mail_env.messages if "sun.hemi@example.org" in m.recipients]
    assert len(receipts) == 1  # the receipt waits in the outbox for the next flush
