"""The inbound mail job of `tracker worker` and `tracker serve`'s scheduler: read the IMAP
mailbox when `imap_host` is set (every `imap_poll_seconds`), else try again, every five
minutes, the stored replies whose applying failed. Added only when replies by e-mail are on.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler

from tracker.clock import Clock
from tracker.config import Settings
from tracker.database import Database
from tracker.inbound import targets

log = logging.getLogger(__name__)

INBOUND_JOB = "inbound-mail"
INBOUND_SECONDS = 300
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


def add_job(scheduler: BaseScheduler, database: Database, settings: Settings,
            clock: Clock) -> None:
    """Add (or replace) the inbound mail job when replies by e-mail are on."""
    if scheduler.get_job(INBOUND_JOB) is not None:
        scheduler.remove_job(INBOUND_JOB)
    if not targets.enabled(settings):
        return
    seconds = settings.imap_poll_seconds if settings.imap_host else INBOUND_SECONDS
    scheduler.add_job(run, "interval", seconds=seconds, id=INBOUND_JOB,
                      args=[database, settings, clock], replace_existing=True, **JOB_DEFAULTS)


def run(database: Database, settings: Settings, clock: Clock) -> None:
    """Read the IMAP mailbox when one is set, and land stored replies not yet applied."""
    from tracker.inbound import imap, receiving

    if settings.imap_host:
        handled = imap.poll_once(database, settings, clock)
        if handled:
            log.info("inbound: %s messages read from IMAP", handled)
    else:
        receiving.land_pending(database, settings, clock())
