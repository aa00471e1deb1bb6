"""The whole flow in a real browser (Debian's Chromium through Playwright): requests sent to a
loopback SMTP catcher, the reply link taken from the e-mail, a follow-up submitted, accepted
in the console, then seen in the exported table and gone from the chair's overdue list.
Screenshots go to tests/artifacts/; axe-core finds no serious or critical violation."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.web_factory import PASSWORD, Clock, add_user, give_emails
from tracker.config import Settings
from tracker.database import Database
from tracker.web.app import create_app
from tracker.web.context import WebOptions
from tracker.web.devmail import read_mail

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# After the 2022-02-23 due date of most sample items: they are overdue.
CURRENT_TIME = datetime(2022, 3, 2, 1, 0, tzinfo=UTC)
OPINION = "해당 직종 및 업무 숙달과"  # 1-1's first opinion, 김윤지's
FOLLOW_UP = "2022년 하반기부터 참여 기간을 최대 23개월로 늘려 운영함"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


def free_port() -> int:
    from tracker.cli_web import free_port as pick

    return pick()


def serving(db: Database, tmp_path: Path) -> Iterator[tuple[str, Settings, Any]]:
    """The app on `db` served by uvicorn on 127.0.0.1 in a thread, with a mail catcher
    (aiosmtpd) on loopback: (base URL, settings, catcher) while the caller holds it."""
    import uvicorn

    from notifications.mailcatcher import MailCatcher

    catcher = MailCatcher(tmp_path / "mail", port=free_port())
    port = free_port()
    settings = replace(Settings(), base_url=f"http://127.0.0.1:{port}", smtp_host="127.0.0.1",
                       smtp_port=catcher.port, secretariat_email="sec@example.org",
                       mail_from="tracker@example.org")
    app = create_app(settings, db, Clock(CURRENT_TIME),
                     WebOptions(secret_key="browser-test", dev_mail_dir=catcher.directory))
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False,
                                       log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    with catcher:
        thread.start()
        deadline = time.monotonic() + 15
        while not uv.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert uv.started, "uvicorn did not start"
        yield settings.base_url, settings, catcher
        uv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def server(imported: Database, tmp_path: Path) -> Iterator[tuple[str, Settings, Any]]:
    """The app served by uvicorn on 127.0.0.1, and a mail catcher (aiosmtpd) on loopback."""
    give_emails(imported)
    add_user(imported, "sec", "secretariat")  # the secretariat: sends, accepts
    add_user(imported, "chair", "chair")  # the chair: reads the overdue list
    add_user(imported, "admin", "admin")  # the administrator: every console page, users too
    yield from serving(imported, tmp_path)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def no_serious_violations(page: Any, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    serious = [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in violations
               if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{name}: {serious}"


WIDTHS = {"phone": 390, "desktop": 1280}
# Runs in the page: everything that would make a phone reader scroll sideways or squint.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const root = document.documentElement;
  const width = root.clientWidth;
  if (root.scrollWidth > width + 1) problems.push(`page is ${root.scrollWidth}px wide in ${width}px`);
  const canvas = document.createElement("canvas").getContext("2d");
  // Inside a visually hidden box (a card layout's column headers, kept for screen readers).
  const hidden = (el) => {
    for (let box = el.parentElement; box; box = box.parentElement)
      if (getComputedStyle(box).overflow === "hidden" && box.getBoundingClientRect().width <= 1) return true;
    return false;
  };
  for (const el of document.querySelectorAll("td, th, dd, dt, li, p, h1, h2, h3, label, button, .button, caption")) {
    const rect = el.getBoundingClientRect();
    if (rect.width <= 1 || rect.height <= 1 || hidden(el)) continue;  // not shown
    const text = el.innerText.trim();
    if (!text) continue;
    if (rect.right > width + 1 || rect.left < -1) problems.push(`cut off: ${el.tagName} "${text.slice(0, 20)}"`);
    const style = getComputedStyle(el);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const inner = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const needed = canvas.measureText([...text].slice(0, 4).join("")).width;
    if (["TD", "TH"].includes(el.tagName) && el.scrollWidth > el.clientWidth + 1)
      problems.push(`text sticks out of its cell: "${text.slice(0, 20)}" (${el.scrollWidth} > ${el.clientWidth})`);
    if (inner + 1 < needed) problems.push(`narrower than 4 characters: ${el.tagName} "${text.slice(0, 20)}" (${inner}px < ${needed.toFixed(0)}px)`);
  }
  for (const el of document.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1 && el.tagName !== "TEXTAREA")
      problems.push(`scrolls sideways: ${el.tagName}.${el.className} (${el.scrollWidth} > ${el.clientWidth})`);
  }
  for (const svg of document.querySelectorAll("svg.chart")) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const label of svg.querySelectorAll("text")) {
      const px = parseFloat(label.getAttribute("font-size")) * scale;
      if (px < 12) problems.push(`chart label ${label.textContent} is ${px.toFixed(1)}px`);
    }
  }
  return problems;
}"""


