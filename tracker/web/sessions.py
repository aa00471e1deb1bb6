"""Console log-in: a signed, HttpOnly, SameSite=Lax session cookie; argon2 passwords.

The cookie holds the user's id and a random nonce; the nonce keys the CSRF token
of every console form, and is replaced at log-in (no session fixation).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from db.models import UserRole
from tracker import accounts
from tracker.web import errors
from tracker.web.context import WebContext, client_address, web
from tracker.web.rendering import page
from tracker.web.security import check_signature, sign

COOKIE = "tracker_session"
EDITOR_ROLES = (UserRole.SECRETARIAT, UserRole.ADMIN)
router = APIRouter()


@dataclass(frozen=True)
class ConsoleUser:
    """The logged-in user of a request."""

    id: int
    username: str
    role: UserRole
    csrf: str

    @property
    def can_edit(self) -> bool:
        """Whether the user may change items (secretariat, admin); the chair only reads."""
        return self.role in EDITOR_ROLES

    @property
    def role_label(self) -> str:
        """The Korean name of the role."""
        return accounts.ROLE_LABELS[self.role]


class LoginRequired(Exception):
    """Raised by `viewer` when nobody is logged in; the app redirects to the log-in page."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class Forbidden(Exception):
    """Raised when the user may not do this (the app answers 403)."""


def _serializer(context: WebContext) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(context.secret, salt="tracker-console-session")


def read_cookie(request: Request) -> dict[str, Any]:
    """The session cookie's content, or {} when it is missing, forged or too old."""
    context = web(request)
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    try:
        data = _serializer(context).loads(raw, max_age=context.options.session_hours * 3600)
    except BadSignature:
        return {}
    return data if isinstance(data, dict) else {}


def set_cookie(response: Response, context: WebContext, data: dict[str, Any]) -> None:
    """Store `data` in the signed session cookie."""
    response.set_cookie(
        COOKIE, _serializer(context).dumps(data), max_age=context.options.session_hours * 3600,
        httponly=True, samesite="lax", secure=context.secure_cookies, path="/",
    )


def current_user(request: Request) -> ConsoleUser | None:
    """The logged-in user, or None."""
    data = read_cookie(request)
    if not isinstance(data.get("uid"), int) or not isinstance(data.get("nonce"), str):
        return None
    context = web(request)
    with context.database.reading() as session:
        user = accounts.get_user(session, data["uid"])
        # A logout, a disabling or a new password moved the user's session version on:
        # every cookie made before it is logged out, on every process at once.
        if user is None or user.disabled_at is not None \
                or data.get("sv", 0) != user.session_version:
            return None
        return ConsoleUser(user.id, user.username, user.role,
                           sign(context.secret, "console", data["nonce"]))


def viewer(request: Request) -> ConsoleUser:
    """Dependency of pages any console user may read; anonymous users go to log in."""
    user = current_user(request)
    if user is None:
        raise LoginRequired(request.url.path)
    return user


async def editor(request: Request,
                 user: Annotated[ConsoleUser | None, Depends(current_user)]) -> ConsoleUser:
    """Dependency of changes: a secretariat or admin user, and the form's CSRF token."""
    if user is None or not user.can_edit:
        raise Forbidden()
    form = await request.form()
    if not check_signature_of(user, str(form.get("csrf", ""))):
        raise Forbidden()
    return user


def check_signature_of(user: ConsoleUser, given: str) -> bool:
    """Whether `given` is the user's CSRF token (any text, non-ASCII included, is just wrong)."""
    expected = user.csrf.encode()
    return hmac.compare_digest(expected, (given or "").encode("utf-8", "surrogatepass"))


@router.get("/console/login")
def login_form(request: Request, next: str = "") -> Response:
    """The log-in form (sets a cookie with a fresh nonce for its CSRF token); a logged-in
    user is sent on to the console instead, still logged in."""
    context = web(request)
    if current_user(request) is not None:
        return RedirectResponse(_safe_next(next) or "/console", status_code=303)
    nonce = read_cookie(request).get("nonce") or secrets.token_urlsafe(16)
    response = _login_page(context, nonce, _safe_next(next))
    set_cookie(response, context, {"nonce": nonce})
    return response


@router.post("/console/login")
def login(request: Request, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "") -> Response:
    """Check the password; on success a new session and a redirect to the console."""
    context = web(request)
    address = client_address(request)
    nonce = str(read_cookie(request).get("nonce", ""))
    if not nonce or not check_signature(context.secret, "login", nonce, csrf):
        return login_form(request, next)
    # Counted before it is checked, so parallel attempts cannot pass the limit; at most
    # PASSWORD_CHECKS argon2 checks (64 MiB each) run at once, the others wait or get 429.
    if not context.login_limiter.attempt(address):
        return _busy(context, "로그인 실패가 너무 많습니다. 1분 뒤에 다시 시도해 주세요.")
    with context.password_gate.turn() as allowed:
        if not allowed:
            context.login_limiter.forgive(address)
            return _busy(context, "로그인 요청이 몰려 있습니다. 잠시 후 다시 시도해 주세요.")
        with context.database.reading() as session:
            user = accounts.authenticate(session, username, password)
            role = user.role if user else None
            uid = user.id if user else None
            version = user.session_version if user else 0
    if uid is not None:
        context.login_limiter.forgive(address)
    if uid is None:
        return _login_page(context, nonce, _safe_next(next), status=400,
                           error="사용자 이름 또는 암호가 맞지 않습니다.")
    target = _safe_next(next) or ("/chair" if role == UserRole.CHAIR else "/console")
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, context, {"uid": uid, "sv": version,
                                   "nonce": secrets.token_urlsafe(16)})
    return response


@router.post("/console/logout")
def logout(request: Request, user: Annotated[ConsoleUser, Depends(viewer)],
           csrf: Annotated[str, Form()] = "") -> Response:
    """End the session, and every other session of the same user."""
    if not check_signature_of(user, csrf):
        raise Forbidden()
    with web(request).database.transaction() as session:
        accounts.end_sessions(session, user.id)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def login_redirect(path: str) -> RedirectResponse:
    """Where an anonymous visitor of `path` is sent."""
    return RedirectResponse(f"/console/login?next={quote(_safe_next(path))}", status_code=303)


def _busy(context: WebContext, message: str) -> Response:
    response = errors.error_page(context.env, 429, message)
    response.headers["Retry-After"] = "5"
    return response


def _login_page(context: WebContext, nonce: str, next_path: str, status: int = 200,
                error: str | None = None) -> Response:
    return page(context.env, "login.html", status, user=None, error=error, next=next_path,
                csrf=sign(context.secret, "login", nonce), title="로그인")


def _safe_next(path: str) -> str:
    # Only our own console and chair pages: no open redirect.
    if path.startswith(("/console", "/chair")) and "//" not in path and "\\" not in path:
        return path
    return ""
