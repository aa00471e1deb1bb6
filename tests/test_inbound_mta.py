"""Real mail servers in front of `tracker inbound`: Postfix delivering through its `pipe`
transport (the command runs as nobody, with sysexits deciding bounce or retry), and Dovecot
serving the IMAP mailbox `--imap` reads, IDLE included. Both are private instances on
loopback (tests/mail_servers.py)."""

from __future__ import annotations

import imaplib
import shutil
import smtplib
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from db.engine import make_engine, make_session_factory
from tests import mail_servers
from tests.sample_contacts import give_emails
from tests.test_inbound_landing import SETTINGS, corpus, send_requests, stored
from tracker.config import Settings
from tracker.database import Database, open_database
from tracker.importer import import_file
from tracker.inbound import imap

SAMPLE = Path(__file__).parent / "data" / "2022-01-15-jobs-subcommittee-minutes.txt"
needs_postfix = pytest.mark.skipif(not Path(mail_servers.POSTFIX).exists(),
                                   reason="Postfix is not installed (apt-get install postfix)")
needs_dovecot = pytest.mark.skipif(not Path(mail_servers.DOVECOT).exists(),
                                   reason="Dovecot is not installed (apt-get install dovecot-imapd)")


def now() -> datetime:
    return datetime.now(UTC)  # the delivered command reads the real clock


@pytest.fixture
def shared_db() -> Iterator[tuple[str, Database]]:
    """A SQLite database the pipe's user (nobody) can write: its own world-writable directory.
    (The storing path itself is tested on PostgreSQL too, in test_inbound_landing.)"""
    directory = Path(tempfile.mkdtemp(prefix="tracker-inbound-db-"))
    directory.chmod(0o777)
    url = f"sqlite:///{directory / 'tracker.db'}"
    database = open_database(url)
    with database.transaction() as session:
        import_file(session, SAMPLE)
    give_emails(database)
    send_requests(database, now=now())
    for path in directory.iterdir():
        path.chmod(0o666)
    yield url, database
    database.engine.dispose()
    shutil.rmtree(directory, ignore_errors=True)