def check_page(page: Any, name: str, width: str, *, axe: bool = True) -> None:
    """At the page's current width: no overflow, no squeezed cell, a screenshot kept, axe clean
    (`axe` False for an e-mail's HTML, served sandboxed without scripts, where axe cannot run)."""
    problems = page.evaluate(LAYOUT_PROBLEMS)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    assert problems == [], f"{name} at {WIDTHS[width]}px: {problems[:8]}"
    if axe:
        no_serious_violations(page, f"{name} at {WIDTHS[width]}px")


def new_context(browser: Any, width: str) -> Any:
    """A fresh browser context (no cookies) of a phone or a desktop screen."""
    if width == "phone":
        return browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR",
                                   device_scale_factor=2, is_mobile=True, has_touch=True)
    return browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/console/login")
    page.get_by_label("사용자 이름").fill(username)
    page.get_by_label("암호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()


def test_reply_accept_and_chair_view(server: tuple[str, Settings, Any], browser: Any,
                                     imported: Database) -> None:
    from notifications import sender

    base, settings, catcher = server
    ARTIFACTS.mkdir(exist_ok=True)
    secretariat = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    console = secretariat.new_page()

    # The secretariat sends the requests; the outbox goes to the loopback SMTP catcher.
    login(console, base, "sec")
    no_serious_violations(console, "console")
    console.get_by_role("button", name="요청 메일 보내기").click()
    assert "회신 요청 메일을 보낼까요" in console.content()  # a confirmation first
    console.get_by_role("button", name="요청 메일 보내기").click()
    assert "발송 대기열에 넣었습니다" in console.content()
    # (In a thread of its own: Playwright's sync API holds this thread's event loop.)
    reports: list[Any] = []
    flushing = threading.Thread(target=lambda: reports.append(
        sender.flush(imported, settings, clock=lambda: CURRENT_TIME)))
    flushing.start()
    flushing.join(timeout=60)
    assert reports and reports[0].sent >= 7
    mails = [read_mail(p) for p in catcher.files()]
    [mail] = [m for m in mails if "contact1@" in m.to]  # 김윤지 is contact 1
    [link] = [u for u in mail.links if "/r/" in u]

    # The department opens the link (no cookies, a fresh browser context) and replies.
    department = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    reply = department.new_page()
    reply.goto(link)
    assert OPINION in reply.content()
    no_serious_violations(reply, "reply page")
    reply.screenshot(path=str(ARTIFACTS / "reply-desktop.png"), full_page=True)
    first = reply.locator("section.item").first
    first.get_by_label("후속조치 내용").fill(FOLLOW_UP)
    first.get_by_label("반영", exact=True).check()
    first.get_by_label("완료 예정일").fill("2022-07-01")
    second = reply.locator("section.item").nth(1)
    second.get_by_label("후속조치 내용").fill("둘째 의견은 아직 쓰는 중")  # not lost by the submit
    with reply.expect_navigation():  # the POST answers with a new page; read that one
        first.get_by_role("button", name="이 의견만 제출").click()
    assert "회신을 제출했습니다" in reply.content() and FOLLOW_UP in reply.content()
    assert "2건 중 1건 제출" in reply.content()
    no_serious_violations(reply, "reply confirmation")
    reply.get_by_role("link", name="회신 페이지로 돌아가기").click()
    kept = reply.locator("section.item").nth(1).get_by_label("후속조치 내용")
    assert kept.input_value() == "둘째 의견은 아직 쓰는 중"
    kept.fill("둘째 의견의 후속조치")
    counter = reply.locator("section.item").nth(1).locator(".counter")
    assert counter.inner_text() == f"{len('둘째 의견의 후속조치')} / 5,000자"  # counts as typed
    reply.locator("section.item").nth(1).get_by_label("추진중").check()
    with reply.expect_navigation():
        reply.get_by_role("button", name="제출", exact=True).click()
    assert "2건 중 2건 제출" in reply.content()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR",
                                device_scale_factor=2, is_mobile=True, has_touch=True)
    small = phone.new_page()
    small.goto(link)
    small.screenshot(path=str(ARTIFACTS / "reply-phone.png"), full_page=False)
    no_serious_violations(small, "reply page on a phone")

    # The secretariat accepts the reply.
    console.goto(f"{base}/console?status=answered")
    console.get_by_role("link", name="2", exact=True).click()
    assert FOLLOW_UP in console.content()
    console.get_by_role("button", name="완료 처리").click()
    console.get_by_role("button", name="완료 처리").click()  # confirmed
    assert "완료 처리했습니다" in console.content()

    # The chair: the item is gone from the overdue list, and in the exported table.
    chair_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    chair = chair_context.new_page()
    login(chair, base, "chair")
    chair.goto(f"{base}/chair")
    overdue = chair.locator("#overdue").inner_text()
    assert "관광과" in overdue and OPINION not in overdue
    # 1-1's other opinion: answered, not reviewed: the secretariat's turn (검토 대기).
    assert "타 지역의 경우" not in overdue and "타 지역의 경우" in chair.locator("#reviewing").inner_text()
    no_serious_violations(chair, "chair's view")
    chair.screenshot(path=str(ARTIFACTS / "chair.png"), full_page=True)
    exported = chair_context.request.get(f"{base}/chair/export.csv")
    rows = list(csv.reader(io.StringIO(exported.body().decode("utf-8-sig"))))
    header = next(i for i, row in enumerate(rows) if "사업부서 의견(후속조치)" in row)
    column = rows[header].index("사업부서 의견(후속조치)")
    assert any(FOLLOW_UP in row[column] for row in rows[header + 1:] if len(row) > column)
    for context in (secretariat, department, phone, chair_context):
        context.close()


