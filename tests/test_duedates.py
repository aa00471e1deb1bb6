"""Tests for tracker.duedates: due dates read out of monitoring-opinion text."""

from __future__ import annotations

import calendar
import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.duedates import DueDate, due_bounds, due_date_for, due_problem, find_due_date

MEETING = date(2022, 1, 15)  # the 2022년 1차 일자리분과 meeting in tests/data
NEXT = date(2022, 3, 19)

# Real sentences and fragments from the 2022-01-15 minutes that name no due date.
REAL_NON_DATES = [
    "보편적으로 해당 분야의 경력으로 인정받기 위해서는 최소 3년정도는 해당 분야에서 근무해야 "
    "한다고 생각됨. 따라서 새일공공일자리도 최소 3년은 지원이 되어야 한다고 생각됨.",
    "경력으로 인정받으려면 최소 3년까지는 지원이 되어야 함.",
    "서울 같은 경우 1회기를 23개월로 진행되기도 함.",
    "예산이 현직자 네트워킹을 했다고 하는데 예산이 14백만원 중 그 후 네트워크 운영 관련 "
    "예산이 부족할 것으로 생각됨.",
    "10년이 되는 상황이라 온라인으로 판매가 많이 되고 있는 상황이라 당초 계획 대비 축소가 되었음.",
    "우수사업 논의 결과 : 1-2 MICE 전문인력 양성",
    "1-7. 취업박람회 및 구인구직 행사",
    "참석자 11/19 공(1/4) 민(10/15)",
    "일 시 10:00 ~ 11:30 화상회의, 15:00 이후 개별 연락",
    "2022년 시간 유연제에 대한 지속 모니터링",
    "#붙임1. 2021년 시행결과 모니터링 정리 및 부서 의견",
    "2021년도 연차별 시행계획 평가 모니터링",
    "2022년 수원시지역사회보장협의체 운영방향 및 사업계획 공유",
    "사회적기업이 480개 정도인데 전체 관리는 무리임",
    "연말정산 관련 안내 요망",
    "3월 말씀드린 바와 같이 중점 사업 검토 요망",
]

# Words from the minutes with no digits and no date word, to embed phrases in.
FILLER_WORDS = [
    "예산",
    "확보",
    "노력",
    "요망",
    "참여자",
    "심사에",
    "신청이",
    "아주",
    "많았음",
    "공공기관",
    "민간기관까지",
    "지원하는",
    "것은",
    "한계가",
    "있어",
    "보였음",
    "모니터링이",
    "필요하다",
    "판단됨",
    "사업",
    "운영",
    "개선",
    "요청함",
    "검토",
    "바람",
    "일자리",
    "질에",
    "대한",
    "점검이",
    "필요함",
    "MICE",
    "전문인력",
    "양성",
    "(",
    ")",
    ",",
    ".",
    "·",
    "-",
    ":",
]
filler = st.lists(st.sampled_from(FILLER_WORDS), max_size=8).map(" ".join)
separators = st.sampled_from([" ", "", "\u3000", "\n", ", "])
meetings = st.dates(min_value=date(1900, 1, 1), max_value=date(9998, 12, 31))


def embed(before: str, phrase: str, after: str, sep: str) -> str:
    return f"{before}{sep}{phrase}{sep}{after}"


def normalised(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def to_full_width(text: str) -> str:
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}).replace(" ", "\u3000")


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# --- examples, one or more per rule ------------------------------------------------------


def test_real_1_7_sentence() -> None:
    text = (
        "참여기업 수와 참여자 수를 2022년 시행계획 변경 시 (2022년 7월 예정) 추가해 줄 것을 요청함."
    )
    assert find_due_date(text, MEETING) == DueDate(date(2022, 7, 31), "2022년 7월", "text")


