"""Contacts in the console `/console/contacts`: contacts by department; add, edit, retire;
a CSV upload (the same columns and service as `tracker contacts import`: a preview of what
would change and the refused rows, then a confirmation); the items that need a contact, with
an assign per item and per department; and merging a department spelled two ways. The chair
may read the page, not change it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from tracker import assignments, contacts, departments
from tracker.errors import Invalid, UserError
from tracker.labels import repr_name, with_particle
from tracker.web import uploads
from tracker.web.context import MAX_ID, record_id, web
from tracker.web.rendering import page
from tracker.web.sessions import ConsoleUser, editor, viewer

router = APIRouter()
Viewer = Annotated[ConsoleUser, Depends(viewer)]
Editor = Annotated[ConsoleUser, Depends(editor)]
ContactId = Annotated[int, Path(ge=1, le=MAX_ID)]
HOME = "/console/contacts"

# Messages after a change, chosen by key so nothing the visitor typed is reflected.
DONE = {
    "added": "담당자를 등록했습니다.",
    "edited": "담당자 정보를 고쳤습니다.",
    "retired": "담당자를 사용 중지했습니다. 맡고 있던 미완료 의견은 '담당자 지정이 필요한 의견'에 나타납니다.",
    "restored": "담당자를 다시 사용하게 했습니다.",
    "assigned": "담당자를 지정했습니다.",
    "merged": "부서를 합쳤습니다.",
}


@router.get(HOME)
def listing(request: Request, user: Viewer, done: str = "", count: str = "",
            added: str = "", changed: str = "",
            number: Annotated[str, Query(alias="page")] = "") -> Response:
    """Items that need a contact, contacts by department, and the forms."""
    message = DONE.get(done)
    if done == "assigned" and record_id(count):
        message = f"의견 {record_id(count)}건의 담당자를 지정했습니다."
    if done == "imported":
        message = (f"담당자 파일을 반영했습니다: {record_id(added) or 0}명 추가, "
                   f"{record_id(changed) or 0}명 변경.")
    return _page(request, user, message, None, number=number)


def _page(request: Request, user: ConsoleUser, done: str | None, error: str | None,
          status: int = 200, form: dict[str, str] | None = None, number: str = "") -> Response:
    context = web(request)
    with context.database.reading() as session:
        found = contacts.department_contacts(session, number)
        every = contacts.department_choices(session)
        waiting = assignments.unassigned(session)
        suspects = departments.spelling_suspects(session)
    return page(context.env, "console_contacts.html", status, user=user, groups=found.rows,
                paging=found.page, filters={}, departments=every,
                waiting=waiting, suspects=suspects, done=done, error=error, form=form or {},
                title="담당자")


@router.post(HOME)
def add(request: Request, user: Editor, department: Annotated[str, Form()] = "",
        name: Annotated[str, Form()] = "", email: Annotated[str, Form()] = "",
        team: Annotated[str, Form()] = "") -> Response:
    """Add a contact (or, for a department and name already there, update the address)."""
    def change(session: Session) -> None:
        contacts.add_contact(session, department, name, email.strip() or None,
                             team.strip() or None, actor=user.username)

    form = {"department": department, "name": name, "email": email, "team": team}
    return _change(request, user, "added", change, form)


@router.post("/console/contacts/{contact_id}/retire")
def retire(request: Request, contact_id: ContactId, user: Editor,
           confirm: Annotated[str, Form()] = "") -> Response:
    """Retire the contact, after a confirmation page that says what happens to their items."""
    context = web(request)
    if confirm != "1":
        with context.database.reading() as session:
            found = contacts.get_contact(session, contact_id)
            who = f"{found.department.name} {found.name}"
            open_items = contacts.open_item_counts(session, [contact_id]).get(contact_id, 0)
        return page(context.env, "console_confirm.html", user=user, title="담당자 사용 중지",
                    message=(f"{who} 님을 사용 중지할까요? 새 의견의 담당자로 고를 수 없게 됩니다. "
                             f"이미 맡은 의견의 회신과 이력은 그대로 남고, 완료되지 않은 의견 "
                             f"{open_items}건은 '담당자 지정이 필요한 의견'에 나타납니다."),
                    button="사용 중지", danger=True, action=f"/console/contacts/{contact_id}/retire",
                    fields={}, preview=[], back=f"/console/contacts/{contact_id}")
    return _change(request, user, "retired", lambda s: contacts.retire_contact(
        s, contact_id, user.username, context.now()))


@router.post("/console/contacts/{contact_id}/restore")
def restore(request: Request, contact_id: ContactId, user: Editor) -> Response:
    """Put a retired contact back in service."""
    return _change(request, user, "restored",
                   lambda s: contacts.restore_contact(s, contact_id, user.username))


@router.post("/console/contacts/upload")
async def upload(request: Request, user: Editor, file: UploadFile | None = None,
                 key: Annotated[str, Form()] = "",
                 action: Annotated[str, Form()] = "preview") -> Response:
    """Preview an uploaded contacts CSV (what would change, the refused rows); with
    action=confirm, write the accepted rows of the file waiting under `key`."""
    context = web(request)
    try:
        if file is not None and file.filename:
            key, path = uploads.store(file.filename, await file.read(),
                                      "빈 파일입니다. 담당자 CSV 파일을 골라 주세요.")
        else:
            path = uploads.waiting(key)
        if action == "confirm":
            with context.database.transaction() as session:
                plan = contacts.preview_contacts(session, path.read_bytes(), path.name)
                created, updated = contacts.apply_contacts(session, plan, user.username)
            uploads.discard(path)
            query = urlencode({"done": "imported", "added": created, "changed": updated})
            return RedirectResponse(f"{HOME}?{query}", status_code=303)
        with context.database.reading() as session:
            plan = contacts.preview_contacts(session, path.read_bytes(), path.name)
    except UserError as error:
        return _page(request, user, None, error.message, error.status)
    return page(context.env, "console_contacts_upload.html", user=user, plan=plan, key=key,
                labels=contacts.ACTION_LABELS, title="담당자 파일 미리보기")


@router.post("/console/contacts/assign")
def assign(request: Request, user: Editor, item: Annotated[str, Form()] = "",
           contact: Annotated[str, Form()] = "") -> Response:
    """Give one item to a contact."""
    def change(session: Session) -> None:
        assignments.assign(session, _id(item, "의견"), _id(contact, "담당자"), user.username)

    return _change(request, user, "assigned", change, anchor="waiting")


@router.post("/console/contacts/assign-department")
def assign_department(request: Request, user: Editor, department: Annotated[str, Form()] = "",
                      contact: Annotated[str, Form()] = "") -> Response:
    """Give every item of the department that needs a contact to one contact
    (`department` "none": the items without a department)."""
    context = web(request)
    try:
        with context.database.transaction() as session:
            count = assignments.assign_department(
                session, None if department == "none" else _id(department, "부서"),
                _id(contact, "담당자"), user.username)
    except UserError as error:
        return _page(request, user, None, error.message, error.status)
    return RedirectResponse(f"{HOME}?done=assigned&count={count}#waiting", status_code=303)


@router.post("/console/contacts/merge")
def merge(request: Request, user: Editor, kept: Annotated[str, Form()] = "",
          merged: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "") -> Response:
    """Merge department `merged` into `kept`: first a confirmation page saying what moves."""
    context = web(request)
    try:
        kept_id, merged_id = _id(kept, "남길 부서"), _id(merged, "합칠 부서")
        if confirm != "1":
            with context.database.reading() as session:
                plan = departments.merge_plan(session, kept_id, merged_id)
            kept, merged = repr_name(plan.kept), repr_name(plan.merged)
            return page(context.env, "console_confirm.html", user=user, title="부서 합치기",
                        message=(f"{with_particle(merged, '을')} {with_particle(kept, '로')} "
                                 f"합칠까요? {merged}의 담당자와 의견이 모두 "
                                 f"{with_particle(kept, '로')} 옮겨지고, 부서 이름 "
                                 f"{with_particle(merged, '은')} 없어집니다. 되돌릴 수 없습니다."),
                        button="부서 합치기", danger=True, action="/console/contacts/merge",
                        fields={"kept": str(kept_id), "merged": str(merged_id)},
                        preview=_merge_lines(plan), back=f"{HOME}#merge")
        with context.database.transaction() as session:
            departments.merge_departments(session, kept_id, merged_id, user.username)
    except UserError as error:
        return _page(request, user, None, error.message, error.status)
    return RedirectResponse(f"{HOME}?done=merged", status_code=303)


# After the fixed paths above: /console/contacts/upload is not a contact number.
@router.get("/console/contacts/{contact_id}")
def contact(request: Request, contact_id: ContactId, user: Viewer,
            number: Annotated[str, Query(alias="page")] = "") -> Response:
    """One contact: the edit form, retire or bring back, and their items 50 a page."""
    return _contact_page(request, user, contact_id, None, number=number)


def _contact_page(request: Request, user: ConsoleUser, contact_id: int, error: str | None,
                  status: int = 200, number: str = "") -> Response:
    context = web(request)
    with context.database.reading() as session:
        found = contacts.get_contact(session, contact_id)
        shown = {"id": found.id, "department": found.department.name, "name": found.name,
                 "email": found.email or "", "team": found.team.name if found.team else "",
                 "retired_at": found.retired_at}
        items = contacts.contact_items(session, contact_id, number)
    return page(context.env, "console_contact.html", status, user=user, c=shown, error=error,
                items=items.rows, paging=items.page, filters={},
                title=f"담당자 {shown['name']}")


@router.post("/console/contacts/{contact_id}")
def edit(request: Request, contact_id: ContactId, user: Editor,
         name: Annotated[str, Form()] = "", email: Annotated[str, Form()] = "",
         team: Annotated[str, Form()] = "") -> Response:
    """Change the contact's name, address and team."""
    context = web(request)
    try:
        with context.database.transaction() as session:
            contacts.edit_contact(session, contact_id, name, email, team, user.username)
    except UserError as error:
        return _contact_page(request, user, contact_id, error.message, error.status)
    return RedirectResponse(f"{HOME}?done=edited", status_code=303)



def _merge_lines(plan: departments.MergePlan) -> list[str]:
    lines = [f"옮겨지는 의견: {plan.items}건"]
    if plan.contacts_moved:
        lines.append(f"{with_particle(repr_name(plan.kept), '로')} 옮겨지는 담당자: "
                     f"{', '.join(plan.contacts_moved)}")
    if plan.contacts_joined:
        lines.append(f"{repr_name(plan.kept)}에 이미 있어 하나로 합쳐지는 담당자: "
                     f"{', '.join(plan.contacts_joined)}")
    return lines


def _id(text: str, what: str) -> int:
    number = record_id(text.strip())
    if number is None:
        raise Invalid(f"{what}: 목록에서 골라 주십시오.")
    return number


def _change(request: Request, user: ConsoleUser, done: str,
            change: Callable[[Session], object], form: dict[str, str] | None = None,
            anchor: str = "") -> Response:
    context = web(request)
    try:
        with context.database.transaction() as session:
            change(session)
    except UserError as error:
        return _page(request, user, None, error.message, error.status, form)
    return RedirectResponse(f"{HOME}?done={done}{'#' + anchor if anchor else ''}",
                            status_code=303)