def send_and_catch(imported: Database, settings: Settings, catcher: Any) -> list[Any]:
    """Requests for every new item, delivered to the catcher; the caught mails."""
    from notifications import sender
    from tracker.requests import request_contacts

    with imported.transaction() as session:
        request_contacts(session, settings, CURRENT_TIME, actor="sec")
    # (In a thread of its own: Playwright's sync API holds this thread's event loop.)
    flushing = threading.Thread(target=lambda: sender.flush(
        imported, settings, clock=lambda: CURRENT_TIME))
    flushing.start()
    flushing.join(timeout=60)
    return [read_mail(p) for p in catcher.files()]


def reply_link_of(mails: list[Any], address: str) -> str:
    """The reply link in the request e-mail to `address`."""
    [mail] = [m for m in mails if address in m.to and any("/r/" in u for u in m.links)]
    return next(u for u in mail.links if "/r/" in u)


def receive_a_reply(imported: Database, settings: Settings) -> int:
    """A reply from an address tracker does not know, with a long unbroken line and an
    attachment, received into the console's mailbox: its id."""
    from email.message import EmailMessage

    from tracker.inbound.receiving import receive

    mail = EmailMessage()
    mail["From"] = "홍길동 <gildong.hong.personal.address@gmail.com>"
    mail["To"] = "reply@example.org"
    mail["Subject"] = "회신: 1-7 직업훈련 과정 후속조치 (일자리정책과, 2022년 1차 회의 관련)"
    mail.set_content("1-7 사업은 2022년 7월까지 과정 개편을 마칠 예정입니다.\n"
                     "참고: https://www.example.go.kr/board/view.do?id=2022000123456789&page=1")
    mail.add_attachment(b"%PDF-1.4 minimal", maintype="application", subtype="pdf",
                        filename="2022 조치결과 보고(일자리정책과).pdf")
    outcome = receive(imported, replace(settings, inbound_address="reply@example.org"),
                      mail.as_bytes(), CURRENT_TIME)
    assert outcome.message_id is not None, outcome
    return outcome.message_id


