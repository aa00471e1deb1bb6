"""Where a reply by e-mail lands: every message of the corpus (tests/data/inbound) answered to
a request that `request_contacts` really wrote, on SQLite and PostgreSQL.

The sample minutes are imported; 선헤미 (일자리정책과) has one open item, 1-4#1; 김윤지 has
1-1#1 and 1-1#2, and in the multi-item case also 1-4#1. The corpus's placeholder KEY and
Message-ID are replaced by those of the request e-mail written to the sender's contact.
"""

from __future__ import annotations

import email
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import (
    AuditEvent,
    Contact,
    InboundMessage,
    Item,
    ItemStatus,
    OutboxMessage,
    OutboxState,
    Response,
)
from notifications import replykey
from tests.sample_contacts import give_emails
from tracker import workflow
from tracker.config import Settings
from tracker.database import Database
from tracker.export import build_table
from tracker.inbound import applying
from tracker.inbound.receiving import EX_NOUSER, Result, receive
from tracker.requests import request_contacts

CORPUS = Path(__file__).parent / "data" / "inbound"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
PLACEHOLDER_KEY = b"keykeykeykeykeykeykeykey"
PLACEHOLDER_ID = b"<request@placeholder.invalid>"
NOW = datetime(2022, 1, 20, 6, 0, tzinfo=UTC)  # 15:00 in Seoul, the day the requests go out
LATER = NOW + timedelta(days=1)
SETTINGS = Settings(mail_from="tracker@tracker.example.org", secret_key="test-secret",
                    inbound_address="reply@tracker.example.org",
                    secretariat_email="office@tracker.example.org")


@pytest.fixture
def sent(imported: Database) -> Database:
    """Requests sent to every sample contact; 김윤지 also answers for 1-4 when a test asks."""
    give_emails(imported)
    return imported


def send_requests(db: Database, settings: Settings = SETTINGS, now: datetime = NOW) -> None:
    with db.transaction() as session:
        request_contacts(session, settings, now)


def request_to(db: Database, name: str) -> tuple[bytes, bytes]:
    """The KEY of the Reply-To and the Message-ID of the request e-mail to contact `name`."""
    with db.transaction() as session:
        contact = session.scalars(select(Contact).where(Contact.name == name)).one()
        row = session.scalars(select(OutboxMessage).where(
            OutboxMessage.contact_id == contact.id, OutboxMessage.kind == "request")).one()
        headers = email.message_from_bytes(row.message)
        key = replykey.key_of(str(headers["Reply-To"]), SETTINGS.inbound_address, "+")
        assert key is not None
        return key.encode(), row.message_id.encode()


def corpus(case: str, db: Database) -> bytes:
    key, message_id = request_to(db, EXPECTED[case].get("contact", "선헤미"))
    raw = (CORPUS / f"{case}.eml").read_bytes()
    return raw.replace(PLACEHOLDER_KEY, key).replace(PLACEHOLDER_ID, message_id)


def item_id(db: Database, key: str) -> int:
    with db.transaction() as session:
        return session.scalars(select(Item.id).where(Item.key == key)).one()


def mail_responses(db: Database) -> list[tuple[str, str, str | None, bool, str | None]]:
    with db.transaction() as session:
        rows = session.execute(select(Item.key, Response.text, Response.kind,
                                      Response.submitted, Response.via)
                               .join(Item, Response.item_id == Item.id).order_by(Item.key))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def stored(db: Database) -> list[InboundMessage]:
    with db.transaction() as session:
        rows = list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
        session.expunge_all()
        return rows


def outbox_kinds(db: Database) -> list[str]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)))


