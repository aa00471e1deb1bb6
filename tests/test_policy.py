"""The reminder policy, pure and fast: business days, working hours, schedule, staleness."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from notifications.policy import (
    ReminderPolicy,
    first_reminder_at,
    is_business_day,
    is_working_time,
    next_allowed,
    occasions,
    plan,
)
from tracker.config import Settings

KST = ZoneInfo("Asia/Seoul")
POLICY = ReminderPolicy()


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)  # type: ignore[misc]


def test_holidays_and_substitute_holidays_are_not_business_days() -> None:
    assert not is_business_day(date(2022, 3, 1))  # 삼일절
    assert not is_business_day(date(2022, 3, 9))  # 대통령 선거일
    assert not is_business_day(date(2022, 10, 10))  # 한글날 대체공휴일
    assert not is_business_day(date(2022, 3, 5))  # Saturday
    assert is_business_day(date(2022, 3, 2))


def test_a_holiday_moves_to_the_next_business_morning() -> None:
    assert next_allowed(kst(2022, 3, 1, 9), POLICY) == kst(2022, 3, 2, 9)
    assert next_allowed(kst(2022, 3, 4, 18, 0), POLICY) == kst(2022, 3, 7, 9)  # Fri evening
    assert next_allowed(kst(2022, 3, 2, 8, 59), POLICY) == kst(2022, 3, 2, 9)
    assert next_allowed(kst(2022, 3, 2, 17, 59), POLICY) == kst(2022, 3, 2, 17, 59)
    assert next_allowed(kst(2022, 3, 8, 19), POLICY) == kst(2022, 3, 10, 9)  # election day next


def test_working_hours() -> None:
    assert is_working_time(kst(2022, 3, 2, 9), POLICY)
    assert not is_working_time(kst(2022, 3, 2, 18), POLICY)
    assert not is_working_time(datetime(2022, 3, 1, 23, 59, tzinfo=UTC), POLICY)  # 08:59 KST


def test_schedule_d7_d1_due_then_weekly_four_times() -> None:
    slots = occasions(date(2022, 2, 23), POLICY)
    assert [(o.label, o.at) for o in slots] == [
        ("D-7", kst(2022, 2, 16, 9)), ("D-1", kst(2022, 2, 22, 9)),
        ("D-day", kst(2022, 2, 23, 9)), ("overdue-1", kst(2022, 3, 2, 9)),
        ("overdue-2", kst(2022, 3, 10, 9)),  # 3/9 is election day
        ("overdue-3", kst(2022, 3, 16, 9)), ("overdue-4", kst(2022, 3, 23, 9)),
    ]


def test_due_on_samiljeol_is_reminded_on_march_2() -> None:
    slots = {o.label: o.at for o in occasions(date(2022, 3, 1), POLICY)}
    assert slots["D-day"] == kst(2022, 3, 2, 9)
    assert slots["D-1"] == kst(2022, 2, 28, 9)


def test_a_slot_that_moves_onto_the_next_is_dropped() -> None:
    # due Monday 2022-02-28: D-1 is Sunday and would move onto the due-day morning
    labels = [o.label for o in occasions(date(2022, 2, 28), POLICY)]
    assert labels[:2] == ["D-7", "D-day"]


def test_first_reminder_after_the_request() -> None:
    assert first_reminder_at(date(2022, 2, 23), kst(2022, 1, 20, 10), POLICY) == kst(2022, 2, 16, 9)
    assert first_reminder_at(date(2022, 2, 23), kst(2022, 2, 20, 10), POLICY) == kst(2022, 2, 22, 9)
    assert first_reminder_at(date(2022, 1, 1), kst(2022, 3, 1, 10), POLICY) is None


def test_after_downtime_only_the_latest_slot_is_sent() -> None:
    step = plan(date(2022, 2, 23), kst(2022, 2, 23, 10), kst(2022, 2, 16, 9), POLICY)
    assert step.send is not None and step.send.label == "D-day"
    assert [o.label for o in step.skipped] == ["D-7", "D-1"]
    assert step.next_at == kst(2022, 3, 2, 9)


def test_a_stale_reminder_is_skipped_not_sent_late() -> None:
    # down from before D-1 until three business days after the due day
    step = plan(date(2022, 2, 23), kst(2022, 2, 28, 10), kst(2022, 2, 22, 9), POLICY)
    assert step.send is None
    assert [o.label for o in step.skipped] == ["D-1", "D-day"]
    # the next business day is still fine
    assert plan(date(2022, 2, 23), kst(2022, 2, 24, 17), kst(2022, 2, 23, 9), POLICY).send


def test_overdue_notices_stop_after_four() -> None:
    step = plan(date(2022, 2, 23), kst(2022, 3, 23, 10), kst(2022, 3, 23, 9), POLICY)
    assert step.send is not None and step.send.label == "overdue-4"
    assert step.next_at is None


def test_policy_from_settings() -> None:
    policy = ReminderPolicy.from_settings(Settings(reminder_days_before="1, 3", work_start_hour=8,
                                                   overdue_notices_max=2))
    assert policy.days_before == (3, 1) and policy.start.hour == 8 and policy.overdue_max == 2
