"""The reply page /r/{token}: what it shows, what it stores, and the reply-link rules of
RELIABILITY.md 2–9 (bad, expired and revoked tokens; other contacts' items; CSRF; GET and
HEAD change nothing; escaping; rate limit; access log; concurrent POSTs)."""

from __future__ import annotations

import logging
import re
import secrets
import threading

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from db.models import Item, ItemStatus, OutboxMessage, Response
from tests.web_factory import (
    CURRENT_TIME,
    SETTINGS,
    Clock,
    csrf_of,
    give_emails,
    issue,
    item_ids,
    make_client,
    snapshot,
)
from tracker import answers, workflow
from tracker.database import Database

# 김윤지 (일자리정책과) answers for 1-1, two opinions; 장보영 (관광과) for 1-2.
CONTACT_A, CONTACT_B = "김윤지", "장보영"


@pytest.fixture
def app_db(imported: Database) -> Database:
    """The sample minutes, with an e-mail address for every contact."""
    give_emails(imported)
    return imported


def post_reply(client: TestClient, token: str, item_id: int, csrf: str | None, **fields: str):  # type: ignore[no-untyped-def]
    data = {"text": "예산 확보를 위해 추경에 반영함", "kind": "반영", "planned_on": "2022-06-30",
            "action": "submit", **fields}
    if csrf is not None:
        data["csrf"] = csrf
    return client.post(f"/r/{token}/items/{item_id}", data=data)


def responses_of(db: Database, item_id: int) -> list[Response]:
    with db.transaction() as session:
        return list(session.scalars(select(Response).where(Response.item_id == item_id)
                                    .order_by(Response.revision)))


def outbox_count(db: Database, kind: str) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.kind == kind)) or 0