@pytest.mark.parametrize(
    ("text", "expected", "reason"),
    [
        ("2022년 7월 5일까지 제출 요망", date(2022, 7, 5), "2022년 7월 5일"),
        ("2022년7월5일", date(2022, 7, 5), "2022년7월5일"),
        ("2023년도 2월 보고", date(2023, 2, 28), "2023년도 2월"),
        ("2024년 2월 보고", date(2024, 2, 29), "2024년 2월"),
        ("2022년 7월 말까지", date(2022, 7, 31), "2022년 7월 말"),
        ("2022년 7월 초", date(2022, 7, 10), "2022년 7월 초"),
        ("2022년 7월 중순 예정", date(2022, 7, 20), "2022년 7월 중순"),
        ("2022. 7. 5. 까지", date(2022, 7, 5), "2022. 7. 5"),
        ("2022.7.5", date(2022, 7, 5), "2022.7.5"),
        ("2022-07-05 회신", date(2022, 7, 5), "2022-07-05"),
        ("2022/7/5", date(2022, 7, 5), "2022/7/5"),
        ("7월 5일까지 회신", date(2022, 7, 5), "7월 5일"),
        ("3월 중 보고", date(2022, 3, 31), "3월 중"),
        ("3월말까지", date(2022, 3, 31), "3월말"),
        ("3월까지 보완", date(2022, 3, 31), "3월까지"),
        ("3월 내 검토", date(2022, 3, 31), "3월 내"),
        ("3월 초 보고", date(2022, 3, 10), "3월 초"),
        ("3월 중순에 보고", date(2022, 3, 20), "3월 중순"),
        ("상반기 중 검토", date(2022, 6, 30), "상반기"),
        ("하반기에 반영", date(2022, 12, 31), "하반기"),
        ("3분기까지", date(2022, 9, 30), "3분기"),
        ("1/4분기 내", date(2022, 3, 31), "1/4분기"),
        ("2022년 하반기", date(2022, 12, 31), "2022년 하반기"),
        ("2023년 상반기 시행", date(2023, 6, 30), "2023년 상반기"),
        ("2022년도 4분기", date(2022, 12, 31), "2022년도 4분기"),
        ("2022년 말까지 완료", date(2022, 12, 31), "2022년 말"),
        ("연말까지 보완", date(2022, 12, 31), "연말까지"),
        ("연내 추진", date(2022, 12, 31), "연내"),
        ("올해 말 보고", date(2022, 12, 31), "올해 말"),
        ("내년 상반기 반영", date(2023, 6, 30), "내년 상반기"),
        ("내년 3월 시행", date(2023, 3, 31), "내년 3월"),
    ],
)
def test_text_rules(text: str, expected: date, reason: str) -> None:
    assert find_due_date(text, MEETING) == DueDate(expected, reason, "text")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("차기 회의 시 보고", "차기 회의"),
        ("차기회의까지", "차기회의"),
        ("다음 회의에서 공유", "다음 회의"),
    ],
)
def test_next_meeting_phrase(text: str, reason: str) -> None:
    assert find_due_date(text, MEETING, NEXT) == DueDate(NEXT, reason, "text")
    assert find_due_date(text, MEETING) is None


def test_next_meeting_phrase_unknown_gives_way_to_other_phrase() -> None:
    assert find_due_date("차기 회의 또는 3월 말까지", MEETING) == DueDate(
        date(2022, 3, 31), "3월 말", "text"
    )


@pytest.mark.parametrize("text", REAL_NON_DATES)
def test_real_non_dates(text: str) -> None:
    assert find_due_date(text, MEETING, None) is None


@pytest.mark.parametrize(
    "text",
    [
        "2월 30일까지",
        "13월 말까지",
        "2022년 13월",
        "2022년 2월 30일",
        "2022-02-30",
        "0000년 3월 말",
        "0월 중",
        "5분기까지",
        "3월 중점 사업",
        "2022년 중요 사업",
        "공연내용 개선",
        "12022년 7월 말",
        "12분기 사업",
        "5/4분기",
    ],
)
def test_invalid_or_lookalike_dates_are_no_match(text: str) -> None:
    assert find_due_date(text, MEETING) is None


def test_full_width_digits_and_ideographic_space() -> None:
    assert find_due_date("２０２２년\u3000７월\u3000말", MEETING) == DueDate(
        date(2022, 7, 31), "2022년 7월 말", "text"
    )


# --- precedence ---------------------------------------------------------------------------


def test_earliest_phrase_wins() -> None:
    assert find_due_date("6월 말 중간보고, 2022년 12월 최종보고", MEETING) == DueDate(
        date(2022, 6, 30), "6월 말", "text"
    )


