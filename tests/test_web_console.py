"""The secretariat's console and the chair's view: log-in, roles, CSRF, edits, requests,
accept and return, the outbox, the overdue list, statistics and the exports."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from starlette.testclient import TestClient

from db.models import Item, ItemStatus, OutboxMessage
from tests.web_factory import (
    CURRENT_TIME,
    PASSWORD,
    Clock,
    add_user,
    csrf_of,
    give_emails,
    issue,
    item_ids,
    login,
    make_client,
    snapshot,
)
from tracker import accounts, queries, review, workflow
from tracker.database import Database
from tracker.web.chair import bar_chart, by_department

ITEM = 2  # 1-1, 김윤지 (일자리정책과)


@pytest.fixture
def app_db(imported: Database) -> Database:
    """The sample with e-mail addresses and three users: one per role."""
    give_emails(imported)
    add_user(imported, "sec", "secretariat")  # the secretariat: edits
    add_user(imported, "chair", "chair")  # the chair: reads only
    add_user(imported, "admin", "admin")  # an administrator: edits
    return imported


def logged_in(db: Database, username: str) -> TestClient:
    client = make_client(db)
    login(client, username)
    return client


def item_of(db: Database, item_id: int) -> Item:
    with db.transaction() as session:
        item = session.get(Item, item_id)
        assert item is not None
        return item


def answer(db: Database, item_id: int, text: str = "추경 반영") -> None:
    with db.transaction() as session:
        workflow.submit_response(session, item_id, text, "김윤지", kind="반영")


@pytest.mark.parametrize("path", ["/console", f"/console/items/{ITEM}", "/console/outbox",
                                  "/chair", "/chair/export.csv"])
def test_console_refuses_anonymous_users(app_db: Database, path: str) -> None:
    page = make_client(app_db).get(path)
    assert page.status_code == 303 and page.headers["location"].startswith("/console/login")


@pytest.mark.parametrize("path", [f"/console/items/{ITEM}/due", f"/console/items/{ITEM}/accept",
                                  "/console/requests"])
def test_anonymous_posts_are_forbidden(app_db: Database, path: str) -> None:
    before = snapshot(app_db)
    assert make_client(app_db).post(path, data={"due": "2022-05-01"}).status_code == 403
    assert snapshot(app_db) == before


def test_wrong_password_is_refused(app_db: Database) -> None:
    client = make_client(app_db)
    form = client.get("/console/login")
    page = client.post("/console/login", data={"username": "sec", "password": "wrong password",
                                               "csrf": csrf_of(form.text)})
    assert page.status_code == 400 and "맞지 않습니다" in page.text
    assert client.get("/console").status_code == 303


def test_login_without_csrf_does_not_log_in(app_db: Database) -> None:
    client = make_client(app_db)
    client.get("/console/login")
    client.post("/console/login", data={"username": "sec", "password": "correct horse battery"})
    assert client.get("/console").status_code == 303


def test_session_cookie_is_httponly_lax_and_secure(app_db: Database) -> None:
    client = make_client(app_db)
    form = client.get("/console/login")
    done = client.post("/console/login", data={"username": "sec",
                                               "password": "correct horse battery",
                                               "csrf": csrf_of(form.text)})
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie


def test_items_table_with_filters(app_db: Database) -> None:
    client = logged_in(app_db, "sec")
    everything = client.get("/console")
    assert everything.status_code == 200 and "14건" in everything.text
    tourism = client.get("/console", params={"department": "관광과"})
    assert "2건" in tourism.text and "전문인력 양성을 위해" in tourism.text
    assert "해당 직종" not in tourism.text
    assert "0건" in client.get("/console", params={"status": "accepted"}).text
    assert "0건" in client.get("/console", params={"overdue": "1"}).text  # due 02-23, now 02-01


def test_secretariat_edits_due_date_contact_and_needs_reply(app_db: Database) -> None:
    client = logged_in(app_db, "sec")
    csrf = csrf_of(client.get(f"/console/items/{ITEM}").text)
    done = client.post(f"/console/items/{ITEM}/due", data={"csrf": csrf, "due": "2022-04-30"})
    assert done.status_code == 303
    assert item_of(app_db, ITEM).due_date.isoformat() == "2022-04-30"
    client.post(f"/console/items/{ITEM}/contact", data={"csrf": csrf, "contact": "관광과/장보영"})
    assert item_of(app_db, ITEM).contact_id == item_of(app_db, 4).contact_id
    client.post(f"/console/items/{ITEM}/needs-reply", data={"csrf": csrf, "needs_reply": "0"})
    assert item_of(app_db, ITEM).needs_reply is False
    page = client.get(f"/console/items/{ITEM}")
    # The audit log, as Korean sentences (no raw JSON).
    assert "sec 님이 기한을 2022-02-23에서" in page.text and "sec 님이 담당자를" in page.text
    assert "{&#34;" not in page.text and '{"' not in page.text


def test_bad_input_shows_the_error(app_db: Database) -> None:
    client = logged_in(app_db, "sec")
    csrf = csrf_of(client.get(f"/console/items/{ITEM}").text)
    page = client.post(f"/console/items/{ITEM}/due", data={"csrf": csrf, "due": "내일"})
    assert page.status_code == 400 and "2022-03-31처럼" in page.text
    page = client.post(f"/console/items/{ITEM}/accept", data={"csrf": csrf, "confirm": "1"})
    assert page.status_code == 409 and "아직 회신이 없어" in page.text  # Conflict


def test_console_post_without_csrf_is_refused(app_db: Database) -> None:
    client = logged_in(app_db, "sec")
    before = snapshot(app_db)
    for csrf in ("", "0" * 64):
        page = client.post(f"/console/items/{ITEM}/due", data={"csrf": csrf, "due": "2022-04-30"})
        assert page.status_code == 403
    assert snapshot(app_db) == before


def test_the_chair_can_view_but_not_edit(app_db: Database) -> None:
    client = logged_in(app_db, "chair")
    assert client.get("/console").status_code == 200
    page = client.get(f"/console/items/{ITEM}")
    assert page.status_code == 200 and "기한 바꾸기" not in page.text
    answer(app_db, ITEM)
    before = snapshot(app_db)
    csrf = csrf_of(page.text)  # the log-out form's token: valid, but the role is not
    for path, data in [(f"/console/items/{ITEM}/due", {"due": "2022-04-30"}),
                       (f"/console/items/{ITEM}/accept", {}),
                       (f"/console/items/{ITEM}/return", {"comment": "보완"}),
                       (f"/console/items/{ITEM}/contact", {"contact": "관광과/장보영"}),
                       ("/console/requests", {})]:
        assert client.post(path, data={"csrf": csrf, **data}).status_code == 403
    assert snapshot(app_db) == before


def test_send_requests_enqueues_mail_and_reports_skipped(app_db: Database) -> None:
    client = logged_in(app_db, "sec")
    csrf = csrf_of(client.get("/console").text)
    asked = client.post("/console/requests", data={"csrf": csrf, "department": "관광과"})
    # First a confirmation naming who would get a request; nothing is sent yet.
    assert asked.status_code == 200 and "다음 1명에게" in asked.text and "장보영" in asked.text
    assert item_of(app_db, 4).status == ItemStatus.NEW
    page = client.post("/console/requests", data={"csrf": csrf, "department": "관광과",
                                                  "confirm": "1"})
    assert page.status_code == 200 and "1통" in page.text
    assert item_of(app_db, 4).status == ItemStatus.REQUESTED
    assert item_of(app_db, ITEM).status == ItemStatus.NEW
    with app_db.transaction() as session:
        rows = list(session.scalars(select(OutboxMessage)))
    assert [r.kind for r in rows] == ["request"]
    outbox = client.get("/console/outbox")
    assert "contact" in outbox.text and "회신 요청" in outbox.text and "보낼 예정" in outbox.text
    assert ">request<" not in outbox.text and ">pending<" not in outbox.text


def test_accept_and_return(app_db: Database) -> None:
    client = logged_in(app_db, "sec")
    [first, second] = item_ids(app_db, "김윤지")
    answer(app_db, first)
    answer(app_db, second)
    csrf = csrf_of(client.get(f"/console/items/{first}").text)
    asked = client.post(f"/console/items/{first}/accept", data={"csrf": csrf})
    assert asked.status_code == 200 and "완료 처리할까요" in asked.text
    assert item_of(app_db, first).status == ItemStatus.ANSWERED  # not yet
    assert client.post(f"/console/items/{first}/accept",
                       data={"csrf": csrf, "confirm": "1"}).status_code == 303
    assert item_of(app_db, first).status == ItemStatus.ACCEPTED
    returned = client.post(f"/console/items/{second}/return",
                           data={"csrf": csrf, "comment": "성과지표를 함께 적어 주세요"})
    assert returned.status_code == 303
    assert item_of(app_db, second).status == ItemStatus.RETURNED
    with app_db.transaction() as session:
        kinds = [r.kind for r in session.scalars(select(OutboxMessage))]
    assert kinds == ["returned"]
    assert "보완 요청을 보냈습니다" in client.get(returned.headers["location"]).text


def test_admin_can_edit(app_db: Database) -> None:
    client = logged_in(app_db, "admin")
    csrf = csrf_of(client.get(f"/console/items/{ITEM}").text)
    assert client.post(f"/console/items/{ITEM}/due",
                       data={"csrf": csrf, "due": "2022-05-01"}).status_code == 303


def test_logout_ends_the_session(app_db: Database) -> None:
    client = logged_in(app_db, "sec")
    csrf = csrf_of(client.get("/console").text)
    assert client.post("/console/logout", data={"csrf": csrf}).status_code == 303
    assert client.get("/console").status_code == 303


def test_open_redirect_is_refused(app_db: Database) -> None:
    client = make_client(app_db)
    form = client.get("/console/login")
    done = client.post("/console/login", data={
        "username": "sec", "password": "correct horse battery", "csrf": csrf_of(form.text),
        "next": "//evil.example.com/"})
    assert done.headers["location"] == "/console"


def test_chair_view_overdue_stats_and_table(app_db: Database) -> None:
    secretariat = logged_in(app_db, "sec")
    secretariat.post("/console/requests", data={"csrf": csrf_of(secretariat.get("/console").text),
                                                "confirm": "1"})
    token = issue(app_db, "김윤지")
    reply = make_client(app_db)
    [item_id, _] = item_ids(app_db, "김윤지")
    reply.post(f"/r/{token}/items/{item_id}", data={
        "csrf": csrf_of(reply.get(f"/r/{token}").text), "text": "추경 반영 완료", "kind": "반영"})
    late = make_client(app_db, clock=Clock(CURRENT_TIME.replace(month=3)))
    login(late, "chair")
    page = late.get("/chair")
    assert page.status_code == 200
    assert "기한이 지난 의견" in page.text and "관광과" in page.text
    assert "일" in page.text and "<svg" in page.text and "부서별 회신율" in page.text
    assert "추경 반영 완료" in page.text  # the filled table's follow-up column
    assert "<script" not in page.text
    # The overdue list says whose turn it is: the answered item waits for the secretariat.
    waiting = page.text[page.text.index('id="overdue"'):page.text.index('id="reviewing"')]
    reviewing = page.text[page.text.index('id="reviewing"'):page.text.index('id="stats"')]
    assert "회신 대기" in waiting and "관광과" in waiting and "추경 반영 완료" not in waiting
    assert "검토 대기" in reviewing and "추경 반영 완료" in reviewing
    assert "검토 대기" in page.text.split('id="table"')[1]  # the table's 처리 상태 column


def test_exports_download(app_db: Database) -> None:
    client = logged_in(app_db, "chair")
    answer(app_db, ITEM, "엑셀에 나올 회신")
    xlsx = client.get("/chair/export.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    assert client.get("/chair/export.html").headers["content-disposition"].startswith("inline")
    assert client.get("/chair/export.hwpx").content.startswith(b"PK")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert any("엑셀에 나올 회신" in str(c.value) for row in sheet.iter_rows() for c in row)
    rows = list(csv.reader(io.StringIO(client.get("/chair/export.csv").content.decode("utf-8-sig"))))
    assert any("사업부서 의견(후속조치)" in row for row in rows)
    html = client.get("/chair/export.html")
    assert "엑셀에 나올 회신" in html.text and "script-src" not in html.headers[
        "content-security-policy"]
    assert client.get("/chair/export.pdf").status_code == 404


def test_bar_chart_scales_and_groups_keep_order() -> None:
    chart = bar_chart("t", [("가", 1.0, "100%"), ("나", 0.5, "50%"), ("다", None, "-")], 1.0)
    assert [b.width for b in chart.bars] == [240, 120, 0]
    assert chart.height == 10 + 3 * 46
    assert bar_chart("t", [("가", 3.0, "3")], 0).bars[0].width == 0
    assert by_department([]) == []


def resent_link(app_db: Database) -> str:
    """The reply link path in the one queued e-mail's text."""
    with app_db.transaction() as session:
        [mail] = list(session.scalars(select(OutboxMessage)))
    assert mail.kind == "request" and mail.recipient.endswith("@example.org")
    body = email.message_from_bytes(mail.message, policy=email.policy.default)
    text = body.get_body(preferencelist=("plain",))
    assert text is not None
    found = re.search(r"https://tracker\.example\.org(/r/[A-Za-z0-9_-]+)", text.get_content())
    assert found is not None
    return found.group(1)


