"""Bad data is skipped and reported, never fatal (issue 12.2): addresses checked at entry with
the parser sending uses, an unusable stored address set aside while everyone else's mail
goes out, absurd due dates refused at entry and harmless when already stored, column
lengths named before the database sees them, control characters removed from text."""

from __future__ import annotations

import email.policy
from datetime import UTC, date, datetime
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from db.models import Contact, Item, Member, OutboxMessage, OutboxState, Response, Strategy
from notifications.addresses import BadAddress, check_address
from notifications.compose import Draft, Mailbox, build
from notifications.mailer import plan_envelope
from notifications.policy import ReminderPolicy, first_reminder_at, occasions
from tests.sample_contacts import give_emails
from tests.smtp_server import TestServer, smtp_server_fixture  # noqa: F401
from tests.web_factory import csrf_of, issue, item_ids, make_client
from tracker import reminders
from tracker.config import Settings
from tracker.database import Database
from tracker.errors import UserError
from tracker.links import link_expiry

BAD_ADDRESSES = [".a@example.org", "a..b@example.org", "a@example..org",
                 "a(comment)@example.org", "a.@example.org", "a@example.org.", "a b@example.org",
                 "<a@example.org>", "a@b@example.org", "a@example", "\"a\"@example.org"]
NOW = datetime(2022, 1, 20, 1, 0, tzinfo=UTC)


@pytest.fixture
def mail_env(smtp_server: TestServer, monkeypatch: pytest.MonkeyPatch) -> TestServer:
    """`tracker` commands send to the test server."""
    settings = smtp_server.settings()
    for name in ("smtp_host", "smtp_port", "mail_from", "secretariat_email"):
        monkeypatch.setenv(f"TRACKER_{name.upper()}", str(getattr(settings, name)))
    return smtp_server


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_a_bad_address_is_refused_at_entry_with_a_korean_reason(
    address: str, imported: Database, run: Any, tmp_path: Path
) -> None:
    with pytest.raises(BadAddress) as refused:
        check_address(address)
    assert str(refused.value) and not str(refused.value).isascii()  # a Korean reason
    typed = run("contacts", "add", "--department", "관광과", "--name", "장보영", "--email", address)
    assert typed.exit_code == 1 and typed.stderr.startswith("오류:")
    assert str(refused.value) in typed.stderr and "Traceback" not in typed.stderr
    sheet = tmp_path / "contacts.csv"
    quoted = '"' + address.replace('"', '""') + '"'
    sheet.write_text(f"부서,이름,이메일\n관광과,장보영,jang@example.org\n관광과,박새로,{quoted}\n",
                     encoding="utf-8")
    imported_csv = run("contacts", "import", str(sheet))
    assert imported_csv.exit_code == 1 and "3행" in imported_csv.stderr
    with imported.transaction() as session:  # all or nothing: the good row is not half-kept
        emails = set(session.scalars(select(Contact.email)))
    assert address not in emails and "jang@example.org" not in emails


@given(st.emails())
def test_what_entry_accepts_is_what_the_header_and_the_envelope_carry(address: str) -> None:
    try:
        accepted = check_address(address)
    except BadAddress:
        return
    built = build(Draft(Mailbox("사무국", "tracker@example.org"), Mailbox("담당자", accepted),
                        "제목", "본문", "<p>본문</p>"), NOW)
    header = message_from_bytes(built.data, policy=email.policy.default)["To"].addresses[0]
    envelope = plan_envelope("tracker@example.org", [accepted], smtputf8=False)
    assert list(envelope.recipients) == [header.addr_spec]  # one address, the same both ways