def test_reply_page_shows_the_contacts_items_only(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    page = make_client(app_db).get(f"/r/{token}")
    assert page.status_code == 200
    assert "일자리분과" in page.text and "2022-01-15" in page.text
    assert "해당 직종 및 업무 숙달과" in page.text  # 1-1's first opinion
    assert "회의에서 논의된 내용" in page.text  # the background discussion
    assert "2022-02-23" in page.text  # the due date
    assert "전문인력 양성을 위해" not in page.text  # 1-2 belongs to 장보영
    # One form for all the contact's items, each with its own fields.
    assert page.text.count('<form class="reply"') == 1
    assert page.text.count('<textarea id="text-') == 2


def test_reply_page_security_headers_and_no_third_party(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    page = make_client(app_db).get(f"/r/{token}")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "http" not in csp and "unsafe" not in csp
    # The only script is this site's counter file: nothing inline.
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/reply.js" defer>']
    assert not re.search(r'(src|href)="(https?:)?//', page.text)


TAMPERED = ["", "a", "x" * 10_240, "<script>", "%E2%80%A8", "토큰", "..%2F..%2Fetc",
            "%00", "A" * 43, "_" * 43, "+" * 43]


@pytest.mark.parametrize("bad", TAMPERED)
def test_bad_tokens_get_404_and_say_nothing(app_db: Database, bad: str) -> None:
    client = make_client(app_db)
    missing = client.get("/no-such-page")
    for method in ("GET", "HEAD"):
        page = client.request(method, f"/r/{bad}")
        assert page.status_code == 404
        assert page.headers["cache-control"] == "no-store"
    page = client.get(f"/r/{bad}")
    assert page.text == missing.text  # the same page as any missing address
    assert client.post(f"/r/{bad}/items/2", data={"text": "x"}).status_code == 404


def test_tampered_and_truncated_real_tokens(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (flipped, token[:-1], token + "A", token.upper()):
        page = client.get(f"/r/{bad}")
        assert page.status_code == 404 and "해당 직종" not in page.text


def test_expired_link_gets_410_with_the_secretariat_and_nothing_else(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A, valid_days=1)
    clock = Clock()
    client = make_client(app_db, clock=clock)
    assert client.get(f"/r/{token}").status_code == 200
    clock.advance(days=200)
    page = client.get(f"/r/{token}")
    assert page.status_code == 410
    assert SETTINGS.secretariat_email in page.text and "사무국" in page.text
    assert "해당 직종" not in page.text and "일자리분과" not in page.text
    [item_id, _] = item_ids(app_db, CONTACT_A)
    refused = post_reply(client, token, item_id, "whatever")
    assert refused.status_code == 410 and responses_of(app_db, item_id) == []


def test_revoked_link_gets_410_and_the_new_one_works(app_db: Database) -> None:
    old = issue(app_db, CONTACT_A)
    new = issue(app_db, CONTACT_A)  # issuing again revokes the earlier link
    client = make_client(app_db)
    assert client.get(f"/r/{old}").status_code == 410
    assert client.get(f"/r/{new}").status_code == 200


def test_submit_stores_a_revision_and_enqueues_a_receipt(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    [item_id, _] = item_ids(app_db, CONTACT_A)
    saved = post_reply(client, token, item_id, csrf_of(client.get(f"/r/{token}").text))
    assert saved.status_code == 200
    assert "회신을 제출했습니다" in saved.text and "추경에 반영함" in saved.text
    assert "2022-06-30" in saved.text
    [stored] = responses_of(app_db, item_id)
    assert (stored.revision, stored.kind, stored.submitted) == (1, "반영", True)
    assert stored.planned_on.isoformat() == "2022-06-30"
    assert outbox_count(app_db, "receipt") == 1
    with app_db.transaction() as session:
        assert session.get(Item, item_id).status == ItemStatus.ANSWERED  # type: ignore[union-attr]


def test_revisions_are_kept_until_accepted(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    [item_id, _] = item_ids(app_db, CONTACT_A)
    csrf = csrf_of(client.get(f"/r/{token}").text)
    post_reply(client, token, item_id, csrf)
    post_reply(client, token, item_id, csrf, text="고친 회신", kind="일부반영")
    assert [r.text for r in responses_of(app_db, item_id)] == ["예산 확보를 위해 추경에 반영함",
                                                             "고친 회신"]
    assert "고친 회신" in client.get(f"/r/{token}").text
    with app_db.transaction() as session:
        workflow.accept(session, item_id, "secretariat")
    refused = post_reply(client, token, item_id, csrf, text="완료 뒤 회신")
    assert refused.status_code == 422 and "완료 처리된" in refused.text
    assert len(responses_of(app_db, item_id)) == 2


def test_draft_is_stored_unsubmitted_without_receipt(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    [item_id, _] = item_ids(app_db, CONTACT_A)
    csrf = csrf_of(client.get(f"/r/{token}").text)
    saved = post_reply(client, token, item_id, csrf, action="draft", kind="", text="쓰는 중")
    assert saved.status_code == 200 and "임시 저장했습니다" in saved.text
    assert responses_of(app_db, item_id) == []  # a draft is not a revision
    with app_db.transaction() as session:
        assert answers.drafts(session, [item_id])[item_id].text == "쓰는 중"
    assert outbox_count(app_db, "receipt") == 0
    assert "쓰는 중" in client.get(f"/r/{token}").text  # the form starts from the draft


def test_page_shows_the_standing_reply_and_starts_the_form_from_the_newest_draft(
    app_db: Database,
) -> None:
    token = issue(app_db, CONTACT_A)
    [item_id, _] = item_ids(app_db, CONTACT_A)
    with app_db.transaction() as session:
        for n in range(1, 31):  # a long history: the page still shows the right revisions
            workflow.submit_response(session, item_id, f"회신 {n}번째", CONTACT_A, kind="반영")
        answers.save_draft(session, item_id, answers.Typed("쓰는 중인 초안"), CURRENT_TIME)
    text = make_client(app_db).get(f"/r/{token}").text
    assert "제출한 회신 (30차, 반영)" in text and "회신 30번째" in text
    assert "쓰는 중인 초안" in text  # the form starts from the draft
    assert "회신 29번째" not in text and "회신 1번째" not in text


def test_hard_to_reflect_needs_a_reason_and_keeps_what_was_typed(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    [item_id, _] = item_ids(app_db, CONTACT_A)
    csrf = csrf_of(client.get(f"/r/{token}").text)
    refused = post_reply(client, token, item_id, csrf, kind="반영곤란", text="예산 부족")
    assert refused.status_code == 422
    assert "사유를 적어" in refused.text and "예산 부족" in refused.text
    assert responses_of(app_db, item_id) == []
    accepted = post_reply(client, token, item_id, csrf, kind="반영곤란", text="예산 부족",
                          reason="국비 매칭 불가")
    assert accepted.status_code == 200 and responses_of(app_db, item_id)[0].reason == "국비 매칭 불가"


def test_post_without_or_with_a_wrong_csrf_token_is_refused(app_db: Database) -> None:
    token_a, token_b = issue(app_db, CONTACT_A), issue(app_db, CONTACT_B)
    client = make_client(app_db)
    [item_id, _] = item_ids(app_db, CONTACT_A)
    other_csrf = csrf_of(client.get(f"/r/{token_b}").text)
    for csrf in (None, "", "0" * 64, other_csrf):
        assert post_reply(client, token_a, item_id, csrf).status_code == 403
    assert responses_of(app_db, item_id) == []


def test_a_token_cannot_read_or_write_another_contacts_items(app_db: Database) -> None:
    token_a = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    csrf = csrf_of(client.get(f"/r/{token_a}").text)
    for item_id in item_ids(app_db, CONTACT_B) + [1, 12, 99999]:  # B's, no contact, no reply, none
        assert post_reply(client, token_a, item_id, csrf).status_code == 404
        assert responses_of(app_db, item_id) == []
    assert post_reply(client, token_a, -1, csrf).status_code == 404  # type: ignore[arg-type]


def test_after_reassignment_the_old_link_no_longer_acts_on_the_item(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    [moved, kept] = item_ids(app_db, CONTACT_A)
    csrf = csrf_of(client.get(f"/r/{token}").text)
    with app_db.transaction() as session:
        workflow.set_contact(session, moved, f"관광과/{CONTACT_B}", "secretariat")
    assert post_reply(client, token, moved, csrf).status_code == 404
    assert responses_of(app_db, moved) == []
    assert post_reply(client, token, kept, csrf).status_code == 200
    assert client.get(f"/r/{token}").text.count('<form class="reply"') == 1


def test_after_closure_the_link_cannot_submit(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    [closed, _] = item_ids(app_db, CONTACT_A)
    csrf = csrf_of(client.get(f"/r/{token}").text)
    with app_db.transaction() as session:
        workflow.set_needs_reply(session, closed, False, "secretariat")
    assert post_reply(client, token, closed, csrf).status_code == 404
    assert responses_of(app_db, closed) == []


def test_get_and_head_change_nothing_and_the_person_can_still_post(app_db: Database) -> None:
    token, expired = issue(app_db, CONTACT_A), issue(app_db, CONTACT_B, valid_days=0)
    clock = Clock()
    client = make_client(app_db, clock=clock)
    clock.advance(days=100)  # the second link has expired; the first has not
    before = snapshot(app_db)
    scanner = TestClient(client.app, base_url="https://tracker.example.org",
                         client=("203.0.113.9", 1))
    scanner.head(f"/r/{token}")
    for _ in range(3):
        scanner.get(f"/r/{token}")
        scanner.cookies.clear()
    for path in (f"/r/{token}", f"/r/{expired}", "/r/nothing", "/r/", "/", "/console",
                 "/console/login", "/chair", "/static/site.css"):
        client.get(path)
        client.head(path)
    assert snapshot(app_db) == before
    clock.now = clock.now.replace(year=2022, month=2, day=2)
    [item_id, _] = item_ids(app_db, CONTACT_A)
    assert post_reply(client, token, item_id, csrf_of(client.get(f"/r/{token}").text)
                      ).status_code == 200


def test_script_in_an_opinion_or_a_reply_is_escaped(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    [item_id, _] = item_ids(app_db, CONTACT_A)
    with app_db.transaction() as session:
        session.get(Item, item_id).text = '<script>alert("opinion")</script>'  # type: ignore[union-attr]
    csrf = csrf_of(client.get(f"/r/{token}").text)
    saved = post_reply(client, token, item_id, csrf, text='<img src=x onerror=alert(1)>')
    assert "<img src=x" not in saved.text and "&lt;img src=x" in saved.text
    page = client.get(f"/r/{token}").text
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page


def test_a_thousand_bad_tokens_from_one_address_get_429_others_unaffected(
        app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    attacker = make_client(app_db, address="192.0.2.66")
    statuses = {attacker.get(f"/r/{secrets.token_urlsafe(32)}").status_code for _ in range(1000)}
    assert statuses == {404}
    assert attacker.get(f"/r/{secrets.token_urlsafe(32)}").status_code == 429
    assert attacker.get(f"/r/{token}").status_code == 200  # a good link still works (one NAT)
    other = TestClient(attacker.app, base_url="https://tracker.example.org",
                       client=("192.0.2.77", 1))
    assert other.get(f"/r/{token}").status_code == 200
    assert other.get(f"/r/{secrets.token_urlsafe(32)}").status_code == 404


def test_the_limit_lifts_after_the_window(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    clock = Clock()
    client = make_client(app_db, clock=clock, bad_token_limit=5)
    for _ in range(5):
        client.get("/r/bad")
    assert client.get("/r/bad").status_code == 429
    assert client.get(f"/r/{token}").status_code == 200  # a good link is never held back
    clock.advance(seconds=61)
    assert client.get("/r/bad").status_code == 404


def test_the_token_never_reaches_the_access_log(app_db: Database,
                                                caplog: pytest.LogCaptureFixture) -> None:
    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    [item_id, _] = item_ids(app_db, CONTACT_A)
    with caplog.at_level(logging.INFO):
        csrf = csrf_of(client.get(f"/r/{token}").text)
        post_reply(client, token, item_id, csrf)
    # Everything the server side logged (the test client's own request log aside).
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "/r/[token]" in logged
    assert token not in logged


def test_two_simultaneous_posts_store_whole_revisions_and_no_500(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    [item_id, _] = item_ids(app_db, CONTACT_A)
    clients = [make_client(app_db, address=f"198.51.100.{n}") for n in (1, 2)]
    csrf = csrf_of(clients[0].get(f"/r/{token}").text)
    start = threading.Barrier(2)
    statuses: list[int] = []

    def send(client: TestClient, text: str) -> None:
        start.wait()
        statuses.append(post_reply(client, token, item_id, csrf, text=text).status_code)

    threads = [threading.Thread(target=send, args=(c, f"동시 회신 {i}"))
               for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200]
    stored = responses_of(app_db, item_id)
    assert [r.revision for r in stored] == [1, 2]
    assert sorted(r.text for r in stored) == ["동시 회신 0", "동시 회신 1"]


def fields(item_id: int, text: str = "", kind: str = "", reason: str = "",
           planned: str = "") -> dict[str, str]:
    """One item's fields as the one form posts them."""
    return {f"text-{item_id}": text, f"kind-{item_id}": kind, f"reason-{item_id}": reason,
            f"planned-{item_id}": planned}


def test_one_form_saves_every_items_text_as_drafts(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    first, second = item_ids(app_db, CONTACT_A)
    csrf = csrf_of(client.get(f"/r/{token}").text)
    saved = client.post(f"/r/{token}", data={"csrf": csrf, "action": "draft",
                                             **fields(first, "첫째 초안"), **fields(second, "둘째 초안")})
    assert saved.status_code == 200 and "의견 2건에 적으신 내용을 임시 저장했습니다" in saved.text
    assert responses_of(app_db, first) == responses_of(app_db, second) == []
    page = client.get(f"/r/{token}").text
    assert "첫째 초안" in page and "둘째 초안" in page and "2건 중 0건 제출" in page


def test_one_items_submit_keeps_the_other_items_text(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    first, second = item_ids(app_db, CONTACT_A)
    csrf = csrf_of(client.get(f"/r/{token}").text)
    done = client.post(f"/r/{token}/items/{first}", data={
        "csrf": csrf, "action": "submit", **fields(first, "첫째 회신", "반영"),
        **fields(second, "둘째는 아직 쓰는 중")})
    assert done.status_code == 200 and "회신을 제출했습니다" in done.text
    assert "다른 의견 1건에 적으신 내용은 임시 저장했습니다" in done.text
    assert [r.text for r in responses_of(app_db, first)] == ["첫째 회신"]
    assert responses_of(app_db, second) == []
    page = client.get(f"/r/{token}").text
    assert "둘째는 아직 쓰는 중" in page and "2건 중 1건 제출" in page
    assert outbox_count(app_db, "receipt") == 1


def test_a_refused_submission_submits_nothing_and_loses_no_word(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    first, second = item_ids(app_db, CONTACT_A)
    csrf = csrf_of(client.get(f"/r/{token}").text)
    refused = client.post(f"/r/{token}", data={
        "csrf": csrf, "action": "submit", **fields(first, "첫째 회신", "반영"),
        **fields(second, "구분을 고르지 않은 둘째 회신")})
    assert refused.status_code == 422 and "회신 구분" in refused.text
    assert "첫째 회신" in refused.text and "구분을 고르지 않은 둘째 회신" in refused.text
    assert responses_of(app_db, first) == responses_of(app_db, second) == []
    with app_db.transaction() as session:  # both kept, should the page be closed now
        assert set(answers.drafts(session, [first, second])) == {first, second}
    submitted = client.post(f"/r/{token}", data={
        "csrf": csrf, "action": "submit", **fields(first, "첫째 회신", "반영"),
        **fields(second, "둘째 회신", "추진중", planned="2023-12-31")})
    assert submitted.status_code == 200 and "의견 2건의 회신을 제출했습니다" in submitted.text
    assert "2건 중 2건 제출" in submitted.text
    assert outbox_count(app_db, "receipt") == 1  # one receipt for the one submission
    with app_db.transaction() as session:
        assert answers.drafts(session, [first, second]) == {}


@pytest.mark.parametrize(("planned", "accepted"), [
    ("2022-01-14", False), ("2022-01-15", True), ("2027-01-15", True), ("2027-01-16", False),
    ("2022-13-01", False),
])
def test_planned_dates_lie_between_the_meeting_and_five_years_after(
        app_db: Database, planned: str, accepted: bool) -> None:
    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    first, _ = item_ids(app_db, CONTACT_A)
    page = client.get(f"/r/{token}").text
    assert 'min="2022-01-15" max="2027-01-15"' in page
    done = client.post(f"/r/{token}", data={"csrf": csrf_of(page), "action": "submit",
                                            **fields(first, "회신", "반영", planned=planned)})
    assert (done.status_code == 200) == accepted
    assert ("완료 예정일" in done.text) or accepted


def test_counter_maxlength_and_an_over_long_text_is_kept_and_refused(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    first, _ = item_ids(app_db, CONTACT_A)
    page = client.get(f"/r/{token}").text
    assert f'maxlength="{answers.MAX_TEXT}"' in page and "0 / 5,000자" in page
    long = "가" * (answers.MAX_TEXT + 1)
    refused = client.post(f"/r/{token}", data={"csrf": csrf_of(page), "action": "submit",
                                               **fields(first, long, "반영")})
    assert refused.status_code == 422 and "5,000자까지" in refused.text and long in refused.text
    assert client.get("/static/reply.js").status_code == 200


def test_overdue_mark_and_the_return_reason_above_the_item(app_db: Database) -> None:
    token = issue(app_db, CONTACT_A)
    first, second = item_ids(app_db, CONTACT_A)
    late = make_client(app_db, clock=Clock(CURRENT_TIME.replace(month=3)))  # past 02-23
    assert late.get(f"/r/{token}").text.count("기한 경과</span>") == 2
    with app_db.transaction() as session:
        workflow.submit_response(session, first, "첫 회신", CONTACT_A, kind="반영")
        workflow.return_for_revision(session, first, "예산 규모를 적어 주십시오", "sec")
    page = late.get(f"/r/{token}").text
    assert "사무국의 보완 요청" in page and "예산 규모를 적어 주십시오" in page
    assert page.index("예산 규모를") < page.index("해당 직종 및 업무 숙달과")  # above the item
    assert page.count("기한 경과</span>") == 2  # returned: the department's turn again


def test_drafts_stay_with_the_department_and_revisions_count_submissions(
        app_db: Database) -> None:
    from tests.web_factory import add_user, login

    token = issue(app_db, CONTACT_A)
    client = make_client(app_db)
    first, _ = item_ids(app_db, CONTACT_A)
    csrf = csrf_of(client.get(f"/r/{token}").text)
    for n in range(3):
        client.post(f"/r/{token}", data={"csrf": csrf, "action": "draft",
                                         **fields(first, f"비공개 초안 {n}")})
    client.post(f"/r/{token}", data={"csrf": csrf, "action": "submit",
                                     **fields(first, "제출한 회신", "반영")})
    assert [r.revision for r in responses_of(app_db, first)] == [1]
    client.post(f"/r/{token}", data={"csrf": csrf, "action": "draft",
                                     **fields(first, "다음 비공개 초안")})
    add_user(app_db, "sec", "secretariat")
    console = make_client(app_db)
    login(console, "sec")
    item_page = console.get(f"/console/items/{first}").text
    assert "제출한 회신" in item_page and "1차" in item_page
    assert "비공개 초안" not in item_page and "임시 저장" not in item_page
