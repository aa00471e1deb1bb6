"""The secretariat's console `/console`: items with filters, one item's page (edit, accept,
return, history), sending requests, and the outbox. The chair may read it, not change it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from db.models import ItemStatus
from tracker import audit, contacts, links, queries, review, workflow
from tracker.clock import local_date
from tracker.errors import Conflict, Invalid, NotFound, UserError
from tracker.labels import STATUS_LABELS
from tracker.requests import (
    ResendPlan,
    enqueue_returned,
    request_contacts,
    resend_plan,
    resend_request,
)
from tracker.web.context import MAX_ID, record_id, web
from tracker.web.rendering import page
from tracker.web.sessions import ConsoleUser, editor, viewer

router = APIRouter()
Viewer = Annotated[ConsoleUser, Depends(viewer)]
Editor = Annotated[ConsoleUser, Depends(editor)]
# Item.id is a 32-bit INTEGER: a larger number in the address is a 404, not a database error.
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]
# "?page=" as typed: tracker.paging turns anything into a page that exists.
PageNumber = Annotated[str, Query(alias="page")]

# Messages after a change, chosen by key so nothing the visitor typed is reflected.
DONE = {
    "due": "기한을 바꿨습니다.",
    "contact": "담당자를 바꿨습니다.",
    "needs_reply": "회신 필요 여부를 바꿨습니다.",
    "accepted": "회신을 완료 처리했습니다.",
    "returned": "보완 요청을 보냈습니다.",
    "returned_unsent": "보완 요청을 기록했습니다. 담당자 주소가 없거나 올바르지 않아 메일은 보내지 "
                       "못했습니다: 발송함의 '실패한 메일만 보기'에서 이유를 확인하세요.",
    "resent": "같은 회신 링크로 요청 메일을 다시 보냈습니다.",
    "renewed": "회신 링크를 새로 만들어 요청 메일을 다시 보냈습니다. 이전 링크는 더 이상 쓸 수 없습니다.",
    "revoked": "이 담당자의 회신 링크를 막았습니다. 새 링크는 '요청 다시 보내기'로 보낼 수 있습니다.",
}


@router.get("/console")
def items(request: Request, user: Viewer, meeting: str = "", department: str = "",
          status: str = "", overdue: str = "", done: str = "", number: PageNumber = "") -> Response:
    """The items table, filtered by meeting, department, status and overdue, 50 a page."""
    context = web(request)
    filters = {"meeting": meeting, "department": department, "status": status,
               "overdue": overdue}
    with context.database.reading() as session:
        found = queries.item_page(
            session, number, department=department or None,
            status=status if status in {s.value for s in ItemStatus} else None,
            meeting_id=record_id(meeting),
            overdue_as_of=context.today() if overdue else None)
        choices = {"meetings": review.meetings(session),
                   "departments": queries.department_names(session)}
    return page(context.env, "console_items.html", user=user, rows=found.rows,
                paging=found.page, filters=filters, choices=choices, statuses=STATUS_LABELS,
                today=context.today(), done=DONE.get(done), title="의견 목록")


@router.get("/console/items/{item_id}")
def item(request: Request, item_id: ItemId, user: Viewer, done: str = "",
         history: str = "") -> Response:
    """One item: opinion, every revision of the reply, edit forms, the e-mails about it that
    could not be sent (with why), and its audit log 50 events a page (the newest first
    shown; ?history= pages back)."""
    return _item_page(request, item_id, user, DONE.get(done), None, history_page=history)


def _item_page(request: Request, item_id: int, user: ConsoleUser, done: str | None,
               error: str | None, status: int = 200, history_page: str = "") -> Response:
    context = web(request)
    with context.database.reading() as session:
        shown = queries.view(queries.get_item(session, item_id), context.today())
        revisions = review.item_revisions(session, item_id)
        history = review.item_history_page(session, item_id, history_page)
        people = contacts.list_contacts(session)
        reminder = review.reminders(session, [item_id]).get(item_id)
        unsent = review.failed_mail(session, item_id)
    return page(context.env, "console_item.html", status, user=user, item=shown,
                revisions=revisions, history=history.rows, history_paging=history.page,
                people=people, reminder=reminder, unsent=unsent, done=done, error=error,
                title=f"의견 {item_id}")


@router.post("/console/items/{item_id}/due")
def change_due(request: Request, item_id: ItemId, user: Editor,
               due: Annotated[str, Form()] = "") -> Response:
    """Set the item's due date by hand."""
    def change(session: Session) -> None:
        try:
            day = date.fromisoformat(due)
        except ValueError:
            raise Invalid("기한은 2022-03-31처럼 적어 주세요.") from None
        workflow.set_due_date(session, item_id, day, user.username)

    return _change(request, item_id, user, "due", change)


@router.post("/console/items/{item_id}/contact")
def change_contact(request: Request, item_id: ItemId, user: Editor,
                   contact: Annotated[str, Form()] = "") -> Response:
    """Assign the item to another contact ("부서/이름")."""
    return _change(request, item_id, user, "contact",
                   lambda s: workflow.set_contact(s, item_id, contact, user.username))


