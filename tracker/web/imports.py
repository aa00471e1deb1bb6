"""Importing minutes in the console `/console/import`: upload a file, see the importer's
preview (meeting facts, items with department, contact, due date and state, every warning),
fill in what the file lacks, then confirm. Nothing is written before the confirmation; the
CLI's `tracker import` calls the same service (tracker.importer.preview / import_in_batches).

An upload waits in tracker.web.uploads until it is imported or the process ends."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from tracker.errors import Invalid, UserError
from tracker.importer import ImportOptions, Preview, import_in_batches, preview, read_document
from tracker.web import uploads
from tracker.web.context import web
from tracker.web.rendering import page
from tracker.web.sessions import ConsoleUser, editor

router = APIRouter()
Editor = Annotated[ConsoleUser, Depends(editor)]


def editor_reader(request: Request) -> ConsoleUser:
    """Dependency of the upload form: a user who may change items (no CSRF on a GET)."""
    from tracker.web.sessions import Forbidden, viewer

    user = viewer(request)
    if not user.can_edit:
        raise Forbidden()
    return user


@router.get("/console/import")
def form(request: Request, user: Annotated[ConsoleUser, Depends(editor_reader)]) -> Response:
    """The upload form."""
    return page(web(request).env, "console_import.html", user=user, plan=None, key="",
                error=None, given={}, title="회의록 가져오기")


@router.post("/console/import")
async def upload(request: Request, user: Editor, file: UploadFile | None = None,
                 key: Annotated[str, Form()] = "", committee: Annotated[str, Form()] = "",
                 meeting_date: Annotated[str, Form()] = "",
                 department: Annotated[str, Form()] = "",
                 action: Annotated[str, Form()] = "preview") -> Response:
    """Preview an uploaded file (or the one waiting under `key` with the facts filled in);
    with action=confirm, import it."""
    given = {"committee": committee, "meeting_date": meeting_date, "department": department}
    try:
        if file is not None and file.filename:
            key, path = uploads.store(file.filename, await file.read(),
                                      "빈 파일입니다. 가져올 회의록 파일을 골라 주세요.")
        else:
            path = uploads.waiting(key)
        # Reading, previewing and importing take seconds for a big table: in a worker
        # thread, so the event loop keeps serving everyone else meanwhile.
        plan, imported = await run_in_threadpool(_preview_or_import, request, path, given,
                                                 action)
        if imported is not None:
            return imported
    except UserError as error:
        return page(web(request).env, "console_import.html", error.status, user=user, plan=None,
                    key=uploads.valid_key(key), error=error.message, given=given,
                    title="회의록 가져오기")
    return page(web(request).env, "console_import.html", user=user, plan=plan, key=key,
                error=None, given=given, title="가져오기 미리보기")


def _preview_or_import(request: Request, path: Path, given: dict[str, str],
                       action: str) -> tuple[Preview, Response | None]:
    plan = preview(read_document(path), _options(request, given))
    return plan, _import(request, plan, path) if action == "confirm" else None


def _options(request: Request, given: dict[str, str]) -> ImportOptions:
    held_on = None
    if given["meeting_date"].strip():
        try:
            held_on = date.fromisoformat(given["meeting_date"].strip())
        except ValueError:
            raise Invalid("회의 날짜는 2022-01-15처럼 적어 주세요.") from None
    return ImportOptions(given["committee"].strip() or None, held_on,
                         given["department"].strip() or None,
                         web(request).settings.default_due_days)


def _import(request: Request, plan: Preview, path: Path) -> Response:
    report = import_in_batches(web(request).database, plan)
    uploads.discard(path)
    return RedirectResponse(f"/console/meetings/{report.meeting_id}", status_code=303)
