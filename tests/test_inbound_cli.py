"""`tracker inbound` on standard input and as an LMTP server: sysexits for the MTA, and the
address refused at RCPT time."""

from __future__ import annotations

import smtplib
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from db.models import InboundMessage
from tests.test_inbound_landing import SETTINGS, corpus, send_requests, stored
from tracker.cli import cli
from tracker.database import Database
from tracker.inbound.lmtp import controller

ENV = {"TRACKER_SECRET_KEY": SETTINGS.secret_key,
       "TRACKER_INBOUND_ADDRESS": SETTINGS.inbound_address,
       "TRACKER_MAIL_FROM": SETTINGS.mail_from}


@pytest.fixture
def requested(imported: Database) -> Database:
    from tests.sample_contacts import give_emails

    give_emails(imported)
    send_requests(imported, now=datetime.now(UTC))  # the command reads the real clock
    return imported


def inbound(database_url: str, raw: bytes, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--db", database_url, "inbound", *args], input=raw,
                              env=ENV if env is None else env)


def test_stdin_stores_and_applies_exit_0(requested: Database, database_url: str) -> None:
    result = inbound(database_url, corpus("outlook_ko", requested))
    assert result.exit_code == 0, result.output
    assert "applied" in result.output
    assert stored(requested)[0].state.value == "applied"


def test_stdin_forged_address_exit_67_nothing_stored(requested: Database,
                                                     database_url: str) -> None:
    result = inbound(database_url, corpus("forged_mac", requested))
    assert result.exit_code == 67
    assert stored(requested) == []


def test_stdin_envelope_recipient_not_ours_exit_67(requested: Database,
                                                   database_url: str) -> None:
    result = inbound(database_url, corpus("outlook_ko", requested), "--recipient",
                     "someone@tracker.example.org")
    assert result.exit_code == 67


def test_stdin_auto_reply_is_ignored_on_purpose_exit_0(requested: Database,
                                                       database_url: str) -> None:
    result = inbound(database_url, corpus("out_of_office", requested))
    assert result.exit_code == 0
    assert stored(requested)[0].reason == "auto_reply"


def test_stdin_without_settings_asks_the_mta_to_retry(requested: Database,
                                                      database_url: str) -> None:
    result = inbound(database_url, corpus("outlook_ko", requested), env={})
    assert result.exit_code == 75
    assert result.output.startswith("오류:") and "inbound_address" in result.output


def test_stdin_database_unreachable_exit_75(tmp_path: Path) -> None:
    result = inbound(f"sqlite:///{tmp_path}/missing/dir/x.db", b"Subject: x\r\n\r\nbody\r\n")
    assert result.exit_code == 75


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_lmtp_refuses_a_forged_address_at_rcpt_and_stores_a_good_one(
        requested: Database) -> None:
    port = _free_port()
    server = controller(requested, SETTINGS, "127.0.0.1", port)
    server.start()
    try:
        good = corpus("gmail_wrapped", requested)
        to = next(line for line in good.split(b"\r\n") if line.startswith(b"To:"))
        address = to.split(b"<")[-1].rstrip(b">").decode()
        with smtplib.LMTP("127.0.0.1", port) as client:
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("x@example.org", ["reply+mfrggzdfmztwq2lknnwg23tp@"
                                                  "tracker.example.org"], b"Subject: x\r\n\r\n")
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("x@example.org", ["nobody@tracker.example.org"], good)
            refused = client.sendmail("sun.hemi@example.org", [address], good)
        assert refused == {}
    finally:
        server.stop()
    with requested.transaction() as session:
        states = list(session.scalars(select(InboundMessage.state)))
    assert [s.value for s in states] == ["applied"]


def test_the_worker_reads_inbound_mail_only_when_it_is_on(imported: Database) -> None:
    from dataclasses import replace

    from apscheduler.schedulers.background import BackgroundScheduler

    from tracker.clock import utc_now
    from tracker.config import Settings
    from tracker.inbound.jobs import INBOUND_JOB, add_job

    off, on = BackgroundScheduler(), BackgroundScheduler()
    add_job(off, imported, Settings(), utc_now)
    add_job(on, imported, replace(SETTINGS, imap_host="127.0.0.1", imap_poll_seconds=45),
            utc_now)
    assert off.get_job(INBOUND_JOB) is None
    job = on.get_job(INBOUND_JOB)
    assert job is not None and job.trigger.interval.total_seconds() == 45