@router.post("/console/items/{item_id}/needs-reply")
def change_needs_reply(request: Request, item_id: ItemId, user: Editor,
                       needs_reply: Annotated[str, Form()] = "") -> Response:
    """Mark whether the item needs a reply."""
    return _change(request, item_id, user, "needs_reply",
                   lambda s: workflow.set_needs_reply(s, item_id, needs_reply == "1",
                                                      user.username))


# What each confirmed action asks before it acts: title, question, button, danger.
CONFIRM = {
    "accept": ("완료 처리", "이 의견의 최근 회신을 완료 처리할까요? 완료 처리하면 부서는 더 고칠 수 없습니다.",
               "완료 처리", False),
    "revoke": ("링크 막기", "이 담당자의 이 회의 회신 링크를 막을까요? 막은 링크로는 회신 페이지를 열 수 없습니다. "
               "새 링크는 '요청 다시 보내기'로 보낼 수 있습니다.", "링크 막기", True),
}


def _confirmation(request: Request, item_id: int, user: ConsoleUser, action: str,
                  fields: dict[str, str] | None = None) -> Response:
    title, message, button, danger = CONFIRM[action]
    return page(web(request).env, "console_confirm.html", user=user, title=title,
                message=f"의견 {item_id}: {message}", button=button, danger=danger,
                action=f"/console/items/{item_id}/{action}", fields=fields or {}, preview=[],
                back=f"/console/items/{item_id}")


@router.post("/console/items/{item_id}/accept")
def accept(request: Request, item_id: ItemId, user: Editor,
           confirm: Annotated[str, Form()] = "") -> Response:
    """Accept the latest submitted reply (after a confirmation page)."""
    if confirm != "1":
        return _confirmation(request, item_id, user, "accept")
    return _change(request, item_id, user, "accepted",
                   lambda s: workflow.accept(s, item_id, user.username,
                                             now=web(request).now()))


@router.post("/console/items/{item_id}/return")
def return_for_revision(request: Request, item_id: ItemId, user: Editor,
                        comment: Annotated[str, Form()] = "") -> Response:
    """Return the reply for revision with a comment; the contact is e-mailed."""
    context = web(request)

    queued: list[int | None] = []

    def change(session: Session) -> None:
        workflow.return_for_revision(session, item_id, comment, user.username)
        queued.append(enqueue_returned(session, context.settings, item_id, comment.strip(),
                                       context.now()))

    return _change(request, item_id, user,
                   lambda: "returned" if queued and queued[-1] is not None else "returned_unsent",
                   change)


@router.post("/console/items/{item_id}/resend")
def resend(request: Request, item_id: ItemId, user: Editor,
           confirm: Annotated[str, Form()] = "",
           new_link: Annotated[str, Form()] = "") -> Response:
    """Send the item's contact the request again with the same reply link, or with a new
    one when `new_link` is set (the old one stops working), after a confirmation page."""
    context = web(request)
    if confirm != "1":
        try:
            with context.database.reading() as session:
                plan = resend_plan(session, item_id, context.now())
        except UserError as error:
            return _item_page(request, item_id, user, None, error.message, status=error.status)
        return page(context.env, "console_confirm.html", user=user, title="요청 다시 보내기",
                    message=_resend_message(plan, bool(new_link), context.settings.zone),
                    button="새 링크로 다시 보내기" if new_link else "요청 다시 보내기",
                    danger=bool(new_link), action=f"/console/items/{item_id}/resend",
                    fields={"new_link": new_link} if new_link else {},
                    preview=_resend_lines(plan, bool(new_link), context.settings.zone),
                    back=f"/console/items/{item_id}")
    return _change(request, item_id, user, "renewed" if new_link else "resent",
                   lambda s: resend_request(s, context.settings, item_id, context.now(),
                                            actor=user.username, new_link=bool(new_link)))


def _resend_message(plan: ResendPlan, new_link: bool, zone: ZoneInfo) -> str:
    who = f"{plan.contact} 님({plan.email})에게 이 회의의 미완료 의견 {plan.item_count}건"
    if new_link:
        return (f"{who}에 대한 회신 요청 메일을 새 회신 링크로 다시 보낼까요? 새 링크를 만들면 "
                "지금까지 보낸 링크는 바로 막혀 더 이상 열 수 없습니다. 작성 중인 임시 저장 내용과 "
                "제출한 회신은 새 링크에서 그대로 보입니다.")
    if plan.live_link_expires is None:
        return (f"{who}에 대한 회신 요청 메일을 다시 보낼까요? 지금 쓸 수 있는 회신 링크가 없어"
                "(막혔거나 기한이 지남) 새 링크를 만들어 보냅니다.")
    until = local_date(plan.live_link_expires, zone).isoformat()
    return (f"{who}에 대한 회신 요청 메일을 다시 보낼까요? 메일에는 지금 쓰고 있는 회신 링크를 "
            f"그대로 넣으므로, 이미 받은 메일의 링크도 {until}까지 계속 열립니다. 이전 링크를 막고 "
            "새 링크를 보내려면 취소한 뒤 '새 링크로 다시 보내기'를 골라 주십시오.")


