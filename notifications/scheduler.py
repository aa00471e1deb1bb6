"""The background schedule (APScheduler 3.x), in the configured zone (Asia/Seoul):
the reminder sweep every 5 minutes, the outbox flush every 30 seconds, the chair's digest
on Mondays at 09:00.

Every job has a fixed id and is added with replace_existing, so a restart never doubles a
job; coalesce=True with max_instances=1 turns missed runs after downtime into one run.
Once-only work (the digest) is guarded in the database (JobRun), so several workers are safe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from notifications import digest, reminders, sender

log = logging.getLogger(__name__)

SWEEP_MINUTES = 5
FLUSH_SECONDS = 30
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
Clock = Callable[[], datetime]
JOB_IDS = ("reminder-sweep", "outbox-flush", "weekly-digest")


def add_jobs(scheduler: BaseScheduler, database: Any, settings: Any,
             clock: Clock = sender.utc_clock) -> None:
    """Add (or replace) the three jobs on `scheduler`, started or not."""
    zone = ZoneInfo(settings.timezone)
    for job in scheduler.get_jobs():
        # replace_existing only acts once the scheduler runs; jobs added before are pending.
        if job.id in JOB_IDS:
            scheduler.remove_job(job.id)
    scheduler.add_job(run_sweep, "interval", minutes=SWEEP_MINUTES, id="reminder-sweep",
                      args=[database, settings, clock], replace_existing=True, **JOB_DEFAULTS)
    scheduler.add_job(run_flush, "interval", seconds=FLUSH_SECONDS, id="outbox-flush",
                      args=[database, settings, clock], replace_existing=True, **JOB_DEFAULTS)
    scheduler.add_job(run_digest, "cron", day_of_week="mon", hour=9, timezone=zone,
                      id="weekly-digest", args=[database, settings, clock],
                      replace_existing=True, **JOB_DEFAULTS)


def make_scheduler(database: Any, settings: Any, scheduler: BaseScheduler | None = None,
                   clock: Clock = sender.utc_clock) -> BaseScheduler:
    """A scheduler (blocking unless one is given) with the jobs added, not started."""
    scheduler = scheduler or BlockingScheduler(timezone=ZoneInfo(settings.timezone),
                                               job_defaults=JOB_DEFAULTS)
    add_jobs(scheduler, database, settings, clock)
    return scheduler


def run_sweep(database: Any, settings: Any, clock: Clock) -> None:
    """One reminder sweep, logged."""
    report = reminders.sweep(database, settings, clock())
    if report.items or report.errors:
        log.info("sweep: %s", report)


def run_flush(database: Any, settings: Any, clock: Clock) -> None:
    """Send what is due in the outbox, logged."""
    report = sender.flush(database, settings, clock=clock)
    if report.attempted:
        log.info("flush: %s", report)


def run_digest(database: Any, settings: Any, clock: Clock) -> None:
    """This week's digest, unless another worker already sent it."""
    with database.transaction() as session:
        done = digest.run_digest(session, settings, clock())
    log.info("digest: %s", "enqueued" if done else "already done this week")
