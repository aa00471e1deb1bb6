"""Logging for the long-running processes (`tracker serve`, `tracker worker`, `tracker demo`)."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(level: int = logging.INFO) -> None:
    """One line per event on stderr; APScheduler's per-run chatter only when it matters."""
    logging.basicConfig(level=level, format=FORMAT)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