def _resend_lines(plan: ResendPlan, new_link: bool, zone: ZoneInfo) -> list[str]:
    if new_link:
        link = "새로 만드는 링크 (지금까지 보낸 링크는 바로 막힘)"
    elif plan.live_link_expires is None:
        link = "새로 만드는 링크 (쓸 수 있는 링크가 없음)"
    else:
        link = f"지금 쓰고 있는 링크 그대로 ({local_date(plan.live_link_expires, zone)}까지)"
    return [f"받는 사람: {plan.contact} <{plan.email}>",
            f"대상 의견: {plan.item_count}건 ({plan.programs})", f"회신 링크: {link}"]


@router.post("/console/items/{item_id}/revoke")
def revoke(request: Request, item_id: ItemId, user: Editor,
           confirm: Annotated[str, Form()] = "") -> Response:
    """Stop the item's contact's reply links for its meeting (e.g. a mail sent to the wrong
    person), after a confirmation page; recorded in the item's history."""
    if confirm != "1":
        return _confirmation(request, item_id, user, "revoke")
    context = web(request)

    def change(session: Session) -> None:
        item = queries.get_item(session, item_id)
        if item.contact_id is None:
            raise Conflict("담당자가 없는 의견입니다.")
        links.revoke_links(session, item.contact_id, item.meeting_id, user.username,
                           context.now())
        audit.record(session, user.username, "link_blocked", item_id=item_id,
                     contact_id=item.contact_id)

    return _change(request, item_id, user, "revoked", change)


@router.post("/console/requests")
def send_requests(request: Request, user: Editor,
                  department: Annotated[str, Form()] = "",
                  contact: Annotated[str, Form()] = "",
                  confirm: Annotated[str, Form()] = "") -> Response:
    """Send reply requests for items not yet requested: every department, one department,
    or one contact; first a confirmation page saying who would get one (nothing is sent),
    then what was enqueued and who was skipped (no e-mail address)."""
    context = web(request)
    scope = context.database.transaction() if confirm == "1" \
        else context.database.rollback_only()
    with scope as session:
        report = request_contacts(session, context.settings, context.now(),
                                  contact=contact or None, department=department or None,
                                  actor=user.username)
    if confirm != "1":
        preview = [f"{who} <{address}> · 의견 {count}건" for who, address, count, _ in report.enqueued]
        return page(context.env, "console_confirm.html", user=user, title="요청 메일 보내기",
                    message=(f"다음 {len(preview)}명에게 회신 요청 메일을 보낼까요?" if preview
                             else "새로 요청할 의견이 없습니다."),
                    button="요청 메일 보내기", danger=False, action="/console/requests",
                    fields={"department": department, "contact": contact}, preview=preview,
                    back="/console")
    return page(context.env, "console_requests.html", user=user, report=report,
                department=department, title="회신 요청 결과")


@router.get("/console/outbox")
def outbox(request: Request, user: Viewer, failed: str = "",
           number: PageNumber = "") -> Response:
    """Outgoing e-mails, newest first, 50 a page; failed=1 shows only the failed and
    set-aside ones, each with its Korean reason."""
    context = web(request)
    with context.database.reading() as session:
        found = review.outbox(session, number, failed_only=bool(failed))
    return page(context.env, "console_outbox.html", user=user, rows=found.rows,
                paging=found.page, filters={"failed": "1" if failed else ""},
                failed=bool(failed), title="발송함")


def _change(request: Request, item_id: int, user: ConsoleUser, done: str | Callable[[], str],
            change: Callable[[Session], object]) -> Response:
    # `done`: the DONE key of the message shown after the change (or what decides it after).
    context = web(request)
    try:
        with context.database.transaction() as session:
            change(session)
    except UserError as error:
        return _item_page(request, item_id, user, None, error.message, status=error.status)
    key = done if isinstance(done, str) else done()
    return RedirectResponse(f"/console/items/{item_id}?done={key}", status_code=303)


MeetingId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/console/meetings")
def meetings(request: Request, user: Viewer, number: PageNumber = "") -> Response:
    """The imported meetings, newest first, 50 a page, with their items counted by state."""
    context = web(request)
    with context.database.reading() as session:
        found = review.meeting_page(session, number)
    return page(context.env, "console_meetings.html", user=user, rows=found.rows,
                paging=found.page, filters={}, statuses=STATUS_LABELS, title="회의")


@router.get("/console/meetings/{meeting_id}")
def meeting(request: Request, meeting_id: MeetingId, user: Viewer) -> Response:
    """One meeting: its facts, its items counted by state, and where to go from there."""
    context = web(request)
    with context.database.reading() as session:
        found = review.meeting_summaries(session, meeting_id)
    if not found:
        raise NotFound(f"회의 {meeting_id}번이 없습니다.")
    return page(context.env, "console_meeting.html", user=user, m=found[0],
                statuses=STATUS_LABELS, title=f"{found[0].held_on} {found[0].committee}")
