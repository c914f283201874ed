"""The pair's work as pure rules: the meeting sequence, dates and lengths, plan progress."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain import meetings as m

TODAY = date(2026, 11, 20)


def test_the_sequence_offers_the_next_stage_first() -> None:
    assert m.choices([]) == [m.INTRO, m.TRIAL, m.PLANNING, m.REGULAR]
    assert m.choices([m.INTRO]) == [m.TRIAL, m.PLANNING, m.REGULAR, m.FINAL]
    assert m.choices([m.INTRO, m.TRIAL])[0] == m.PLANNING
    after_planning = m.choices([m.INTRO, m.TRIAL, m.PLANNING])
    assert after_planning == [m.REGULAR, m.FINAL]
    assert m.choices([m.INTRO, m.TRIAL, m.PLANNING, m.REGULAR, m.REGULAR]) == [m.REGULAR, m.FINAL]
    assert m.choices([m.INTRO, m.FINAL]) == []


@pytest.mark.parametrize(
    ("kind", "held", "error"),
    [
        (m.INTRO, [], None),
        (m.INTRO, [m.INTRO], "already_held"),
        (m.TRIAL, [m.INTRO, m.PLANNING], "stage_passed"),
        (m.REGULAR, [m.INTRO, m.TRIAL, m.PLANNING, m.REGULAR], None),
        (m.REGULAR, [m.INTRO, m.FINAL], "after_final"),
        (m.FINAL, [], "final_first"),
        (m.FINAL, [m.INTRO, m.TRIAL, m.PLANNING, m.REGULAR], None),
        (m.TRIAL, [], None),  # the introduction was the candidates' meeting
        ("party", [], "unknown_kind"),
    ],
)
def test_which_kind_may_follow(kind: str, held: list[str], error: str | None) -> None:
    assert m.kind_error(kind, held) == error


def test_expected_kind() -> None:
    assert m.expected([]) == m.INTRO
    assert m.expected([m.TRIAL]) == m.PLANNING
    assert m.expected([m.INTRO, m.TRIAL, m.PLANNING, m.REGULAR]) == m.REGULAR
    assert m.expected([m.FINAL]) is None


@pytest.mark.parametrize(
    ("text", "past", "day"),
    [
        ("12.11", True, date(2026, 11, 12)),
        ("12.11.2026", True, date(2026, 11, 12)),
        ("12/11/26", True, date(2026, 11, 12)),
        ("28.12", True, date(2025, 12, 28)),  # a held meeting: last December
        ("28.12", False, date(2026, 12, 28)),
        ("05.01", False, date(2027, 1, 5)),  # a planned one: next January
        ("31.02", True, None),
        ("завтра", True, None),
    ],
)
def test_days_as_people_type_them(text: str, past: bool, day: date | None) -> None:
    assert m.parse_day(text, TODAY, past) == day


def test_held_meeting_dates() -> None:
    start = date(2026, 11, 2)
    assert m.held_date_error(TODAY, TODAY, start) is None
    assert m.held_date_error(start, TODAY, start) is None
    assert m.held_date_error(TODAY + timedelta(days=1), TODAY, start) == "date_future"
    assert m.held_date_error(start - timedelta(days=1), TODAY, start) == "date_before_start"


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("50", 50), ("1:30", 90), ("1.30", 90), ("2 ч", 120), ("1,5 ч", 90), ("45 мин", 45)],
)
def test_durations_as_people_type_them(text: str, minutes: int) -> None:
    assert m.parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "час", "1:75", "много", "-5"])
def test_unreadable_durations(text: str) -> None:
    assert m.parse_minutes(text) is None


def test_duration_limits() -> None:
    assert m.duration_error(0) == "duration_zero"
    assert m.duration_error(1) is None
    assert m.duration_error(480) is None
    assert m.duration_error(481) == "duration_long"


def test_times() -> None:
    assert m.parse_time("16:00") == time(16, 0)
    assert m.parse_time("9.30") == time(9, 30)
    assert m.parse_time("24:00") is None
    assert m.parse_time("16") is None


def test_planned_meetings() -> None:
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    end = date(2027, 2, 2)
    assert m.planned_error(now + timedelta(hours=1), now, end, TODAY) is None
    assert m.planned_error(now, now, end, TODAY) == "plan_past"
    assert m.planned_error(now + timedelta(days=90), now, end, date(2027, 2, 18)) == (
        "plan_after_end"
    )
    assert m.planned_error(now + timedelta(days=400), now, None, TODAY) == "plan_too_far"


def test_plan_item_due_dates() -> None:
    end = date(2027, 2, 2)
    assert m.due_error(TODAY, TODAY, end) is None
    assert m.due_error(TODAY - timedelta(days=1), TODAY, end) == "due_past"
    assert m.due_error(end + timedelta(days=1), TODAY, end) == "due_after_end"


@pytest.mark.parametrize(
    ("done", "total", "percent"),
    [(0, 3, 0), (1, 3, 33), (2, 3, 67), (3, 3, 100), (1, 8, 13), (0, 0, None), (5, 3, 100)],
)
def test_plan_progress(done: int, total: int, percent: int | None) -> None:
    assert m.progress(done, total) == percent


def test_suggested_completion_mark() -> None:
    assert m.suggested_mark(None) == m.NOT
    assert m.suggested_mark(0) == m.NOT
    assert m.suggested_mark(67) == m.PARTLY
    assert m.suggested_mark(90) == m.FULLY
