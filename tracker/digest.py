"""The chair's weekly digest of overdue items, once per ISO week however many workers fire it.

The JobRun row ("digest", "2022-W09") is inserted with ON CONFLICT DO NOTHING in the same
transaction as the e-mail: the worker whose insert wins sends, the others do nothing. The
week is counted in the configured zone, so a daylight-saving change does not make a second
occasion.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import Contact, Department, Item, ItemStatus, JobRun
from notifications import emails, outbox
from notifications.compose import Mailbox
from tracker import letters, queries

if TYPE_CHECKING:
    from tracker.config import Settings

log = logging.getLogger(__name__)

JOB = "digest"
ANSWERED = (ItemStatus.ANSWERED, ItemStatus.ACCEPTED)


def occasion_of(now: datetime, zone: str) -> str:
    """The ISO week of `now` in `zone`, e.g. "2022-W09"."""
    year, week, _ = now.astimezone(ZoneInfo(zone)).isocalendar()
    return f"{year}-W{week:02d}"


def claim_occasion(session: Session, job: str, occasion: str, now: datetime) -> bool:
    """Record that `job` runs for `occasion`; False when it already ran (or is running)."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (module.insert(JobRun).values(job=job, occasion=occasion, started_at=now)
                 .on_conflict_do_nothing(index_elements=["job", "occasion"])
                 .returning(JobRun.id))
    return session.execute(statement).scalar_one_or_none() is not None


def run_digest(session: Session, settings: Settings, now: datetime) -> bool:
    """Enqueue this week's digest to the chair unless this week's was already sent; returns
    whether this call did it. A week without a chair address is still marked done; with an
    unusable `chair_email` the week's digest is set aside with the Korean reason (a FAILED
    outbox row naming the setting) and the week is marked done too."""
    occasion = occasion_of(now, settings.timezone)
    if not claim_occasion(session, JOB, occasion, now):
        return False
    as_of = now.astimezone(ZoneInfo(settings.timezone)).date()
    departments = digest_departments(session, as_of)
    row_id = None
    key = f"digest:{occasion}"
    if settings.chair_email and letters.set_aside_if_unusable(
            session, kind="digest", dedup_key=key, name="분과장", address=settings.chair_email,
            now=now, remedy="설정 chair_email을 고쳐 주세요. 다음 주 요약부터 보냅니다."):
        log.error("digest %s set aside: chair_email is unusable", occasion,
                  extra={"event": "digest.set_aside", "occasion": occasion})
    elif settings.chair_email:
        rendered = emails.render_digest(as_of.isoformat(), departments,
                                        letters.secretariat(settings))
        message = emails.Outgoing(kind="digest", dedup_key=key,
                                  to=Mailbox("분과장", settings.chair_email), rendered=rendered,
                                  reply_to=settings.secretariat_email)
        queued = emails.prepare(message, emails.sender_mailbox(settings.mail_from), now)
        row_id = outbox.enqueue_many(session, [queued], now,
                                     letters.outbox_lifetime(settings)).get(message.dedup_key)
    total = sum(len(d.lines) for d in departments)
    log.info("digest %s: outbox %s, %s overdue items", occasion, row_id, total,
             extra={"event": "digest.enqueued", "occasion": occasion, "outbox_id": row_id})
    return True


def is_due_this_week(now: datetime, zone: str) -> bool:
    """True once this ISO week's Monday 09:00 (in `zone`) has passed: from then on a digest
    that did not go out (the workers were down on Monday morning) should go out now."""
    local = now.astimezone(ZoneInfo(zone))
    monday = local.date() - timedelta(days=local.weekday())
    return local >= datetime.combine(monday, time(9), tzinfo=local.tzinfo)


def digest_departments(session: Session, as_of: date) -> list[emails.DigestDepartment]:
    """The digest's content: overdue items per department (most overdue department first),
    with each department's response rate (answered or accepted among its requested
    reply-needed items)."""
    by_department: dict[str, list[queries.ItemView]] = defaultdict(list)
    for view in queries.overdue(session, as_of):
        by_department[view.department or "(부서 미지정)"].append(view)
    rates = response_rates(session)
    return [emails.DigestDepartment(name=name, lines=tuple(_line(v) for v in views),
                                    response_rate=rates.get(name, "-"))
            for name, views in by_department.items()]


def _line(view: queries.ItemView) -> emails.DigestLine:
    return emails.DigestLine(committee=view.committee, program=view.program or "-",
                             program_name=view.program_name or "", contact=view.contact or "-",
                             due=view.due, days_overdue=view.days_overdue)


def response_rates(session: Session) -> dict[str, str]:
    """Department name → "answered/requested (percent)" over reply-needed, requested items."""
    rows = session.execute(
        select(Department.name, Item.status, func.count())
        .join(Contact, Contact.id == Item.contact_id).join(Department)
        .where(Item.needs_reply.is_(True), Item.status != ItemStatus.NEW)
        .group_by(Department.name, Item.status)).all()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, status, n in rows:
        counts[name][1] += n
        counts[name][0] += n if status in ANSWERED else 0
    return {name: f"{a}/{t} ({round(100 * a / t)}%)" for name, (a, t) in counts.items() if t}
