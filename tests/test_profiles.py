"""Reading the family of follow-up tables: profiles, facts, bullets, states, departments."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from db.models import Contact, Department, Item
from tests.document_factory import document
from tracker import facts, opinions
from tracker.database import Database
from tracker.errors import UserError
from tracker.importer import ImportOptions, import_preview, preview
from tracker.profiles import AUDIT, MONITORING, STATUS, state_of

MONITORING_HEADER = ["연번", "사업번호", "세부사업명", "담당부서", "담당자",
                     "실무분과\n모니터링 의견", "사업부서 의견(후속조치)"]


# --- meeting facts ---------------------------------------------------------------------


@pytest.mark.parametrize(("line", "committee", "sequence"), [
    ("2022년 제2차 ○○시지역사회보장협의체 보건의료분과 회의", "보건의료분과", 2),
    ("2022년 1차 일자리분과 회의록", "일자리분과", 1),
    ("2023년 제1차 아동청소년분과 회의 결과", "아동청소년분과", 1),
    ("2022년도 보건복지위원회 행정사무감사 결과보고", "보건복지위원회", None),
])
def test_titles_name_the_committee(line: str, committee: str, sequence: int | None) -> None:
    title = facts.read_title(line)
    assert title is not None and (title.committee, title.sequence) == (committee, sequence)


@pytest.mark.parametrize(("cells", "day"), [
    (["일시: 2022. 5. 18.(수) 15:00"], date(2022, 5, 18)),
    (["□ 일 시 : 2022. 5. 18.(수) 15:00 ~ 17:00"], date(2022, 5, 18)),
    (["회의일시", "2022년 6월 2일 14:00"], date(2022, 6, 2)),
    (["감사기간 : 2004.11.26~12.2"], date(2004, 12, 2)),
    (["일 시", "2022.11.28 ~ 2022.12.6"], date(2022, 12, 6)),
])
def test_date_lines(cells: list[str], day: date) -> None:
    assert facts.read_facts([("1행", cells)]).held_on == day


def test_next_meeting_block_is_not_the_meeting_date() -> None:
    found = facts.read_facts([
        ("1행", ["일 시", "2022년 1월 15일(토) 10:00"]),
        ("2행", ["3. 기타 1) 차기회의 일정"]),
        ("3행", ["- 일시 : 2022. 2. 23.(수) 15:00"]),
        ("4행", ["- 장소 : 4층 회의실"]),
    ])
    assert found.held_on == date(2022, 1, 15)
    assert found.next_meeting_at == datetime(2022, 2, 23, 15, 0)
    assert found.next_meeting_place == "4층 회의실"


# --- bullets ------------------------------------------------------------------------------


def test_a_dash_inside_a_clause_is_not_a_bullet() -> None:
    assert opinions.split_bullets("- 사업 기간 2022 - 2023 연장 검토 요망") == [
        "사업 기간 2022 - 2023 연장 검토 요망"]
    assert opinions.split_bullets("- 예산 확보 요망 - 홍보 강화 필요함. ① 교육 확대") == [
        "예산 확보 요망", "홍보 강화 필요함.", "교육 확대"]


def test_paragraphs_without_a_marker_continue_the_bullet_above() -> None:
    assert opinions.bullets_of(["- 첫째 의견이", "둘째 줄로 이어짐", "• 둘째 의견", "가. 셋째"]) == [
        "첫째 의견이 둘째 줄로 이어짐", "둘째 의견", "셋째"]


# --- states --------------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "status", "kind"), [
    ("완료", "accepted", None), ("추진 중", "answered", "추진중"),
    ("추진\n불가", "answered", "반영곤란"), ("반영곤란", "answered", "반영곤란"),
])
def test_status_words(word: str, status: str, kind: str | None) -> None:
    state = state_of(word)
    assert state is not None and (state.status, state.kind) == (status, kind)


def test_unknown_status_word_names_no_state() -> None:
    assert state_of("2023년 예산 반영 예정") is None


# --- monitoring table variants ---------------------------------------------------------------


def monitoring(*rows: list[str], header: list[str] = MONITORING_HEADER,
               before: tuple[str, ...] = ("2022년 제2차 ○○시지역사회보장협의체 보건의료분과 회의",
                                          "일시: 2022. 5. 18.(수) 15:00")) -> object:
    return document(*before, [header, *rows])


def test_wrapped_header_and_three_level_numbers() -> None:
    doc = monitoring(
        ["1", "3-1-2", "건강검진 확대", "보건행정과", "김보건", "- 검진 기관 확대 요망", ""],
        ["2", "2-3-1", "방문 간호", "건강증진과", "이간호", "- 인력 확충 필요\n- 2022 - 2023 연장 검토", ""],
    )
    plan = preview(doc)
    assert plan.profile == "monitoring"
    assert plan.minutes.committee == "보건의료분과" and plan.minutes.held_on == date(2022, 5, 18)
    assert [i.key for i in plan.items] == ["3-1-2#1", "2-3-1#1", "2-3-1#2"]
    assert plan.items[2].text == "2022 - 2023 연장 검토"


def test_other_header_words_are_aliases() -> None:
    header = ["사업 번호", "사업명", "담당 부서", "분과 의견", "조치결과"]
    doc = monitoring(["1-1", "마을 돌봄", "복지정책과", "- 예산 확보 요망", "- 2023년 예산 반영"],
                     header=header)
    plan = preview(doc)
    assert [(i.department, i.text, i.reply, i.status) for i in plan.items] == [
        ("복지정책과", "예산 확보 요망", "2023년 예산 반영", "answered")]


def test_no_table_of_a_known_kind_names_the_tables_and_scores() -> None:
    doc = document("2022년 1차 일자리분과 회의록", [["번호", "이름", "전화"], ["1", "김", "010"]])
    with pytest.raises(UserError, match=r"찾지 못했습니다. 찾은 표 1개 중 가까운 것: 표 1 \(2×3, .*점, 없는 열: "):
        preview(doc)


def test_bad_number_row_is_a_warning_not_a_silent_loss() -> None:
    doc = monitoring(["1", "1-1", "돌봄", "복지과", "김", "- 확대 요망", ""],
                     ["2", "일곱", "상담", "복지과", "김", "- 홍보 요망", ""])
    plan = preview(doc)
    assert [i.key for i in plan.items] == ["1-1#1"]
    assert [w.where for w in plan.warnings if "'일곱'" in w.message] == ["표 1, 3행"]


def test_missing_facts_name_the_options() -> None:
    doc = document([MONITORING_HEADER, ["1", "1-1", "돌봄", "복지과", "김", "- 확대 요망", ""]])
    with pytest.raises(UserError, match="분과.*회의 날짜") as raised:
        preview(doc)
    assert "--" not in raised.value.message  # the web page asks in its own fields
    assert raised.value.hint_cli and "--committee, --meeting-date" in raised.value.hint_cli
    plan = preview(doc, ImportOptions(committee="돌봄분과", held_on=date(2022, 3, 2)))
    assert plan.minutes.committee == "돌봄분과" and len(plan.items) == 1


def test_departments_spelled_two_ways_are_one() -> None:
    doc = monitoring(["1", "1-1", "가", "보건행정과", "김", "- 가 요망", ""],
                     ["2", "1-2", "나", "보건 행정과", "이", "- 나 요망", ""],
                     ["3", "1-3", "다", "아동·청소년과", "박", "- 다 요망", ""],
                     ["4", "1-4", "라", "아동청소년과", "최", "- 라 요망", ""])
    plan = preview(doc)
    assert [i.department for i in plan.items] == ["보건행정과", "보건행정과", "아동·청소년과",
                                                  "아동·청소년과"]
    assert sum("같은 부서로 봅니다" in w.message for w in plan.warnings) == 2


def test_one_cell_rows_never_end_the_table() -> None:
    doc = monitoring(["1", "1-1", "가", "복지과", "김", "- 가 요망", ""],
                     ["추진전략 Ⅱ. 건강한 도시", "<", "<", "<", "<", "<", "<"],
                     ["2", "2-1", "나", "보건과", "이", "- 나 요망", ""],
                     ["", "", "", "", "", "이어지는 문장임.", ""],
                     ["3", "2-2", "다", "보건과", "박", "- 다 요망", ""])
    plan = preview(doc)
    assert [i.key for i in plan.items] == ["1-1#1", "2-1#1", "2-2#1"]
    assert plan.minutes.strategies[0].name == "건강한 도시"
    assert plan.items[1].text == "나 요망 이어지는 문장임."
    assert [r.kind for r in plan.rows] == ["group", "continued"]


# --- audit follow-up tables ------------------------------------------------------------------


AUDIT_DOC = (
    "2022년도 행정사무감사 시정요구사항 및 건의사항 처리결과",
    "감사기간 : 2022.11.28~12.6",
    "1. 시정요구사항",
    "시정요구사항 3건 (완료 1, 추진중 1, 추진불가 1)",
    [["연 번", "시정요구사항", "처리결과", "비고"],
     ["1", "보조금 정산 철저", "정산 완료하였음", "완료"],
     ["2", "위탁 협약 개선\n- 협약서 표준화", "협약서 개정 중", "추진중"],
     ["3", "청사 증축", "예산 부족으로 어려움", "추진\n불가"]],
    "2. 건의사항",
    "건의사항 2건 (완료 2)",
    [["연번", "건의사항", "추진실적 및 처리결과", "비고"],
     ["1", "민원 창구 확대", "", ""],
     ["2", "홍보 강화", "누리집 개편", ""]],
)


def test_audit_tables_need_a_department_when_they_have_none() -> None:
    with pytest.raises(UserError, match="담당부서") as raised:
        preview(document(*AUDIT_DOC), ImportOptions(committee="보건복지위원회"))
    assert raised.value.hint_cli and "--department" in raised.value.hint_cli


def test_audit_tables_under_their_headings() -> None:
    plan = preview(document(*AUDIT_DOC),
                   ImportOptions(committee="보건복지위원회", department="보건정책과"))
    assert plan.profile == "audit"
    assert plan.minutes.held_on == date(2022, 12, 6)
    got = [(i.key, i.item_kind, i.status, i.reply_kind, i.department) for i in plan.items]
    assert got == [
        ("1-1#1", "시정요구사항", "accepted", None, "보건정책과"),
        ("1-2#1", "시정요구사항", "answered", "추진중", "보건정책과"),
        ("1-3#1", "시정요구사항", "answered", "반영곤란", "보건정책과"),
        ("2-1#1", "건의사항", "new", None, "보건정책과"),
        ("2-2#1", "건의사항", "answered", None, "보건정책과"),
    ]
    assert plan.items[1].text == "위탁 협약 개선\n- 협약서 표준화"
    # The printed counts of 시정요구사항 agree; those of 건의사항 do not.
    mismatches = [w for w in plan.warnings if "건 (" in w.message]
    assert len(mismatches) == 1 and "건의사항 2건 (완료 2)" in mismatches[0].message


def test_audit_table_with_a_department_column_carries_merged_cells_down() -> None:
    doc = document("2021회계연도 결산 심사 지적사항 조치결과", "심사기간 : 2022.6.10~6.20",
                   [["번호", "지적사항", "조치결과", "소관부서"],
                    ["1", "이월액 과다", "집행 계획 수립", "회계과"],
                    ["2", "불용액 관리", "관리 강화", "^"]])
    plan = preview(doc, ImportOptions(committee="예산결산특별위원회"))
    assert [i.department for i in plan.items] == ["회계과", "회계과"]


# --- status table ------------------------------------------------------------------------------


STATUS_DOC = (
    "2022년 제3차 복지분과 회의 결과",
    "일 시 : 2022. 9. 1.(목) 14:00",
    [["연번", "과제명", "추진부서", "추진상황", "<", "<", "추진율\n(%)", "비고"],
     ["^", "^", "^", "완료", "추진중", "기타", "^", "^"],
     ["Ⅰ. 풍요로운 복지도시", "<", "<", "1", "1", "0", "75", ""],
     ["1", "경로당 냉난방 지원", "노인복지과", "○", "", "", "100", ""],
     ["2", "노인 일자리 확대", "노인 복지과", "", "○", "", "50", ""],
     ["Ⅱ. 건강한 도시", "<", "<", "0", "0", "1", "0", ""],
     ["1", "공공 산후조리원", "건강증진과", "", "", "○", "0", "부지 검토"],
     ["계", "<", "<", "1", "1", "1", "", ""]],
)


def test_status_table_groups_totals_and_marks() -> None:
    plan = preview(document(*STATUS_DOC))
    assert plan.profile == "status"
    got = [(i.key, i.text, i.department, i.status, i.reply_kind) for i in plan.items]
    assert got == [
        ("1-1#1", "경로당 냉난방 지원", "노인복지과", "accepted", None),
        ("1-2#1", "노인 일자리 확대", "노인복지과", "answered", "추진중"),
        ("2-1#1", "공공 산후조리원", "건강증진과", "new", None),
    ]
    assert [r.kind for r in plan.rows] == ["group", "group", "total"]
    assert plan.items[0].fields["percent"] == "100"
    assert plan.items[2].fields["group"] == "Ⅱ. 건강한 도시"


def test_profiles_are_data_with_lengths_from_the_model() -> None:
    assert MONITORING.field("department").max_length == 100  # type: ignore[union-attr]
    assert {f.name for f in AUDIT.required} == {"number", "opinion"}
    assert STATUS.restart_per_group and not MONITORING.restart_per_group


# --- storing what the preview shows -------------------------------------------------------


def test_states_are_stored_as_responses(db: Database) -> None:
    plan = preview(document(*AUDIT_DOC),
                   ImportOptions(committee="보건복지위원회", department="보건정책과"))
    with db.transaction() as session:
        import_preview(session, plan)
    with db.transaction() as session:
        items = {i.key: i for i in session.scalars(select(Item))}
        assert {k: i.status.value for k, i in items.items()} == {
            "1-1#1": "accepted", "1-2#1": "answered", "1-3#1": "answered", "2-1#1": "new",
            "2-2#1": "answered"}
        done, ongoing, refused = (items[k].responses[0] for k in ("1-1#1", "1-2#1", "1-3#1"))
        assert done.text == "정산 완료하였음" and done.accepted_at is not None
        assert (ongoing.kind, ongoing.accepted_at) == ("추진중", None)
        assert (refused.kind, refused.reason) == ("반영곤란", "예산 부족으로 어려움")
        departments = {i.program.department.name for i in items.values()}  # type: ignore[union-attr]
        assert departments == {"보건정책과"}
    with db.transaction() as session:  # importing it again changes nothing
        assert not import_preview(session, plan).changed


def test_a_department_spelled_another_way_finds_the_stored_one(db: Database) -> None:
    first = monitoring(["1", "1-1", "가", "아동·청소년과", "김", "- 가 요망", ""])
    second = monitoring(["1", "1-2", "나", "아동 청소년과", "김", "- 나 요망", ""],
                        before=("2022년 제3차 보건의료분과 회의", "일시: 2022. 7. 1.(금) 15:00"))
    with db.transaction() as session:
        import_preview(session, preview(first))
        import_preview(session, preview(second))
    with db.transaction() as session:
        assert list(session.scalars(select(Department.name))) == ["아동·청소년과"]
        assert len(list(session.scalars(select(Contact)))) == 1


def test_dry_run_json_is_the_preview_and_writes_nothing(run, sample, db: Database) -> None:  # type: ignore[no-untyped-def]
    result = run("import", "--dry-run", "--format", "json", str(sample))
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert set(shown) == {"meeting", "items", "rows", "warnings"}
    assert shown["meeting"]["committee"] == "일자리분과"
    assert len(shown["items"]) == 14
    seventh = next(i for i in shown["items"] if i["key"] == "1-7#1")
    assert seventh["due_date"] == "2022-07-31" and seventh["where"] == "140행"
    # the header repeated after the page break (137~138행) is dropped by the reader, saying so
    assert [w["where"] for w in shown["warnings"]] == ["137행", "5행"]
    assert "되풀이된 표 머리글 2행 (137~138행)" in shown["warnings"][0]["message"]
    assert "토요일" in shown["warnings"][1]["message"]
    with db.transaction() as session:
        assert list(session.scalars(select(Item))) == []


def test_readable_preview_lists_items_rows_and_warnings(run, sample) -> None:  # type: ignore[no-untyped-def]
    result = run("import", "--dry-run", str(sample))
    assert result.exit_code == 0, result.output
    assert "140행 1-7#1" in result.stdout and "기한 2022-07-31" in result.stdout
    assert "이어진 행 139행" in result.stdout and "주의 5행" in result.stdout


def test_contacts_match_departments_and_names_by_their_key(db: Database) -> None:
    from tracker.contacts import add_contact

    with db.transaction() as session:
        import_preview(session, preview(monitoring(["1", "1-1", "가", "보건행정과", "김보건",
                                                   "- 가 요망", ""])))
        contact, created = add_contact(session, "보건 행정과", "김 보건", "kim@example.go.kr")
        assert not created and contact.department.name == "보건행정과"
    with db.transaction() as session:
        assert [c.email for c in session.scalars(select(Contact))] == ["kim@example.go.kr"]


def test_numbers_written_loosely_and_a_table_numbered_by_its_first_column() -> None:
    header = ["No.", "세부사업명", "담당부서", "모니터링 의견"]
    doc = monitoring(["1.", "돌봄", "복지과", "- 가 요망"], ["(2)", "상담", "복지과", "- 나 요망"],
                     ["3 – 1", "교육", "교육과", "- 다 요망"], header=header)
    assert [i.key for i in preview(doc).items] == ["1#1", "2#1", "3-1#1"]


def test_a_status_words_column_named_progress() -> None:
    doc = document("2022년도 행정사무감사 처리결과", "감사기간 : 2022.11.1~11.9",
                   [["연번", "건의사항", "처리결과", "추진상황"], ["1", "가로등 보수", "보수 완료", "완료"]])
    plan = preview(doc, ImportOptions(committee="도시위원회", department="도로과"))
    assert [(i.status, i.item_kind) for i in plan.items] == [("accepted", "건의사항")]


@pytest.mark.parametrize(("word", "status"), [("완료\n(2022.12.)", "accepted"),
                                              ("추진중(2023년 완료 예정)", "answered")])
def test_a_note_in_brackets_beside_a_status_word(word: str, status: str) -> None:
    state = state_of(word)
    assert state is not None and state.status == status


def test_an_item_row_without_an_opinion_is_listed_not_lost() -> None:
    plan = preview(monitoring(["1", "1-1", "돌봄", "복지과", "김", "- 가 요망", ""],
                              ["2", "1-2", "상담", "복지과", "김", "", ""]))
    assert [i.key for i in plan.items] == ["1-1#1"]
    assert [(r.where, r.kind) for r in plan.rows] == [("표 1, 3행", "empty")]
