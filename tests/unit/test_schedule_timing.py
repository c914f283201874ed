"""Local time of an organization: quiet hours and the periods that key reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from scheduler import timing


@pytest.mark.parametrize(
    ("hour", "quiet"), [(20, False), (21, True), (23, True), (0, True), (8, True), (9, False)]
)
def test_quiet_hours_wrap_midnight(hour: int, quiet: bool) -> None:
    assert timing.is_quiet(hour, 21, 9) is quiet


def test_quiet_hours_within_a_day_and_none_at_all() -> None:
    assert timing.is_quiet(13, 13, 15) and not timing.is_quiet(15, 13, 15)
    assert not any(timing.is_quiet(hour, 9, 9) for hour in range(24))


def test_next_allowed_moment_is_the_local_morning() -> None:
    late = datetime(2026, 11, 25, 19, 30, tzinfo=UTC)  # 22:30 in Moscow
    assert timing.next_allowed(late, "Europe/Moscow", 21, 9).isoformat() == (
        "2026-11-26T09:00:00+03:00"
    )
    night = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)  # 03:30 in Moscow
    assert timing.next_allowed(night, "Europe/Moscow", 21, 9).isoformat() == (
        "2026-11-25T09:00:00+03:00"
    )
    day = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert timing.next_allowed(day, "Europe/Moscow", 21, 9) == day


def test_period_keys() -> None:
    assert timing.month_key(date(2026, 3, 5)) == "2026-03"
    assert timing.quarter_key(date(2026, 3, 31)) == "2026Q1"
    assert timing.quarter_key(date(2026, 10, 1)) == "2026Q4"
    assert timing.week_key(date(2027, 1, 1)) == "2026W53"  # ISO weeks cross the new year
    assert timing.quarter_start(date(2026, 11, 24)) == date(2026, 10, 1)