def prepare(db: Database, case: str) -> None:
    expected = EXPECTED[case]
    if "contact_email" in expected:
        with db.transaction() as session:
            contact = session.scalars(select(Contact).where(Contact.name == "선헤미")).one()
            contact.email = expected["contact_email"]
    if case == "multi_item":
        with db.transaction() as session:
            workflow.set_contact(session, item_id(db, "1-4#1"), "김윤지", actor="test")
    send_requests(db)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_every_corpus_message_lands_where_described(sent: Database, case: str) -> None:
    prepare(sent, case)
    expected = EXPECTED[case]
    outcome = receive(sent, SETTINGS, corpus(case, sent), LATER)
    if expected["lands"] == "unknown":
        assert outcome.result == Result.UNKNOWN and outcome.exit_code == EX_NOUSER
        assert stored(sent) == []
        return
    assert outcome.exit_code == 0
    [message] = stored(sent)
    assert message.state.value == expected["lands"], message.detail
    assert message.raw.startswith((CORPUS / f"{case}.eml").read_bytes()[:20])
    if "why" in expected:
        assert message.reason == expected["why"]
        assert message.detail  # a Korean sentence the console shows
    mailed = [r for r in mail_responses(sent) if r[4] == "mail"]
    if expected["lands"] != "applied":
        assert mailed == []
        return
    assert all(kind is None and submitted for _, _, kind, submitted, _ in mailed)
    assert outbox_kinds(sent)[-1] == "receipt"
    if case == "multi_item":
        sections = expected["sections"]
        assert [(k, t) for k, t, *_ in mailed] == [
            ("1-1#1", sections["1-1"]), ("1-1#2", sections["1-1"]), ("1-4#1", sections["1-4"])]
    else:
        [(key, text, *_)] = mailed
        assert key == "1-4#1"
        assert text.startswith(expected["reply"])


def test_the_answer_shows_in_the_follow_up_column_and_the_export(sent: Database) -> None:
    send_requests(sent)
    receive(sent, SETTINGS, corpus("outlook_ko", sent), LATER)
    with sent.transaction() as session:
        item = session.get(Item, item_id(sent, "1-4#1"))
        assert item is not None and item.status == ItemStatus.ANSWERED
        rows = build_table(session).rows
    row = next(r for r in rows if "1-4" in r)
    assert any("똠방각하 사업과 연계하여" in cell for cell in row)


def test_attachments_are_named_in_the_reply_and_kept(sent: Database) -> None:
    send_requests(sent)
    receive(sent, SETTINGS, corpus("hwpx_attachment", sent), LATER)
    [(_, text, *_)] = [r for r in mail_responses(sent) if r[4] == "mail"]
    assert text == ("조치결과를 첨부와 같이 제출합니다.\n\n"
                    "(메일 첨부: 2022 조치결과(일자리정책과).hwpx, 증빙.pdf)")
    [message] = stored(sent)
    with sent.transaction() as session:
        row = session.get(InboundMessage, message.id)
        assert row is not None
        kept = [(a.name, len(a.data), a.refused) for a in row.attachments]
    assert kept[0][1] > 10000 and kept[1] == ("증빙.pdf", 16, None)
    assert kept[2][0] == "setup.exe" and kept[2][1] == 0 and "형식" in (kept[2][2] or "")


def test_the_same_message_delivered_twice_is_stored_and_applied_once(sent: Database) -> None:
    send_requests(sent)
    raw = corpus("gmail_wrapped", sent)
    first = receive(sent, SETTINGS, raw, LATER)
    second = receive(sent, SETTINGS, raw, LATER + timedelta(minutes=5))
    assert (first.result, second.result) == (Result.STORED, Result.DUPLICATE)
    assert second.exit_code == 0
    assert len(stored(sent)) == 1
    assert len([r for r in mail_responses(sent) if r[4] == "mail"]) == 1
    assert outbox_kinds(sent).count("receipt") == 1


def test_a_second_mail_is_a_new_revision_never_an_overwrite(sent: Database) -> None:
    send_requests(sent)
    receive(sent, SETTINGS, corpus("gmail_wrapped", sent), LATER)
    receive(sent, SETTINGS, corpus("outlook_ko", sent), LATER + timedelta(hours=1))
    with sent.transaction() as session:
        revisions = list(session.scalars(select(Response.revision).where(
            Response.item_id == item_id(sent, "1-4#1")).order_by(Response.revision)))
    assert revisions == [1, 2]


def test_a_bounce_marks_the_request_failed_with_the_reason(sent: Database) -> None:
    send_requests(sent)
    receive(sent, SETTINGS, corpus("bounce", sent), LATER)
    _, message_id = request_to(sent, "선헤미")
    with sent.transaction() as session:
        row = session.scalars(select(OutboxMessage).where(
            OutboxMessage.message_id == message_id.decode())).one()
        assert row.state == OutboxState.FAILED
        assert "5.1.1" in (row.last_error or "") and "User unknown" in (row.last_error or "")
    assert "failure" in outbox_kinds(sent)  # the secretariat is told


