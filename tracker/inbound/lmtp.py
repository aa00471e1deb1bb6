"""An LMTP server (RFC 2033, aiosmtpd) for an MTA that delivers replies by LMTP
(`tracker inbound --lmtp --port N`).

An unknown or forged reply address is refused at RCPT time (550 5.1.1), so the MTA bounces
it to the sender at once; the message itself goes through `receiving.receive` like every
other, in a worker thread (the database calls block). LMTP answers DATA once per accepted
recipient: 250 when stored, 451 (try later) when the database could not be reached.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SMTPSession

from tracker.clock import utc_now as utc_clock
from tracker.config import Settings
from tracker.database import Database
from tracker.inbound.receiving import Result, check_recipient, receive

MAX_SIZE = 50 * 1024 * 1024


class InboundHandler:
    """aiosmtpd handler: RCPT checks the address, DATA stores and lands the message."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database, self.settings = database, settings

    async def handle_RCPT(self, server: SMTP, session: SMTPSession, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        """Accept the inbound address and its keyed forms naming a link; refuse the rest."""
        refusal = await asyncio.to_thread(self._check, address)
        if refusal is not None:
            return f"550 5.1.1 <{address}>: {refusal}"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: SMTPSession,
                          envelope: Envelope) -> str:
        """Receive the message once for all its accepted recipients; one reply per recipient."""
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape")
        outcome = await asyncio.to_thread(receive, self.database, self.settings, data,
                                          utc_clock(), list(envelope.rcpt_tos))
        if outcome.result == Result.TEMPORARY:
            status = "451 4.3.0 temporary failure, try again later"
        elif outcome.result == Result.UNKNOWN:
            status = "550 5.1.1 unknown reply address"
        else:
            status = f"250 2.0.0 {outcome.result.value}"
        return "\r\n".join([status] * max(1, len(envelope.rcpt_tos)))

    def _check(self, address: str) -> str | None:
        with self.database.reading() as session:
            return check_recipient(session, self.settings, address)


class _LMTPController(Controller):
    # aiosmtpd's Controller builds an SMTP server; LMTP differs only in its greeting (LHLO).
    def factory(self) -> Any:
        return LMTP(self.handler, **self.SMTP_kwargs)


def controller(database: Database, settings: Settings, host: str, port: int) -> Controller:
    """An aiosmtpd controller (start() it) serving LMTP on host:port."""
    return _LMTPController(InboundHandler(database, settings), hostname=host, port=port,
                           data_size_limit=MAX_SIZE, enable_SMTPUTF8=True, decode_data=False)


def serve(database: Database, settings: Settings, host: str, port: int) -> None:
    """Serve LMTP until interrupted (Ctrl+C or SIGTERM)."""
    import signal
    import threading

    server = controller(database, settings, host, port)
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
