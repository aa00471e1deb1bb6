"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the mail tests, with scripted replies.

`smtp_server` gives a running TestServer: `.messages` holds what it accepted (one entry
per DATA, with the envelope); `.refuse[address] = "550 …"` refuses a recipient;
`.data_replies` is a list of replies to give to the next DATA commands instead of 250
("451 …" for a temporary failure); `.stop()` / `.start()` take it down and up on the same port.
It offers SMTPUTF8 (aiosmtpd's default); `ascii_smtp_server` is one that does not.
Import the fixture into a test module with
`from tests.smtp_server import smtp_server_fixture  # noqa: F401`.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tracker.config import Settings


@dataclass
class Received:
    """One message as the server got it."""

    sender: str
    recipients: list[str]
    data: bytes
    mail_options: list[str] = field(default_factory=list)  # MAIL FROM parameters, upper case

    def parsed(self) -> EmailMessage:
        """The message, parsed with the modern e-mail policy (headers decoded)."""
        message = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class Handler:
    """The aiosmtpd handler: records messages, refuses what it is told to."""

    messages: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.data_replies:
                return self.data_replies.pop(0)
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.original_content or envelope.content),
                                          list(envelope.mail_options)))
        return "250 Message accepted"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TestServer:
    """An aiosmtpd Controller that can be stopped and started again on the same port."""

    __test__ = False  # not a pytest test class

    def __init__(self, handler: Handler | None = None, port: int | None = None,
                 smtputf8: bool = True) -> None:
        self.handler = handler or Handler()
        self.port = port or free_port()
        self.smtputf8 = smtputf8  # offer SMTPUTF8 in the EHLO reply (and accept UTF-8)
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[Received]:
        """Messages accepted so far."""
        return self.handler.messages

    @property
    def refuse(self) -> dict[str, str]:
        """address → reply for RCPT TO (e.g. "550 5.1.1 no such user")."""
        return self.handler.refuse

    @property
    def data_replies(self) -> list[str]:
        """Replies for the next DATA commands, instead of accepting."""
        return self.handler.data_replies

    def start(self) -> None:
        """Listen on 127.0.0.1:port."""
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                      enable_SMTPUTF8=self.smtputf8)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self, **overrides: Any) -> Settings:
        """Settings that send to this server."""
        values: dict[str, Any] = dict(
            smtp_host="127.0.0.1", smtp_port=self.port, smtp_timeout_seconds=5,
            mail_from="tracker@council.example.org", secretariat_email="office@example.org",
            chair_email="chair@example.org", base_url="https://tracker.example.org/",
        )
        return Settings(**(values | overrides))


@pytest.fixture(name="smtp_server")
def smtp_server_fixture() -> Iterator[TestServer]:
    """A running SMTP server on 127.0.0.1 for one test."""
    server = TestServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(name="ascii_smtp_server")
def ascii_smtp_server_fixture() -> Iterator[TestServer]:
    """A running SMTP server on 127.0.0.1 that does not offer SMTPUTF8 (strict ASCII)."""
    server = TestServer(smtputf8=False)
    server.start()
    yield server
    server.stop()