def test_resend_sends_the_same_link_that_keeps_working(app_db: Database) -> None:
    token = issue(app_db, "김윤지")
    client = logged_in(app_db, "sec")
    csrf = csrf_of(client.get(f"/console/items/{ITEM}").text)
    done = client.post(f"/console/items/{ITEM}/resend", data={"csrf": csrf, "confirm": "1"})
    assert done.status_code == 303
    assert "같은 회신 링크로" in client.get(done.headers["location"]).text
    assert resent_link(app_db) == f"/r/{token}"
    assert client.get(f"/r/{token}").status_code == 200


def test_resend_with_a_new_link_blocks_the_old_one(app_db: Database) -> None:
    old_token = issue(app_db, "김윤지")
    client = logged_in(app_db, "sec")
    assert client.get(f"/r/{old_token}").status_code == 200
    csrf = csrf_of(client.get(f"/console/items/{ITEM}").text)
    asked = client.post(f"/console/items/{ITEM}/resend", data={"csrf": csrf, "new_link": "1"})
    assert 'name="new_link" value="1"' in asked.text  # the confirmation keeps the choice
    done = client.post(f"/console/items/{ITEM}/resend",
                       data={"csrf": csrf, "new_link": "1", "confirm": "1"})
    assert done.status_code == 303
    assert "이전 링크는 더 이상 쓸 수 없습니다" in client.get(done.headers["location"]).text
    assert client.get(f"/r/{old_token}").status_code == 410
    new_link = resent_link(app_db)
    assert new_link != f"/r/{old_token}" and client.get(new_link).status_code == 200
    assert item_of(app_db, ITEM).status == ItemStatus.REQUESTED


