"""Contacts in the console (/console/contacts): the list by department, add, edit, retire,
the CSV upload with its preview (UTF-8, BOM, CP949; refused rows with line and reason;
nothing written before the confirmation), items without a contact assigned one by one and
per department, and merging a department spelled two ways; the CLI's `contacts import`
goes through the same service."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from db.models import Contact, Department, Item, Program
from tests.web_factory import add_user, csrf_of, give_emails, login, make_client, snapshot
from tracker import assignments, contacts, departments, review
from tracker.database import Database

TOURISM_ITEMS = (4, 5)  # 1-2, 관광과, 장보영's


@pytest.fixture
def app_db(imported: Database) -> Database:
    """The sample with addresses, a secretariat user and a chair."""
    give_emails(imported)
    add_user(imported, "sec", "secretariat")
    add_user(imported, "chair", "chair")
    return imported


def signed_in(db: Database, username: str = "sec") -> tuple[TestClient, str]:
    client = make_client(db)
    login(client, username)
    return client, csrf_of(client.get("/console/contacts").text)


def contact_id(db: Database, name: str) -> int:
    with db.transaction() as session:
        return session.scalars(select(Contact.id).where(Contact.name == name)).one()


def without_contact(db: Database, *item_ids: int) -> None:
    with db.transaction() as session:
        session.execute(update(Item).where(Item.id.in_(item_ids)).values(contact_id=None))


def history_of(db: Database, item_id: int) -> list[str]:
    with db.transaction() as session:
        return [e.sentence for e in review.item_history(session, item_id)]


def test_contacts_are_listed_by_department_and_linked_from_the_menu(app_db: Database) -> None:
    client, _ = signed_in(app_db)
    page = client.get("/console/contacts")
    assert page.status_code == 200 and '<a href="/console/contacts">담당자</a>' in page.text
    listed = page.text
    assert listed.index("관광과") < listed.index("노동정책과") < listed.index("일자리정책과")
    assert "contact2@example.org" in listed and "컨벤션 운영팀" in listed
    assert "회신이 필요한 의견에는 모두 담당자가 있습니다" in listed
    assert make_client(app_db).get("/console/contacts").status_code == 303  # log in first


def test_add_and_edit_a_contact_with_the_address_check_sending_uses(app_db: Database) -> None:
    client, csrf = signed_in(app_db)
    added = client.post("/console/contacts", data={
        "csrf": csrf, "department": "관광과", "name": "박새로", "team": "관광 정책팀",
        "email": "park@example.org"})
    assert added.status_code == 303
    assert "담당자를 등록했습니다" in client.get(added.headers["location"]).text
    refused = client.post("/console/contacts", data={
        "csrf": csrf, "department": "관광과", "name": "한가람", "email": "han..ga@example.org"})
    assert refused.status_code == 400 and "점(.)이 연달아 있습니다" in refused.text
    assert 'value="한가람"' in refused.text  # what was typed stays in the form
    park = contact_id(app_db, "박새로")
    edited = client.post(f"/console/contacts/{park}", data={
        "csrf": csrf, "name": "박새로", "team": "", "email": "saero.park@example.org"})
    assert edited.status_code == 303
    with app_db.transaction() as session:
        stored = session.get(Contact, park)
        assert stored is not None and stored.email == "saero.park@example.org"
        assert stored.team_id is None
    taken = client.post(f"/console/contacts/{park}", data={
        "csrf": csrf, "name": "장보영", "email": "saero.park@example.org"})
    assert taken.status_code == 409 and "이미 장보영 담당자가 있습니다" in taken.text
    bad = client.post(f"/console/contacts/{park}", data={
        "csrf": csrf, "name": "박새로", "email": "박새로@example.org"})
    assert bad.status_code == 400 and "한글" in bad.text


def test_retired_contacts_are_not_offered_and_keep_their_items(app_db: Database) -> None:
    client, csrf = signed_in(app_db)
    jang = contact_id(app_db, "장보영")
    asked = client.post(f"/console/contacts/{jang}/retire", data={"csrf": csrf})
    assert asked.status_code == 200 and "사용 중지할까요" in asked.text
    assert "완료되지 않은 의견 2건" in asked.text
    assert client.post(f"/console/contacts/{jang}/retire",
                       data={"csrf": csrf, "confirm": "1"}).status_code == 303
    with app_db.transaction() as session:
        assert all(session.get(Item, i).contact_id == jang for i in TOURISM_ITEMS)  # type: ignore[union-attr]
        assert "장보영" not in [c.name for c in contacts.list_contacts(session)]
        [group] = [g for g in assignments.unassigned(session) if g.department == "관광과"]
        assert [i.id for i in group.items] == list(TOURISM_ITEMS)
        assert group.choices == []  # 관광과 has nobody else
    page = client.get("/console/contacts").text
    assert "사용 중지된 담당자 장보영" in page and "관광과에 등록된 담당자가 없습니다" in page
    item_page = client.get("/console/items/2").text  # the assign list of another item
    assert "관광과 / 장보영" not in item_page
    moved = client.post("/console/items/2/contact", data={"csrf": csrf, "contact": "관광과/장보영"})
    assert moved.status_code == 409 and "사용 중지된 담당자" in moved.text
    assert client.post(f"/console/contacts/{jang}/restore", data={"csrf": csrf}).status_code == 303
    with app_db.transaction() as session:
        assert "장보영" in [c.name for c in contacts.list_contacts(session)]


def test_items_without_a_contact_are_assigned_one_by_one_and_per_department(
        app_db: Database) -> None:
    without_contact(app_db, 2, 3, 6)  # 1-1 and 1-4, 일자리정책과
    client, csrf = signed_in(app_db)
    page = client.get("/console/contacts").text
    assert "담당자 지정이 필요한 의견 (3건)" in page
    assert re.search(r'<select id="assign-2" name="contact">.*?임양수', page, re.S)
    lim, kim = contact_id(app_db, "임양수"), contact_id(app_db, "김윤지")
    one = client.post("/console/contacts/assign", data={"csrf": csrf, "item": "2",
                                                        "contact": str(lim)})
    assert one.status_code == 303
    assert "일자리정책과 임양수로 지정했습니다" in " ".join(history_of(app_db, 2))
    assert "sec 님이 담당자를 일자리정책과 임양수로 지정했습니다." in \
        client.get("/console/items/2").text
    [group] = [g for g in [*_groups(app_db)] if g.department == "일자리정책과"]
    bulk = client.post("/console/contacts/assign-department", data={
        "csrf": csrf, "department": str(group.department_id), "contact": str(kim)})
    assert bulk.status_code == 303
    assert "의견 2건의 담당자를 지정했습니다" in client.get(bulk.headers["location"]).text
    for item_id in (3, 6):
        assert any("김윤지로 지정했습니다" in s for s in history_of(app_db, item_id))
    assert "회신이 필요한 의견에는 모두 담당자가 있습니다" in client.get("/console/contacts").text
    other = contact_id(app_db, "장보영")  # 관광과: not this department's contact
    without_contact(app_db, 7)
    wrong = client.post("/console/contacts/assign-department", data={
        "csrf": csrf, "department": str(group.department_id), "contact": str(other)})
    assert wrong.status_code == 400 and "그 부서의 담당자를" in wrong.text


def _groups(db: Database) -> list[assignments.UnassignedGroup]:
    with db.transaction() as session:
        return assignments.unassigned(session)


def test_the_chair_reads_the_contacts_page_but_changes_nothing(app_db: Database) -> None:
    without_contact(app_db, 2)
    client, csrf = signed_in(app_db, "chair")
    page = client.get("/console/contacts").text
    assert "담당자 추가" not in page and 'action="/console/contacts/assign"' not in page
    before = snapshot(app_db)
    for path, data in (("/console/contacts", {"department": "관광과", "name": "x"}),
                       ("/console/contacts/assign", {"item": "2", "contact": "1"}),
                       ("/console/contacts/merge", {"kept": "1", "merged": "2", "confirm": "1"})):
        assert client.post(path, data={"csrf": csrf, **data}).status_code == 403
    assert snapshot(app_db) == before


CSV_ROWS = ("부서,팀,이름,이메일\n"
            "관광과,컨벤션 운영팀,장보영,boyoung.jang@example.org\n"  # 2: changed address
            "관광 과,,박새로,park@example.org\n"  # 3: new, in 관광과 spelled another way
            "노동정책과,,조미화,contact8@example.org\n"  # 4: the same as stored
            ",,이름만,x@example.org\n"  # 5: no department
            "관광과,,한가람,han(가람)@example.org\n"  # 6: an address sending refuses
            "관광과,,박새로,other@example.org\n")  # 7: the same person twice


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_csv_upload_previews_then_writes_on_confirmation(app_db: Database,
                                                         encoding: str) -> None:
    client, csrf = signed_in(app_db)
    before = snapshot(app_db)
    shown = client.post("/console/contacts/upload", data={"csrf": csrf},
                        files={"file": ("담당자.csv", CSV_ROWS.encode(encoding), "text/csv")})
    assert shown.status_code == 200 and "아직 아무것도 저장하지 않았습니다" in shown.text
    assert snapshot(app_db) == before  # the preview writes nothing
    text = shown.text
    assert "contact2@example.org → boyoung.jang@example.org" in text
    assert re.search(r"관광과</td>\s*<td data-label=\"이름\">박새로", text)  # the stored spelling
    assert "5행: 부서가 비어 있습니다." in text
    assert "6행: 이메일 &#39;han(가람)@example.org&#39;은(는) 보낼 수 없는 주소입니다" in text
    assert "7행: 관광과/박새로는 3행에 이미 있습니다." in text
    key = re.search(r'name="key" value="([^"]+)"', text)
    assert key is not None
    done = client.post("/console/contacts/upload", data={"csrf": csrf, "key": key.group(1),
                                                         "action": "confirm"})
    assert done.status_code == 303
    assert "1명 추가, 1명 변경" in client.get(done.headers["location"]).text
    with app_db.transaction() as session:
        listed = {c.name: c for c in contacts.list_contacts(session)}
    assert listed["장보영"].email == "boyoung.jang@example.org"
    assert listed["박새로"].department == "관광과" and listed["박새로"].email == "park@example.org"
    assert "한가람" not in listed and "이름만" not in listed
    again = client.post("/console/contacts/upload", data={"csrf": csrf, "key": key.group(1),
                                                          "action": "confirm"})
    assert again.status_code == 400 and "올린 파일을 찾을 수 없습니다" in again.text


def test_csv_upload_without_columns_or_empty_says_so(app_db: Database) -> None:
    client, csrf = signed_in(app_db)
    wrong = client.post("/console/contacts/upload", data={"csrf": csrf},
                        files={"file": ("a.csv", "가,나\n1,2\n".encode(), "text/csv")})
    assert wrong.status_code == 400 and "없는 열: department, name, email" in wrong.text
    empty = client.post("/console/contacts/upload", data={"csrf": csrf},
                        files={"file": ("a.csv", b"", "text/csv")})
    assert empty.status_code == 400 and "빈 파일입니다" in empty.text


def test_cli_contacts_import_uses_the_same_service(run: Any, tmp_path: Path) -> None:
    sheet = tmp_path / "담당자.csv"
    sheet.write_bytes(CSV_ROWS.encode("cp949"))
    result = run("contacts", "import", str(sheet))
    assert result.exit_code == 1 and result.stderr.startswith("오류:")
    assert "5행: 부서가 비어 있습니다" in result.stderr and "그 밖에 2행도" in result.stderr
    good = tmp_path / "좋은.csv"
    good.write_bytes(CSV_ROWS.split("\n,,")[0].encode("utf-8-sig") + b"\n")
    result = run("contacts", "import", str(good))
    assert result.exit_code == 0 and "담당자 3명 추가, 0명 갱신" in result.stdout


def test_departments_spelled_two_ways_are_merged_after_confirmation(app_db: Database) -> None:
    with app_db.transaction() as session:  # a typo'd department from another file
        typo = Department(name="일자리정착과")
        session.add(typo)
        session.flush()
        session.add(Contact(department_id=typo.id, name="김윤지", email=None))  # the same person
        session.add(Contact(department_id=typo.id, name="도하늘", email="do@example.org"))
        session.flush()
        kim_twin = session.scalars(select(Contact.id).where(
            Contact.department_id == typo.id, Contact.name == "김윤지")).one()
        session.execute(update(Item).where(Item.id == 3).values(contact_id=kim_twin))
        program = session.get(Item, 6).program_id  # type: ignore[union-attr]
        session.execute(update(Program).where(Program.id == program).values(department_id=typo.id))
        session.execute(update(Item).where(Item.id == 6).values(contact_id=None))
        typo_id = typo.id
        kept_id = session.scalars(select(Department.id).where(
            Department.name == "일자리정책과")).one()
    client, csrf = signed_in(app_db)
    page = client.get("/console/contacts").text
    assert "'일자리정책과'와 '일자리정착과'" in unescape(page)  # suggested, the likely right one first
    before = snapshot(app_db)
    asked = client.post("/console/contacts/merge", data={
        "csrf": csrf, "kept": str(kept_id), "merged": str(typo_id)})
    assert asked.status_code == 200 and "합칠까요" in asked.text
    assert "옮겨지는 의견: 2건" in asked.text and "하나로 합쳐지는 담당자: 김윤지" in asked.text
    assert "옮겨지는 담당자: 도하늘" in asked.text
    assert snapshot(app_db) == before
    done = client.post("/console/contacts/merge", data={
        "csrf": csrf, "kept": str(kept_id), "merged": str(typo_id), "confirm": "1"})
    assert done.status_code == 303
    kim = contact_id(app_db, "김윤지")
    with app_db.transaction() as session:
        assert session.get(Department, typo_id) is None
        assert session.get(Item, 3).contact_id == kim  # type: ignore[union-attr]
        assert session.get(Program, program).department_id == kept_id  # type: ignore[union-attr]
        assert {c.department for c in contacts.list_contacts(session)
                if c.name == "도하늘"} == {"일자리정책과"}
        assert departments.spelling_suspects(session) == []
    for item_id in (3, 6):
        assert ("sec 님이 부서 이름 '일자리정착과'를 '일자리정책과'로 합쳤습니다." in
                history_of(app_db, item_id))
    same = client.post("/console/contacts/merge", data={
        "csrf": csrf, "kept": str(kept_id), "merged": str(kept_id)})
    assert same.status_code == 400 and "서로 다르게" in same.text


def test_spelling_suspects_are_spacing_and_one_letter_typos_only() -> None:
    from tracker.departments import _one_edit, name_key

    assert name_key("복지정책과") == name_key("복지 정책과")
    assert _one_edit("복지정책과", "복지정착과") and _one_edit("복지정책과", "복지정책")
    assert not _one_edit("노동정책과", "복지정책과")


def test_assigning_an_item_of_a_program_without_a_contact_gives_the_program_one(
        app_db: Database) -> None:
    without_contact(app_db, *TOURISM_ITEMS)
    with app_db.transaction() as session:
        program_id = session.get(Item, TOURISM_ITEMS[0]).program_id  # type: ignore[union-attr]
        session.execute(update(Program).where(Program.id == program_id).values(contact_id=None))
    jang = contact_id(app_db, "장보영")
    with app_db.transaction() as session:
        assignments.assign(session, TOURISM_ITEMS[0], jang, "sec")
    with app_db.transaction() as session:
        assert session.get(Program, program_id).contact_id == jang  # type: ignore[union-attr]
    client, _ = signed_in(app_db)
    exported = client.get("/chair/export.csv").content.decode("utf-8-sig")
    assert "장보영" in exported  # the export names the program's contact


def test_contacts_are_listed_50_a_page_with_the_count(app_db: Database) -> None:
    with app_db.transaction() as session:
        for number in range(60):  # 68 contacts in all
            contacts.add_contact(session, "복지정책과", f"직원{number:02d}", None, actor="test")
    client, _ = signed_in(app_db)
    first = client.get("/console/contacts").text
    assert "전체 68건 중 1–50번째 (1/2쪽)" in first and 'aria-label="2쪽"' in first
    assert "직원47" in first and "직원48" not in first  # 관광과 1, 노동정책과 1, 복지정책과 48
    second = client.get("/console/contacts", params={"page": "2"}).text
    assert "전체 68건 중 51–68번째 (2/2쪽)" in second and "직원48" in second
    assert "김윤지" in second and "직원47" not in second
    assert "(2/2쪽)" in client.get("/console/contacts", params={"page": "99"}).text


def test_requests_skip_a_retired_contacts_items_and_say_they_need_a_contact(
        app_db: Database) -> None:
    from tests.web_factory import CURRENT_TIME, SETTINGS
    from tracker.requests import request_contacts

    with app_db.transaction() as session:
        contacts.retire_contact(session, contact_id(app_db, "장보영"), "sec", CURRENT_TIME)
    with app_db.transaction() as session:
        report = request_contacts(session, SETTINGS, CURRENT_TIME, actor="sec")
    assert set(TOURISM_ITEMS) <= set(report.no_contact)
    assert not any("장보영" in who for who, *_ in report.enqueued)


def test_particles_follow_the_last_syllable() -> None:
    from tracker.labels import with_particle

    assert [with_particle(w, p) for w, p in [
        ("관광과", "을"), ("'일자리정책과'", "로"), ("서울시청", "로"), ("서울", "로"),
        ("장보영", "이"), ("김윤지", "이"), ("jang@example.org", "을")]] == [
        "관광과를", "'일자리정책과'로", "서울시청으로", "서울로", "장보영이", "김윤지가",
        "jang@example.org을(를)"]


def test_a_contacts_page_lists_their_items_retired_or_not(app_db: Database) -> None:
    client, csrf = signed_in(app_db)
    jang = contact_id(app_db, "장보영")
    client.post(f"/console/contacts/{jang}/retire", data={"csrf": csrf, "confirm": "1"})
    page = client.get(f"/console/contacts/{jang}").text
    assert "사용 중지된 담당자입니다" in page and "맡은 의견 (2건)" in page and "전체 2건 중 1–2번째 (1/1쪽)" in page
    assert all(f'<a href="/console/items/{i}">{i}</a>' in page for i in TOURISM_ITEMS)
    assert client.get("/console/contacts/99999").status_code == 404
