"""Delivering pre-built messages over SMTP (aiosmtplib) through a small pool of reused
connections, and telling temporary from permanent failures per recipient.

Classification: connection refused or dropped, timeouts, 4xx replies and login failures
(a configuration problem, fixed by an operator) are temporary; 5xx replies and refused
addresses are permanent. With two recipients (to and cc) each gets its own result, so the
one that accepted is not sent to again.

Envelope addresses: ASCII ones go as they are, and MAIL FROM never carries SMTPUTF8 for
them (our messages are ASCII: encoded words, base64 bodies). An international domain goes
as punycode, which every server takes. A non-ASCII local part (담당자@예시.kr) goes with
the SMTPUTF8 parameter (RFC 6531) when the server offers it; when it does not, that
recipient fails permanently with NEEDS_SMTPUTF8 and is never put in the envelope.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol

import aiosmtplib

from notifications.compose import ascii_address

log = logging.getLogger(__name__)

ALL = "*"  # the key of a failure that concerns every recipient (connection, DATA reply)
# RFC 6531's refusal (553 5.6.7) of a non-ASCII address without SMTPUTF8, for the secretariat.
NEEDS_SMTPUTF8 = ("553 5.6.7 메일 서버가 SMTPUTF8을 지원하지 않아 한글(비ASCII) 주소로 보낼 수 "
                  "없습니다 (non-ASCII address; the server does not offer SMTPUTF8)")


class SmtpSettings(Protocol):
    """The settings the mailer reads (tracker.config.Settings has them); notifications
    names what it needs instead of importing the tracker's configuration."""

    @property
    def smtp_host(self) -> str: ...
    @property
    def smtp_port(self) -> int: ...
    @property
    def smtp_user(self) -> str: ...
    @property
    def smtp_password(self) -> str: ...
    @property
    def smtp_starttls(self) -> bool: ...
    @property
    def smtp_tls(self) -> bool: ...
    @property
    def smtp_timeout_seconds(self) -> int: ...
    @property
    def smtp_connections(self) -> int: ...


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
    def from_settings(cls, settings: SmtpSettings) -> SmtpConfig:
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
    # The connection was lost after the whole message went out and before its reply: the
    # server may have it (RFC 1047), so the retry may deliver a second copy.
    maybe_delivered: bool = False

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


@dataclass
class Envelope:
    """MAIL FROM and RCPT TO as sent for one message, and what was refused before sending."""

    sender: str
    recipients: dict[str, str] = field(default_factory=dict)  # as sent -> as given
    refused: dict[str, str] = field(default_factory=dict)  # as given (or ALL) -> reason
    options: list[str] = field(default_factory=list)  # MAIL parameters: [] or ["SMTPUTF8"]

    def outcome(self, sent: Outcome) -> Outcome:
        """`sent` keyed by the addresses as given (the outbox's), plus the early refusals."""
        def given(address: str) -> str:
            return self.recipients.get(address, address)

        return Outcome(accepted=[given(a) for a in sent.accepted],
                       temporary={given(a): r for a, r in sent.temporary.items()},
                       permanent={given(a): r for a, r in sent.permanent.items()}
                       | self.refused, maybe_delivered=sent.maybe_delivered)


