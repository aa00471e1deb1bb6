"""The kinds of follow-up table a council keeps, as data: one :class:`Profile` per kind.

A profile names the table's fields, the header labels (and aliases) each field goes by,
which fields a table must have to be of this kind, which fields carry down when a cell is
merged or left empty, how an item is numbered, and how long each value may be (taken
from the database columns, so a shifted cell is caught before it is stored).

Labels are compared with every space and line break removed (:func:`squash`), so
``연 번`` is ``연번`` and ``실무분과⏎모니터링 의견`` is ``실무분과모니터링의견``.
A field matches a header cell whose squashed text equals one of its ``aliases``, or
holds one of its ``contains`` words (``2021년도 실무분과 모니터링 의견``).

The table reader (:mod:`tracker.tables`) only follows these profiles; adding a kind of
table, or an alias, is a change to this module alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from db.models import Committee, Contact, Department, Program, Team

NUMBER_PATTERN = re.compile(r"^\d+(?:-\d+)*$")


def squash(text: str) -> str:
    """`text` with every space and line break removed, for comparing labels."""
    return "".join(text.split())


def _length(column: object) -> int:
    return int(column.type.length)  # type: ignore[attr-defined]


# The longest value each field may hold: the length of the column it is stored in.
MAX_LENGTHS = {
    "number": _length(Program.__table__.c.number),
    "name": _length(Program.__table__.c.name),
    "category": _length(Program.__table__.c.category),
    "department": _length(Department.__table__.c.name),
    "team": _length(Team.__table__.c.name),
    "contact": _length(Contact.__table__.c.name),
}
COMMITTEE_MAX_LENGTH = _length(Committee.__table__.c.name)


@dataclass(frozen=True)
class Field:
    """One column of a kind of table."""

    name: str  # what the importer calls it: "number", "opinion", "mark:완료" …
    label: str  # how the council writes it, for messages and the exporter's header
    aliases: tuple[str, ...] = ()  # whole labels, squashed
    contains: tuple[str, ...] = ()  # words a longer label holds, squashed
    required: bool = False
    carry_down: bool = False  # a merged or empty cell repeats the value above
    # A cell merged down over several rows gives each row its value (an empty cell does not):
    # a team or a contact answering for several programs.
    carry_merged: bool = False

    @property
    def max_length(self) -> int | None:
        """The longest value this field may hold, or None when the text is unbounded."""
        return MAX_LENGTHS.get(self.name)

    def score(self, label: str) -> int:
        """How well a squashed header `label` names this field: 3 exact, 2 contains, 0 not."""
        if not label:
            return 0
        label = label.casefold().rstrip(".")
        if label == squash(self.label) or label in self.aliases:
            return 3
        if any(word in label for word in self.contains):
            return 2
        return 0


@dataclass(frozen=True)
class Profile:
    """A kind of table: its fields and how its rows become items."""

    name: str  # "monitoring", "audit", "status"
    title: str  # Korean, for messages: "모니터링 표"
    fields: tuple[Field, ...]
    text_field: str  # the field whose text is the item ("opinion", or "name")
    # Bullets of the text cell are separate items (monitoring opinions); otherwise a row
    # is one item whatever its paragraphs.
    split_bullets: bool = True
    # Item numbers restart in every group (Ⅰ. …, Ⅱ. …): the group's code qualifies them.
    restart_per_group: bool = False
    # Each row is its own program (audit, status): the number is scoped to the meeting.
    row_is_program: bool = False
    # Words of headings above the table that say what kind of item its rows are.
    item_kinds: tuple[str, ...] = ()
    # At least one of these fields must have its column (a status table's ○ columns, its
    # percentage or its status words).
    any_of: tuple[str, ...] = ()
    # When the number's own column is missing, the column of this field numbers the items
    # (a monitoring table numbered by 연번 alone).
    number_fallback: str | None = None
    # A table of this kind may have no number column at all (건의사항 | 소관부서 | 조치결과):
    # its item rows are then numbered 1, 2, … in the order they come.
    numbers_rows: bool = False

    def field(self, name: str) -> Field | None:
        """The field called `name`, or None when this kind of table has none."""
        return self.by_name.get(name)

    @cached_property
    def by_name(self) -> dict[str, Field]:
        """The fields by name."""
        return {f.name: f for f in self.fields}

    @property
    def required(self) -> list[Field]:
        """The fields a table must have to be of this kind."""
        return [f for f in self.fields if f.required]

    @property
    def header(self) -> list[str]:
        """The labels of the fields, in order, as the council writes them."""
        return [f.label for f in self.fields]


# Answers and states, shared by the kinds of table that carry them.
_REPLY = Field(
    "reply", "사업부서 의견(후속조치)",
    aliases=("후속조치", "조치결과", "조치계획", "처리결과", "조치사항", "처리내용", "조치내용",
             "추진실적", "추진실적및처리결과", "처리결과및향후계획", "사업부서의견", "부서의견",
             "답변", "회신", "회신내용", "부서답변"),
    contains=("후속조치", "사업부서의견", "처리결과", "조치결과", "조치계획", "추진실적"),
)
_STATUS = Field("status", "비고", aliases=("비고", "상태", "처리상황", "진행상황", "추진상황", "추진여부",
                                          "처리여부", "완료여부", "진행상태", "처리상태"))

MONITORING = Profile(
    name="monitoring",
    title="모니터링 표",
    text_field="opinion",
    number_fallback="sequence",
    fields=(
        Field("sequence", "연번", aliases=("번호", "순번", "no")),
        Field("number", "사업번호", aliases=("사업번호", "과제번호"), required=True),
        Field("priority", "중점추진사업", aliases=("중점", "중점사업", "중점추진"), carry_down=True),
        Field("category", "구분"),
        Field("name", "세부사업명", aliases=("사업명", "세부사업", "단위사업명", "세부사업명칭"),
              required=True),
        Field("department", "담당부서", aliases=("부서", "소관부서", "주관부서"), carry_down=True),
        Field("team", "담당팀", aliases=("팀", "담당팀명"), carry_merged=True),
        Field("contact", "담당자", aliases=("담당", "담당자명"), carry_merged=True),
        Field("opinion", "실무분과 모니터링 의견",
              aliases=("모니터링의견", "분과의견", "검토의견", "실무분과의견", "위원의견", "의견",
                       "모니터링결과", "평가의견", "협의체의견"),
              contains=("모니터링의견", "분과의견", "검토의견", "모니터링결과", "위원의견"),
              required=True),
        _REPLY,
    ),
)

AUDIT = Profile(
    name="audit",
    title="감사 후속조치 표",
    text_field="opinion",
    split_bullets=False,
    row_is_program=True,
    numbers_rows=True,
    item_kinds=("시정요구사항", "건의사항", "지적사항", "처리요구사항", "요구사항"),
    fields=(
        Field("number", "연번", aliases=("번호", "순번", "no"), required=True),
        Field("category", "구분", aliases=("분야",)),
        Field("name", "제목", aliases=("사업명", "건명", "요지")),
        Field("opinion", "시정요구사항",
              aliases=("시정요구사항", "건의사항", "지적사항", "처리요구사항", "요구사항",
                       "시정요구및건의사항", "지적내용", "감사지적사항", "시정및처리요구사항",
                       "주요지적사항", "요구내용"),
              contains=("요구사항", "건의사항", "지적사항", "지적내용"), required=True),
        _REPLY,
        Field("department", "소관부서",
              aliases=("담당부서", "부서", "처리부서", "추진부서", "주관부서", "소관"),
              carry_down=True),
        Field("contact", "담당자", aliases=("담당",)),
        _STATUS,
    ),
)

STATUS = Profile(
    name="status",
    title="추진현황 표",
    text_field="name",
    split_bullets=False,
    restart_per_group=True,
    row_is_program=True,
    any_of=("mark:완료", "mark:추진중", "percent", "status"),
    fields=(
        Field("number", "연번", aliases=("번호", "순번", "no"), required=True),
        Field("name", "과제명", aliases=("사업명", "세부사업명", "추진과제", "공약사항", "세부과제",
                                        "과제", "사업내용", "공약명"), required=True),
        Field("department", "추진부서", aliases=("소관부서", "담당부서", "주관부서", "부서"),
              required=True, carry_down=True),
        Field("mark:완료", "완료", aliases=("완료", "이행완료", "추진완료")),
        Field("mark:추진중", "추진중", aliases=("추진중", "정상추진", "진행중", "이행중")),
        Field("mark:기타", "기타", aliases=("기타", "미추진", "보류")),
        Field("mark:추진불가", "추진불가", aliases=("추진불가", "반영곤란", "불가")),
        Field("percent", "추진율(%)", aliases=("추진율", "진척률", "공정률", "이행률", "달성률"),
              contains=("추진율", "진척률", "공정률", "이행률", "달성률")),
        Field("reply", "추진실적", aliases=("추진실적", "주요추진실적", "추진내용", "추진현황",
                                          "주요실적", "추진상황및계획"),
              contains=("추진실적",)),
        _STATUS,
    ),
)

PROFILES: tuple[Profile, ...] = (MONITORING, AUDIT, STATUS)


# --- states -------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """What a status word says about an item: its workflow state and its reply's type."""

    status: str  # "accepted" | "answered"
    kind: str | None = None  # the reply's type: "추진중", "반영곤란"
    word: str = ""  # the word as read, for the preview