def test_every_page_fits_a_phone_and_a_desktop(server: tuple[str, Settings, Any], browser: Any,
                                               imported: Database) -> None:
    """Each page at 390 px and 1280 px: no sideways scrolling, nothing cut off, no cell squeezed
    under 4 characters, chart labels at least 12 px, axe clean; screenshots in tests/artifacts."""
    from tests.web_factory import issue
    from tracker import links, workflow

    base, settings, catcher = server
    mails = send_and_catch(imported, settings, catcher)
    link = reply_link_of(mails, "contact1@")
    with imported.transaction() as session:  # one answered item for the console and exports
        workflow.submit_response(session, 2, FOLLOW_UP, "김윤지", kind="반영", now=CURRENT_TIME)
    gone = issue(imported, "장보영", CURRENT_TIME)
    with imported.transaction() as session:
        scope = links.resolve_link(session, gone, CURRENT_TIME)[1]
        assert scope is not None
        links.revoke_links(session, scope.contact_id, scope.meeting_id, "sec", CURRENT_TIME)
    request_mail = next(m for m in catcher.files() if "contact1@" in read_mail(m).to)
    with imported.transaction() as session:  # the contacts page with all it can show
        from db.models import Contact, Department, Item

        typo = Department(name="일자리정착과")  # a department spelled two ways
        session.add(typo)
        session.flush()
        session.add(Contact(department_id=typo.id, name="도하늘", email="do@example.org"))
        lost = session.get(Item, 13)  # 1-9 lost its contact
        assert lost is not None
        lost.contact_id = None
    mailbox_id = receive_a_reply(imported, settings)
    from tests.test_paging import many_items

    many_items(imported, 60)  # the items list gets paging links (74 items: two pages)
    anonymous = {
        "login": "/console/login",
        "reply": link.removeprefix(base),
        "link-gone": f"/r/{gone}",
        "not-found": "/console/items/999999",
        "mail-list": "/dev/mail",
        "mail": f"/dev/mail/{request_mail.name}",
    }
    signed_in = {
        "console": "/console",
        "console-page-2": "/console?page=2",
        "console-item": "/console/items/2",
        "outbox": "/console/outbox",
        "chair": "/chair",
        "export-html": "/chair/export.html",  # the print view opens in the browser
        "users": "/console/users",
        "meetings": "/console/meetings",
        "import": "/console/import",
        "meeting": "/console/meetings/1",
        "mailbox": "/console/mailbox",
        "mailbox-message": f"/console/mailbox/{mailbox_id}",
        "contacts": "/console/contacts",
        "contact": "/console/contacts/1",
    }
    for width in WIDTHS:
        context = new_context(browser, width)
        page = context.new_page()
        for name, path in anonymous.items():
            page.goto(base + path)
            check_page(page, name, width)
        page.goto(f"{base}/dev/mail/{request_mail.name}/html")  # the request e-mail itself
        check_page(page, "mail-html", width, axe=False)
        login(page, base, "admin")
        for name, path in signed_in.items():
            page.goto(base + path)
            check_page(page, name, width)
        # The confirmations of the contacts page (asked, not confirmed: nothing changes).
        page.goto(f"{base}/console/contacts")
        assert "'일자리정책과'와 '일자리정착과'" in page.locator("ul.suspects").inner_text()
        page.locator("ul.suspects").get_by_role("button").first.click()
        assert "합칠까요" in page.content()
        check_page(page, "contacts-merge-confirm", width)
        page.goto(f"{base}/console/contacts/1")
        page.get_by_role("button", name="사용 중지").click()
        assert "사용 중지할까요" in page.content()
        check_page(page, "contact-retire-confirm", width)
        page.goto(f"{base}/console/items/2")
        page.get_by_role("button", name="새 링크로 다시 보내기 (이전 링크 막기)").click()
        assert "지금까지 보낸 링크는 바로 막혀" in page.content()
        check_page(page, "resend-confirm", width)
        context.close()


