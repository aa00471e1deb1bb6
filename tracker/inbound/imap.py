"""Reading replies from an IMAP mailbox (`tracker inbound --imap`, and a job of `tracker
worker` when `imap_host` is set).

Each message not yet handled is fetched without marking it read, passed to
`receiving.receive`, and only once it is stored (or known as a duplicate) is it moved to
`imap_done_folder`, or, without one, flagged and marked read; a message whose storing failed
stays as it was and is fetched again next time. Unhandled means: everything in the folder
when messages are moved away, else the unflagged ones. Between polls the connection waits
with IDLE when the server offers it (woken by new mail), else sleeps `imap_poll_seconds`.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import threading
from collections.abc import Callable
from datetime import datetime

from tracker.config import Settings
from tracker.database import Database
from tracker.inbound.receiving import Result, land_pending, receive

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
IDLE_LIMIT = 25 * 60  # RFC 2177: re-issue IDLE at least every 29 minutes


def connect(settings: Settings) -> imaplib.IMAP4:
    """A logged-in connection with the folder selected."""
    kind = imaplib.IMAP4_SSL if settings.imap_tls else imaplib.IMAP4
    connection = kind(settings.imap_host, settings.imap_port, timeout=60)
    connection.login(settings.imap_user, settings.imap_password)
    # Servers announce more after login (MOVE, IDLE); imaplib keeps the greeting's list.
    status, data = connection.capability()
    if status == "OK" and data and isinstance(data[0], bytes):
        connection.capabilities = tuple(data[0].decode("ascii", "replace").upper().split())
    status, _ = connection.select(_quoted(settings.imap_folder))
    if status != "OK":
        raise imaplib.IMAP4.error(f"folder {settings.imap_folder!r} cannot be selected")
    return connection


def poll_once(database: Database, settings: Settings, clock: Clock,
              connection: imaplib.IMAP4 | None = None) -> int:
    """Fetch and receive every unhandled message once; returns how many were handled."""
    own = connection is None
    connection = connection or connect(settings)
    try:
        handled = sum(_handle(database, settings, clock, connection, uid)
                      for uid in _unhandled(connection, settings))
        if settings.imap_done_folder:
            connection.expunge()
        land_pending(database, settings, clock())
        return handled
    finally:
        if own:
            _logout(connection)


def run(database: Database, settings: Settings, clock: Clock,
        stop: threading.Event | None = None) -> None:
    """Poll until `stop` is set: IDLE between polls where offered. A lost connection is
    opened again after `imap_poll_seconds`."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            connection = connect(settings)
            try:
                while not stop.is_set():
                    poll_once(database, settings, clock, connection)
                    _wait(connection, settings, stop)
            finally:
                _logout(connection)
        except (OSError, imaplib.IMAP4.error) as exc:
            log.warning("IMAP %s: %s; trying again in %ss", settings.imap_host, exc,
                        settings.imap_poll_seconds)
            stop.wait(settings.imap_poll_seconds)


def _unhandled(connection: imaplib.IMAP4, settings: Settings) -> list[bytes]:
    criterion = "ALL" if settings.imap_done_folder else "UNFLAGGED"
    status, data = connection.uid("SEARCH", None, criterion)  # type: ignore[arg-type]
    if status != "OK" or not data or not data[0]:
        return []
    return [uid for uid in data[0].split() if uid]


def _handle(database: Database, settings: Settings, clock: Clock, connection: imaplib.IMAP4,
            uid: bytes) -> int:
    status, data = connection.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
    raw = next((part[1] for part in data if isinstance(part, tuple)), None)
    if status != "OK" or not isinstance(raw, bytes):
        log.warning("IMAP message %s could not be fetched", uid)
        return 0
    outcome = receive(database, settings, raw, clock())
    if outcome.result == Result.TEMPORARY:
        return 0  # left as it is: fetched again next time
    if outcome.result == Result.UNKNOWN:
        log.warning("IMAP message %s refused (%s); left flagged in the mailbox", uid,
                    outcome.detail)
    _mark_done(connection, settings, uid)
    return 1


def _mark_done(connection: imaplib.IMAP4, settings: Settings, uid: bytes) -> None:
    number = uid.decode()
    if not settings.imap_done_folder:
        connection.uid("STORE", number, "+FLAGS", "(\\Flagged \\Seen)")
        return
    folder = _quoted(settings.imap_done_folder)
    capabilities = getattr(connection, "capabilities", ())
    if "MOVE" in capabilities:
        status, _ = connection.uid("MOVE", number, folder)
        if status == "OK":
            return
    status, _ = connection.uid("COPY", number, folder)
    if status == "OK":
        connection.uid("STORE", number, "+FLAGS", "(\\Deleted)")
    else:  # the folder may be missing: flag instead, so it is not fetched forever
        connection.uid("STORE", number, "+FLAGS", "(\\Flagged \\Seen)")
        log.warning("IMAP folder %r: COPY failed; message %s flagged", settings.imap_done_folder,
                    number)


def _wait(connection: imaplib.IMAP4, settings: Settings, stop: threading.Event) -> None:
    if "IDLE" not in getattr(connection, "capabilities", ()):
        stop.wait(settings.imap_poll_seconds)
        return
    idle(connection, min(IDLE_LIMIT, max(1, settings.imap_poll_seconds)))


def idle(connection: imaplib.IMAP4, seconds: float) -> bool:
    """Wait in IDLE (RFC 2177) until the server reports a change or `seconds` pass; True when
    something arrived. Python 3.11's imaplib has no IDLE: this speaks it on the socket."""
    tag = connection._new_tag()
    connection.send(tag + b" IDLE\r\n")
    if not connection.readline().startswith(b"+"):
        return False
    sock = connection.socket()
    sock.settimeout(seconds)
    changed = False
    try:
        line = connection.readline()
        changed = b"EXISTS" in line or b"RECENT" in line
    except TimeoutError:
        pass
    finally:
        sock.settimeout(60)
    connection.send(b"DONE\r\n")
    while not connection.readline().startswith(tag):
        pass
    return changed


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _logout(connection: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        connection.logout()
