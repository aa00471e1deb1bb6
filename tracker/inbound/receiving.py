"""The one code path every way of receiving takes (`tracker inbound` on standard input, the
IMAP poller, the LMTP server): check the address, store the message in its own transaction,
then decide where it lands in another. A failure after storing leaves the message RECEIVED,
and `land_pending` (run by the worker and the IMAP poller) tries it again; nothing is lost.

Outcomes map to the exit codes of sysexits.h that an MTA understands: 0 stored (or a
duplicate, or deliberately ignored), 67 (EX_NOUSER) unknown or forged address, 75
(EX_TEMPFAIL) the database could not be reached: the MTA keeps the message and retries.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from db.models import InboundMessage, InboundState
from tracker.config import Settings
from tracker.database import Database
from tracker.inbound import applying, mailbox, targets
from tracker.inbound.reading import ReadMessage, read_message

log = logging.getLogger(__name__)

EX_OK, EX_NOUSER, EX_TEMPFAIL = 0, 67, 75
ATTEMPTS = 3  # applying races a web reply for the same revision number: try again


class Result(enum.StrEnum):
    """What became of one delivery."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    UNKNOWN = "unknown"  # the address is not ours, or its KEY is forged: refused, not stored
    TEMPORARY = "temporary"  # try again later


@dataclass(frozen=True)
class Outcome:
    """One delivery's result, the stored message's id and state, and a line for the log."""

    result: Result
    message_id: int | None = None
    state: str | None = None
    detail: str = ""

    @property
    def exit_code(self) -> int:
        """The sysexits.h code for an MTA's pipe transport."""
        return {Result.UNKNOWN: EX_NOUSER, Result.TEMPORARY: EX_TEMPFAIL}.get(self.result, EX_OK)


def check_recipient(session: Session, settings: Settings, address: str) -> str | None:
    """Why mail to `address` is refused (a short English SMTP text), or None when it is the
    inbound address or one of its keyed forms naming an existing link."""
    state, _ = targets.address_state(settings, address)
    if state == "plain":
        return None
    if state == "keyed":
        target, forged = targets.by_addresses(session, settings, [address])
        return None if target is not None and not forged else "unknown reply address"
    return "forged reply address" if state == "forged" else "no such user here"


def receive(database: Database, settings: Settings, raw: bytes, now: datetime,
            recipients: Sequence[str] = ()) -> Outcome:
    """Receive one message delivered to the envelope `recipients` (empty when unknown: the
    headers are read instead): store it, then land it (tracker.inbound.applying)."""
    read = read_message(raw)
    try:
        with database.transaction() as session:
            refusal = _refusal(session, settings, recipients, read)
            if refusal is not None:
                return Outcome(Result.UNKNOWN, detail=refusal)
            row, created = mailbox.store(session, read, raw, _address(recipients, read), now)
            stored_id, state = row.id, row.state.value
    except (OperationalError, DBAPIError) as exc:
        log.warning("inbound message %s not stored: %s", read.message_id, exc)
        return Outcome(Result.TEMPORARY, detail=f"데이터베이스에 저장하지 못했습니다: {exc.orig}")
    if not created:
        return Outcome(Result.DUPLICATE, stored_id, state, "이미 받은 메일입니다.")
    return land_stored(database, settings, stored_id, now)


def land_stored(database: Database, settings: Settings, stored_id: int,
                now: datetime) -> Outcome:
    """Land the stored message `stored_id` if it is still RECEIVED; it stays RECEIVED (and is
    tried again later) when that fails."""
    for attempt in range(ATTEMPTS):
        try:
            with database.transaction() as session:
                row = session.get(InboundMessage, stored_id)
                if row is None:
                    return Outcome(Result.UNKNOWN, detail="없는 메일")
                if row.state == InboundState.RECEIVED:
                    applying.land(session, settings, row, now)
                return Outcome(Result.STORED, row.id, row.state.value, row.detail)
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                log.exception("inbound message %s stored, not applied", stored_id)
        except Exception:  # stored already: log it, keep it RECEIVED for land_pending
            log.exception("inbound message %s stored, not applied", stored_id)
            break
    return Outcome(Result.STORED, stored_id, InboundState.RECEIVED.value,
                   "저장했지만 아직 반영하지 못했습니다 (다시 시도합니다).")


def land_pending(database: Database, settings: Settings, now: datetime) -> int:
    """Land every stored message still RECEIVED; returns how many were looked at."""
    try:
        with database.reading() as session:
            ids = mailbox.pending(session)
    except (OperationalError, DBAPIError) as exc:
        log.warning("stored inbound messages not looked at: %s", exc)
        return 0
    for stored_id in ids:
        land_stored(database, settings, stored_id, now)
    return len(ids)


def _refusal(session: Session, settings: Settings, recipients: Sequence[str],
             read: ReadMessage) -> str | None:
    # Envelope recipients are checked one by one (as at LMTP's RCPT); without them, a message
    # whose only keyed addresses are forged is refused, anything else is stored.
    for address in recipients:
        refused = check_recipient(session, settings, address)
        if refused is not None:
            return f"{refused}: {address}"
    if recipients:
        return None
    target, forged = targets.by_addresses(session, settings, read.recipients)
    return "forged reply address" if forged and target is None else None


def _address(recipients: Sequence[str], read: ReadMessage) -> str:
    return recipients[0] if recipients else next(iter(read.recipients), "")