def wait_for(check, seconds: float = 60.0):  # type: ignore[no-untyped-def]
    """Poll `check` until it returns something true (a real server delivers when it does)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    return check()


@needs_postfix
def test_postfix_pipe_delivers_to_tracker_inbound(shared_db: tuple[str, Database]) -> None:
    url, database = shared_db
    command = mail_servers.python_for_nobody()
    assert command is not None, "no Python that the pipe's user can run with this checkout"
    environment = {"TRACKER_SECRET_KEY": SETTINGS.secret_key,
                   "TRACKER_INBOUND_ADDRESS": SETTINGS.inbound_address,
                   "TRACKER_MAIL_FROM": SETTINGS.mail_from}
    good = corpus("outlook_ko", database)
    address = next(line for line in good.split(b"\r\n") if line.startswith(b"To:"))
    recipient = address.split(b"<")[-1].rstrip(b">").decode()
    with mail_servers.postfix("tracker.example.org", [*command, "--db", url, "inbound"],
                              environment) as server:
        with smtplib.SMTP("127.0.0.1", server.port) as client:
            client.sendmail("sun.hemi@example.org", [recipient], good)
            client.sendmail("sun.hemi@example.org",
                            ["reply+mfrggzdfmztwq2lknnwg23tp@tracker.example.org"],
                            corpus("forged_mac", database))
        assert wait_for(lambda: stored(database)), server.log()
        assert wait_for(lambda: "status=sent" in server.log() and
                        "status=bounced" in server.log(), 30), server.log()
        log = server.log()
    [message] = stored(database)
    assert message.state.value == "applied", message.detail
    assert "status=sent" in log and "status=bounced" in log  # 0 delivered, 67 bounced


@pytest.fixture
def imap_server() -> Iterator[mail_servers.Dovecot]:
    with mail_servers.dovecot() as server:
        yield server


def imap_settings(server: mail_servers.Dovecot, **changes: object) -> Settings:
    return replace(SETTINGS, imap_host="127.0.0.1", imap_port=server.port, imap_tls=False,
                   imap_user=server.user, imap_password=server.password, imap_poll_seconds=1,
                   **changes)  # type: ignore[arg-type]


def flags(server: mail_servers.Dovecot, folder: str = "INBOX") -> list[bytes]:
    """The FLAGS of every message in `folder`, one entry per message."""
    connection = imaplib.IMAP4("127.0.0.1", server.port)
    connection.login(server.user, server.password)
    _, count = connection.select(folder)
    data: list[object] = []
    if count and count[0] not in (b"0", None):
        _, data = connection.fetch("1:*", "(FLAGS)")
    connection.logout()
    return [d for d in data if isinstance(d, bytes)]


def create_folder(server: mail_servers.Dovecot, folder: str) -> None:
    connection = imaplib.IMAP4("127.0.0.1", server.port)
    connection.login(server.user, server.password)
    connection.create(folder)
    connection.logout()


@needs_dovecot
def test_imap_stores_then_flags_and_a_second_poll_finds_nothing_new(
        sent_for_imap: Database, imap_server: mail_servers.Dovecot) -> None:
    imap_server.deliver(corpus("gmail_wrapped", sent_for_imap))
    imap_server.deliver(corpus("out_of_office", sent_for_imap))
    settings = imap_settings(imap_server)
    assert wait_for(lambda: imap.poll_once(sent_for_imap, settings, now) == 2 or None, 10)
    assert [m.state.value for m in stored(sent_for_imap)] == ["applied", "ignored"]
    assert all(b"\\Flagged" in f and b"\\Seen" in f for f in flags(imap_server))
    assert imap.poll_once(sent_for_imap, settings, now) == 0


@needs_dovecot
def test_imap_moves_stored_messages_to_the_done_folder(
        sent_for_imap: Database, imap_server: mail_servers.Dovecot) -> None:
    create_folder(imap_server, "Done")
    imap_server.deliver(corpus("outlook_ko", sent_for_imap))
    settings = imap_settings(imap_server, imap_done_folder="Done")
    assert wait_for(lambda: imap.poll_once(sent_for_imap, settings, now) == 1 or None, 10)
    assert flags(imap_server) == []
    assert len(flags(imap_server, "Done")) == 1
    assert stored(sent_for_imap)[0].state.value == "applied"


@needs_dovecot
def test_a_message_not_stored_stays_unflagged_for_the_next_poll(
        sent_for_imap: Database, imap_server: mail_servers.Dovecot) -> None:
    imap_server.deliver(corpus("gmail_wrapped", sent_for_imap))
    settings = imap_settings(imap_server)
    engine = make_engine("sqlite:////nonexistent-directory/tracker.db")
    unreachable = Database(engine, make_session_factory(engine))
    assert wait_for(lambda: imap._unhandled(imap.connect(settings), settings), 10)
    assert imap.poll_once(unreachable, settings, now) == 0
    assert stored(sent_for_imap) == []
    assert not any(b"\\Flagged" in f for f in flags(imap_server))
    assert imap.poll_once(sent_for_imap, settings, now) == 1


@needs_dovecot
def test_idle_wakes_when_mail_arrives(sent_for_imap: Database,
                                      imap_server: mail_servers.Dovecot) -> None:
    settings = imap_settings(imap_server)
    stop = threading.Event()
    worker = threading.Thread(target=imap.run, args=(sent_for_imap, settings, now, stop))
    worker.start()
    try:
        time.sleep(0.5)
        imap_server.deliver(corpus("gmail_wrapped", sent_for_imap))
        assert wait_for(lambda: stored(sent_for_imap), 30)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert stored(sent_for_imap)[0].state.value == "applied"


@pytest.fixture
def sent_for_imap(imported: Database) -> Database:
    give_emails(imported)
    send_requests(imported, now=now())
    return imported