def plan_envelope(sender: str, recipients: Sequence[str], smtputf8: bool) -> Envelope:
    """The envelope for a server that offers SMTPUTF8 (`smtputf8`) or not: each address in
    its ASCII form (compose.ascii_address) when it has one, else as UTF-8 when offered, else
    refused with NEEDS_SMTPUTF8 (every recipient, under ALL, when it is the sender's).
    SMTPUTF8 is asked for only when an address needs it, never just because it is offered."""
    def wire(address: str) -> str | None:
        ascii_form = ascii_address(address)
        return ascii_form if ascii_form is not None else (address if smtputf8 else None)

    mail_from = wire(sender)
    if mail_from is None:
        return Envelope(sender, refused={ALL: f"{sender}: {NEEDS_SMTPUTF8}"})
    envelope = Envelope(mail_from)
    for address in recipients:
        sent = wire(address)
        if sent is None:
            envelope.refused[address] = NEEDS_SMTPUTF8
        else:
            envelope.recipients[sent] = address
    if not all(a.isascii() for a in (mail_from, *envelope.recipients)):
        envelope.options.append("SMTPUTF8")
    return envelope


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
        network errors: they come back in the Outcome, keyed by the addresses as given.
        A non-ASCII address is sent as plan_envelope says (punycode, SMTPUTF8 or refused)."""
        client = await self._pool.get()
        envelope = Envelope(sender, {r: r for r in recipients})  # until the server is asked
        try:
            if client is None or not client.is_connected:
                client = await self._connect()
            smtputf8 = await _offers_smtputf8(client, [sender, *recipients])
            envelope = plan_envelope(sender, recipients, smtputf8)
            sent = await _transact(client, envelope, message)
        except _AfterData as cut:
            _discard(client)
            client = None
            sent = outcome_of_error(cut.error, list(envelope.recipients))
            sent.maybe_delivered = True
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            _discard(client)
            client = None
            sent = outcome_of_error(exc, list(envelope.recipients))
        finally:
            self._pool.put_nowait(client)
        return envelope.outcome(sent)


async def _offers_smtputf8(client: aiosmtplib.SMTP, addresses: Sequence[str]) -> bool:
    # Ask (EHLO, which sendmail would say anyway) only when an address has no ASCII form:
    # an all-ASCII message goes exactly as it always did.
    if all(ascii_address(a) is not None for a in addresses):
        return False
    if client.is_ehlo_or_helo_needed:
        await client.ehlo()
    return client.supports_extension("smtputf8")


class _AfterData(Exception):
    """The connection failed once the message was on its way (DATA sent, no reply read)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


async def _transact(client: aiosmtplib.SMTP, envelope: Envelope, message: bytes) -> Outcome:
    # aiosmtplib's sendmail, step by step, to know whether a lost connection came before the
    # message was sent (nothing delivered) or after (perhaps delivered: _AfterData).
    if not envelope.recipients:  # all refused before sending: nothing to tell the server
        return Outcome()
    recipients = list(envelope.recipients)
    encoding = "utf-8" if "SMTPUTF8" in envelope.options else "ascii"
    if client.is_ehlo_or_helo_needed:
        await client.ehlo()
    refused: dict[str, Any] = {}
    try:
        await client.mail(envelope.sender, options=envelope.options, encoding=encoding)
        for recipient in recipients:
            try:
                await client.rcpt(recipient, encoding=encoding)
            except aiosmtplib.SMTPRecipientRefused as exc:
                refused[recipient] = exc
        if len(refused) == len(recipients):
            raise aiosmtplib.SMTPRecipientsRefused(list(refused.values()))
    except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
        await _reset(client)
        raise
    try:
        await client.data(message)
    except aiosmtplib.SMTPResponseException:
        await _reset(client)
        raise
    except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
        raise _AfterData(exc) from exc
    return _partial(recipients, refused)


async def _reset(client: aiosmtplib.SMTP) -> None:
    # As sendmail does after a refusal: clear the envelope for the next message.
    with contextlib.suppress(aiosmtplib.SMTPException, OSError):
        await client.rset()


def _partial(recipients: Sequence[str], refused: dict[str, Any]) -> Outcome:
    outcome = Outcome(accepted=[r for r in recipients if r not in refused])
    for address, response in refused.items():
        getattr(outcome, classify_code(response.code))[address] = f"{response.code} {response.message}"
    return outcome


def _discard(client: aiosmtplib.SMTP | None) -> None:
    # After an error the session state is unknown: drop the connection, the next send reconnects.
    if client is not None and client.is_connected:
        client.close()
