"""PDF files with a text layer as a Document (pdfplumber)."""

from __future__ import annotations

from pathlib import Path

from tracker.document import Document
from tracker.errors import UserError


def read_pdf(path: Path) -> Document:
    """Not read yet: refused with a message saying what to upload instead."""
    raise UserError(
        f"{path.name}: PDF는 아직 읽을 수 없습니다. 한글이나 엑셀 원본을 올려 주세요."
    )
