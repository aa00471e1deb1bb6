"""The web app's one error page: every error, ours or the framework's, answers with
templates/web/error.html in Korean and the status of its kind.

Routes raise UserError subclasses (NotFound, Invalid, Conflict, Unavailable) and let them
through; `install` registers the handlers that turn them, Starlette's HTTP errors
(404, 405, …), request validation errors and unexpected exceptions (500) into that page.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse
from starlette.routing import Match

from tracker.errors import NotFound, Unavailable, UserError
from tracker.web.rendering import page

log = logging.getLogger(__name__)

CHECK_ADDRESS = "주소를 다시 확인해 주세요."
# The title and message of each HTTP status the app may answer with on its own.
STATUS_TEXT: dict[int, tuple[str, str]] = {
    400: ("요청을 처리할 수 없습니다", "입력한 내용을 다시 확인해 주세요."),
    403: ("권한이 없습니다", "이 작업은 사무국 계정만 할 수 있습니다. 로그인 상태를 확인해 주세요."),
    404: (NotFound.title, CHECK_ADDRESS),
    405: ("허용되지 않는 요청입니다", CHECK_ADDRESS),
    413: ("요청이 너무 큽니다", "보내는 내용을 줄여 다시 시도해 주세요."),
    429: ("잠시 후 다시 시도해 주세요", "요청이 너무 많습니다. 1분 뒤에 다시 시도해 주세요."),
    500: ("서버에서 오류가 났습니다",
          "잠시 후 다시 시도해 주세요. 계속되면 사무국에 알려 주세요."),
    503: (Unavailable.title, "데이터베이스가 바쁘거나 연결되지 않습니다. 잠시 후 다시 시도해 주세요."),
}
RETRY_AFTER_SECONDS = 5


def error_page(env: Environment, status: int, message: str | None = None,
               title: str | None = None) -> HTMLResponse:
    """The error page for `status`; `message` and `title` default to the status's own."""
    default_title, default_message = STATUS_TEXT.get(status, STATUS_TEXT[400])
    return page(env, "error.html", status, title=title or default_title,
                message=message or default_message)


def not_found(env: Environment) -> HTMLResponse:
    """The one 404 page: the same for a missing page, record or reply token."""
    return error_page(env, 404)


def for_error(env: Environment, error: UserError) -> HTMLResponse:
    """The page of a UserError: its class's status and title, its message."""
    response = error_page(env, error.status, error.message, error.title)
    if error.status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def slash_redirect(request: Request) -> str | None:
    """For "/console/" when "/console" is a page: that page on the configured public address
    (settings.base_url), never built from the Host header, which the client chooses."""
    path = request.url.path.rstrip("/")
    if not path or path == request.url.path:
        return None
    scope = {"type": "http", "path": path, "method": request.method}
    if not any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
        return None
    query = f"?{request.url.query}" if request.url.query else ""
    return str(request.app.state.web.settings.base_url).rstrip("/") + path + query


def install(app: FastAPI) -> None:
    """Register the handlers that render every error as the Korean error page."""

    def env(request: Request) -> Environment:
        environment: Environment = request.app.state.web.env
        return environment

    @app.exception_handler(UserError)
    def user_error(request: Request, exc: UserError) -> Response:
        return for_error(env(request), exc)

    @app.exception_handler(OperationalError)
    def database_unavailable(request: Request, exc: OperationalError) -> Response:
        # Locked past busy_timeout, or the server unreachable: worth retrying, not a bug.
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        return for_error(env(request), Unavailable(STATUS_TEXT[503][1]))

    @app.exception_handler(HTTPException)
    def http_error(request: Request, exc: HTTPException) -> Response:
        target = slash_redirect(request) if exc.status_code == 404 else None
        if target is not None:
            return RedirectResponse(target, status_code=307)
        response = error_page(env(request), exc.status_code)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # Malformed path or form values (a non-numeric id, an unknown field) name nothing
        # that exists: the same answer as a missing page, so probing learns nothing.
        return not_found(env(request))

    @app.exception_handler(Exception)
    def server_error(request: Request, exc: Exception) -> Response:
        # Starlette logs the traceback and re-raises after sending this page.
        return error_page(env(request), 500)
