"""The no-login reply page `/r/{token}`: a contact's items of one meeting in one form.

GET and HEAD only read (in a transaction that is always rolled back). A POST carries
a CSRF token bound to the link and stores, through tracker.answers, drafts of what was
typed and the submitted revisions, and for a submission enqueues one receipt e-mail in
the same transaction.
Unknown tokens answer 404 like any missing page; expired or revoked ones 410.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from tracker import answers, review
from tracker.answers import Typed
from tracker.errors import UserError
from tracker.links import LinkScope, resolve_link
from tracker.receipts import enqueue_receipt
from tracker.web import errors
from tracker.web.context import WebContext, client_address, record_id, web
from tracker.web.rendering import page
from tracker.web.security import check_signature, sign

ATTEMPTS = 3  # a POST racing another on the same item is retried (unique revision numbers)
router = APIRouter()
FIELDS = ("text", "kind", "reason", "planned")  # one item's fields, named "text-{item id}" …
BUSY = ("지금은 저장하는 사람이 많아 저장하지 못했습니다. 적은 내용은 그대로 있으니 잠시 후 "
        "다시 제출해 주세요.")


class LinkRefused(Exception):
    """The token is not usable: `state` is "unknown", "expired" or "revoked"."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


def typed_fields(form: Mapping[str, str], item_ids: Iterable[int],
                 only: int | None = None) -> dict[int, Typed]:
    """Each item's fields posted in `form` ("text-3", "kind-3", …), for the items that have
    any; the item `only` also reads the unsuffixed names ("text", "kind", …). Pure."""
    typed: dict[int, Typed] = {}
    for item_id in item_ids:
        names = [f"{name}-{item_id}" for name in FIELDS]
        if item_id == only and not any(n in form for n in names):
            names = list(FIELDS[:3]) + ["planned_on"]
        if any(n in form for n in names):
            typed[item_id] = Typed(*(str(form.get(n, "")) for n in names))
    return typed


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
    try:
        with context.database.reading() as session:
            link = _link(context, session, token, request)
            data = review.reply_page(session, link.contact_id, link.meeting_id)
            csrf = sign(context.secret, "reply", str(link.id))
    except LinkRefused as refusal:
        return _refusal_page(context, refusal.state)
    return _form_page(context, data, csrf, token)


@router.post("/r/{token}")
async def save_all(token: str, request: Request) -> Response:
    """The one form: 임시 저장 keeps every item's text as a draft; 제출 submits every item
    whose answer changed (all or none: a refused one keeps everything as drafts)."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return await run_in_threadpool(_post, web(request), request, token, form, None)


@router.post("/r/{token}/items/{item_id}")
async def save_one(token: str, item_id: str, request: Request) -> Response:
    """One item's 제출 (or 임시 저장): that item is submitted, the others' text kept as drafts."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return await run_in_threadpool(_post, web(request), request, token, form, _int(item_id))


def _post(context: WebContext, request: Request, token: str, form: dict[str, str],
          only: int | None) -> Response:
    for attempt in range(ATTEMPTS):
        try:
            return _store(context, request, token, form, only)
        except OperationalError as error:
            if not is_busy(error):
                raise
            return _busy_again(context, token, form, only)
        except (IntegrityError, DBAPIError):
            # Another POST took this revision number or draft row (or the database chose us
            # as the victim of a conflict): nothing of ours was kept; try again.
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _store(context: WebContext, request: Request, token: str, form: dict[str, str],
           only: int | None) -> Response:
    try:
        with context.database.transaction() as session:
            link = _link(context, session, token, request)
            if not check_signature(context.secret, "reply", str(link.id), form.get("csrf", "")):
                return page(context.env, "error.html", 403, title="요청을 확인할 수 없습니다",
                            message="회신 페이지를 다시 열고 한 번 더 저장해 주세요.")
            data = review.reply_page(session, link.contact_id, link.meeting_id)
            items = {item.id: item for item in data.items}
            if only is not None and only not in items:
                return _refusal_page(context, "unknown")
            if only is not None and not items[only].editable:
                raise UserError("이미 완료 처리된 의견이라 회신을 바꿀 수 없습니다.")
            editable = [i for i in data.items if i.editable]
            typed = typed_fields(form, [i.id for i in editable], only)
            outcome = answers.apply(
                session, typed, _to_submit(form, editable, typed, only),
                meeting_date=data.meeting_date, author=data.contact,
                standing={i.id: i.submitted_fields for i in editable}, now=context.now())
            if outcome.submitted:
                enqueue_receipt(session, context.settings, link.contact_id, outcome.submitted,
                                context.now(), token=token)
            # The page after the post, from what this transaction read and wrote: no second
            # transaction reading it all again.
            after = review.after_submission(data, {
                i: review.revision(r) for i, r in outcome.revisions.items()})
    except LinkRefused as refusal:
        return _refusal_page(context, refusal.state)
    except UserError as error:
        return _again(context, token, {only or -1: str(error)}, {})
    if outcome.errors:
        return _again(context, token, outcome.errors, typed)
    if after is None:
        return _saved_page(context, token, outcome)
    return _saved(context, after, token, outcome)