def test_longest_phrase_at_same_position_wins() -> None:
    found = find_due_date("2022년 7월 15일", MEETING)
    assert found is not None and found.date == date(2022, 7, 15)


# --- year roll-over -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "meeting", "expected"),
    [
        ("3월까지", date(2022, 11, 10), date(2023, 3, 31)),
        ("3월 말", date(2022, 3, 10), date(2022, 3, 31)),
        ("3월 초", date(2022, 3, 31), date(2022, 3, 10)),  # the month is not over yet
        ("2월 중", date(2022, 3, 1), date(2023, 2, 28)),
        ("12월 5일", date(2022, 12, 31), date(2022, 12, 5)),
        ("1월 5일", date(2022, 12, 31), date(2023, 1, 5)),
        ("상반기", date(2022, 6, 30), date(2022, 6, 30)),
        ("상반기", date(2022, 7, 1), date(2023, 6, 30)),
        ("1분기", date(2022, 5, 2), date(2023, 3, 31)),
        ("4분기", date(2022, 11, 2), date(2022, 12, 31)),
        ("연말까지", date(2022, 12, 31), date(2022, 12, 31)),
        ("2월 29일", date(2023, 5, 1), date(2024, 2, 29)),
    ],
)
def test_year_roll_over(text: str, meeting: date, expected: date) -> None:
    found = find_due_date(text, meeting)
    assert found is not None and found.date == expected


def test_roll_over_past_year_9999_is_no_match() -> None:
    assert find_due_date("3월까지", date(9999, 11, 10)) is None


# --- defaults -----------------------------------------------------------------------------


def test_default_is_next_meeting_when_known() -> None:
    assert due_date_for("예산 확보 노력 요망", MEETING, NEXT) == DueDate(
        NEXT, "default", "next_meeting"
    )


def test_default_is_meeting_plus_days() -> None:
    assert due_date_for("예산 확보 노력 요망", MEETING) == DueDate(
        date(2022, 2, 14), "default", "default"
    )
    assert due_date_for("", MEETING, default_days=14).date == date(2022, 1, 29)


def test_text_beats_default() -> None:
    assert due_date_for("3월 말까지", MEETING, NEXT) == DueDate(date(2022, 3, 31), "3월 말", "text")


def test_unknown_next_meeting_phrase_falls_back_to_default() -> None:
    assert due_date_for("차기 회의 시 보고", MEETING) == DueDate(
        date(2022, 2, 14), "default", "default"
    )


def test_default_clamps_at_the_end_of_the_calendar() -> None:
    assert due_date_for("", date.max).date == date.max


# --- properties ---------------------------------------------------------------------------

STRESS = "0123456789０１２３ 년월일도.-/:분기상하반말중초순내까지연올해차회의다음\u3000"


@given(
    st.one_of(st.text(), st.text(alphabet=STRESS)),
    st.dates(),
    st.none() | st.dates(),
    st.integers(),
)
def test_never_raises_and_reason_is_in_the_text(
    text: str, meeting: date, next_meeting: date | None, days: int
) -> None:
    found = find_due_date(text, meeting, next_meeting)
    if found is not None:
        assert isinstance(found.date, date)
        assert found.source == "text"
        assert found.reason and found.reason in normalised(text)
    assert isinstance(due_date_for(text, meeting, next_meeting, days).date, date)


@given(st.dates(min_value=date(1000, 1, 1)), filler, filler, separators, meetings, st.booleans())
def test_full_date_in_filler_gives_that_date(
    day: date, before: str, after: str, sep: str, meeting: date, wide: bool
) -> None:
    phrase = f"{day.year}년 {day.month}월 {day.day}일까지"
    text = embed(before, phrase, after, sep)
    found = find_due_date(to_full_width(text) if wide else text, meeting)
    if due_problem(day, meeting) is None:
        assert found == DueDate(day, f"{day.year}년 {day.month}월 {day.day}일", "text")
    else:  # outside the meeting's year - 1 ... + 10: not believed, the default applies
        assert found is None


year_less_month_phrases = st.sampled_from(
    [
        "{m}월 말",
        "{m}월말까지",
        "{m}월까지",
        "{m}월 중",
        "{m}월 내",
        "{m}월 초",
        "{m}월 중순",
        "{m}월 {d}일",
    ]
)