# Status words (squashed) and what they mean. A word broken by a line break in its cell
# ("추진⏎불가") is squashed whole before it is looked up.
STATE_WORDS: dict[str, State] = {
    **{w: State("accepted", word=w) for w in (
        "완료", "처리완료", "조치완료", "추진완료", "이행완료", "완료됨", "반영", "반영완료",
        "시정완료", "종결")},
    **{w: State("answered", "추진중", w) for w in (
        "추진중", "진행중", "처리중", "조치중", "이행중", "정상추진", "일부반영", "일부완료",
        "계속추진", "추진")},
    **{w: State("answered", "반영곤란", w) for w in (
        "추진불가", "반영곤란", "불가", "처리불가", "수용불가", "곤란", "미반영", "반영불가",
        "추진곤란", "불수용")},
}


_DASHES = re.compile(r"\s*[-‐‑‒–—―－]\s*")


def clean_number(text: str) -> str:
    """An item number as written, tidied: "1 – 7" → "1-7", "3." → "3", "(2)" → "2"."""
    text = _DASHES.sub("-", text.strip()).strip("()[]").rstrip(".")
    return text.strip()


_BRACKETED = re.compile(r"[(\[（［].*?[)\]）］]")


def state_of(word: str) -> State | None:
    """The state a status word names ("완료", "추진 중", "추진⏎불가", "완료(2022.12.)"),
    or None when it names none. A note in brackets beside the word is ignored."""
    key = squash(word)
    return STATE_WORDS.get(key.strip("()[]·.,")) or STATE_WORDS.get(
        _BRACKETED.sub("", key).strip("·.,"))

