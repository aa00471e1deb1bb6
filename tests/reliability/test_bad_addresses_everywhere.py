"""An unusable stored address never stops the other mail paths (issue 12.2): reminders and
overdue notices (and their department copies), receipts after a reply through the link,
the 보완 요청 from the console and the chair's weekly digest each set the one message aside
with the Korean reason, and every other message reaches a real SMTP server (aiosmtpd).

The bad addresses are written straight into the database, as old data from before the
entry check would be."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db.models import Contact, Item, ItemStatus, OutboxMessage, OutboxState, Response
from notifications import sender
from tests.sample_contacts import give_emails
from tests.smtp_server import TestServer, smtp_server_fixture  # noqa: F401
from tests.web_factory import CURRENT_TIME, add_user, csrf_of, issue, item_ids, login, make_client
from tracker import digest, reminders, workflow
from tracker.database import Database
from tracker.requests import request_contacts

KST = ZoneInfo("Asia/Seoul")
REQUESTED = datetime(2022, 1, 20, 10, tzinfo=KST)
D7 = datetime(2022, 2, 16, 9, 5, tzinfo=KST)  # the sample's 2022-02-23 items, D-7
OVERDUE = datetime(2022, 3, 2, 9, 5, tzinfo=KST)
MONDAY = datetime(2022, 3, 7, 9, 5, tzinfo=KST)
BAD = [".a@example.org", "a..b@example.org", "a@example..org"]
REASON = "주소가 올바르지 않아 보내지 않았습니다"


def requested(db: Database, server: TestServer, **settings: object) -> None:
    """Every sample contact asked (with good addresses), the requests delivered."""
    give_emails(db)
    with db.transaction() as session:
        request_contacts(session, server.settings(**settings), REQUESTED)
    sender.flush(db, server.settings(**settings), clock=lambda: REQUESTED)
    server.messages.clear()


def break_address(db: Database, name: str, address: str) -> None:
    with db.transaction() as session:
        session.scalars(select(Contact).where(Contact.name == name)).one().email = address


def set_aside(db: Database) -> list[OutboxMessage]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.state == OutboxState.FAILED).order_by(OutboxMessage.id)))


def arrived(server: TestServer) -> list[str]:
    return sorted(r for m in server.messages for r in m.recipients)


@pytest.mark.parametrize("bad", BAD)
def test_reminders_go_out_beside_a_bad_address(imported: Database, smtp_server: TestServer,
                                               bad: str) -> None:
    requested(imported, smtp_server)
    break_address(imported, "장보영", bad)
    settings = smtp_server.settings()
    report = reminders.sweep(imported, settings, D7)
    sender.flush(imported, settings, clock=lambda: D7)
    assert report.errors == 0
    # six contacts have reply-needed items due 2022-02-23; five of them can be written to
    assert len(smtp_server.messages) == 5 and bad not in arrived(smtp_server)
    [aside] = set_aside(imported)
    assert (aside.kind, aside.recipient) == ("reminder", bad)
    assert REASON in (aside.last_error or "") and "장보영" in (aside.last_error or "")
    # the next sweep neither repeats it nor stops: the items wait for their next occasion
    assert reminders.sweep(imported, settings, D7 + timedelta(minutes=5)).items == 0
    assert len(set_aside(imported)) == 1


def test_overdue_notices_go_out_and_a_bad_colleagues_copy_is_set_aside(
        imported: Database, smtp_server: TestServer) -> None:
    requested(imported, smtp_server, overdue_cc_department=True)
    break_address(imported, "선헤미", "a..b@example.org")  # 일자리정책과, copied on its notices
    settings = smtp_server.settings(overdue_cc_department=True)
    reminders.sweep(imported, settings, OVERDUE)
    sender.flush(imported, settings, clock=lambda: OVERDUE)
    kim = [m for m in smtp_server.messages if m.recipients[0] == "kim.yunji@example.org"]
    assert kim, "김윤지's overdue notice did not arrive"
    assert "eo.sujeong@example.org" in kim[0].recipients  # a colleague with a good address
    assert "a..b@example.org" not in arrived(smtp_server)
    aside = set_aside(imported)
    assert {m.kind for m in aside} == {"overdue"}
    assert all(m.recipient == "a..b@example.org" and REASON in (m.last_error or "")
               for m in aside)


@pytest.mark.parametrize("bad", BAD)
def test_a_reply_is_kept_and_its_receipt_set_aside(imported: Database, smtp_server: TestServer,
                                                   bad: str) -> None:
    requested(imported, smtp_server)
    break_address(imported, "김윤지", bad)
    settings = smtp_server.settings()
    client = make_client(imported, settings=settings)
    for name, text in (("김윤지", "추경에 반영했습니다."), ("장보영", "하반기에 추진합니다.")):
        token = issue(imported, name)
        first = item_ids(imported, name)[0]
        csrf = csrf_of(client.get(f"/r/{token}").text)
        saved = client.post(f"/r/{token}/items/{first}", data={
            "csrf": csrf, "text": text, "kind": "반영", "action": "submit"})
        assert saved.status_code == 200 and "회신을 제출했습니다" in saved.text
    sender.flush(imported, settings, clock=lambda: CURRENT_TIME)
    assert arrived(smtp_server) == ["jang.boyoung@example.org"]  # 장보영's receipt
    with imported.reading() as session:
        texts = set(session.scalars(select(Response.text)))
    assert texts == {"추경에 반영했습니다.", "하반기에 추진합니다."}
    [aside] = set_aside(imported)
    assert (aside.kind, aside.recipient) == ("receipt", bad) and REASON in (aside.last_error or "")


@pytest.mark.parametrize("bad", BAD)
def test_a_return_for_revision_stands_and_its_mail_is_set_aside(
        imported: Database, smtp_server: TestServer, bad: str) -> None:
    requested(imported, smtp_server)
    settings = smtp_server.settings()
    answered = {}
    for name in ("김윤지", "장보영"):
        answered[name] = item_ids(imported, name)[0]
        with imported.transaction() as session:
            workflow.submit_response(session, answered[name], "반영", name, kind="반영")
    break_address(imported, "김윤지", bad)
    add_user(imported, "sec", "secretariat")
    client = make_client(imported, settings=settings)
    login(client, "sec")
    pages = {}
    for name, item_id in answered.items():
        csrf = csrf_of(client.get(f"/console/items/{item_id}").text)
        done = client.post(f"/console/items/{item_id}/return",
                           data={"csrf": csrf, "comment": "예산 근거를 적어 주세요."})
        assert done.status_code == 303
        pages[name] = client.get(done.headers["location"]).text
    assert "보완 요청을 보냈습니다." in pages["장보영"]
    assert "메일은 보내지 못했습니다" in pages["김윤지"]
    sender.flush(imported, settings, clock=lambda: CURRENT_TIME)
    assert arrived(smtp_server) == ["jang.boyoung@example.org"]
    with imported.reading() as session:
        states = {session.get(Item, i).status for i in answered.values()}  # type: ignore[union-attr]
    assert states == {ItemStatus.RETURNED}
    [aside] = set_aside(imported)
    assert (aside.kind, aside.recipient) == ("returned", bad) and REASON in (aside.last_error or "")


def test_a_bad_chair_address_sets_the_digest_aside_and_the_reminders_go(
        imported: Database, smtp_server: TestServer) -> None:
    requested(imported, smtp_server)
    settings = smtp_server.settings(chair_email="a@example..org")
    with imported.transaction() as session:
        assert digest.run_digest(session, settings, MONDAY)
    reminders.sweep(imported, settings, MONDAY)
    sender.flush(imported, settings, clock=lambda: MONDAY)
    assert smtp_server.messages and "a@example..org" not in arrived(smtp_server)
    [aside] = set_aside(imported)
    assert (aside.kind, aside.recipient) == ("digest", "a@example..org")
    assert "chair_email" in (aside.last_error or "")
    with imported.transaction() as session:  # once a week, like a digest that went out
        assert not digest.run_digest(session, settings, MONDAY + timedelta(hours=1))
    assert len(set_aside(imported)) == 1


def test_the_cli_lists_every_set_aside_message_with_its_reason(
        imported: Database, smtp_server: TestServer, run: object) -> None:
    requested(imported, smtp_server)
    break_address(imported, "장보영", ".a@example.org")
    reminders.sweep(imported, smtp_server.settings(), D7)
    listed = run("outbox", "--status", "failed")  # type: ignore[operator]
    assert listed.exit_code == 0
    assert ".a@example.org" in listed.output and f"오류: {REASON}" in listed.output


def test_a_bad_secretariat_address_does_not_stop_the_sender_recording_a_failure(
        imported: Database, smtp_server: TestServer) -> None:
    give_emails(imported)
    smtp_server.refuse["kim.yunji@example.org"] = "550 5.1.1 no such user"
    settings = smtp_server.settings()
    with imported.transaction() as session:
        request_contacts(session, settings, REQUESTED)
    broken = smtp_server.settings(secretariat_email="office@example..org")
    report = sender.flush(imported, broken, clock=lambda: REQUESTED)
    assert report.failed == 1 and len(smtp_server.messages) == 7  # everyone else's request
    [failed] = set_aside(imported)
    assert failed.recipient == "kim.yunji@example.org"


@pytest.mark.parametrize("name", ["mail_from", "secretariat_email", "inbound_address"])
def test_an_address_every_message_needs_is_refused_at_start_in_korean(
        imported: Database, run: object, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(f"TRACKER_{name.upper()}", "a..b@example.org")
    result = run("send")  # type: ignore[operator]
    assert result.exit_code == 1 and result.stderr.startswith("오류:")
    assert f"설정 {name}의 주소를 쓸 수 없습니다" in result.stderr
    assert "Traceback" not in result.stderr + result.output


def test_the_consoles_send_button_sets_a_bad_address_aside_and_says_why(
        imported: Database, smtp_server: TestServer) -> None:
    give_emails(imported)
    break_address(imported, "조미화", "a@example..org")
    add_user(imported, "sec", "secretariat")
    settings = smtp_server.settings()
    client = make_client(imported, settings=settings)
    login(client, "sec")
    csrf = csrf_of(client.get("/console").text)
    sent = client.post("/console/requests", data={"csrf": csrf, "confirm": "1"})
    assert sent.status_code == 200 and "요청 메일 7통을 발송 대기열에 넣었습니다" in sent.text
    assert "주소가 올바르지 않아 보내지 못한 담당자" in sent.text
    assert "a@example..org" in sent.text
    sender.flush(imported, settings, clock=lambda: CURRENT_TIME)
    assert len(smtp_server.messages) == 7 and "a@example..org" not in arrived(smtp_server)
    failed = client.get("/console/outbox?failed=1").text
    assert "a@example..org" in failed and REASON in failed