def test_a_reply_to_a_closed_request_is_kept_not_applied(sent: Database) -> None:
    send_requests(sent)
    receive(sent, SETTINGS, corpus("gmail_wrapped", sent), LATER)
    with sent.transaction() as session:
        workflow.accept(session, item_id(sent, "1-4#1"), "사무국")
    receive(sent, SETTINGS, corpus("outlook_ko", sent), LATER + timedelta(days=1))
    last = stored(sent)[-1]
    assert (last.state.value, last.reason) == ("ignored", "closed")
    assert len([r for r in mail_responses(sent) if r[4] == "mail"]) == 1


def test_a_reply_after_every_link_expired_is_kept_not_applied(sent: Database) -> None:
    send_requests(sent)
    receive(sent, SETTINGS, corpus("outlook_ko", sent), NOW + timedelta(days=400))
    [message] = stored(sent)
    assert (message.state.value, message.reason) == ("ignored", "expired")


def test_a_colleague_of_the_same_department_when_allowed(sent: Database) -> None:
    send_requests(sent)
    raw = corpus("foreign_sender", sent).replace(b"hemi.personal@gmail.com",
                                                 b"kim.yunji@example.org")
    receive(sent, replace(SETTINGS, inbound_same_department=True), raw, LATER)
    assert stored(sent)[0].state.value == "applied"


def test_a_colleague_waits_by_default(sent: Database) -> None:
    send_requests(sent)
    raw = corpus("foreign_sender", sent).replace(b"hemi.personal@gmail.com",
                                                 b"kim.yunji@example.org")
    receive(sent, SETTINGS, raw, LATER)
    assert stored(sent)[0].reason == "sender"


def test_several_items_without_numbers_wait_then_split_in_the_console(sent: Database) -> None:
    send_requests(sent)
    key, message_id = request_to(sent, "김윤지")
    raw = corpus("gmail_wrapped", sent).replace(request_to(sent, "선헤미")[0], key) \
        .replace(b"sun.hemi@example.org", b"kim.yunji@example.org")
    receive(sent, SETTINGS, raw, LATER)
    [message] = stored(sent)
    assert (message.state.value, message.reason) == ("waiting", "several_items")
    first, second = item_id(sent, "1-1#1"), item_id(sent, "1-1#2")
    with sent.transaction() as session:
        applying.apply_by_hand(session, SETTINGS, message.id,
                               {first: "첫째 의견 회신", second: ""}, "사무국", LATER)
    assert [(k, t) for k, t, *_ in mail_responses(sent)] == [("1-1#1", "첫째 의견 회신")]
    assert stored(sent)[0].state.value == "applied"
    with sent.transaction() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"mail_reply_applied", "mail_reply_split", "response_submitted"} <= actions


def test_splitting_refuses_an_item_of_another_request(sent: Database) -> None:
    from tracker.errors import UserError

    send_requests(sent)
    receive(sent, SETTINGS, corpus("foreign_sender", sent), LATER)
    [message] = stored(sent)
    with sent.transaction() as session, pytest.raises(UserError, match="열린 의견이 아닙니다"):
        applying.apply_by_hand(session, SETTINGS, message.id,
                               {item_id(sent, "1-1#1"): "남의 의견"}, "사무국", LATER)


def test_requests_carry_no_reply_address_without_the_setting(sent: Database) -> None:
    settings = replace(SETTINGS, inbound_address="")
    send_requests(sent, settings)
    with sent.transaction() as session:
        for message in session.scalars(select(OutboxMessage.message)):
            assert b"Reply-To: office@tracker.example.org" in message
            assert b"reply+" not in message


def test_every_request_and_reminder_carries_its_own_reply_address(sent: Database) -> None:
    send_requests(sent)
    with sent.transaction() as session:
        rows = session.execute(select(OutboxMessage.contact_id, OutboxMessage.message)
                               .where(OutboxMessage.kind == "request")).all()
    keys = {}
    for contact_id, message in rows:
        reply_to = str(email.message_from_bytes(message)["Reply-To"])
        key = replykey.key_of(reply_to, SETTINGS.inbound_address, "+")
        assert key is not None and replykey.read_key("test-secret", key) is not None
        keys[contact_id] = key
    assert len(set(keys.values())) == len(keys) >= 7
