"""Due dates named in the text of a monitoring opinion.

A pure parser: no clock, no I/O. The meeting date (and the next meeting's date,
when known) are passed in, because a year-less phrase such as "3월 말" only
means something relative to the meeting it was written at.

The rules are rows of `_RULES`: a compiled pattern and a resolver that turns a
match into a date, or into None when the match names no real date ("2월 30일",
"13월", "차기 회의" without a known next meeting). A rejected match is skipped,
never an error.

Precedence: every rule finds its earliest match that resolves; of those, the one
that starts earliest in the text wins, since an opinion names its deadline before
any later aside. Among matches at the same position the longest wins ("2022년 7월
5일" over "2022년 7월"), then the earlier row of the table.

A deadline is the END of the period named: "2022년 7월" is 2022-07-31,
"하반기" is 12-31, "3분기" is 09-30.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class DueDate:
    """A due date and where it came from.

    reason is the phrase of the (normalised) text it came from, or "default".
    source is "text", "next_meeting" or "default".
    """

    date: date
    reason: str
    source: str


@dataclass(frozen=True)
class _Context:
    meeting: date
    next_meeting: date | None


_Resolver = Callable[[re.Match[str], _Context], date | None]

# "M월 초" is read as the 10th and "M월 중순" as the 20th: the end of the first and
# second ten-day part of the month, as 초순/상순 and 중순 are understood in Korean
# administration. Every other modifier (말, 중, 내, 까지, 하순, none) means month end.
_MONTH_DAY_BY_MODIFIER = {"초": 10, "초순": 10, "상순": 10, "중순": 20}

# A short word such as 말/중/내/초/안 is a date modifier only when a particle or a
# non-Hangul character follows; otherwise it starts another word (말씀, 중점, 내용,
# 초과, 안건) and must not make "3월" a deadline.
_TAIL = (
    r"(?=$|[^가-힣]|까지|에|으로|로|경|께|쯤|을|를|은|는|이|의|부터|전"
    r"|예정|목표|완료|시행)"
)
_MODIFIER = rf"(?P<mod>초순|상순|중순|하순|(?:초|말|중|이내|내|안){_TAIL}|까지)"
# Four digits, so that "10년", "3년정도" and "1-7" never look like a year.
_YEAR = r"(?<![0-9])(?P<y>[0-9]{4})\s*년도?\s*"
_MONTH = r"(?P<m>[0-9]{1,2})\s*월"
_DAY = r"\s*(?P<d>[0-9]{1,2})\s*일"
_NO_DAY = r"(?![0-9]|\s*[0-9]{1,2}\s*일)"
# A year-less phrase must not sit right after a written year: when "0000년 3월 말"
# is rejected, its "3월 말" must not be read against the meeting's year instead.
_NOT_AFTER_YEAR = r"(?<![0-9])(?<![0-9]년)(?<![0-9]년 )(?<![0-9]년도)(?<![0-9]년도 )"
_REL = r"(?<![가-힣])(?P<rel>내년도?|올해|금년도?)\s*"
_PERIOD = r"상반기|하반기|(?<![0-9/])[1-4](?:\s*/\s*4)?\s*분기"
_YEAR_END = rf"(?:연말|말|연내|내|안|중){_TAIL}"


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_end(year: int, month: int) -> date | None:
    if not (1 <= month <= 12 and 1 <= year <= 9999):
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def _in_month(year: int, month: int, modifier: str | None) -> date | None:
    day = _MONTH_DAY_BY_MODIFIER.get(modifier or "")
    return _month_end(year, month) if day is None else _safe_date(year, month, day)


def _period_end_month(period: str) -> int:
    if period == "상반기":
        return 6
    if "분기" in period:
        return 3 * int(period[0])
    return 12


def _year_for(end_month: int, ctx: _Context, rel: str | None) -> int:
    """The year of a year-less period ending in end_month.

    With 올해/금년/내년 the text says which; otherwise the meeting's year, unless
    the whole period is over by the meeting date, then the next year.
    """
    if rel is not None:
        return ctx.meeting.year + (1 if rel.startswith("내년") else 0)
    return ctx.meeting.year + (1 if end_month < ctx.meeting.month else 0)


def _group(match: re.Match[str], name: str) -> str | None:
    # Rows share resolvers but not every row's pattern has every optional group.
    return match.groupdict().get(name)


def _ymd(match: re.Match[str], ctx: _Context) -> date | None:
    return _safe_date(int(match["y"]), int(match["m"]), int(match["d"]))


def _ym(match: re.Match[str], ctx: _Context) -> date | None:
    return _in_month(int(match["y"]), int(match["m"]), _group(match, "mod"))


def _y_period(match: re.Match[str], ctx: _Context) -> date | None:
    return _month_end(int(match["y"]), _period_end_month(match["p"]))


def _md(match: re.Match[str], ctx: _Context) -> date | None:
    month = int(match["m"])
    return _safe_date(_year_for(month, ctx, _group(match, "rel")), month, int(match["d"]))


def _m_mod(match: re.Match[str], ctx: _Context) -> date | None:
    month = int(match["m"])
    return _in_month(_year_for(month, ctx, _group(match, "rel")), month, _group(match, "mod"))


def _period(match: re.Match[str], ctx: _Context) -> date | None:
    end_month = _period_end_month(match["p"])
    return _month_end(_year_for(end_month, ctx, _group(match, "rel")), end_month)


def _year_end(match: re.Match[str], ctx: _Context) -> date | None:
    # 31 December is never over within the meeting's year, so no roll-over.
    return date(ctx.meeting.year, 12, 31)


def _next_meeting(match: re.Match[str], ctx: _Context) -> date | None:
    return ctx.next_meeting


_RULES: tuple[tuple[re.Pattern[str], _Resolver], ...] = (
    (re.compile(_YEAR + _MONTH + _DAY), _ymd),
    (
        re.compile(
            r"(?<![0-9])(?P<y>[0-9]{4})\s*(?P<sep>[./-])\s*(?P<m>[0-9]{1,2})\s*(?P=sep)"
            r"\s*(?P<d>[0-9]{1,2})(?![0-9])"
        ),
        _ymd,
    ),
    (re.compile(_YEAR + _MONTH + _NO_DAY + rf"(?:\s*{_MODIFIER})?"), _ym),
    (re.compile(_YEAR + rf"(?P<p>{_PERIOD}|{_YEAR_END})"), _y_period),
    (re.compile(_NOT_AFTER_YEAR + rf"(?:{_REL})?" + _MONTH + _DAY), _md),
    (re.compile(_NOT_AFTER_YEAR + _MONTH + _NO_DAY + rf"\s*{_MODIFIER}"), _m_mod),
    (re.compile(_REL + _MONTH + _NO_DAY + rf"(?:\s*{_MODIFIER})?"), _m_mod),
    (re.compile(_NOT_AFTER_YEAR + rf"(?:{_REL})?(?P<p>{_PERIOD})"), _period),
    (re.compile(_REL + rf"(?P<p>{_YEAR_END})"), _period),
    # "연말정산" is a tax, not a deadline: 연말 counts only with 까지/이전/전/내.
    (re.compile(rf"(?<![가-힣])(?:연말\s*(?:까지|이전|전|내|안)|연내{_TAIL})"), _year_end),
    (re.compile(r"(?:차기|다음)\s*회의"), _next_meeting),
)


def _normalise(text: str) -> str:
    # NFKC turns full-width digits and U+3000 into ASCII; runs of white space
    # become one space so that the fixed-width look-behinds above hold.
    return " ".join(unicodedata.normalize("NFKC", text).split())


# A due date is believed only from the year before the meeting to ten years after it:
# "9999년 12월 31일까지" is a typing slip, not a plan (and would overflow date arithmetic).
YEARS_BEFORE = 1
YEARS_AFTER = 10


def due_bounds(meeting_date: date) -> tuple[date, date]:
    """The first and last due date accepted for a meeting held on `meeting_date`. Pure."""
    first = max(1, meeting_date.year - YEARS_BEFORE)
    last = min(9999, meeting_date.year + YEARS_AFTER)
    return date(first, 1, 1), date(last, 12, 31)


def due_problem(due: date, meeting_date: date) -> str | None:
    """Why `due` cannot be the due date of an opinion of the meeting on `meeting_date`, in
    Korean; None when it can. Pure."""
    first, last = due_bounds(meeting_date)
    if first <= due <= last:
        return None
    return (f"기한 {due.isoformat()}은(는) 받을 수 없습니다: 회의({meeting_date.isoformat()}) "
            f"전년부터 {YEARS_AFTER}년 뒤까지, 곧 {first.isoformat()} ~ {last.isoformat()} "
            "사이의 날짜를 적어 주세요.")


def _first_resolved(
    pattern: re.Pattern[str], resolve: _Resolver, text: str, ctx: _Context
) -> tuple[re.Match[str], date] | None:
    for match in pattern.finditer(text):
        found = resolve(match, ctx)
        if found is not None and due_problem(found, ctx.meeting) is None:
            return match, found
    return None


def find_due_date(
    text: str, meeting_date: date, next_meeting: date | None = None
) -> DueDate | None:
    """The due date the opinion text names, or None when it names none.

    Never raises on any string. A date outside due_bounds(meeting_date) is not believed
    (the default applies instead). A returned DueDate has source "text" and as reason
    the phrase it was read from, as it stands in the text after NFKC normalisation
    and white-space collapsing. Year-less phrases are read against meeting_date;
    "차기 회의"/"다음 회의" gives next_meeting, and no match when that is None.
    """
    normal = _normalise(text)
    ctx = _Context(meeting_date, next_meeting)
    best: tuple[int, int, int, re.Match[str], date] | None = None
    for order, (pattern, resolve) in enumerate(_RULES):
        hit = _first_resolved(pattern, resolve, normal, ctx)
        if hit is None:
            continue
        match, found = hit
        candidate = (match.start(), match.start() - match.end(), order, match, found)
        if best is None or candidate[:3] < best[:3]:
            best = candidate
    if best is None:
        return None
    return DueDate(date=best[4], reason=best[3].group(0).strip(), source="text")


def due_date_for(
    text: str,
    meeting_date: date,
    next_meeting: date | None = None,
    default_days: int = 30,
) -> DueDate:
    """find_due_date, else the default; always a DueDate, never raises on any string.

    The default is the next meeting's date when known (source "next_meeting"), else
    meeting_date + default_days (source "default"), clamped to the range of `date`;
    its reason is "default".
    """
    named = find_due_date(text, meeting_date, next_meeting)
    if named is not None:
        return named
    if next_meeting is not None:
        return DueDate(date=next_meeting, reason="default", source="next_meeting")
    return DueDate(date=_add_days(meeting_date, default_days), reason="default", source="default")


def _add_days(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min
