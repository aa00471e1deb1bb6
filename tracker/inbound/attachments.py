"""Attachments of a reply: which are kept, under what name.

Kept: the documents departments send (HWP, HWPX, PDF, XLSX/XLS, DOCX, CSV, TXT) and images,
each up to `MAX_BYTES`, at most `MAX_COUNT` per message and `MAX_TOTAL` together. Anything
else is refused with a reason the console shows: nothing is dropped in silence.

A name is made safe to offer for download: the last path component only, NFC (Mac mail
writes decomposed Hangul), no control or reserved characters, no leading dots, at most
`MAX_NAME` characters with the extension kept; a part without a usable name is called
"첨부N.ext" after its content type.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_BYTES = 20 * 1024 * 1024
MAX_TOTAL = 40 * 1024 * 1024
MAX_COUNT = 20
MAX_NAME = 120

KINDS = {
    "hwp": "application/x-hwp", "hwpx": "application/hwp+zip", "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv", "txt": "text/plain",
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
    "bmp": "image/bmp", "webp": "image/webp", "heic": "image/heic",
}
# The extension a nameless part gets from its content type.
_BY_TYPE = {value: key for key, value in reversed(list(KINDS.items()))} | {
    "application/haansofthwp": "hwp", "application/vnd.hancom.hwp": "hwp",
    "application/vnd.hancom.hwpx": "hwpx", "application/haansofthwpx": "hwpx",
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u2028\u2029\u202a-\u202e\u2066-\u2069]')


@dataclass(frozen=True)
class Verdict:
    """Whether one attachment is kept: its safe name, its content type, and the reason when
    it is refused (None when kept)."""

    name: str
    content_type: str
    refused: str | None


def safe_name(raw: str | None, content_type: str, number: int) -> str:
    """A download-safe file name for an attachment called `raw` (see the module docstring).
    Pure."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join(_UNSAFE.sub("_", name).split()).lstrip(".").strip()
    if not name:
        name = f"첨부{number}.{_BY_TYPE.get(content_type.lower(), 'bin')}"
    stem, dot, extension = name.rpartition(".")
    if dot and 0 < len(extension) <= 8 and len(name) > MAX_NAME:
        return stem[:MAX_NAME - len(extension) - 1] + "." + extension
    return name[:MAX_NAME]


def extension(name: str) -> str:
    """The lower-case extension of `name` ("" without one). Pure."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def judge(name: str, content_type: str, size: int, kept_count: int, kept_bytes: int) -> Verdict:
    """Whether an attachment called `name` (already safe) of `size` bytes is kept, given what
    was kept before it. Pure."""
    ext = extension(name)
    kind = KINDS.get(ext) or content_type
    if ext not in KINDS and not content_type.lower().startswith("image/"):
        return Verdict(name, kind, f"받지 않는 파일 형식 ({ext or content_type})")
    if size > MAX_BYTES:
        return Verdict(name, kind, f"파일이 너무 큼 ({size // 1024 // 1024}MB, 최대 "
                                   f"{MAX_BYTES // 1024 // 1024}MB)")
    if kept_count >= MAX_COUNT:
        return Verdict(name, kind, f"첨부가 너무 많음 (최대 {MAX_COUNT}개)")
    if kept_bytes + size > MAX_TOTAL:
        return Verdict(name, kind, f"첨부 합계가 너무 큼 (최대 {MAX_TOTAL // 1024 // 1024}MB)")
    return Verdict(name, kind, None)