@given(year_less_month_phrases, st.integers(1, 12), st.integers(1, 28), filler, filler, meetings)
def test_year_less_month_lies_in_the_next_twelve_months(
    template: str, month: int, day: int, before: str, after: str, meeting: date
) -> None:
    text = embed(before, template.format(m=month, d=day), after, " ")
    found = find_due_date(text, meeting)
    assert found is not None
    start = meeting.replace(day=1)
    assert found.date.month == month
    assert start <= found.date < start.replace(year=start.year + 1)


period_phrases = st.sampled_from(
    [
        "상반기",
        "하반기",
        "1분기",
        "2분기",
        "3분기",
        "4분기",
        "3/4분기",
        "연말까지",
        "연내",
        "올해 말",
    ]
)


@given(period_phrases, filler, filler, meetings)
def test_year_less_period_ends_within_a_year_after_the_meeting(
    phrase: str, before: str, after: str, meeting: date
) -> None:
    found = find_due_date(embed(before, phrase, after, " "), meeting)
    assert found is not None
    assert meeting <= found.date <= meeting + timedelta(days=366)
    assert found.date.month % 3 == 0
    assert found.date == month_end(found.date.year, found.date.month)


forward_phrases = st.sampled_from(
    ["", "상반기", "하반기", "2분기", "연내", "3월 말", "11월까지", "7월 중", "차기 회의"]
)


@given(
    forward_phrases,
    filler,
    filler,
    meetings,
    st.none() | st.integers(0, 400),
    st.integers(0, 3650),
)
def test_due_date_is_not_before_meeting_without_a_past_date(
    phrase: str, before: str, after: str, meeting: date, gap: int | None, days: int
) -> None:
    next_meeting = None if gap is None else meeting + timedelta(days=gap)
    due = due_date_for(embed(before, phrase, after, " "), meeting, next_meeting, days)
    assert due.date >= meeting
    if not phrase or (phrase == "차기 회의" and next_meeting is None):
        expected = next_meeting or meeting + timedelta(days=days)
        assert due.date == expected and due.reason == "default"
    else:
        assert due.source == "text"


non_date_templates = st.sampled_from(
    [
        "최소 {a}년까지는",
        "{a}개월로",
        "{a}백만원",
        "{a}년이 되는",
        "{a}회기를",
        "{a}년정도는",
        "{a}-{b}",
        "{a}/{b}",
        "{h}:{mm:02d}",
        "{a}년도",
        "{a}년 시행계획",
        "{a}명",
        "{a}개 정도",
    ]
)


@given(
    non_date_templates,
    st.integers(1, 9999),
    st.integers(1, 99),
    st.integers(0, 23),
    st.integers(0, 59),
    filler,
    filler,
    meetings,
)
def test_durations_amounts_numbers_and_times_are_not_dates(
    template: str, a: int, b: int, h: int, mm: int, before: str, after: str, meeting: date
) -> None:
    text = embed(before, template.format(a=a, b=b, h=h, mm=mm), after, " ")
    assert find_due_date(text, meeting, None) is None


@pytest.mark.parametrize("text", ["9999년 12월 31일까지", "0001년 1월 1일까지", "2033년 1월 1일까지",
                                  "2020년 12월 31일까지"])
def test_a_due_date_outside_the_meetings_year_minus_one_to_plus_ten_is_not_believed(
    text: str,
) -> None:
    assert find_due_date(text, MEETING) is None
    assert due_date_for(text, MEETING).source == "default"


def test_the_bounds_are_the_year_before_to_ten_years_after_the_meeting() -> None:
    assert due_bounds(MEETING) == (date(2021, 1, 1), date(2032, 12, 31))
    assert find_due_date("2021년 1월 1일까지", MEETING) == DueDate(date(2021, 1, 1), "2021년 1월 1일",
                                                               "text")
    assert find_due_date("2032년 12월 31일까지", MEETING) is not None
    problem = due_problem(date(9999, 12, 31), MEETING)
    assert problem is not None and "2021-01-01 ~ 2032-12-31" in problem
    assert due_bounds(date(9999, 5, 1)) == (date(9998, 1, 1), date(9999, 12, 31))
    assert due_bounds(date(1, 5, 1)) == (date(1, 1, 1), date(11, 12, 31))
