"""요청 다시 보내기: the confirmation says concretely what will happen — to whom, which items,
which link (the same one, with the day it works until, unless "새 링크" is chosen, which
blocks the old one) — and nothing is sent or changed before it is confirmed."""

from __future__ import annotations

import re

import pytest

from tests.web_factory import add_user, csrf_of, give_emails, issue, login, make_client, snapshot
from tracker.database import Database

ITEM = 2  # 1-1, 김윤지 (일자리정책과), contact 1; 1-1 has two opinions


@pytest.fixture
def app_db(imported: Database) -> Database:
    give_emails(imported)
    add_user(imported, "sec", "secretariat")
    return imported


def confirmation(db: Database, **fields: str) -> str:
    client = make_client(db)
    login(client, "sec")
    csrf = csrf_of(client.get(f"/console/items/{ITEM}").text)
    before = snapshot(db)
    page = client.post(f"/console/items/{ITEM}/resend", data={"csrf": csrf, **fields})
    assert page.status_code == 200
    assert snapshot(db) == before  # asking sends nothing
    return re.sub(r"\s+", " ", page.text)


def test_resend_confirmation_names_the_person_the_items_and_the_same_link(
        app_db: Database) -> None:
    issue(app_db, "김윤지")  # a working link (it lasts past the items' due dates)
    text = confirmation(app_db)
    assert "일자리정책과 김윤지 님(contact1@example.org)에게 이 회의의 미완료 의견 2건" in text
    assert "받는 사람: 일자리정책과 김윤지 &lt;contact1@example.org&gt;" in text
    assert "대상 의견: 2건 (1-1)" in text
    assert "회신 링크: 지금 쓰고 있는 링크 그대로 (2022-04-25까지)" in text
    assert "이미 받은 메일의 링크도 2022-04-25까지 계속 열립니다" in text
    assert '<button type="submit" class="">요청 다시 보내기</button>' in text


def test_new_link_confirmation_says_the_old_link_is_blocked(app_db: Database) -> None:
    issue(app_db, "김윤지")
    text = confirmation(app_db, new_link="1")
    assert "새 회신 링크로 다시 보낼까요" in text
    assert "지금까지 보낸 링크는 바로 막혀 더 이상 열 수 없습니다" in text
    assert "회신 링크: 새로 만드는 링크 (지금까지 보낸 링크는 바로 막힘)" in text
    assert 'name="new_link" value="1"' in text and "새 링크로 다시 보내기</button>" in text


def test_without_a_working_link_the_confirmation_says_a_new_one_is_made(
        app_db: Database) -> None:
    text = confirmation(app_db)
    assert "지금 쓸 수 있는 회신 링크가 없어(막혔거나 기한이 지남) 새 링크를 만들어 보냅니다" in text
