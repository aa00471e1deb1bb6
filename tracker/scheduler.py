"""The background schedule (APScheduler 3.x), in the configured zone (Asia/Seoul):
the reminder sweep every 5 minutes, the outbox flush every 30 seconds, the chair's digest
on Mondays at 09:00.

Every job has a fixed id and is added with replace_existing, so a restart never doubles a
job; coalesce=True with max_instances=1 turns missed runs after downtime into one run.
Once-only work (the digest) is guarded in the database (JobRun), so several workers are safe.
Every sweep the scheduler completes is stamped, by a listener on the scheduler, in one JobRun
row ("sweep", "latest") updated in place (one row, whatever the number of sweeps):
`tracker status` and /healthz read its age. A sweep that raises is not stamped.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import SWEEP_RUN, JobRun
from notifications import sender
from notifications.policy import ReminderPolicy, is_working_time
from notifications.sender import Clock
from tracker import digest, reminders

if TYPE_CHECKING:
    from db.engine import Database
    from tracker.config import Settings as JobSettings

log = logging.getLogger(__name__)

SWEEP_MINUTES = 5
FLUSH_SECONDS = 30
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


JOB_IDS = ("reminder-sweep", "outbox-flush", "weekly-digest")


def add_jobs(scheduler: BaseScheduler, database: Database, settings: JobSettings,
             clock: Clock) -> None:
    """Add (or replace) the three jobs on `scheduler`, started or not."""
    zone = settings.zone
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


def make_scheduler(database: Database, settings: JobSettings, scheduler: BaseScheduler | None = None,
                   *, clock: Clock) -> BaseScheduler:
    """A scheduler (blocking unless one is given) with the jobs added, not started; each
    sweep it completes is stamped for the health check."""
    scheduler = scheduler or BlockingScheduler(timezone=settings.zone,
                                               job_defaults=JOB_DEFAULTS)
    add_jobs(scheduler, database, settings, clock)
    scheduler.add_listener(lambda event: on_executed(event, database, clock),
                           EVENT_JOB_EXECUTED)
    return scheduler


def on_executed(event: JobExecutionEvent, database: Database, clock: Clock) -> None:
    """The scheduler's listener: stamp the time of a completed reminder sweep."""
    if event.job_id == "reminder-sweep":
        with database.transaction() as session:
            stamp_sweep(session, clock())


def run_sweep(database: Database, settings: JobSettings, clock: Clock) -> None:
    """One reminder sweep, logged; in working time it also sends a digest missed while the
    workers were down (the cron job only fires at Monday 09:00)."""
    now = clock()
    report = reminders.sweep(database, settings, now)
    policy = ReminderPolicy.from_settings(settings)
    if is_working_time(now, policy) and digest.is_due_this_week(now, settings.timezone):
        with database.transaction() as session:
            digest.run_digest(session, settings, now)  # once per week, whoever asks
    if report.items or report.errors:
        log.info("sweep: %s", report, extra={"event": "sweep.done", "items": report.items,
                                             "enqueued": report.enqueued,
                                             "errors": report.errors})


def stamp_sweep(session: Session, now: datetime) -> None:
    """Record that a sweep ran at `now`: one row, inserted once and then updated in place."""
    job, occasion = SWEEP_RUN
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = module.insert(JobRun).values(job=job, occasion=occasion, started_at=now)
    session.execute(statement.on_conflict_do_update(index_elements=["job", "occasion"],
                                                    set_={"started_at": now}))


def run_flush(database: Database, settings: JobSettings, clock: Clock) -> None:
    """Send what is due in the outbox, logged."""
    report = sender.flush(database, settings, clock=clock)
    if report.attempted:
        log.info("flush: %s", report)


def run_digest(database: Database, settings: JobSettings, clock: Clock) -> None:
    """This week's digest, unless another worker already sent it."""
    with database.transaction() as session:
        done = digest.run_digest(session, settings, clock())
    log.info("digest: %s", "enqueued" if done else "already done this week")