def test_a_bad_stored_address_and_an_absurd_due_date_do_not_stop_anyone_elses_mail(
    imported: Database, run: Any, mail_env: TestServer
) -> None:
    give_emails(imported)
    with imported.transaction() as session:  # stored before entry was checked
        bad = session.scalars(select(Contact).where(Contact.name == "조미화")).one()
        bad.email = "a..b@example.org"
        far, early = session.scalars(select(Item).join(Contact).where(
            Contact.name.in_(["김윤지", "장보영"])).order_by(Contact.name)).all()[:2]
        far.due_date, early.due_date = date(9999, 12, 31), date(1, 1, 1)
    sent = run("send")
    assert sent.exit_code == 0, sent.output + sent.stderr
    assert "a..b@example.org" in sent.stderr and "주소 오류" in sent.stderr
    arrived = {m.recipients[0] for m in mail_env.messages}
    assert len(arrived) == 7 and "a..b@example.org" not in arrived  # every other contact's
    failed = run("outbox", "--status", "failed").output
    assert "a..b@example.org" in failed and "주소가 올바르지 않아 보내지 않았습니다" in failed
    again = run("send")  # nothing doubles, the set-aside row is not repeated
    assert again.exit_code == 0 and len(mail_env.messages) == 7
    assert run("outbox", "--status", "failed").output.count("a..b@example.org  ") == 1
    with imported.transaction() as session:
        rows = session.scalars(select(OutboxMessage).where(
            OutboxMessage.state == OutboxState.FAILED)).all()
        assert [r.message for r in rows] == [b""]
    # Fixed, the address gets the items that waited for it.
    assert run("contacts", "add", "--department", "노동정책과", "--name", "조미화",
               "--email", "jo.mihwa@example.org").exit_code == 0
    assert run("send").exit_code == 0
    assert "jo.mihwa@example.org" in {m.recipients[0] for m in mail_env.messages}
    # And the reminder sweep over the absurd dates runs without an error.
    report = reminders.sweep(imported, mail_env.settings(), datetime(2022, 2, 14, 0, 30,
                                                                    tzinfo=UTC))
    assert report.errors == 0


@pytest.mark.parametrize("due", [date.max, date.min, date(9999, 12, 24), date(1, 1, 2)])
def test_expiries_and_reminder_schedules_cannot_overflow(due: date) -> None:
    policy = ReminderPolicy.from_settings(Settings())
    assert link_expiry(due, NOW, 60) >= NOW
    assert occasions(due, policy)
    first_reminder_at(due, NOW, policy)  # no OverflowError


@pytest.mark.parametrize("due", ["9999-12-31", "0001-01-01", "2020-12-31", "2033-01-01"])
def test_a_due_date_outside_the_meetings_year_minus_one_to_plus_ten_is_refused_at_entry(
    due: str, imported: Database, run: Any
) -> None:
    [item_id] = item_ids(imported, "김윤지")[:1]
    result = run("item", "update", str(item_id), "--due", due)
    assert result.exit_code == 1 and result.stderr.startswith("오류:")
    assert "2021-01-01 ~ 2032-12-31" in result.stderr
    assert run("item", "update", str(item_id), "--due", "2032-12-31").exit_code == 0


@pytest.mark.parametrize("row, field, limit", [
    (lambda: Strategy(plan_year=2022, code="I" * 21, title="전략"), "전략 코드", 20),
    (lambda: Member(committee_id=1, name="가" * 101), "참석자 이름", 100),
])
def test_a_value_longer_than_its_column_is_named_before_the_database_sees_it(
    imported: Database, row: Any, field: str, limit: int
) -> None:
    with pytest.raises(UserError) as refused, imported.transaction() as session:
        session.add(row())
    assert f"{field}은(는) 최대 {limit}자입니다" in str(refused.value)


def test_a_long_contact_name_gets_a_korean_message_not_a_traceback(
    imported: Database, run: Any
) -> None:
    result = run("contacts", "add", "--department", "관광과", "--name", "가" * 101,
                 "--email", "long@example.org")
    assert result.exit_code == 1 and "담당자 이름은(는) 최대 100자입니다" in result.stderr


def test_a_nul_and_other_control_characters_are_removed_from_a_reply(imported: Database) -> None:
    give_emails(imported)
    token = issue(imported, "김윤지")
    client = make_client(imported)
    [item_id, _] = item_ids(imported, "김윤지")
    csrf = csrf_of(client.get(f"/r/{token}").text)
    answer = client.post(f"/r/{token}/items/{item_id}", data={
        "csrf": csrf, "text": "추경\x00에 반영\x1b[31m함\n다음 줄", "kind": "반영",
        "action": "submit"})
    assert answer.status_code == 200
    with imported.transaction() as session:
        [stored] = session.scalars(select(Response).where(Response.item_id == item_id))
        assert stored.text == "추경에 반영[31m함\n다음 줄"
