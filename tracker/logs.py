"""Logging for the long-running processes (`tracker serve`, `tracker worker`, `tracker demo`).

Two formats, chosen by the setting log_format (TRACKER_LOG_FORMAT): "text", one readable
line per event, and "json", one JSON object per line with ts, level, logger, event,
message and the ids the code passed as `extra` (item_ids, outbox_id, worker, …).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
FORMATS = ("text", "json")
# The attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line; Korean kept readable (no \\u escapes)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        message = record.getMessage()
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": getattr(record, "event", None) or message,
            "message": message,
        }
        data |= {k: v for k, v in vars(record).items() if k not in _STANDARD and k != "event"}
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """One line per event on stderr, as text or JSON (the log_format setting); APScheduler's
    and Alembic's chatter only when it matters."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    for chatty in ("apscheduler", "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
