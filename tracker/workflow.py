"""Changing items: due date, contact, needs-reply, replies, acceptance and return.

Every change writes an audit event in the same transaction. The CLI, the web app
and the scheduler all change items through these functions.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Contact, Department, Item, ItemStatus, Response
from tracker import audit
from tracker.clock import utc_now
from tracker.duedates import due_problem
from tracker.errors import Conflict, Invalid, NotFound
from tracker.queries import get_item, get_item_alone, latest_revisions

RESPONSE_KINDS = ("반영", "일부반영", "추진중", "반영곤란")


def set_due_date(session: Session, item_id: int, due: date, actor: str) -> Item:
    """Give the item a due date set by hand (kept on later re-imports); Invalid (Korean)
    for a date outside the meeting's year − 1 … + 10 (duedates.due_bounds)."""
    item = get_item(session, item_id)
    problem = due_problem(due, item.meeting.held_on)
    if problem:
        raise Invalid(problem)
    if item.due_date != due:
        audit.record(session, actor, "due_changed", item_id=item.id, old=item.due_date, new=due)
        item.due_date, item.due_reason, item.due_source = due, "수동 지정", "manual"
    return item


def set_needs_reply(session: Session, item_id: int, needs_reply: bool, actor: str) -> Item:
    """Mark whether the item asks the department for a reply."""
    item = get_item(session, item_id)
    if item.needs_reply != needs_reply:
        audit.record(session, actor, "needs_reply_changed", item_id=item.id, new=needs_reply)
        item.needs_reply = needs_reply
    return item


def set_contact(session: Session, item_id: int, contact_name: str, actor: str) -> Item:
    """Assign the item to the contact named `contact_name` ("이름" or "부서/이름")."""
    item = get_item(session, item_id)
    contact = find_contact(session, contact_name)
    if item.contact_id != contact.id:
        old = item.contact.name if item.contact else None
        audit.record(session, actor, "contact_changed", item_id=item.id, old=old, new=contact.name)
        item.contact = contact
    return item


def find_contact(session: Session, name: str) -> Contact:
    """The one contact in service called `name` ("이름" or "부서/이름"); NotFound when none,
    Conflict when only a retired one, Invalid when several."""
    department, _, person = name.rpartition("/")
    query = select(Contact).join(Department).where(Contact.name == person.strip())
    if department:
        query = query.where(Department.name == department.strip())
    everyone = list(session.scalars(query))
    found = [c for c in everyone if c.retired_at is None]  # a retired contact takes no new items
    if everyone and not found:
        raise Conflict(f"담당자 {name!r}은(는) 사용 중지된 담당자입니다. 다른 담당자를 지정해 주세요.")
    if not found:
        raise NotFound(f"담당자 {name!r}이(가) 없습니다.",
                       hint_cli="`tracker contacts list`로 확인하세요.")
    if len(found) > 1:
        raise Invalid(f"담당자 {name!r}이(가) 여러 부서에 있습니다. '부서/이름'으로 적어 주세요.")
    return found[0]


def submit_response(
    session: Session,
    item_id: int,
    text: str,
    author: str,
    *,
    kind: str | None = None,
    reason: str | None = None,
    planned_on: date | None = None,
    draft: bool = False,
    now: datetime | None = None,
) -> Response:
    """Store a new revision of the item's follow-up; a submitted one marks the item answered.

    `now` (default: the current time) is when the revision was written."""
    # The item alone and its newest revision number: the cost stays the same however
    # often the item was revised (the reply page's POST calls this).
    item = get_item_alone(session, item_id)
    _check_response(item, text, kind, reason)
    response = Response(
        item=item, revision=latest_revisions(session, [item.id]).get(item.id, 0) + 1,
        text=text.strip(), kind=kind, reason=reason, planned_on=planned_on,
        submitted=not draft, author=author, created_at=now or utc_now(),
    )
    session.add(response)
    if not draft:
        item.status = ItemStatus.ANSWERED
    audit.record(session, author, "draft_saved" if draft else "response_submitted",
                 item_id=item.id, revision=response.revision, kind=kind)
    return response


def _check_response(item: Item, text: str, kind: str | None, reason: str | None) -> None:
    if item.status == ItemStatus.ACCEPTED:
        raise Conflict("이미 완료 처리된 의견이라 회신을 바꿀 수 없습니다.")
    if not text.strip():
        raise Invalid("후속조치 내용을 적어 주세요.")
    if kind is not None and kind not in RESPONSE_KINDS:
        raise Invalid(f"회신 구분은 {', '.join(RESPONSE_KINDS)} 중 하나여야 합니다.")
    if kind == "반영곤란" and not (reason and reason.strip()):
        raise Invalid("'반영곤란'은 사유를 적어야 합니다.")


def accept(session: Session, item_id: int, actor: str, now: datetime | None = None) -> Item:
    """Accept the item's latest submitted response; the item is done (at `now`, default: now)."""
    item = get_item(session, item_id)
    latest = next((r for r in reversed(item.responses) if r.submitted), None)
    if latest is None:
        raise Conflict(f"의견 {item_id}번에는 아직 회신이 없어 완료 처리할 수 없습니다.")
    latest.accepted_at = now or utc_now()
    item.status = ItemStatus.ACCEPTED
    audit.record(session, actor, "accepted", item_id=item.id, revision=latest.revision)
    return item


def return_for_revision(session: Session, item_id: int, comment: str, actor: str) -> Item:
    """Send the item's reply back to the department with `comment`."""
    item = get_item(session, item_id)
    if item.status != ItemStatus.ANSWERED:
        raise Conflict(f"의견 {item_id}번은 회신된 상태가 아니어서 보완 요청할 수 없습니다.")
    if not comment.strip():
        raise Invalid("보완 요청 사유를 적어 주세요.")
    item.status = ItemStatus.RETURNED
    audit.record(session, actor, "returned", item_id=item.id, comment=comment.strip())
    return item
