"""The alert to the secretariat about an e-mail that could not be delivered.

`failure_notifier` is what outbox.mark_failed calls inside its transaction; it knows mail
only (the failed row), never items.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from db.models import OutboxMessage
from notifications import emails, outbox
from notifications.addresses import address_problem
from notifications.compose import Mailbox

log = logging.getLogger(__name__)


class AlertSettings(Protocol):
    """The settings an alert reads (tracker.config.Settings has them)."""

    @property
    def secretariat_email(self) -> str: ...
    @property
    def mail_from(self) -> str: ...
    @property
    def outbox_lifetime_days(self) -> int: ...


def failure_notifier(settings: AlertSettings) -> outbox.FailureNotifier:
    """The function outbox.mark_failed calls: enqueue an alert about the failed row to the
    secretariat (never about a failed alert, and not when no secretariat address is set)."""

    def notify(session: Session, row: OutboxMessage, now: datetime) -> None:
        if row.kind == "failure" or not settings.secretariat_email:
            log.error("no failure alert for outbox %s (kind %s)", row.id, row.kind)
            return
        problem = address_problem(settings.secretariat_email.strip())
        if problem:  # a bad setting must not stop the sender that records this failure
            log.error("no failure alert for outbox %s: secretariat_email %r is unusable (%s)",
                      row.id, settings.secretariat_email, problem)
            return
        rendered = emails.render_failure(settings.secretariat_email, row.subject, row.recipient,
                                         row.attempts, row.last_error or "", row.id)
        message = emails.Outgoing(kind="failure", dedup_key=f"failure:{row.id}:{row.attempts}",
                                  to=Mailbox("사무국", settings.secretariat_email),
                                  rendered=rendered, reply_to=settings.secretariat_email)
        queued = emails.prepare(message, emails.sender_mailbox(settings.mail_from), now)
        outbox.enqueue_many(session, [queued], now,
                            timedelta(days=settings.outbox_lifetime_days))

    return notify
