"""The console's mailbox `/console/mailbox`: replies received by e-mail, applied, waiting
(with why) or ignored (with why), each with its original message and attachments to
download; a waiting one is split between its request's items and applied, or set aside.

Secretariat (or admin) only, reading included: these are the departments' own e-mails.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from db.models import InboundState
from tracker.errors import UserError
from tracker.inbound import applying, mailbox
from tracker.web.context import MAX_ID, web
from tracker.web.rendering import page
from tracker.web.sessions import ConsoleUser, Forbidden, LoginRequired, current_user, editor

router = APIRouter()
MessageId = Annotated[int, Path(ge=1, le=MAX_ID)]
Editor = Annotated[ConsoleUser, Depends(editor)]
DONE = {"applied": "회신으로 반영했습니다. 담당자에게 접수 메일을 보냅니다.",
        "ignored": "반영하지 않기로 했습니다 (메일은 보관됩니다)."}


def secretariat(request: Request) -> ConsoleUser:
    """Dependency: a logged-in secretariat or admin user (the chair may not read mail)."""
    user = current_user(request)
    if user is None:
        raise LoginRequired(request.url.path)
    if not user.can_edit:
        raise Forbidden()
    return user


Secretariat = Annotated[ConsoleUser, Depends(secretariat)]


@router.get("/console/mailbox")
def listing(request: Request, user: Secretariat, state: str = "",
            number: Annotated[str, Query(alias="page")] = "") -> Response:
    """Received replies, newest first, 50 a page, optionally only those in one state."""
    context = web(request)
    wanted = state if state in {s.value for s in InboundState} else ""
    with context.database.reading() as session:
        found = mailbox.listing_page(session, number, wanted or None)
        counts = mailbox.counts(session)
    return page(context.env, "console_mailbox.html", user=user, rows=found.rows,
                paging=found.page, filters={"state": wanted}, state=wanted, counts=counts, labels={s.value: text for s, text in mailbox.STATE_LABELS.items()},
                title="받은 회신")


@router.get("/console/mailbox/{message_id}")
def message(request: Request, message_id: MessageId, user: Secretariat,
            done: str = "") -> Response:
    """One received message: why it landed where it did, its texts, attachments, and the
    split form when it waits."""
    return _message_page(request, message_id, user, DONE.get(done), None)


@router.get("/console/mailbox/{message_id}/original")
def original(request: Request, message_id: MessageId, user: Secretariat) -> Response:
    """The message as it was delivered (.eml)."""
    context = web(request)
    with context.database.reading() as session:
        row = mailbox.get(session, message_id)
        raw = row.raw if row is not None else None
    if raw is None:
        return _not_found(request)
    return _download(raw, f"message-{message_id}.eml", "message/rfc822")


@router.get("/console/mailbox/{message_id}/attachments/{attachment_id}")
def attachment(request: Request, message_id: MessageId,
               attachment_id: Annotated[int, Path(ge=1, le=MAX_ID)],
               user: Secretariat) -> Response:
    """One kept attachment, downloaded under its safe name."""
    context = web(request)
    with context.database.reading() as session:
        found = mailbox.attachment(session, message_id, attachment_id)
        data = (found.data, found.name) if found is not None else None
    if data is None:
        return _not_found(request)
    return _download(data[0], data[1], "application/octet-stream")


@router.post("/console/mailbox/{message_id}/apply")
async def apply(request: Request, message_id: MessageId, user: Editor) -> Response:
    """Apply the texts typed per item (fields `item_<id>`) as those items' replies."""
    form = await request.form()
    parts = {int(name[5:]): str(value) for name, value in form.items()
             if name.startswith("item_") and name[5:].isdigit() and len(name) < 16}
    return await run_in_threadpool(_change, request, message_id, user, "applied",
                                   lambda s: applying.apply_by_hand(
                                       s, web(request).settings, message_id, parts,
                                       user.username, _now(request)))


@router.post("/console/mailbox/{message_id}/ignore")
def ignore(request: Request, message_id: MessageId, user: Editor) -> Response:
    """Set a waiting message aside: kept and shown, not applied."""
    return _change(request, message_id, user, "ignored",
                   lambda s: applying.ignore_by_hand(s, message_id, user.username,
                                                     _now(request)))


def _change(request: Request, message_id: int, user: ConsoleUser, done: str,
            change: object) -> Response:
    context = web(request)
    try:
        with context.database.transaction() as session:
            change(session)  # type: ignore[operator]
    except UserError as error:
        return _message_page(request, message_id, user, None, str(error), status=400)
    return RedirectResponse(f"/console/mailbox/{message_id}?done={done}", status_code=303)


def _message_page(request: Request, message_id: int, user: ConsoleUser, done: str | None,
                  error: str | None, status: int = 200) -> Response:
    context = web(request)
    with context.database.reading() as session:
        shown = mailbox.view(session, message_id)
        if shown is None:
            return _not_found(request)
        return page(context.env, "console_mailbox_message.html", status, user=user,
                    message=shown, done=done, error=error, title="받은 회신")


def _download(data: bytes, name: str, kind: str) -> Response:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=kind, headers={
        "Content-Disposition": disposition, "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store"})


def _not_found(request: Request) -> Response:
    return page(web(request).env, "error.html", 404, title="페이지를 찾을 수 없습니다",
                message="주소를 다시 확인해 주세요.")


def _now(request: Request) -> datetime:
    now = web(request).now()
    return now if now.tzinfo else now.replace(tzinfo=UTC)
