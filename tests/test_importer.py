"""Importing the real sample minutes: every fact the secretariat relies on, idempotence, refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import (
    AuditEvent,
    Committee,
    Contact,
    Discussion,
    Item,
    Meeting,
    Member,
    MemberRole,
    Program,
    Response,
    Strategy,
)
from tracker.database import Database
from tracker.errors import UserError
from tracker.importer import import_file
from tracker.minutes import parse_rows
from tracker.sources import read_rows

PROGRAMS = ["1-1", "1-2", "1-4", "1-5", "1-6", "1-7", "1-8", "1-9"]


def count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def items_by_key(db: Database) -> dict[str, Item]:
    with db.transaction() as session:
        return {item.key: item for item in session.scalars(select(Item))}


def test_meeting_facts(imported: Database) -> None:
    with imported.transaction() as session:
        meeting = session.scalars(select(Meeting)).one()
        assert meeting.held_on == date(2022, 1, 15)
        assert session.get(Committee, meeting.committee_id).name == "일자리분과"  # type: ignore[union-attr]
        assert meeting.sequence == 1
        assert meeting.plan_year == 2021
        assert meeting.next_meeting_at == datetime(2022, 2, 23, 6, 0, tzinfo=UTC)  # 15:00 KST
        assert meeting.next_meeting_place == "수원시홍재복지타운 4층"


def test_saturday_written_as_friday_keeps_the_date_and_warns(sample: Path) -> None:
    minutes = parse_rows(read_rows(sample), sample.name)
    assert minutes.held_on == date(2022, 1, 15)
    assert any("토요일" in w.message and "(금)" in w.message for w in minutes.warnings)


def test_members_and_chair(imported: Database) -> None:
    with imported.transaction() as session:
        members = list(session.scalars(select(Member)))
        chair = [m for m in members if m.role == MemberRole.CHAIR]
        secretaries = {m.name for m in members if m.role == MemberRole.SECRETARY}
    assert len(members) == 19  # 공(4) + 민(15); the vacant seat (공석) is not a member
    assert [(c.name, c.title) for c in chair] == [("장미선", "민간분과장")]
    assert secretaries == {"박은혜", "황수정"}


def test_programs_with_department_team_and_contact(imported: Database) -> None:
    with imported.transaction() as session:
        programs = {p.number: p for p in session.scalars(select(Program))}
        assert sorted(programs, key=lambda n: int(n.split("-")[1])) == PROGRAMS
        seventh = programs["1-7"]
        assert seventh.department and seventh.department.name == "일자리정책과"
        assert seventh.team and seventh.team.name == "일자리 지원팀"
        assert seventh.contact and seventh.contact.name == "임양수"
        assert programs["1-1"].priority and not programs["1-4"].priority
        assert programs["1-2"].category == "신규"
        strategy = session.scalars(select(Strategy)).one()
        assert strategy.code == "I" and strategy.title == "누구나 일할 수 있는 사회적 일자리 확대"


def test_one_item_per_opinion_bullet(imported: Database) -> None:
    items = items_by_key(imported)
    on_programs = [k for k in items if not k.startswith("전략")]
    assert len(on_programs) == 13
    assert [k for k in items if k.startswith("전략")] == ["전략I#1"]
    assert items["전략I#1"].text == "추진전략 및 성과지표가 적절함"
    per_program = {n: sum(1 for k in on_programs if k.startswith(n + "#")) for n in PROGRAMS}
    assert per_program == {"1-1": 2, "1-2": 2, "1-4": 1, "1-5": 2, "1-6": 2, "1-7": 1,
                           "1-8": 1, "1-9": 2}


def test_opinion_continued_after_the_page_break(imported: Database) -> None:
    second = items_by_key(imported)["1-6#2"].text
    assert second.startswith("사회적경제 생신품 우선구매에 대해")
    assert second.endswith("관련 법률(조례) 점검을 통해 법적근거 마련 검토를 요청함.")


def test_due_dates(imported: Database) -> None:
    items = items_by_key(imported)
    assert items["1-7#1"].due_date == date(2022, 7, 31)
    assert items["1-7#1"].due_reason == "2022년 7월"
    # Without a date in the text, the next meeting is the deadline.
    assert items["1-1#1"].due_date == date(2022, 2, 23)
    assert items["1-1#1"].due_reason == "default"


def test_praise_needs_no_reply(imported: Database) -> None:
    items = items_by_key(imported)
    assert not items["1-8#1"].needs_reply
    assert not items["전략I#1"].needs_reply
    assert items["1-5#1"].needs_reply  # praise followed by "단, …" still asks
    assert sum(1 for i in items.values() if i.needs_reply) == 12


def test_items_assigned_to_the_program_contact(imported: Database) -> None:
    with imported.transaction() as session:
        item = session.scalars(select(Item).where(Item.key == "1-9#2")).one()
        assert item.contact is not None and item.contact.name == "조미화"


def test_dash_follow_up_cells_are_empty(imported: Database) -> None:
    assert count(imported, Response) == 0


def test_discussion_notes_attached_by_program_number(imported: Database) -> None:
    with imported.transaction() as session:
        notes = {d.program_id: d.text for d in session.scalars(select(Discussion))}
        programs = {p.number: p.id for p in session.scalars(select(Program))}
        # The table spells 1-8 as 산중년, the notes heading as 신중년: matched by number.
        assert notes[programs["1-8"]] == "- 잘 운영되고 있음"
        assert "최소 3년은 지원이 되어야" in notes[programs["1-1"]]
        assert "우선구매 관련 법적근거 확장" in notes[programs["1-6"]]
        assert "우수사업 논의 결과" not in " ".join(notes.values())
    assert len(notes) == 8


def test_reimport_changes_nothing(imported: Database, sample: Path) -> None:
    tables = (Item, Program, Contact, Member, Discussion, AuditEvent)
    before = {model: count(imported, model) for model in tables}
    with imported.transaction() as session:
        report = import_file(session, sample)
    assert not report.changed
    assert {model: count(imported, model) for model in tables} == before


def test_filled_follow_up_becomes_an_existing_response(db: Database, tmp_path: Path) -> None:
    source = Path(__file__).parent / "data" / "2022-01-15-jobs-subcommittee-minutes.txt"
    lines = source.read_text(encoding="utf-8").splitlines()
    lines = [line.rstrip("\t") + "\t- 2022년 하반기 조례 개정 검토 중" if line.startswith("6\t1-7\t") else line
             for line in lines]
    path = tmp_path / "filled.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    with db.transaction() as session:
        import_file(session, path)
    with db.transaction() as session:
        response = session.scalars(select(Response)).one()
        assert response.text == "2022년 하반기 조례 개정 검토 중"
        assert response.item.key == "1-7#1"
        assert response.item.status.value == "answered"


def test_cp949_text_is_read(db: Database, sample: Path, tmp_path: Path) -> None:
    path = tmp_path / "cp949.txt"
    path.write_bytes(sample.read_text(encoding="utf-8").encode("cp949", errors="replace"))
    with db.transaction() as session:
        report = import_file(session, path)
    assert report.created["item"] == 14


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("세부사업명", "내용").replace("실무분과 모니터링 의견", "메모"), r"모니터링 표.*찾지 못했습니다. 찾은 표 \d+개 중 가까운 것: 표 \d+ \("),
        (lambda t: t.replace("8\t1-9\t", "8\t1-8\t"), "사업번호 1-8"),
        (lambda t: t.replace("2022년 1월 15일(금)", "2022년 2월 30일(금)"), "없는 날짜"),
    ],
)
def test_malformed_file_is_refused_and_nothing_is_written(
    db: Database, sample: Path, change, message: str  # type: ignore[no-untyped-def]
) -> None:
    sample.write_text(change(sample.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(UserError, match=message), db.transaction() as session:
        import_file(session, sample)
    assert count(db, Item) == count(db, Program) == count(db, Meeting) == 0


def test_binary_file_is_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(UserError), db.transaction() as session:
        import_file(session, path)


def test_shifted_cells_with_overlong_values_are_refused(db: Database, sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    sample.write_text(text.replace("\t노동정책과\t", "\t" + "노동정책과" * 30 + "\t"), encoding="utf-8")
    with pytest.raises(UserError, match="142행: 담당부서 칸이 너무 깁니다"), db.transaction() as session:
        import_file(session, sample)


def test_superscript_sequence_number_is_not_a_crash(db: Database, sample: Path) -> None:
    text = sample.read_text(encoding="utf-8").replace("6\t1-7\t", "²\t1-7\t")
    sample.write_text(text, encoding="utf-8")
    with db.transaction() as session:
        report = import_file(session, sample)
    assert report.created["item"] == 14
