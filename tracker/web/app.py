"""`create_app`: the FastAPI app of the reply links, the console, the chair's view and,
in development, the caught mail. Everything it needs is passed in (settings, database,
clock, options), so tests build one per case and control time."""

from __future__ import annotations

import logging
import secrets
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from tracker.clock import Clock, utc_now
from tracker.config import Settings
from tracker.database import Database
from tracker.errors import UserError
from tracker.web import (
    chair,
    console,
    contacts,
    devmail,
    errors,
    health,
    imports,
    mailbox,
    reply,
    sessions,
    users,
)
from tracker.web.context import WebContext, WebOptions, web
from tracker.web.rendering import make_environment
from tracker.web.security import (
    AccessLog,
    BodyLimit,
    FailureLimiter,
    PasswordGate,
    SecurityHeaders,
    TrustedProxies,
)

log = logging.getLogger(__name__)
STYLESHEET = "site.css"
SCRIPT = "reply.js"  # the reply page's character counters; every page works without it
# The console's file uploads get settings.upload_max_bytes; every other body FORM_MAX_BYTES.
UPLOAD_PATHS = ("/console/import", "/console/upload", "/console/contacts/upload")


def create_app(settings: Settings, database: Database, clock: Clock = utc_now,
               options: WebOptions | None = None) -> FastAPI:
    """The web app for `settings` and `database`; `clock` gives the current UTC time."""
    options = options or WebOptions()
    app = FastAPI(title="tracker", docs_url=None, redoc_url=None, openapi_url=None)
    app.router.redirect_slashes = False  # Starlette's would build the URL from the Host header
    app.state.web = _context(settings, database, clock, options)
    for router in (reply.router, sessions.router, console.router, mailbox.router,
                   chair.router, health.router, users.router, imports.router,
                   contacts.router):
        app.include_router(router)
    if options.dev_mail_dir is not None:
        app.include_router(devmail.router)
    app.add_api_route("/", home, methods=["GET", "HEAD"])
    app.add_api_route(f"/static/{STYLESHEET}", stylesheet, methods=["GET", "HEAD"])
    app.add_api_route(f"/static/{SCRIPT}", script, methods=["GET", "HEAD"])
    _handle_errors(app)
    app.add_middleware(BodyLimit, upload_limit=settings.upload_max_bytes,
                       upload_prefixes=UPLOAD_PATHS)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    return app


def _context(settings: Settings, database: Database, clock: Clock,
             options: WebOptions) -> WebContext:
    if not options.secret_key:
        log.warning("secret key not set: sessions and forms last until this process ends")
    secret = (options.secret_key or secrets.token_hex(32)).encode()
    try:
        proxies = TrustedProxies(settings.trusted_proxies)
    except ValueError as problem:
        raise UserError(f"설정 trusted_proxies는 쉼표로 구분한 IP 주소나 네트워크여야 합니다: "
                        f"{problem}") from None
    return WebContext(
        settings=settings, database=database, clock=clock, options=options, secret=secret,
        env=make_environment(settings.timezone),
        token_limiter=FailureLimiter(options.bad_token_limit, options.bad_token_window, clock),
        login_limiter=FailureLimiter(options.login_failure_limit, 60.0, clock),
        password_gate=PasswordGate(), proxies=proxies,
    )


def home(request: Request) -> Response:
    """The front page points to the console."""
    return RedirectResponse("/console", status_code=303)


def stylesheet(request: Request) -> Response:
    """The one stylesheet of every page (no inline styles: the CSP forbids them)."""
    css = files("templates").joinpath("web", STYLESHEET).read_text(encoding="utf-8")
    return Response(css, media_type="text/css; charset=utf-8")


def script(request: Request) -> Response:
    """The one script (the reply page's counters), served from this site as the CSP asks."""
    code = files("templates").joinpath("web", SCRIPT).read_text(encoding="utf-8")
    return Response(code, media_type="text/javascript; charset=utf-8")


def _handle_errors(app: FastAPI) -> None:
    errors.install(app)

    @app.exception_handler(sessions.LoginRequired)
    def login_required(request: Request, exc: sessions.LoginRequired) -> Response:
        return sessions.login_redirect(exc.path)

    @app.exception_handler(sessions.Forbidden)
    def forbidden(request: Request, exc: sessions.Forbidden) -> Response:
        return errors.error_page(web(request).env, 403)