# --- The whole path without a terminal (issue 13): an .hwpx file to sent requests, and replies
# to an exported table, at 390 px and at 1280 px.

HWPX = Path(__file__).parent / "data" / "2022-01-15-jobs-subcommittee-minutes.hwpx"
TOURISM_REPLY = "현직자 네트워크 운영 예산 500만원을 2022년 추경에 반영함"
# The secretariat's contacts list as Excel saves it (CP949): the sample's people, and the
# 관광과 contact that the minutes leave blank.
CONTACTS_CSV = """부서,팀,이름,이메일
일자리정책과,일자리 정책팀,김윤지,kim.yunji@example.org
일자리정책과,청년여성 일자리팀,선헤미,sun.hemi@example.org
일자리정책과,증장년 일자리팀,어수정,eo.sujeong@example.org
일자리정책과,일자리 지원팀,임양수,lim.yangsu@example.org
일자리정책과,중장년 일자리팀,손지현,son.jihyun@example.org
지역경제과,사회적 경제팀,강여지,kang.yeoji@example.org
노동정책과,노동권익팀,조미화,jo.mihwa@example.org
관광과,컨벤션 운영팀,장보영,jang.boyoung@example.org
관광과,,오타주소,jang..boyoung@example.org
"""


def minutes_without_a_contact(folder: Path) -> Path:
    """The sample .hwpx with 1-2's 담당자 cell left blank, as minutes often come."""
    import zipfile

    target = folder / "2022-01-15 일자리분과 회의록.hwpx"
    with zipfile.ZipFile(HWPX) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "Contents/section0.xml":
                data = data.replace("<hp:t>장보영</hp:t>".encode(), b"<hp:t></hp:t>")
            copy.writestr(info, data)
    return target


@pytest.fixture
def empty_server(db: Database, tmp_path: Path) -> Iterator[tuple[str, Settings, Any]]:
    """The app on an empty database (users only), served by uvicorn, and a mail catcher."""
    add_user(db, "sec", "secretariat")
    yield from serving(db, tmp_path)


