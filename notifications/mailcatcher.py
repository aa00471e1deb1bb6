"""A local SMTP server that stores every message it receives as an .eml file: for demos and
development (`tracker mailcatcher`, `tracker demo`), so the web app can list what was sent.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _Store:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}-{self.count}.eml"
        data = envelope.original_content or envelope.content
        (self.directory / name).write_bytes(bytes(data))
        return "250 Message stored"


class MailCatcher:
    """An SMTP server on host:port writing each message to `directory` as an .eml file.
    Use start()/stop(), or `with MailCatcher(...) as catcher:`."""

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 1025) -> None:
        self.directory = Path(directory)
        self.host, self.port = host, port
        self._store = _Store(self.directory)
        self._controller: Controller | None = None

    def start(self) -> None:
        """Create the directory and start listening."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(self._store, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def files(self) -> list[Path]:
        """The stored messages, oldest first."""
        return sorted(self.directory.glob("*.eml"))

    def __enter__(self) -> MailCatcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
