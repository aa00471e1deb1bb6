"""The reminder policy as pure functions: the clock is always passed in.

- Business days: Monday to Friday, except Korean public holidays (`holidays.KR`, substitute
  holidays and election days included).
- Working hours: `start` to `end` (default 09:00–18:00) in the configured zone (Asia/Seoul).
  Nothing automatic is sent outside them; a slot that falls outside moves to the next
  business morning at `start` (due 2022-03-01, 삼일절 → 2022-03-02 09:00 KST).
- Schedule for an item due on day D: D-7, D-1 (`days_before`), the due day, then every
  `overdue_interval` days while overdue, at most `overdue_max` overdue notices. A reminder
  slot that, once moved to working time, lands on or after the next slot is dropped.
- After downtime only the latest missed slot is sent; earlier ones are skipped, not sent
  late. A missed D-n or due-day reminder is also skipped once the next business day's
  working hours have ended (it would be stale); an overdue notice is never stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import holidays

OccasionKind = Literal["before", "due", "overdue"]


@cache
def _korean_holidays() -> Any:
    return holidays.country_holidays("KR")


def is_business_day(day: date) -> bool:
    """Whether `day` is a Korean working day (not a weekend, not a public holiday)."""
    return day.weekday() < 5 and day not in _korean_holidays()


def next_business_day(day: date) -> date:
    """The first business day on or after `day`."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


class PolicySettings(Protocol):
    """The settings the reminder policy reads (tracker.config.Settings has them)."""

    @property
    def zone(self) -> ZoneInfo: ...
    @property
    def work_start_hour(self) -> int: ...
    @property
    def work_end_hour(self) -> int: ...
    @property
    def reminder_days(self) -> tuple[int, ...]: ...
    @property
    def overdue_interval_days(self) -> int: ...
    @property
    def overdue_notices_max(self) -> int: ...


@dataclass(frozen=True)
class ReminderPolicy:
    """When reminders go out (see the module docstring)."""

    zone: ZoneInfo = ZoneInfo("Asia/Seoul")
    start: time = time(9)
    end: time = time(18)
    days_before: tuple[int, ...] = (7, 1)
    overdue_interval: int = 7
    overdue_max: int = 4

    @classmethod
    def from_settings(cls, settings: PolicySettings) -> ReminderPolicy:
        """The policy configured by tracker.config.Settings."""
        end = time(23, 59, 59) if settings.work_end_hour >= 24 else time(settings.work_end_hour)
        return cls(zone=settings.zone, start=time(settings.work_start_hour),
                   end=end, days_before=settings.reminder_days, overdue_interval=settings.overdue_interval_days,
                   overdue_max=settings.overdue_notices_max)


def is_working_time(moment: datetime, policy: ReminderPolicy) -> bool:
    """Whether `moment` is inside working hours of a business day."""
    local = moment.astimezone(policy.zone)
    return is_business_day(local.date()) and policy.start <= local.time() < policy.end


def morning_of(day: date, policy: ReminderPolicy) -> datetime:
    """`start` o'clock on `day` in the policy's zone, as a UTC datetime."""
    return datetime.combine(day, policy.start, tzinfo=policy.zone).astimezone(UTC)


def next_allowed(moment: datetime, policy: ReminderPolicy) -> datetime:
    """The first moment at or after `moment` when automatic mail may go out (UTC)."""
    if is_working_time(moment, policy):
        return moment.astimezone(UTC)
    local = moment.astimezone(policy.zone)
    day = local.date() if local.time() < policy.start else local.date() + timedelta(days=1)
    return morning_of(next_business_day(day), policy)


@dataclass(frozen=True)
class Occasion:
    """One slot of an item's schedule: `label` is stable ("D-7", "D-day", "overdue-2")."""

    kind: OccasionKind
    label: str
    day: date  # the nominal day (before the move to working time)
    at: datetime  # when it may go out (UTC)


# Due dates the schedule's arithmetic (days before, overdue intervals, time zones) can hold.
_EARLIEST_DUE, _LATEST_DUE = date(1000, 1, 1), date(9000, 12, 31)


def occasions(due: date, policy: ReminderPolicy) -> list[Occasion]:
    """The schedule of an item due on `due`, in time order. A due date stored before entry
    was checked (0001-01-01, 9999-12-31) is taken as the nearest date the arithmetic holds."""
    due = min(max(due, _EARLIEST_DUE), _LATEST_DUE)
    nominal: list[tuple[OccasionKind, str, date]] = [
        ("before", f"D-{n}", due - timedelta(days=n)) for n in policy.days_before if n > 0
    ]
    nominal.append(("due", "D-day", due))
    nominal += [("overdue", f"overdue-{k}", due + timedelta(days=k * policy.overdue_interval))
                for k in range(1, policy.overdue_max + 1)]
    slots = [Occasion(kind, label, day, next_allowed(morning_of(day, policy), policy))
             for kind, label, day in nominal]
    return [s for s, after in zip(slots, [*slots[1:], None], strict=True)
            if after is None or s.at < after.at]


def first_reminder_at(due: date, now: datetime, policy: ReminderPolicy) -> datetime | None:
    """When an item requested at `now` is first looked at again: its first slot after `now`."""
    return next((o.at for o in occasions(due, policy) if o.at > now), None)


def is_stale(occasion: Occasion, now: datetime, policy: ReminderPolicy) -> bool:
    """Whether a missed reminder is too late to send: D-n and due-day slots expire at the end
    of the next business day's working hours; overdue notices never do."""
    if occasion.kind == "overdue":
        return False
    local_day = occasion.at.astimezone(policy.zone).date()
    following = next_business_day(local_day + timedelta(days=1))
    deadline = datetime.combine(following, policy.end, tzinfo=policy.zone)
    return now >= deadline


@dataclass(frozen=True)
class Plan:
    """What the sweep does for one item now: send one occasion (or none), skip some, and look
    again at `next_at` (None: the schedule is over)."""

    send: Occasion | None
    skipped: tuple[Occasion, ...]
    next_at: datetime | None


def plan(due: date, now: datetime, since: datetime, policy: ReminderPolicy) -> Plan:
    """The plan for an item due on `due` whose slots from `since` (its next_reminder_at) are
    open: of the slots in [since, now] only the latest is sent, unless stale."""
    schedule = occasions(due, policy)
    missed = [o for o in schedule if since <= o.at <= now]
    latest = missed[-1] if missed else None
    send = latest if latest is not None and not is_stale(latest, now, policy) else None
    skipped = tuple(o for o in missed if o is not send)
    next_at = next((o.at for o in schedule if o.at > now), None)
    return Plan(send, skipped, next_at)
