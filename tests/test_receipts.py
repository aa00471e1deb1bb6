"""The receipt e-mail after a contact submits: one per submission, listing for each item its
opinion and what was submitted (text, 회신 구분, 반영곤란 사유, 완료 예정일 where given), with
the same reply link the contact used; a single-column HTML part and a text part."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from typing import cast

import pytest
from sqlalchemy import select

from db.models import Item, OutboxMessage
from tests.web_factory import csrf_of, give_emails, issue, item_ids, make_client
from tracker.database import Database

CONTACT = "김윤지"  # 1-1: two opinions


@pytest.fixture
def app_db(imported: Database) -> Database:
    give_emails(imported)
    return imported


def receipts(db: Database) -> list[EmailMessage]:
    with db.transaction() as session:
        rows = session.scalars(select(OutboxMessage.message).where(
            OutboxMessage.kind == "receipt").order_by(OutboxMessage.id)).all()
    return [cast(EmailMessage, email.message_from_bytes(m, policy=email.policy.default))
            for m in rows]


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_one_receipt_per_submission_lists_what_was_submitted_with_the_same_link(
        app_db: Database) -> None:
    token = issue(app_db, CONTACT)
    first, second = item_ids(app_db, CONTACT)
    client = make_client(app_db)
    csrf = csrf_of(client.get(f"/r/{token}").text)
    done = client.post(f"/r/{token}", data={
        "csrf": csrf, "action": "submit",
        f"text-{first}": "참여 기간을 23개월로 늘림", f"kind-{first}": "반영",
        f"planned-{first}": "2022-07-01",
        f"text-{second}": "타 지역 사례를 검토함", f"kind-{second}": "반영곤란",
        f"reason-{second}": "국비 지침상 불가"})
    assert done.status_code == 200, done.text
    [receipt] = receipts(app_db)  # one for the two items
    text, html = parts(receipt)
    assert receipt["Subject"] == "[일자리분과] 후속조치 회신 접수 확인 (1-1)"
    for body in (text, html):
        assert "회신 2건이" in body
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d KST에 접수되었습니다", body)  # the zone named
        assert "해당 직종 및 업무 숙달과" in body  # the first opinion
        assert "참여 기간을 23개월로 늘림" in body and "타 지역 사례를 검토함" in body
        assert "회신 구분: 반영" in body.replace("<strong>", "").replace("</strong>", "")
        assert "반영곤란 사유:" in body and "국비 지침상 불가" in body
        assert "완료 예정일:" in body and "2022-07-01" in body
        assert f"https://tracker.example.org/r/{token}" in body  # the link the contact used
    assert html.count("완료 예정일") == 1  # only where one was given
    assert "max-width:600px" in html  # one column that a phone's mail app shows whole
    assert client.get(f"/r/{token}").status_code == 200  # the link still works

    again = client.post(f"/r/{token}/items/{first}", data={
        "csrf": csrf, "action": "submit", "text": "고친 회신", "kind": "추진중",
        "planned_on": ""})
    assert again.status_code == 200
    latest = receipts(app_db)
    assert len(latest) == 2  # a second submission, a second receipt
    text, _ = parts(latest[-1])
    assert "회신 1건이" in text and "고친 회신" in text and "(2차)" in text
    assert "완료 예정일" not in text and "타 지역 사례를 검토함" not in text


def test_a_receipt_without_a_derivable_link_still_lists_the_replies(app_db: Database) -> None:
    from tests.web_factory import SETTINGS
    from tracker import workflow
    from tracker.clock import utc_now
    from tracker.receipts import enqueue_receipt

    first, _ = item_ids(app_db, CONTACT)
    with app_db.transaction() as session:  # a reply by e-mail: no token at hand, no secret_key
        workflow.submit_response(session, first, "메일로 보낸 회신", CONTACT)
        item = session.get(Item, first)
        assert item is not None
        assert enqueue_receipt(session, SETTINGS, item.contact_id or 0, [first], utc_now())
    [receipt] = receipts(app_db)
    text, html = parts(receipt)
    assert "메일로 보낸 회신" in text and "회신 구분: (적지 않음)" in text
    assert "/r/" not in text and "/r/" not in html
