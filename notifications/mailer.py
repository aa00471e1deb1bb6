"""Delivering pre-built messages over SMTP (aiosmtplib) through a small pool of reused
connections, and telling temporary from permanent failures per recipient.

Classification: connection refused or dropped, timeouts, 4xx replies and login failures
(a configuration problem, fixed by an operator) are temporary; 5xx replies and refused
addresses are permanent. With two recipients (to and cc) each gets its own result, so the
one that accepted is not sent to again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiosmtplib

log = logging.getLogger(__name__)

ALL = "*"  # the key of a failure that concerns every recipient (connection, DATA reply)


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the SMTP server. The password is kept out of repr()."""

    host: str
    port: int
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = False
    tls: bool = False
    timeout: float = 30.0
    connections: int = 4

    @classmethod
    def from_settings(cls, settings: Any) -> SmtpConfig:
        """The SMTP part of tracker.config.Settings."""
        return cls(host=settings.smtp_host, port=settings.smtp_port, user=settings.smtp_user,
                   password=settings.smtp_password, starttls=settings.smtp_starttls,
                   tls=settings.smtp_tls, timeout=float(settings.smtp_timeout_seconds),
                   connections=max(1, settings.smtp_connections))


@dataclass
class Outcome:
    """The result of one delivery attempt, per recipient."""

    accepted: list[str] = field(default_factory=list)
    temporary: dict[str, str] = field(default_factory=dict)
    permanent: dict[str, str] = field(default_factory=dict)

    @property
    def delivered(self) -> bool:
        """True when every recipient accepted."""
        return not self.temporary and not self.permanent


def classify_code(code: int) -> str:
    """"temporary" for 4xx (and anything not 5xx), "permanent" for 5xx SMTP reply codes."""
    return "permanent" if 500 <= code < 600 else "temporary"


def describe(exc: BaseException) -> str:
    """A one-line description of an SMTP or network error, without credentials."""
    code = getattr(exc, "code", None)
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__} {code}: {text}" if code else f"{type(exc).__name__}: {text}"


def outcome_of_error(exc: BaseException, recipients: Sequence[str]) -> Outcome:
    """The Outcome of an exception raised while sending to `recipients`."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        outcome = Outcome()
        for refused in exc.recipients:
            kind = classify_code(refused.code)
            getattr(outcome, kind)[refused.recipient] = describe(refused)
        return outcome
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return Outcome(temporary={ALL: describe(exc)})
    if isinstance(exc, aiosmtplib.SMTPResponseException) and classify_code(exc.code) == "permanent":
        return Outcome(permanent={ALL: describe(exc)})
    return Outcome(temporary={ALL: describe(exc)})


class Mailer:
    """A bounded pool of SMTP connections, opened on demand and reused; use `async with`."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._pool: asyncio.LifoQueue[aiosmtplib.SMTP | None] = asyncio.LifoQueue()
        for _ in range(config.connections):
            self._pool.put_nowait(None)

    async def __aenter__(self) -> Mailer:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    async def close(self) -> None:
        """Say QUIT on every open connection."""
        while not self._pool.empty():
            client = self._pool.get_nowait()
            if client is not None and client.is_connected:
                try:
                    await client.quit()
                except (aiosmtplib.SMTPException, OSError):
                    client.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        c = self.config
        client = aiosmtplib.SMTP(hostname=c.host, port=c.port, use_tls=c.tls,
                                 start_tls=c.starttls, timeout=c.timeout)
        await client.connect()
        if c.user:
            await client.login(c.user, c.password)
        return client

    async def send(self, sender: str, recipients: Sequence[str], message: bytes) -> Outcome:
        """Send `message` (complete RFC 5322 bytes) to `recipients`; never raises for SMTP or
        network errors: they come back in the Outcome."""
        client = await self._pool.get()
        try:
            if client is None or not client.is_connected:
                client = await self._connect()
            refused, _ = await client.sendmail(sender, list(recipients), message)
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            _discard(client)
            client = None
            return outcome_of_error(exc, recipients)
        finally:
            self._pool.put_nowait(client)
        return _partial(recipients, refused)


def _partial(recipients: Sequence[str], refused: dict[str, Any]) -> Outcome:
    outcome = Outcome(accepted=[r for r in recipients if r not in refused])
    for address, response in refused.items():
        getattr(outcome, classify_code(response.code))[address] = f"{response.code} {response.message}"
    return outcome


def _discard(client: aiosmtplib.SMTP | None) -> None:
    # After an error the session state is unknown: drop the connection, the next send reconnects.
    if client is not None and client.is_connected:
        client.close()
