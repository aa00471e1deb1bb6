"""Security around every page: response headers, an access log without tokens, CSRF tokens,
a per-address limit on failed look-ups (reply tokens, logins), bounded work per request
(a body limit checked before reading, at most PASSWORD_CHECKS argon2 checks at once) and
the client's address behind configured proxies only."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from starlette.responses import HTMLResponse
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


FORM_MAX_BYTES = 1_000_000  # any request body but an upload's: forms are a few KB
PASSWORD_CHECKS = 2  # argon2 checks at once per process (64 MiB each)
PASSWORD_WAIT_SECONDS = 2.0  # how long a login waits for a free check before a 429
_TOO_LARGE = ("<!doctype html><html lang=\"ko\"><meta charset=\"utf-8\"><title>요청이 너무 큽니다"
              "</title><h1>요청이 너무 큽니다</h1><p>보낸 내용이 {limit} 바이트를 넘어 받지 "
              "않았습니다. 파일은 나누어 올려 주세요.</p></html>")


class BodyLimit:
    """ASGI middleware: a request body over its limit is refused with 413 before it is read
    (by its Content-Length, or as soon as the streamed bytes pass the limit), so no handler
    or form parser spools it. Paths under `upload_prefixes` get `upload_limit`."""

    def __init__(self, app: ASGIApp, limit: int = FORM_MAX_BYTES, upload_limit: int = 0,
                 upload_prefixes: Sequence[str] = ()) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = max(upload_limit, limit)
        self.upload_prefixes = tuple(upload_prefixes)

    def limit_for(self, path: str) -> int:
        """The largest body accepted for `path`."""
        return self.upload_limit if path.startswith(self.upload_prefixes) else self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse an announced or streamed body over the limit; pass the rest on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(scope, receive, send, limit)
            return
        received, started, exceeded = 0, False, False

        async def counted() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge()
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if exceeded:  # the app caught the error (a form parser's 400): answer 413 instead
                if not started:
                    started = True
                    await _refuse(scope, receive, send, limit)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _BodyTooLarge:
            if not started:
                await _refuse(scope, receive, send, limit)


class _BodyTooLarge(Exception):
    pass


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = HTMLResponse(_TOO_LARGE.format(limit=f"{limit:,}"), status_code=413,
                            headers={"connection": "close"})
    await response(scope, receive, send)


class PasswordGate:
    """At most `slots` password checks at a time in this process: each argon2 check takes
    64 MiB, so 40 concurrent logins would take 2.5 GB. Others wait up to `wait` seconds."""

    def __init__(self, slots: int = PASSWORD_CHECKS, wait: float = PASSWORD_WAIT_SECONDS) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self.wait = wait

    @contextmanager
    def turn(self) -> Iterator[bool]:
        """True inside the block when a check may run now; False when none freed in time."""
        acquired = self._slots.acquire(timeout=self.wait)
        try:
            yield acquired
        finally:
            if acquired:
                self._slots.release()


class TrustedProxies:
    """The addresses (or networks) of the reverse proxies whose X-Forwarded-For is believed."""

    def __init__(self, setting: str) -> None:
        self.networks = [ipaddress.ip_network(part.strip(), strict=False)
                         for part in setting.split(",") if part.strip()]

    def trusts(self, host: str) -> bool:
        """Whether `host` is one of the configured proxies."""
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def client(self, host: str, forwarded_for: str | None) -> str:
        """The client's address: `host`, unless it is a trusted proxy; then the right-most
        address of X-Forwarded-For that is not itself a trusted proxy (the ones to its left
        were written by the client and prove nothing)."""
        if not forwarded_for or not self.trusts(host):
            return host
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            if not self.trusts(hop):
                return hop
        return host


def check_proxies(setting: str) -> str | None:
    """Why `setting` is no list of addresses or networks, in Korean; None when it is."""
    try:
        TrustedProxies(setting)
    except ValueError as problem:
        return f"trusted_proxies는 쉼표로 구분한 IP 주소나 네트워크여야 합니다: {problem}"
    return None


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

    def attempt(self, address: str) -> bool:
        """Count one attempt for `address` before it is checked, unless the address is at the
        limit (then False and nothing counted): parallel attempts cannot slip past the
        limit between a check and its count. A success is given back with `forgive`."""
        with self._lock:
            times = self._failures.pop(address, None) or deque()
            self._expire(times)
            allowed = len(times) < self.limit
            if allowed:
                times.append(self.clock().timestamp())
            self._failures[address] = times
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)
            return allowed

    def forgive(self, address: str) -> None:
        """Take back the latest attempt counted for `address` (it succeeded)."""
        with self._lock:
            times = self._failures.get(address)
            if times:
                times.pop()

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