def test_revoke_stops_the_link_and_the_chair_cannot(app_db: Database) -> None:
    token = issue(app_db, "김윤지")
    chair = logged_in(app_db, "chair")
    chair_csrf = csrf_of(chair.get(f"/console/items/{ITEM}").text)
    assert chair.post(f"/console/items/{ITEM}/revoke", data={"csrf": chair_csrf}).status_code == 403
    assert make_client(app_db).get(f"/r/{token}").status_code == 200
    client = logged_in(app_db, "sec")
    csrf = csrf_of(client.get(f"/console/items/{ITEM}").text)
    assert "회신 링크를 막을까요" in client.post(f"/console/items/{ITEM}/revoke",
                                                data={"csrf": csrf}).text
    assert client.post(f"/console/items/{ITEM}/revoke",
                       data={"csrf": csrf, "confirm": "1"}).status_code == 303
    assert "sec 님이 담당자의 회신 링크를 막았습니다" in client.get(f"/console/items/{ITEM}").text
    assert make_client(app_db).get(f"/r/{token}").status_code == 410


def test_resend_without_address_says_why(imported: Database) -> None:
    add_user(imported, "sec", "secretariat")
    client = make_client(imported)
    login(client, "sec")
    csrf = csrf_of(client.get(f"/console/items/{ITEM}").text)
    page = client.post(f"/console/items/{ITEM}/resend", data={"csrf": csrf, "confirm": "1"})
    assert page.status_code == 400 and "이메일이 없어" in page.text


