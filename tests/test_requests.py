"""Request e-mails for the sample minutes: one per contact, only their items, their link."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import func, select

from db.models import AuditEvent, Contact, Item, ItemStatus, OutboxMessage
from notifications import sender
from tests.sample_contacts import CONTACTS, give_emails
from tests.smtp_server import TestServer, smtp_server_fixture  # noqa: F401
from tracker import links
from tracker.database import Database
from tracker.requests import request_contacts

NOW = datetime(2022, 1, 20, 1, 0, tzinfo=UTC)  # Thu 10:00 KST, five days after the meeting
LINK = re.compile(r"https://tracker\.example\.org/r/([A-Za-z0-9_-]{43})")


def send_requests(db: Database, server: TestServer, **filters: str) -> object:
    settings = server.settings()
    with db.transaction() as session:
        report = request_contacts(session, settings, NOW, **filters)
    sender.flush(db, settings, clock=lambda: NOW)
    return report


def test_sample_requests_arrive_one_per_contact(imported: Database, smtp_server: TestServer) -> None:
    give_emails(imported)
    send_requests(imported, smtp_server)
    received = {m.recipients[0]: m for m in smtp_server.messages}
    assert len(smtp_server.messages) == 8
    assert set(received) == {address for _, _, address, _ in CONTACTS}
    with imported.transaction() as session:
        texts = {i.text: i.program.number for i in session.scalars(select(Item)) if i.program}
    for department, name, address, programs in CONTACTS:
        message = received[address].parsed()
        assert message["To"].addresses[0].display_name == name
        assert message["Subject"].startswith("[일자리분과]")
        assert all(p in message["Subject"] for p in programs)
        body = message.get_body(("plain",)).get_content()
        html = unescape(message.get_body(("html",)).get_content())
        for text, number in texts.items():
            assert (text in body) == (number in programs), (name, number)
            assert (text in html) == (number in programs), (name, number)
        assert body.startswith(f"{department} {name} 님께")


def test_each_link_opens_only_that_contacts_items(imported: Database, smtp_server: TestServer) -> None:
    give_emails(imported)
    send_requests(imported, smtp_server)
    with imported.transaction() as session:
        for received in smtp_server.messages:
            body = received.parsed().get_body(("plain",)).get_content()
            found = LINK.findall(body)
            if received.recipients == ["son.jihyun@example.org"]:
                assert found == []
                continue
            assert len(set(found)) == 1
            state, link = links.resolve_link(session, found[0], NOW)
            assert state == "ok" and link is not None
            assert session.get(Contact, link.contact_id).email == received.recipients[0]


def test_praise_only_contact_gets_information_without_link(
    imported: Database, smtp_server: TestServer
) -> None:
    give_emails(imported)
    send_requests(imported, smtp_server)
    [info] = [m.parsed() for m in smtp_server.messages if m.recipients == ["son.jihyun@example.org"]]
    assert "회신 불필요" in info["Subject"]
    body = info.get_body(("plain",)).get_content()
    assert "별도의 회신은 필요하지 않습니다" in body
    assert "/r/" not in body and "/r/" not in info.get_body(("html",)).get_content()


def test_requested_items_are_marked_and_audited(imported: Database, smtp_server: TestServer) -> None:
    give_emails(imported)
    send_requests(imported, smtp_server)
    with imported.transaction() as session:
        items = {i.key: i for i in session.scalars(select(Item))}
        assert items["1-1#1"].status == ItemStatus.REQUESTED
        assert links.as_utc(items["1-1#1"].requested_at) == NOW  # type: ignore[arg-type]
        # D-7 of 2022-02-23 is Wed 2022-02-16, 09:00 KST = 00:00 UTC
        assert links.as_utc(items["1-1#1"].next_reminder_at) == datetime(2022, 2, 16, tzinfo=UTC)  # type: ignore[arg-type]
        assert items["1-8#1"].next_reminder_at is None  # no reply needed, no reminders
        assert items["전략I#1"].status == ItemStatus.NEW  # no contact: not sent
        audits = session.scalar(select(func.count()).where(AuditEvent.action == "requested"))
        assert audits == 13


def test_contacts_without_address_are_listed_and_skipped(
    imported: Database, smtp_server: TestServer
) -> None:
    give_emails(imported, skip=("조미화",))
    report = send_requests(imported, smtp_server)
    assert report.no_email == [("노동정책과/조미화", 2)]  # type: ignore[attr-defined]
    assert len(smtp_server.messages) == 7
    with imported.transaction() as session:
        assert {i.status for i in session.scalars(select(Item).where(Item.key.like("1-9#%")))} \
            == {ItemStatus.NEW}


def test_sending_again_sends_nothing_new(imported: Database, smtp_server: TestServer) -> None:
    give_emails(imported)
    send_requests(imported, smtp_server)
    second = send_requests(imported, smtp_server)
    assert second.enqueued == []  # type: ignore[attr-defined]
    assert len(smtp_server.messages) == 8


def test_filter_by_department(imported: Database, smtp_server: TestServer) -> None:
    give_emails(imported)
    send_requests(imported, smtp_server, department="관광과")
    assert [m.recipients for m in smtp_server.messages] == [["jang.boyoung@example.org"]]


def test_exception_before_commit_leaves_no_outbox_row(imported: Database,
                                                      smtp_server: TestServer) -> None:
    give_emails(imported)
    with pytest.raises(RuntimeError), imported.transaction() as session:
        request_contacts(session, smtp_server.settings(), NOW)
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 8
        raise RuntimeError("crash before commit")
    with imported.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert {i.status for i in session.scalars(select(Item))} == {ItemStatus.NEW}
