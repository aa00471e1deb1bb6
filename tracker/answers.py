"""What a department types on its reply page: checking each item's answer, keeping drafts,
and submitting.

A draft is private working text: one row per item (reply_draft), overwritten by each save,
removed when the item is submitted, never numbered and never shown to the secretariat.
A submission is a numbered revision (workflow.submit_response). Nothing typed is dropped:
when a submission is refused, everything typed is kept as drafts and the page shows why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import ReplyDraft, Response
from tracker import workflow
from tracker.errors import Invalid, UserError

MAX_TEXT = 5000  # characters of a follow-up (the form's maxlength says the same)
MAX_REASON = 2000  # characters of a 반영곤란 reason
PLAN_YEARS = 5  # a planned date lies between the meeting and this many years after it


@dataclass(frozen=True)
class Typed:
    """One item's fields as typed on the page (all text, nothing checked yet)."""

    text: str = ""
    kind: str = ""
    reason: str = ""
    planned_on: str = ""

    @property
    def empty(self) -> bool:
        """Whether nothing was typed for the item."""
        return not (self.text.strip() or self.kind or self.reason.strip() or self.planned_on.strip())


@dataclass(frozen=True)
class Answer:
    """A checked answer, ready to be submitted."""

    text: str
    kind: str
    reason: str | None
    planned_on: date | None


@dataclass
class Outcome:
    """What one post of the reply page did: submitted and drafted item ids, and the refusals
    (item id → a Korean sentence naming the field)."""

    submitted: list[int] = field(default_factory=list)
    drafted: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    revisions: dict[int, Response] = field(default_factory=dict)  # the submitted ones, by item


def plan_bounds(meeting_date: date) -> tuple[date, date]:
    """The first and last allowed planned date: the meeting day and five years after it."""
    try:
        last = meeting_date.replace(year=meeting_date.year + PLAN_YEARS)
    except ValueError:  # 29 February
        last = meeting_date.replace(year=meeting_date.year + PLAN_YEARS, day=28)
    return meeting_date, last


def check_lengths(typed: Typed) -> None:
    """UserError when a field is longer than the page allows (drafts are checked this far). Pure."""
    if len(typed.text) > MAX_TEXT:
        raise Invalid(f"후속조치 내용은 {MAX_TEXT:,}자까지 적을 수 있습니다 "
                        f"(지금 {len(typed.text):,}자).")
    if len(typed.reason) > MAX_REASON:
        raise Invalid(f"반영곤란 사유는 {MAX_REASON:,}자까지 적을 수 있습니다 "
                        f"(지금 {len(typed.reason):,}자).")
    if len(typed.planned_on) > 20:
        raise Invalid("완료 예정일은 2022-03-31처럼 적어 주세요.")


def check_answer(typed: Typed, meeting_date: date) -> Answer:
    """The Answer of `typed`, or UserError naming the field that is wrong. Pure."""
    check_lengths(typed)
    if not typed.text.strip():
        raise Invalid("후속조치 내용을 적어 주세요.")
    if typed.kind not in workflow.RESPONSE_KINDS:
        raise Invalid("회신 구분(반영, 일부반영, 추진중, 반영곤란)을 골라 주세요.")
    if typed.kind == "반영곤란" and not typed.reason.strip():
        raise Invalid("'반영곤란'을 고르셨으면 그 사유를 적어 주세요.")
    return Answer(typed.text.strip(), typed.kind, typed.reason.strip() or None,
                  _planned(typed.planned_on, meeting_date))


def _planned(text: str, meeting_date: date) -> date | None:
    if not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid("완료 예정일은 2022-03-31처럼 적어 주세요.") from None
    first, last = plan_bounds(meeting_date)
    if not first <= day <= last:
        raise Invalid(f"완료 예정일은 회의일({first.isoformat()})부터 "
                        f"5년 뒤({last.isoformat()}) 사이로 적어 주세요.")
    return day


def drafts(session: Session, item_ids: Sequence[int]) -> dict[int, ReplyDraft]:
    """The saved drafts of the given items, by item id."""
    if not item_ids:
        return {}
    query = select(ReplyDraft).where(ReplyDraft.item_id.in_(list(item_ids)))
    return {d.item_id: d for d in session.scalars(query)}


def save_draft(session: Session, item_id: int, typed: Typed, now: datetime) -> None:
    """Keep `typed` as the item's draft (replacing an earlier one); an empty form removes it."""
    check_lengths(typed)
    existing = session.scalars(select(ReplyDraft).where(ReplyDraft.item_id == item_id)).first()
    if typed.empty:
        if existing is not None:
            session.delete(existing)
        return
    draft = existing or ReplyDraft(item_id=item_id)
    draft.text, draft.kind = typed.text, typed.kind or None
    draft.reason, draft.planned_on = typed.reason or None, typed.planned_on.strip() or None
    draft.saved_at = now
    session.add(draft)


def discard_drafts(session: Session, item_ids: Iterable[int]) -> None:
    """Remove the drafts of the given items (they were submitted)."""
    ids = list(item_ids)
    if ids:
        session.execute(delete(ReplyDraft).where(ReplyDraft.item_id.in_(ids)))


def apply(session: Session, typed: Mapping[int, Typed], submit: Sequence[int], *,
          meeting_date: date, author: str, standing: Mapping[int, Typed], now: datetime) -> Outcome:
    """Store one post of a reply page: the items in `submit` are submitted when every one of
    them checks out; every other item whose text differs from its standing submission
    (`standing`) is kept as a draft. When a submission is refused, nothing is submitted and
    everything typed is kept as drafts, so no word is lost."""
    outcome = Outcome()
    answers: dict[int, Answer] = {}
    for item_id in submit:
        try:
            answers[item_id] = check_answer(typed.get(item_id, Typed()), meeting_date)
        except UserError as error:
            outcome.errors[item_id] = str(error)
    if outcome.errors:
        answers = {}
    for item_id, fields in typed.items():
        if item_id in answers:
            continue
        if fields == standing.get(item_id, Typed()):
            discard_drafts(session, [item_id])  # back to what was submitted: nothing to keep
            continue
        try:
            save_draft(session, item_id, fields, now)
        except UserError as error:
            outcome.errors.setdefault(item_id, str(error))
            continue
        outcome.drafted.append(item_id)
    for item_id, answer in answers.items():
        outcome.revisions[item_id] = workflow.submit_response(
            session, item_id, answer.text, author, kind=answer.kind, reason=answer.reason,
            planned_on=answer.planned_on, now=now)
        outcome.submitted.append(item_id)
    discard_drafts(session, outcome.submitted)
    return outcome