def test_logging_out_ends_every_session_of_the_user_at_once(app_db: Database) -> None:
    phone, desk = logged_in(app_db, "sec"), make_client(app_db)
    login(desk, "sec")
    assert desk.get("/console").status_code == 200
    phone.post("/console/logout", data={"csrf": csrf_of(phone.get("/console").text)})
    assert desk.get("/console").status_code == 303  # the other session ended too


def test_opening_the_login_page_does_not_log_out(app_db: Database) -> None:
    client = logged_in(app_db, "sec")
    again = client.get("/console/login")
    assert again.status_code == 303 and again.headers["location"] == "/console"
    assert client.get("/console").status_code == 200


def test_admin_adds_disables_and_resets_users_and_sessions_end(app_db: Database) -> None:
    admin = logged_in(app_db, "admin")
    page = admin.get("/console/users")
    assert page.status_code == 200 and "사용자 추가" in page.text
    csrf = csrf_of(page.text)
    added = admin.post("/console/users", data={"csrf": csrf, "username": "park",
                                               "password": PASSWORD, "role": "secretariat"})
    assert added.status_code == 303
    park = make_client(app_db)
    login(park, "park")
    assert park.get("/console").status_code == 200
    with app_db.transaction() as session:
        park_id = next(u.id for u in accounts.list_users(session) if u.username == "park")
    admin.post(f"/console/users/{park_id}/password", data={"csrf": csrf,
                                                           "new_password": "새 암호는 충분히 길다"})
    assert park.get("/console").status_code == 303  # the password changed: logged out
    login(park, "park", "새 암호는 충분히 길다")
    admin.post(f"/console/users/{park_id}/disable", data={"csrf": csrf})
    assert park.get("/console").status_code == 303  # disabled: logged out at once
    form = park.get("/console/login")
    refused = park.post("/console/login", data={"username": "park", "csrf": csrf_of(form.text),
                                                "password": "새 암호는 충분히 길다"})
    assert refused.status_code == 400
    short = admin.post("/console/users", data={"csrf": csrf, "username": "kim", "password": "짧음",
                                               "role": "chair"})
    assert short.status_code == 400 and "10자 이상" in short.text


