"""The health of a running tracker, as one pure-ish service: `system_status(session, now)`.

It reads three things and judges them: whether the database answers (and which kind it
is), when the scheduler's reminder sweep last ran (the JobRun row every sweep stamps, see
tracker.scheduler), and the outbox backlog. Used by `tracker status` and /healthz;
no web or CLI code here, no secrets in what it returns.

Overall: "fail" when the database does not answer or the last sweep is older than
SWEEP_FAIL_AFTER (no worker or scheduler is running); "warn" when no sweep has been
recorded yet, when messages failed in the last FAILED_WINDOW, when a sender's lease expired
(it died; the rows will be claimed again) or when the oldest pending message waited longer
than PENDING_WARN_AFTER (the mail server is refusing or unreachable); otherwise "ok".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from db.models import SWEEP_RUN, JobRun, OutboxMessage, OutboxState
from tracker.clock import as_utc

Level = Literal["ok", "warn", "fail"]
SWEEP_FAIL_AFTER = timedelta(minutes=15)
FAILED_WINDOW = timedelta(days=7)
PENDING_WARN_AFTER = timedelta(hours=1)
EXIT_CODES: dict[str, int] = {"ok": 0, "warn": 0, "fail": 3}  # `tracker status`


@dataclass(frozen=True)
class Backlog:
    """The outbox at a glance."""

    pending: int = 0
    expired_leases: int = 0  # SENDING rows whose sender's lease has passed
    failed_recently: int = 0  # FAILED rows whose last attempt was within FAILED_WINDOW
    oldest_pending_seconds: int | None = None


@dataclass(frozen=True)
class Status:
    """What system_status found; `overall` is the worst level, `reasons` say why."""

    checked_at: datetime
    database_kind: str
    database_reachable: bool
    last_sweep_at: datetime | None = None
    sweep_age_seconds: int | None = None
    backlog: Backlog = field(default_factory=Backlog)
    overall: Level = "ok"
    reasons: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        """`tracker status`'s exit code: 0 ok or warn, 3 fail."""
        return EXIT_CODES[self.overall]

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times as ISO 8601 strings)."""
        data = asdict(self)
        data["checked_at"] = self.checked_at.isoformat()
        data["last_sweep_at"] = self.last_sweep_at.isoformat() if self.last_sweep_at else None
        data["reasons"] = list(self.reasons)
        return data


def system_status(session: Session, now: datetime) -> Status:
    """The tracker's health at `now` (UTC), read through `session`; never raises for an
    unreachable database, which is reported as "fail"."""
    kind = session.get_bind().dialect.name
    try:
        last_sweep = _last_sweep(session)
        backlog = _backlog(session, now)
    except SQLAlchemyError as exc:
        return unreachable(kind, now, type(exc).__name__)
    age = None if last_sweep is None else max(0, int((now - last_sweep).total_seconds()))
    overall, reasons = judge(age, backlog)
    return Status(checked_at=now, database_kind=kind, database_reachable=True,
                  last_sweep_at=last_sweep, sweep_age_seconds=age, backlog=backlog,
                  overall=overall, reasons=tuple(reasons))


def unreachable(kind: str, now: datetime, why: str) -> Status:
    """The status when the database cannot be reached (`why`: a short error name, no URL)."""
    return Status(checked_at=now, database_kind=kind, database_reachable=False,
                  overall="fail",
                  reasons=(f"데이터베이스에 연결할 수 없거나 읽을 수 없습니다 ({why})",))


def judge(sweep_age: int | None, backlog: Backlog) -> tuple[Level, list[str]]:
    """The overall level and its reasons, from the sweep's age (seconds) and the backlog."""
    fails: list[str] = []
    warns: list[str] = []
    if sweep_age is None:
        warns.append("독촉 점검(sweep)이 아직 한 번도 기록되지 않았습니다: 작업자가 돌고 있나요?")
    elif sweep_age > SWEEP_FAIL_AFTER.total_seconds():
        fails.append(f"마지막 독촉 점검이 {sweep_age // 60}분 전입니다 "
                     f"({int(SWEEP_FAIL_AFTER.total_seconds()) // 60}분 초과)")
    if backlog.failed_recently:
        warns.append(f"최근 7일 동안 보내지 못한 메일 {backlog.failed_recently}통")
    if backlog.expired_leases:
        warns.append(f"작업자가 잡은 채 기한이 지난 메일 {backlog.expired_leases}통")
    oldest = backlog.oldest_pending_seconds
    if oldest is not None and oldest > PENDING_WARN_AFTER.total_seconds():
        warns.append(f"가장 오래 기다린 메일이 {oldest // 60}분째 대기 중입니다")
    level: Level = "fail" if fails else "warn" if warns else "ok"
    return level, fails + warns


def _last_sweep(session: Session) -> datetime | None:
    job, occasion = SWEEP_RUN
    started = session.scalar(select(JobRun.started_at).where(
        JobRun.job == job, JobRun.occasion == occasion))
    return None if started is None else as_utc(started)


def _backlog(session: Session, now: datetime) -> Backlog:
    state = OutboxMessage.state
    pending = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at))
        .where(state == OutboxState.PENDING)).one()  # ix_outbox_state_next_attempt
    expired = session.scalar(select(func.count()).where(
        state == OutboxState.SENDING, OutboxMessage.lease_until < now))
    # There is no failed_at column: a FAILED row's next_attempt_at is when its last attempt was due.
    failed = session.scalar(select(func.count()).where(
        state == OutboxState.FAILED, OutboxMessage.next_attempt_at >= now - FAILED_WINDOW))
    oldest = None if pending[1] is None else max(
        0, int((now - as_utc(pending[1])).total_seconds()))
    return Backlog(pending=int(pending[0]), expired_leases=int(expired or 0),
                   failed_recently=int(failed or 0), oldest_pending_seconds=oldest)
