"""The console's mailbox: received replies with why they landed where they did, originals and
attachments to download (secretariat only), and a waiting reply split between items."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from db.models import Item, Response
from tests.sample_contacts import give_emails
from tests.test_inbound_landing import LATER, SETTINGS, corpus, send_requests, stored
from tests.web_factory import Clock, add_user, csrf_of, login, make_client
from tracker.database import Database
from tracker.inbound.receiving import receive


@pytest.fixture
def mailbox_db(imported: Database) -> Database:
    """Requests sent; a reply applied, a foreign sender waiting, an auto-reply ignored, an
    HWPX reply applied; users of every role."""
    give_emails(imported)
    send_requests(imported)
    for case in ("outlook_ko", "foreign_sender", "out_of_office", "hwpx_attachment"):
        receive(imported, SETTINGS, corpus(case, imported), LATER)
    add_user(imported, "sec", "secretariat")  # the secretariat: reads and applies mail
    add_user(imported, "chair", "chair")  # the chair: may not read departments' mail
    return imported


def client_as(db: Database, username: str | None) -> TestClient:
    client = make_client(db, clock=Clock(LATER + timedelta(hours=1)), settings=SETTINGS)
    if username:
        login(client, username)
    return client


def test_the_mailbox_lists_each_message_with_its_state_and_why(mailbox_db: Database) -> None:
    page = client_as(mailbox_db, "sec").get("/console/mailbox")
    assert page.status_code == 200
    for text in ("반영됨", "확인 필요", "무시함", "hemi.personal@gmail.com", "자동 회신",
                 "담당자 선헤미"):
        assert text in page.text
    waiting = client_as(mailbox_db, "sec").get("/console/mailbox?state=waiting").text
    assert "hemi.personal@gmail.com" in waiting and "자동 회신" not in waiting


@pytest.mark.parametrize("path", ["/console/mailbox", "/console/mailbox/1",
                                  "/console/mailbox/1/original"])
def test_secretariat_login_required(mailbox_db: Database, path: str) -> None:
    anonymous = client_as(mailbox_db, None).get(path)
    assert anonymous.status_code in (302, 303) and "/console/login" in anonymous.headers["location"]
    assert client_as(mailbox_db, "chair").get(path).status_code == 403


def test_original_and_attachments_download_under_safe_names(mailbox_db: Database) -> None:
    client = client_as(mailbox_db, "sec")
    [*_, hwpx] = stored(mailbox_db)
    page = client.get(f"/console/mailbox/{hwpx.id}")
    assert "2022 조치결과(일자리정책과).hwpx" in page.text
    assert "받지 않음: 받지 않는 파일 형식 (exe)" in page.text
    assert "문서 내용 보기" in page.text and "2022년 1차 일자리분과 회의록" in page.text
    original = client.get(f"/console/mailbox/{hwpx.id}/original")
    assert original.content == corpus("hwpx_attachment", mailbox_db)
    links = [part.split('"')[0] for part in page.text.split('href="')[1:]
             if "/attachments/" in part]
    first = client.get(links[0])
    assert first.content[:2] == b"PK"
    assert "filename*=UTF-8''2022%20%EC%A1%B0" in first.headers["content-disposition"]
    assert first.headers["x-content-type-options"] == "nosniff"
    refused_id = max(int(link.rsplit("/", 1)[-1]) for link in links) + 1
    assert client.get(f"/console/mailbox/{hwpx.id}/attachments/{refused_id}").status_code == 404


def test_a_waiting_reply_is_applied_in_two_clicks(mailbox_db: Database) -> None:
    client = client_as(mailbox_db, "sec")
    waiting = next(m for m in stored(mailbox_db) if m.state.value == "waiting")
    page = client.get(f"/console/mailbox/{waiting.id}")  # click one: open it
    assert "의견별로 나누어 반영" in page.text and "집에서 보냅니다" in page.text
    with mailbox_db.transaction() as session:
        item_id = session.scalars(select(Item.id).where(Item.key == "1-4#1")).one()
    done = client.post(f"/console/mailbox/{waiting.id}/apply",  # click two: apply
                       data={"csrf": csrf_of(page.text),
                             f"item_{item_id}": "집에서 보냅니다. 예산은 확보되었습니다."})
    assert done.status_code == 303
    assert "반영했습니다" in client.get(done.headers["location"]).text
    with mailbox_db.transaction() as session:
        texts = list(session.scalars(select(Response.text).where(
            Response.item_id == item_id, Response.via == "mail").order_by(Response.id)))
    assert texts[-1] == "집에서 보냅니다. 예산은 확보되었습니다."


def test_apply_without_csrf_is_refused_and_changes_nothing(mailbox_db: Database) -> None:
    client = client_as(mailbox_db, "sec")
    waiting = next(m for m in stored(mailbox_db) if m.state.value == "waiting")
    refused = client.post(f"/console/mailbox/{waiting.id}/apply", data={"item_6": "x"})
    assert refused.status_code == 403
    assert next(m for m in stored(mailbox_db) if m.id == waiting.id).state.value == "waiting"


def test_ignoring_a_waiting_reply_keeps_it(mailbox_db: Database) -> None:
    client = client_as(mailbox_db, "sec")
    waiting = next(m for m in stored(mailbox_db) if m.state.value == "waiting")
    page = client.get(f"/console/mailbox/{waiting.id}")
    done = client.post(f"/console/mailbox/{waiting.id}/ignore",
                       data={"csrf": csrf_of(page.text)})
    assert done.status_code == 303
    row = next(m for m in stored(mailbox_db) if m.id == waiting.id)
    assert (row.state.value, row.handled_by) == ("ignored", "sec")


def test_the_console_navigation_links_the_mailbox(mailbox_db: Database) -> None:
    assert 'href="/console/mailbox"' in client_as(mailbox_db, "sec").get("/console").text