def test_only_the_admin_sees_users(app_db: Database) -> None:
    assert logged_in(app_db, "sec").get("/console/users").status_code == 403


def test_meetings_list_counts_items_by_state_and_each_meeting_has_a_page(
        app_db: Database) -> None:
    client = logged_in(app_db, "sec")
    answer(app_db, ITEM)
    listing = client.get("/console/meetings")
    assert listing.status_code == 200 and "2022-01-15 일자리분과" in listing.text
    with app_db.transaction() as session:
        [summary] = review.meeting_summaries(session)
    assert summary.counts["answered"] == 1 and summary.total == sum(summary.counts.values())
    assert f'<td class="num" data-label="의견">{summary.total}건</td>' in listing.text
    one = client.get(f"/console/meetings/{summary.id}")
    assert one.status_code == 200 and "검토 대기</a>: 1건" in one.text
    assert client.get("/console/meetings/999").status_code == 404


def test_import_in_the_console_previews_then_writes_only_on_confirmation(
        db: Database) -> None:
    from tests.conftest import SAMPLE

    add_user(db, "sec", "secretariat")
    client = make_client(db)
    login(client, "sec")
    page = client.get("/console/import")
    assert page.status_code == 200
    csrf = csrf_of(page.text)
    before = snapshot(db)
    shown = client.post("/console/import", data={"csrf": csrf},
                        files={"file": (SAMPLE.name, SAMPLE.read_bytes(), "text/plain")})
    assert shown.status_code == 200 and "아직 아무것도 저장하지 않았습니다" in shown.text
    assert "일자리분과" in shown.text and "일자리정책과" in shown.text and "2022-02-23" in shown.text
    assert snapshot(db) == before  # nothing written by the preview
    key = re.search(r'name="key" value="([^"]+)"', shown.text)
    assert key is not None
    done = client.post("/console/import", data={"csrf": csrf, "key": key.group(1),
                                                "action": "confirm"})
    assert done.status_code == 303 and done.headers["location"].startswith("/console/meetings/")
    assert "일자리분과" in client.get(done.headers["location"]).text
    with db.transaction() as session:
        assert len(queries.list_items(session)) == 14


