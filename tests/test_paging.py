"""The paging rule (tracker.paging) and the console's paged lists: 50 rows a page, the total
counted, the filters kept in every paging link, and any ?page= a visitor types answered
with a page that exists (never a 500)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.testclient import TestClient

from db.models import Item, Meeting, Program
from tests.web_factory import add_user, login, make_client
from tracker import queries
from tracker.database import Database
from tracker.paging import PER_PAGE, page_query, paginate, requested_page


def test_a_page_is_an_offset_and_a_limit() -> None:
    page = paginate("2", 120)
    assert (page.number, page.pages, page.offset, page.limit) == (2, 3, 50, 50)
    assert (page.first_row, page.last_row, page.previous, page.next) == (51, 100, 1, 3)
    assert page.summary == "전체 120건 중 51–100번째 (2/3쪽)"
    assert paginate("3", 120).last_row == 120


@pytest.mark.parametrize("typed, shown", [
    ("", 1), ("abc", 1), ("-3", 1), ("0", 1), ("1.5", 1), ("２", 1), ("3", 3), ("99", 3),
    ("9" * 400, 3), (None, 1), (7, 3),
])
def test_whatever_is_typed_is_a_page_that_exists(typed: str | int | None, shown: int) -> None:
    assert paginate(typed, 101).number == shown


def test_an_empty_list_has_one_empty_page() -> None:
    page = paginate("5", 0)
    assert (page.number, page.pages, page.first_row, page.last_row) == (1, 1, 0, 0)
    assert page.summary == "전체 0건" and page.next is None and page.previous is None


@given(st.integers(min_value=0, max_value=10**7), st.text(max_size=12),
       st.integers(min_value=1, max_value=500))
def test_every_row_is_on_exactly_one_page(total: int, typed: str, per_page: int) -> None:
    page = paginate(typed, total, per_page)
    assert 1 <= page.number <= page.pages
    assert 0 <= page.offset <= max(total - 1, 0)
    assert page.last_row - page.first_row + 1 == min(per_page, total - page.offset) or total == 0
    assert requested_page(typed) >= 1


def test_links_keep_the_filters_and_drop_the_empty_ones() -> None:
    filters = {"meeting": "3", "department": "일자리정책과", "status": "", "page": "9"}
    assert page_query(filters, 2) == "?meeting=3&department=%EC%9D%BC%EC%9E%90%EB%A6%AC%EC%A0%95%EC%B1%85%EA%B3%BC&page=2"
    assert page_query({"status": ""}, 1) == "?"


# The console's items list, with enough items for three pages. Program numbers that sort
# differently as text and as numbers ("1-10" after "1-9", "10-1" after "2-1") prove that the
# database sorts them as the minutes do.
NUMBERS = ["1-10", "1-9", "10-1", "2-1", "1-2-3", "1-2"]


def many_items(db: Database, count: int) -> None:
    with db.transaction() as session:
        meeting = session.scalars(select(Meeting)).one()
        template = session.scalars(select(Item).where(Item.program_id.is_not(None))).first()
        assert template is not None
        programs = []
        for number in NUMBERS:
            program = Program(plan_year=2099, number=number, name=f"시험 사업 {number}")
            session.add(program)
            programs.append(program)
        session.flush()
        for n in range(count):
            session.add(Item(meeting_id=meeting.id, key=f"paging#{n}",
                             program_id=programs[n % len(programs)].id,
                             position=n // len(programs) + 1, text=f"쪽 나눔 의견 {n}",
                             needs_reply=True, contact_id=template.contact_id,
                             due_date=date(2022, 2, 23), due_reason="default",
                             due_source="default"))


@pytest.fixture
def console(imported: Database) -> TestClient:
    many_items(imported, 106)  # with the sample's 14: 120 items, three pages
    add_user(imported, "sec", "secretariat")
    client = make_client(imported)
    login(client, "sec")
    return client


def shown_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<a href="/console/items/(\d+)">', html)]


def test_the_items_list_shows_fifty_a_page_in_table_order(console: TestClient,
                                                          imported: Database) -> None:
    with imported.reading() as session:
        everything = [v.id for v in queries.list_items(session)]  # the CLI's order
    assert len(everything) == 120
    pages = [console.get("/console", params={"page": str(n)}) for n in (1, 2, 3)]
    assert all(p.status_code == 200 for p in pages)
    assert [len(shown_ids(p.text)) for p in pages] == [PER_PAGE, PER_PAGE, 20]
    assert sum((shown_ids(p.text) for p in pages), []) == everything
    assert "전체 120건 중 51–100번째 (2/3쪽)" in pages[1].text
    assert 'rel="next" href="?page=3"' in pages[1].text and "마지막 (3쪽)" in pages[1].text


@pytest.mark.parametrize("typed, first_of", [("abc", 1), ("0", 1), ("-1", 1), ("4", 3),
                                             ("99999999999999999999", 3), ("%00", 1)])
def test_a_page_out_of_range_shows_the_first_or_last(console: TestClient, typed: str,
                                                    first_of: int) -> None:
    page = console.get(f"/console?page={typed}")
    assert page.status_code == 200
    assert f"({first_of}/3쪽)" in page.text


def test_paging_links_keep_the_filters(console: TestClient, imported: Database) -> None:
    with imported.reading() as session:
        department = queries.get_item(session, 2).contact.department.name  # type: ignore[union-attr]
        expected = [v.id for v in queries.list_items(session, department=department)]
    assert len(expected) > PER_PAGE
    first = console.get("/console", params={"department": department, "status": "new"})
    links = re.findall(r'rel="next" href="([^"]+)"', first.text)
    assert links and "department=" in links[0] and "status=new" in links[0]
    second = console.get("/console" + links[0].replace("&amp;", "&"))
    with imported.reading() as session:
        wanted = [v.id for v in queries.list_items(session, department=department, status="new")]
    assert shown_ids(first.text) + shown_ids(second.text) == wanted[:len(shown_ids(first.text))
                                                                     + len(shown_ids(second.text))]
    assert "(2/" in second.text


def test_the_outbox_pages_and_keeps_showing_why_a_message_was_set_aside(
        console: TestClient, imported: Database) -> None:
    from notifications import outbox
    from tests.web_factory import CURRENT_TIME
    from tracker.letters import bad_address_reason

    with imported.transaction() as session:
        for n in range(120):
            outbox.set_aside(session, dedup_key=f"paging:{n}", kind="request",
                             recipient=f".n{n}@example.org", subject=f"회신 요청 {n}",
                             reason=bad_address_reason("장보영", f".n{n}@example.org", "점"),
                             now=CURRENT_TIME, item_ids=[2], contact_id=None)
    first = console.get("/console/outbox?failed=1")
    assert first.status_code == 200 and "전체 120건 중 1–50번째 (1/3쪽)" in first.text
    assert first.text.count("주소가 올바르지 않아 보내지 않았습니다") == PER_PAGE
    assert ".n119@example.org" in first.text  # newest first
    [following] = re.findall(r'rel="next" href="([^"]+)"', first.text)
    assert following.replace("&amp;", "&") == "?failed=1&page=2"
    last = console.get("/console/outbox?failed=1&page=x9")
    assert last.status_code == 200 and "(1/3쪽)" in last.text
    assert "(3/3쪽)" in console.get("/console/outbox?failed=1&page=3").text


def test_the_meetings_and_the_mailbox_page_too(console: TestClient,
                                               imported: Database) -> None:
    from datetime import UTC, datetime

    from db.models import InboundMessage, InboundState

    with imported.transaction() as session:
        committee_id = session.scalars(select(Meeting.committee_id)).first()
        for n in range(60):
            session.add(Meeting(committee_id=committee_id, held_on=date(2000 + n // 12,
                                                                         n % 12 + 1, 1)))
        for n in range(55):
            session.add(InboundMessage(message_id=f"<m{n}@example.org>", raw=b"x",
                                       received_at=datetime(2022, 2, 1, tzinfo=UTC),
                                       subject=f"회신 {n}", state=InboundState.WAITING,
                                       detail="어느 의견인지 알 수 없습니다"))
    meetings = console.get("/console/meetings?page=2")
    assert meetings.status_code == 200 and "전체 61건 중 51–61번째 (2/2쪽)" in meetings.text
    assert len(re.findall(r'href="/console/meetings/\d+"', meetings.text)) == 11
    mail = console.get("/console/mailbox?state=waiting&page=2")
    assert mail.status_code == 200 and "전체 55건 중 51–55번째 (2/2쪽)" in mail.text
    assert 'href="?state=waiting"' in mail.text  # back to page 1, the filter kept


def test_a_long_history_shows_its_newest_events_first_and_pages_back(
        console: TestClient, imported: Database) -> None:
    from db.models import AuditEvent

    with imported.transaction() as session:
        for n in range(130):
            session.add(AuditEvent(actor=f"사람{n}", action="draft_saved", item_id=2,
                                   detail="{}"))
    newest = console.get("/console/items/2")
    assert newest.status_code == 200 and "(3/3쪽)" in newest.text
    assert "사람129" in newest.text and "사람0 " not in newest.text
    oldest = console.get("/console/items/2?history=1")
    assert "(1/3쪽)" in oldest.text and "사람0 " in oldest.text
    assert 'href="?history=3"' not in newest.text and 'href="?history=1"' in newest.text


def test_the_item_page_says_which_mail_about_it_was_set_aside_and_why(
        console: TestClient, imported: Database) -> None:
    from notifications import outbox
    from tests.web_factory import CURRENT_TIME
    from tracker.letters import bad_address_reason

    with imported.transaction() as session:
        contact_id = session.get(Item, 2).contact_id  # type: ignore[union-attr]
        outbox.set_aside(session, dedup_key="request:x", kind="request",
                         recipient="a..b@example.org", subject="회신 요청 (1건)",
                         reason=bad_address_reason("김윤지", "a..b@example.org", "점이 연달아"),
                         now=CURRENT_TIME, item_ids=[2, 3], contact_id=contact_id)
    shown = console.get("/console/items/2").text
    assert "보내지 못한 메일 1통" in shown and "a..b@example.org" in shown
    assert "주소가 올바르지 않아 보내지 않았습니다" in shown
    assert "보내지 못한 메일" not in console.get("/console/items/1").text


def test_pages_read_from_the_end_keep_the_table_order_with_strategies_and_meetings(
        imported: Database) -> None:
    # A later meeting whose strategy opinions (no program) fall in the back half, which is
    # read in reverse order: every page still matches the CLI's order.
    many_items(imported, 40)
    with imported.transaction() as session:
        first = session.scalars(select(Meeting)).one()
        later = Meeting(committee_id=first.committee_id, held_on=date(2022, 6, 1))
        session.add(later)
        session.flush()
        programs = list(session.scalars(select(Program.id).where(Program.plan_year == 2099)))
        for n in range(90):
            session.add(Item(meeting_id=later.id, key=f"later#{n}",
                             program_id=None if n % 9 == 0 else programs[n % len(programs)],
                             position=n // 9 + 1, text=f"다음 회의 의견 {n}", needs_reply=True,
                             due_date=date(2022, 7, 1), due_reason="default",
                             due_source="default"))
        last = Meeting(committee_id=first.committee_id, held_on=date(2022, 9, 1))
        session.add(last)
        session.flush()
        for n in range(15):  # ten strategy opinions, then five programs': the last page
            session.add(Item(meeting_id=last.id, key=f"last#{n}",
                             program_id=None if n < 10 else programs[n % len(programs)],
                             position=n + 1, text=f"마지막 회의 의견 {n}", needs_reply=True,
                             due_date=date(2022, 10, 1), due_reason="default",
                             due_source="default"))
    with imported.reading() as session:
        everything = [v.id for v in queries.list_items(session)]
        paged = [v.id for n in range(1, 5) for v in queries.item_page(session, n).rows]
    assert len(everything) == 159 and paged == everything