def deliver(db: Database, settings: Settings, catcher: Any) -> list[Any]:
    """What the worker does: the outbox flushed to the catcher; every caught mail so far."""
    from notifications import sender

    # (In a thread of its own: Playwright's sync API holds this thread's event loop.)
    flushing = threading.Thread(target=lambda: sender.flush(db, settings,
                                                            clock=lambda: CURRENT_TIME))
    flushing.start()
    flushing.join(timeout=60)
    return [(p, read_mail(p)) for p in catcher.files()]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_from_an_hwpx_file_to_an_exported_reply_without_a_terminal(
        empty_server: tuple[str, Settings, Any], browser: Any, db: Database, tmp_path: Path,
        width: str) -> None:
    base, settings, catcher = empty_server
    context = new_context(browser, width)
    console = context.new_page()
    login(console, base, "sec")

    # Import the minutes: preview (nothing written), then confirm.
    console.goto(f"{base}/console/import")
    console.get_by_label("회의록 파일").set_input_files(str(minutes_without_a_contact(tmp_path)))
    console.get_by_role("button", name="미리보기").click()
    assert "아직 아무것도 저장하지 않았습니다" in console.content()
    assert "(담당자 없음)" in console.content()
    assert "2022-02-23 15:00" in console.locator("dl.facts").inner_text()  # 차기 회의, no "T"
    check_page(console, "path-import-preview", width)
    console.get_by_role("button", name="가져오기").click()
    assert "일자리분과" in console.locator("h1").inner_text()

    # Contacts: 관광과's two items have nobody; the addresses come from the office's CSV.
    console.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="담당자").click()
    assert "담당자 지정이 필요한 의견 (2건)" in console.content()
    assert "관광과에 등록된 담당자가 없습니다" in console.content()
    check_page(console, "path-contacts-missing", width)
    console.get_by_label("담당자 CSV 파일").set_input_files(files=[{
        "name": "담당자.csv", "mimeType": "text/csv", "buffer": CONTACTS_CSV.encode("cp949")}])
    console.locator("#upload").get_by_role("button", name="미리보기").click()
    preview = console.content()
    assert "아직 아무것도 저장하지 않았습니다" in preview
    assert ("10행: 이메일 'jang..boyoung@example.org'은(는) 보낼 수 없는 주소입니다"
            in console.locator("ul.refused").inner_text())
    check_page(console, "path-contacts-upload", width)
    console.get_by_role("button", name="반영하기").click()
    assert "1명 추가, 7명 변경" in console.content()

    # Assign the missing contact: one item inline, the rest of 관광과 at once.
    waiting = console.locator("#waiting")
    waiting.get_by_label("의견 4의 담당자").select_option(label="장보영")
    waiting.get_by_role("row").filter(has_text="전문인력 양성을 위해").get_by_role(
        "button", name="지정").click()
    assert "담당자를 지정했습니다" in console.content()
    console.locator("#waiting").get_by_role("button", name="모두 지정").click()
    assert "의견 1건의 담당자를 지정했습니다" in console.content()
    assert "회신이 필요한 의견에는 모두 담당자가 있습니다" in console.content()
    check_page(console, "path-contacts-done", width)
    console.goto(f"{base}/console/items/4")
    assert "sec 님이 담당자를 관광과 장보영으로 지정했습니다." in console.content()

    # Send the requests (confirmed), and let the worker deliver them.
    console.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="의견 목록").click()
    console.get_by_role("button", name="요청 메일 보내기").click()
    assert "jang.boyoung@example.org" in console.content()  # the confirmation names everyone
    console.get_by_role("button", name="요청 메일 보내기").click()
    assert "발송 대기열에 넣었습니다" in console.content()
    mails = deliver(db, settings, catcher)
    [(_, request_mail)] = [(p, m) for p, m in mails if "jang.boyoung@" in m.to]
    [link] = [u for u in request_mail.links if "/r/" in u]

    # The department opens the link from the e-mail (no log-in) and replies.
    department = new_context(browser, width)
    reply = department.new_page()
    reply.goto(link)
    check_page(reply, "path-reply", width)
    first = reply.locator("section.item").first
    first.get_by_label("후속조치 내용").fill(TOURISM_REPLY)
    first.get_by_label("반영", exact=True).check()
    first.get_by_label("완료 예정일").fill("2022-07-01")
    with reply.expect_navigation():
        reply.get_by_role("button", name="제출", exact=True).click()
    assert "2건 중 1건 제출" in reply.content()
    check_page(reply, "path-reply-saved", width)

    # The receipt: what was submitted, with the same link; its HTML fits the phone.
    mails = deliver(db, settings, catcher)
    [(receipt_path, receipt)] = [(p, m) for p, m in mails
                                 if "jang.boyoung@" in m.to and "접수 확인" in m.subject]
    assert TOURISM_REPLY in (receipt.text or "") and "완료 예정일: 2022-07-01" in (receipt.text or "")
    assert link in receipt.links
    reply.goto(f"{base}/dev/mail/{receipt_path.name}/html")
    check_page(reply, "path-receipt-mail", width, axe=False)
    department.close()

    # The secretariat accepts the reply (confirmed) ...
    console.goto(f"{base}/console?status=answered")
    console.get_by_role("link", name="4", exact=True).click()
    assert TOURISM_REPLY in console.content()
    console.get_by_role("button", name="완료 처리").click()
    console.get_by_role("button", name="완료 처리").click()
    assert "완료 처리했습니다" in console.content()

    # ... and downloads the table: the reply is in it, with its type and planned date.
    console.goto(f"{base}/chair")
    with console.expect_download() as download:
        console.get_by_role("link", name="CSV 내려받기").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_bytes().decode("utf-8-sig"))))
    [row] = [r for r in rows if any(TOURISM_REPLY in cell for cell in r)]
    cells = "\n".join(row)
    assert "- 반영" in cells and "2022-07-01" in cells and "장보영" in row
    context.close()