def test_import_in_the_console_asks_for_what_the_file_lacks(db: Database) -> None:
    add_user(db, "sec", "secretariat")
    client = make_client(db)
    login(client, "sec")
    csrf = csrf_of(client.get("/console/import").text)
    table = "사업번호,세부사업명,담당부서,실무분과 모니터링 의견\n1-1,사업,관광과,- 예산을 늘릴 것\n"
    asked = client.post("/console/import", data={"csrf": csrf},
                        files={"file": ("표.csv", table.encode(), "text/csv")})
    assert asked.status_code == 400 and 'name="committee"' in asked.text
    key = re.search(r'name="key" value="([^"]+)"', asked.text)
    assert key is not None
    shown = client.post("/console/import", data={"csrf": csrf, "key": key.group(1),
                                                 "committee": "관광분과",
                                                 "meeting_date": "2022-03-10"})
    assert shown.status_code == 200 and "관광분과" in shown.text and "예산을 늘릴 것" in shown.text


def test_an_abandoned_import_preview_leaves_no_file_behind(db: Database) -> None:
    # A secretariat who previews a file and walks away: a day later the file is gone and
    # its confirmation says to choose the file again.
    import os
    import time

    from tests.conftest import SAMPLE
    from tracker.web import uploads

    add_user(db, "sec", "secretariat")
    client = make_client(db)
    login(client, "sec")
    csrf = csrf_of(client.get("/console/import").text)
    shown = client.post("/console/import", data={"csrf": csrf},
                        files={"file": (SAMPLE.name, SAMPLE.read_bytes(), "text/plain")})
    key = re.search(r'name="key" value="([^"]+)"', shown.text)
    assert key is not None
    waiting = uploads.waiting(key.group(1))
    two_days_ago = time.time() - 2 * 24 * 60 * 60
    os.utime(waiting.parent, (two_days_ago, two_days_ago))
    client.post("/console/import", data={"csrf": csrf},  # someone else's upload, today
                files={"file": (SAMPLE.name, SAMPLE.read_bytes(), "text/plain")})
    assert not waiting.exists()
    late = client.post("/console/import", data={"csrf": csrf, "key": key.group(1),
                                                "action": "confirm"})
    assert late.status_code == 400 and "파일을 다시 골라 주세요" in late.text
