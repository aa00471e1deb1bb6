"""The no-login reply page `/r/{token}`: a contact's items of one meeting and a form per item.

GET and HEAD only read (in a transaction that is always rolled back). A POST carries
a CSRF token bound to the link, stores one revision through workflow.submit_response
and, for a submitted reply, enqueues the receipt e-mail in the same transaction.
Unknown tokens answer 404 like any missing page; expired or revoked ones 410.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from notifications.messages import enqueue_receipt
from tracker import review, workflow
from tracker.errors import UserError
from tracker.links import LinkScope, resolve_link
from tracker.web.context import WebContext, client_address, record_id, web
from tracker.web.rendering import page
from tracker.web.security import check_signature, sign

MAX_TEXT = 5000
ATTEMPTS = 3  # a POST racing another on the same item is retried (unique revision numbers)
router = APIRouter()


@dataclass(frozen=True)
class ReplyForm:
    """A reply as typed into one item's form."""

    text: str
    kind: str | None
    reason: str | None
    planned_on: date | None
    draft: bool


class LinkRefused(Exception):
    """The token is not usable: `state` is "unknown", "expired" or "revoked"."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


def parse_form(text: str, kind: str, reason: str, planned_on: str, action: str) -> ReplyForm:
    """The ReplyForm of the posted fields; UserError naming the field that is wrong. Pure."""
    draft = action == "draft"
    if len(text) > MAX_TEXT or len(reason) > MAX_TEXT:
        raise UserError(f"내용은 {MAX_TEXT}자까지 적을 수 있습니다.")
    if not draft and not kind:
        raise UserError("회신 구분(반영, 일부반영, 추진중, 반영곤란)을 골라 주세요.")
    try:
        planned = date.fromisoformat(planned_on) if planned_on.strip() else None
    except ValueError:
        raise UserError("완료 예정일은 2022-03-31처럼 적어 주세요.") from None
    return ReplyForm(text, kind or None, reason.strip() or None, planned, draft)


@router.api_route("/r/{token}", methods=["GET", "HEAD"])
async def show(token: str, request: Request) -> Response:
    """The reply page of a link (reads only)."""
    context = web(request)
    if context.database.embedded:
        # A SQLite read takes microseconds; in a worker thread each sqlite3 call would give up
        # the GIL and queue to get it back behind the event loop, costing more than the read.
        return _show(context, token, request)
    return await run_in_threadpool(_show, context, token, request)


def _show(context: WebContext, token: str, request: Request) -> Response:
    refused = _refuse_if_limited(context, request)
    if refused is not None:
        return refused
    try:
        with context.database.reading() as session:
            link = _link(context, session, token, request)
            data = review.reply_page(session, link.contact_id, link.meeting_id)
            csrf = sign(context.secret, "reply", str(link.id))
    except LinkRefused as refusal:
        return _refusal_page(context, refusal.state)
    return page(context.env, "reply.html", data=data, csrf=csrf, token=token, errors={},
                entered={}, title="후속조치 회신")


@router.post("/r/{token}/items/{item_id}")
def submit(token: str, item_id: str, request: Request,
           csrf: Annotated[str, Form()] = "", text: Annotated[str, Form()] = "",
           kind: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
           planned_on: Annotated[str, Form()] = "",
           action: Annotated[str, Form()] = "submit") -> Response:
    """Store one reply (draft or submitted) for one item of the link."""
    context = web(request)
    refused = _refuse_if_limited(context, request)
    if refused is not None:
        return refused
    for attempt in range(ATTEMPTS):
        try:
            return _store(context, request, token, item_id, csrf,
                          (text, kind, reason, planned_on, action))
        except (IntegrityError, DBAPIError):
            # Another POST took this revision number (or the database chose us as the
            # victim of a conflict): nothing of ours was kept; try again with fresh data.
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _store(context: WebContext, request: Request, token: str, item_id: str, csrf: str,
           fields: tuple[str, str, str, str, str]) -> Response:
    try:
        with context.database.transaction() as session:
            link = _link(context, session, token, request)
            if not check_signature(context.secret, "reply", str(link.id), csrf):
                return page(context.env, "error.html", 403, title="요청을 확인할 수 없습니다",
                            message="회신 페이지를 다시 열고 한 번 더 저장해 주세요.")
            item = review.link_item(session, link.contact_id, link.meeting_id, _int(item_id))
            if item is None:
                return _refusal_page(context, "unknown")
            form = parse_form(*fields)
            saved = workflow.submit_response(
                session, item.id, form.text, item.contact.name if item.contact else "담당자",
                kind=form.kind, reason=form.reason, planned_on=form.planned_on, draft=form.draft,
                now=context.now())
            if not form.draft:
                enqueue_receipt(session, context.settings, link.contact_id, [item.id],
                                context.now())
            stored = review.revision(saved)
            has_email = bool(item.contact and item.contact.email)
    except LinkRefused as refusal:
        return _refusal_page(context, refusal.state)
    except UserError as error:
        return _form_again(context, token, _int(item_id), str(error), fields)
    return page(context.env, "reply_saved.html", stored=stored, item_id=item.id, token=token,
                has_email=has_email, title="회신 저장됨")


def _form_again(context: WebContext, token: str, item_id: int, error: str,
                fields: tuple[str, str, str, str, str]) -> Response:
    # The page again with the error beside the item and what was typed kept.
    with context.database.reading() as session:
        state, link = resolve_link(session, token, context.now())
        if state != "ok" or link is None:
            return _refusal_page(context, state)
        data = review.reply_page(session, link.contact_id, link.meeting_id)
        csrf = sign(context.secret, "reply", str(link.id))
    text, kind, reason, planned_on, _ = fields
    entered = {item_id: {"text": text, "kind": kind, "reason": reason, "planned_on": planned_on}}
    return page(context.env, "reply.html", 422, data=data, csrf=csrf, token=token,
                errors={item_id: error}, entered=entered, title="후속조치 회신")


def _link(context: WebContext, session: Session, token: str, request: Request) -> LinkScope:
    state, link = resolve_link(session, token, context.now())
    if state != "ok" or link is None:
        context.token_limiter.record_failure(client_address(request))
        raise LinkRefused(state)
    return link


def _refuse_if_limited(context: WebContext, request: Request) -> Response | None:
    if not context.token_limiter.blocked(client_address(request)):
        return None
    response = page(context.env, "error.html", 429, title="잠시 후 다시 시도해 주세요",
                    message="잘못된 요청이 너무 많습니다. 1분 뒤에 다시 시도해 주세요.")
    response.headers["Retry-After"] = str(int(context.options.bad_token_window))
    return response


def _refusal_page(context: WebContext, state: str) -> Response:
    if state in ("expired", "revoked"):
        return page(context.env, "link_gone.html", 410, title="회신 링크를 쓸 수 없습니다",
                    secretariat_email=context.settings.secretariat_email)
    return not_found(context)


def not_found(context: WebContext) -> Response:
    """The one 404 page: the same for a missing page and an unknown reply token."""
    return page(context.env, "error.html", 404, title="페이지를 찾을 수 없습니다",
                message="주소를 다시 확인해 주세요.")


def _int(value: str) -> int:
    number = record_id(value)
    return -1 if number is None else number
