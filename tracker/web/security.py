"""Security around every page: response headers, an access log without tokens, CSRF tokens,
and a per-address limit on failed look-ups (reply tokens, logins)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No third-party loads, no inline script, no framing; forms post only to this site.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
_TOKEN_PATH = re.compile(r"^/r/[^/]*")
access_log = logging.getLogger("tracker.web.access")


class SecurityHeaders:
    """ASGI middleware: adds HEADERS to every response (a route may set its own CSP first)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers the response does not already carry."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in HEADERS.items()
                         if k.encode() not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AccessLog:
    """ASGI middleware: one log line per request, reply tokens replaced by "[token]".

    Run uvicorn with its own access log off; this one is safe to keep.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and log method, redacted path and status."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.monotonic()

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            client = scope.get("client") or ("-", 0)
            access_log.info('%s "%s %s" %d %.0fms', client[0], scope["method"],
                            redact(scope["path"]), status, (time.monotonic() - started) * 1000)


def redact(path: str) -> str:
    """`path` with a reply token replaced: "/r/abc/items/3" → "/r/[token]/items/3"."""
    return _TOKEN_PATH.sub("/r/[token]", path)


def sign(secret: bytes, purpose: str, value: str) -> str:
    """An HMAC-SHA256 of `value` for `purpose` (the CSRF tokens of forms)."""
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def check_signature(secret: bytes, purpose: str, value: str, given: str) -> bool:
    """Whether `given` is the signature of `value` for `purpose` (constant-time; any text,
    non-ASCII included, is simply a wrong signature)."""
    expected = sign(secret, purpose, value).encode()
    return hmac.compare_digest(expected, (given or "").encode("utf-8", "surrogatepass"))


class FailureLimiter:
    """Counts failures per client address in a sliding window; past `limit`, the address waits.

    Bounded memory: at most `max_clients` addresses are tracked (the least recent dropped).
    Thread-safe, since the app's routes run in a thread pool.
    """

    def __init__(self, limit: int, window_seconds: float, clock: Callable[[], datetime],
                 max_clients: int = 10_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self.clock = clock
        self.max_clients = max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def blocked(self, address: str) -> bool:
        """Whether `address` has reached the limit within the window."""
        with self._lock:
            times = self._failures.get(address)
            if times is None:
                return False
            self._expire(times)
            return len(times) >= self.limit

    def record_failure(self, address: str) -> None:
        """Count one failure for `address`."""
        with self._lock:
            times = self._failures.pop(address, None) or deque()
            self._expire(times)
            times.append(self.clock().timestamp())
            self._failures[address] = times
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)

    def _expire(self, times: deque[float]) -> None:
        horizon = self.clock().timestamp() - self.window
        while times and times[0] <= horizon:
            times.popleft()