def _to_submit(form: Mapping[str, str], editable: list[review.ReplyItem],
               typed: Mapping[int, Typed], only: int | None) -> list[int]:
    if form.get("action") == "draft":
        return []
    if only is not None:
        return [only]
    return [i.id for i in editable
            if i.id in typed and not typed[i.id].empty and typed[i.id] != i.submitted_fields]


def _saved_page(context: WebContext, token: str, outcome: answers.Outcome) -> Response:
    with context.database.reading() as session:
        state, link = resolve_link(session, token, context.now())
        if state != "ok" or link is None:
            return _refusal_page(context, state)
        data = review.reply_page(session, link.contact_id, link.meeting_id)
    return _saved(context, data, token, outcome)


def _saved(context: WebContext, data: review.ReplyPage, token: str,
           outcome: answers.Outcome) -> Response:
    # The Korean confirmation: what was submitted, how many drafts were kept.
    submitted = [i for i in data.items if i.id in outcome.submitted]
    return page(context.env, "reply_saved.html", data=data, submitted=submitted,
                drafted=len(outcome.drafted), token=token, title="회신 저장됨")


def _again(context: WebContext, token: str, errors: dict[int, str],
           typed: Mapping[int, Typed]) -> Response:
    # The page again with each refusal beside its item and everything typed kept.
    with context.database.reading() as session:
        state, link = resolve_link(session, token, context.now())
        if state != "ok" or link is None:
            return _refusal_page(context, state)
        data = review.reply_page(session, link.contact_id, link.meeting_id)
        csrf = sign(context.secret, "reply", str(link.id))
    return _form_page(context, data, csrf, token, errors, typed, status=422)


def _form_page(context: WebContext, data: review.ReplyPage, csrf: str, token: str,
               errors: Mapping[int, str] | None = None,
               typed: Mapping[int, Typed] | None = None, status: int = 200) -> Response:
    first, last = answers.plan_bounds(data.meeting_date)
    return page(context.env, "reply.html", status, data=data, csrf=csrf, token=token,
                errors=errors or {}, entered=typed or {}, today=context.today(),
                plan_first=first, plan_last=last, max_text=answers.MAX_TEXT,
                max_reason=answers.MAX_REASON, title="후속조치 회신")


def is_busy(error: OperationalError) -> bool:
    """Whether `error` is SQLite's "database is locked" (a writer waited past its time)."""
    return "locked" in str(error.orig).lower()


def _busy_again(context: WebContext, token: str, form: Mapping[str, str],
                only: int | None) -> Response:
    # SQLite stayed locked past busy_timeout (a long import): nothing was kept. The form
    # comes back with everything as typed, to be sent again in a moment.
    with context.database.reading() as session:
        state, link = resolve_link(session, token, context.now())
        if state != "ok" or link is None:
            return _refusal_page(context, state)
        data = review.reply_page(session, link.contact_id, link.meeting_id)
        csrf = sign(context.secret, "reply", str(link.id))
    typed = typed_fields(form, [i.id for i in data.items if i.editable], only)
    response = _form_page(context, data, csrf, token, {only or -1: BUSY}, typed, status=503)
    response.headers["Retry-After"] = "10"
    return response


def _link(context: WebContext, session: Session, token: str, request: Request) -> LinkScope:
    # A valid link always works, even from an address over the limit (one NAT serves every
    # department); only the wrong tokens of such an address get 429.
    state, link = resolve_link(session, token, context.now())
    if state != "ok" or link is None:
        address = client_address(request)
        if context.token_limiter.blocked(address):
            raise LinkRefused("limited")
        context.token_limiter.record_failure(address)
        raise LinkRefused(state)
    return link


def _limited(context: WebContext) -> Response:
    response = page(context.env, "error.html", 429, title="잠시 후 다시 시도해 주세요",
                    message="잘못된 요청이 너무 많습니다. 1분 뒤에 다시 시도해 주세요.")
    response.headers["Retry-After"] = str(int(context.options.bad_token_window))
    return response


def _refusal_page(context: WebContext, state: str) -> Response:
    if state == "limited":
        return _limited(context)
    if state in ("expired", "revoked"):
        return page(context.env, "link_gone.html", 410, title="회신 링크를 쓸 수 없습니다",
                    secretariat_email=context.settings.secretariat_email)
    return errors.not_found(context.env)


def _int(value: str) -> int:
    number = record_id(value)
    return -1 if number is None else number
