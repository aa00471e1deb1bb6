"""An attached HWP, HWPX, XLSX or PDF document as plain text, for the secretariat's view of a
received reply: paragraphs as lines, table rows as cells separated by " | ". The project's
readers (tracker.readers) do the reading; a file they refuse gives None, never an error.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from tracker.errors import UserError
from tracker.inbound.attachments import extension

log = logging.getLogger(__name__)

READABLE = frozenset({"hwp", "hwpx", "xlsx", "pdf"})
MAX_CHARS = 20_000


def document_text(data: bytes, name: str) -> str | None:
    """The text of the attached document `name` (its bytes `data`), at most MAX_CHARS
    characters, or None when it is not a kind we read or cannot be read."""
    kind = extension(name)
    if kind not in READABLE or not data:
        return None
    from tracker.readers import read_document
    from tracker.sources import rows_of

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"attachment.{kind}"
        path.write_bytes(data)
        try:
            rows = rows_of(read_document(path))
        except UserError as refusal:
            log.info("attachment %s not read: %s", name, refusal)
            return None
        except Exception:  # a reader's bug must not break the console page
            log.exception("attachment %s could not be read", name)
            return None
    lines = [" | ".join(cell.strip() for cell in row if cell.strip()) for row in rows]
    text = "\n".join(line for line in lines if line)
    return text[:MAX_CHARS] + ("\n…" if len(text) > MAX_CHARS else "")
