"""Files uploaded to the console that wait for a confirmation (minutes at /console/import,
contacts at /console/contacts/upload): each waits in a private folder of its own, named by a
random key that only the confirmation form carries, until it is used, a day has passed (an
abandoned preview), or the process ends. Nothing reaches the database before the
confirmation."""

from __future__ import annotations

import atexit
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from tracker.errors import Invalid

_KEY = re.compile(r"^[A-Za-z0-9_-]{22}$")
_UPLOADS = Path(tempfile.gettempdir()) / f"tracker-uploads-{secrets.token_hex(8)}"
MAX_AGE_SECONDS = 24 * 60 * 60  # a preview left this long is abandoned: its file goes
atexit.register(shutil.rmtree, _UPLOADS, ignore_errors=True)


def valid_key(key: str) -> str:
    """`key` when it has the form of an upload key, else "" (never echoed back otherwise)."""
    return key if _KEY.match(key or "") else ""


def store(filename: str, content: bytes, empty_message: str) -> tuple[str, Path]:
    """Keep `content` under a new key; returns the key and the file's path. Invalid with
    `empty_message` for an empty file."""
    if not content:
        raise Invalid(empty_message)
    prune(time.time() - MAX_AGE_SECONDS)
    key = secrets.token_urlsafe(16)
    folder = _UPLOADS / key
    folder.mkdir(parents=True, mode=0o700)
    # Only the name's last part, without path separators: the source name messages report.
    name = Path(filename.replace("\\", "/")).name.strip() or "upload"
    path = folder / name
    path.write_bytes(content)
    return key, path


def waiting(key: str) -> Path:
    """The file waiting under `key`; Invalid when there is none (used, or the process restarted)."""
    folder = _UPLOADS / key
    if not valid_key(key) or not folder.is_dir():
        raise Invalid("올린 파일을 찾을 수 없습니다. 파일을 다시 골라 주세요.")
    return next(folder.iterdir())


def discard(path: Path) -> None:
    """Remove a used upload and its folder."""
    for leftover in path.parent.iterdir():
        leftover.unlink()
    path.parent.rmdir()


def prune(before: float) -> None:
    """Remove the waiting uploads stored before `before` (a time.time() value)."""
    if not _UPLOADS.is_dir():
        return
    for folder in _UPLOADS.iterdir():
        if folder.stat().st_mtime < before:
            shutil.rmtree(folder, ignore_errors=True)
