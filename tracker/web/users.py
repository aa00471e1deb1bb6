"""Console users for the admin role `/console/users`: add a user, disable or enable one,
give a new password. Disabling and a new password end that user's sessions at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from db.models import UserRole
from tracker import accounts
from tracker.errors import UserError
from tracker.web.context import MAX_ID, web
from tracker.web.rendering import page
from tracker.web.sessions import ConsoleUser, Forbidden, editor, viewer

router = APIRouter()
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
DONE = {
    "added": "사용자를 만들었습니다.",
    "disabled": "사용자를 사용 중지했습니다. 그 사용자의 로그인은 모두 끝났습니다.",
    "enabled": "사용자를 다시 사용하게 했습니다.",
    "password": "암호를 바꿨습니다. 그 사용자의 로그인은 모두 끝났습니다.",
}


def admin_reader(user: Annotated[ConsoleUser, Depends(viewer)]) -> ConsoleUser:
    """Dependency of the users page: an admin."""
    if user.role != UserRole.ADMIN:
        raise Forbidden()
    return user


def admin(user: Annotated[ConsoleUser, Depends(editor)]) -> ConsoleUser:
    """Dependency of user changes: an admin, with the form's CSRF token."""
    if user.role != UserRole.ADMIN:
        raise Forbidden()
    return user


@router.get("/console/users")
def users(request: Request, user: Annotated[ConsoleUser, Depends(admin_reader)],
          done: str = "") -> Response:
    """Every console user, with the forms to add, disable and reset."""
    return _page(request, user, DONE.get(done), None)


def _page(request: Request, user: ConsoleUser, done: str | None, error: str | None,
          status: int = 200) -> Response:
    context = web(request)
    with context.database.reading() as session:
        rows = [(u.id, u.username, accounts.ROLE_LABELS[u.role], u.disabled_at, u.created_at)
                for u in accounts.list_users(session)]
    return page(context.env, "console_users.html", status, user=user, rows=rows, done=done,
                error=error, roles=accounts.ROLE_LABELS, min_length=accounts.MIN_PASSWORD_LENGTH,
                title="사용자")


@router.post("/console/users")
def add(request: Request, user: Annotated[ConsoleUser, Depends(admin)],
        username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
        role: Annotated[str, Form()] = "secretariat") -> Response:
    """Add a console user."""
    return _change(request, user, "added", lambda s: accounts.add_user(
        s, username, password, accounts.role(role), actor=user.username))


@router.post("/console/users/{user_id}/disable")
def disable(request: Request, user_id: UserId,
            user: Annotated[ConsoleUser, Depends(admin)]) -> Response:
    """Disable a user: no log-in, and their sessions end now."""
    if user_id == user.id:
        return _page(request, user, None, "자기 자신은 사용 중지할 수 없습니다.", 400)
    return _change(request, user, "disabled", lambda s: accounts.set_disabled(
        s, user_id, True, user.username, web(request).now()))


@router.post("/console/users/{user_id}/enable")
def enable(request: Request, user_id: UserId,
           user: Annotated[ConsoleUser, Depends(admin)]) -> Response:
    """Let a disabled user log in again."""
    return _change(request, user, "enabled", lambda s: accounts.set_disabled(
        s, user_id, False, user.username, web(request).now()))


@router.post("/console/users/{user_id}/password")
def password(request: Request, user_id: UserId, user: Annotated[ConsoleUser, Depends(admin)],
             new_password: Annotated[str, Form()] = "") -> Response:
    """Give a user a new password; their sessions end now."""
    return _change(request, user, "password", lambda s: accounts.reset_password(
        s, user_id, new_password, user.username))


def _change(request: Request, user: ConsoleUser, done: str, change: object) -> Response:
    context = web(request)
    try:
        with context.database.transaction() as session:
            change(session)  # type: ignore[operator]
    except UserError as error:
        return _page(request, user, None, error.message, error.status)
    return RedirectResponse(f"/console/users?done={done}", status_code=303)
