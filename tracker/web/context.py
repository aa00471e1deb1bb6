"""What every route needs: settings, database, clock, secret, templates and the limiters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from fastapi import Request
from jinja2 import Environment

from tracker.clock import Clock, local_date
from tracker.config import Settings
from tracker.database import Database
from tracker.web.security import FailureLimiter, PasswordGate, TrustedProxies


@dataclass(frozen=True)
class WebOptions:
    """Settings of the web app that are not tracker settings."""

    secret_key: str = ""  # signs sessions and CSRF tokens; empty: random per process
    dev_mail_dir: Path | None = None  # the mail catcher's directory: enables /dev/mail
    bad_token_limit: int = 1000  # failed reply-token look-ups per address …
    bad_token_window: float = 60.0  # … in this many seconds, then 429
    login_failure_limit: int = 20  # failed logins per address per window, then 429
    session_hours: int = 12  # a console session lasts this long


@dataclass
class WebContext:
    """The app's shared state, stored on `app.state.web`."""

    settings: Settings
    database: Database
    clock: Clock
    options: WebOptions
    secret: bytes
    env: Environment
    token_limiter: FailureLimiter
    login_limiter: FailureLimiter
    password_gate: PasswordGate = field(default_factory=PasswordGate)
    proxies: TrustedProxies = field(default_factory=lambda: TrustedProxies(""))

    def now(self) -> datetime:
        """The current time (UTC, from the injected clock)."""
        return self.clock()

    def today(self) -> date:
        """Today in the configured time zone."""
        return local_date(self.clock(), self.settings.zone)

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies carry Secure: when the public address is https."""
        return self.settings.base_url.startswith("https://")


def web(request: Request) -> WebContext:
    """The WebContext of the app serving `request`."""
    context: WebContext = request.app.state.web
    return context


def client_address(request: Request) -> str:
    """The client's address: the connection's, or, when that is one of `trusted_proxies`,
    the one the proxy wrote in X-Forwarded-For (from anyone else that header is ignored)."""
    host = request.client.host if request.client else "unknown"
    return web(request).proxies.client(host, request.headers.get("x-forwarded-for"))


MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds on every database


def record_id(text: str) -> int | None:
    """The id typed in a query string ("?meeting=3"): plain ASCII digits from 1 to MAX_ID,
    else None (a filter that is then not applied)."""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None
