"""Rules of a pair's work (stage 6): the sequence of meetings, what a logged or planned
meeting may say about its date and length, and the progress of the individual plan.

introduction → trial working meeting → planning → regular meetings → final. The next
expected kind is offered first; a pair that really skipped a stage may go on (its intro
was the candidates' meeting), but never back to a stage it passed, never a one-off stage
twice, and nothing after the final meeting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

INTRO, TRIAL, PLANNING, REGULAR, FINAL = "intro", "trial", "planning", "regular", "final"
KINDS = (INTRO, TRIAL, PLANNING, REGULAR, FINAL)
ONE_OFF = frozenset({INTRO, TRIAL, PLANNING, FINAL})
FORMATS = ("in_person", "online")

MAX_MINUTES = 8 * 60  # a meeting of more than eight hours is a typo, not a meeting
DURATION_CHOICES = (30, 45, 60, 90, 120)
TIME_CHOICES = ("15:00", "16:00", "17:00", "18:00")
PLANNED_MINUTES = 60  # how long a planned meeting takes in the calendar file
MAX_PLAN_AHEAD_DAYS = 366

FULLY, PARTLY, NOT = "fully", "partly", "not"
MARKS = (FULLY, PARTLY, NOT)
FULLY_AT = 90  # seed 002: individual plans fulfilled to at least 90%

_DAY = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4}))?\s*$")
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def _rank(kind: str) -> int:
    return KINDS.index(kind)


def expected(held: Iterable[str]) -> str | None:
    """The kind the pair should have next; None after the final meeting."""
    kinds = set(held)
    if FINAL in kinds:
        return None
    if not kinds:
        return INTRO
    latest = max(_rank(k) for k in kinds)
    return KINDS[min(latest + 1, _rank(REGULAR))]


def kind_error(kind: str, held: Iterable[str]) -> str | None:
    """None when a meeting of `kind` may follow the `held` ones, else the reason's key."""
    kinds = list(held)
    if kind not in KINDS:
        return "unknown_kind"
    if FINAL in kinds:
        return "after_final"
    if kind in ONE_OFF and kind in kinds:
        return "already_held"
    if kinds and _rank(kind) < max(_rank(k) for k in kinds):
        return "stage_passed"
    if kind == FINAL and not kinds:
        return "final_first"
    return None


def choices(held: Iterable[str]) -> list[str]:
    """Kinds that may come next, the expected one first."""
    kinds = list(held)
    allowed = [k for k in KINDS if kind_error(k, kinds) is None]
    first = expected(kinds)
    return sorted(allowed, key=lambda k: (k != first, _rank(k)))


def parse_day(text: str, today: date, past: bool) -> date | None:
    """`12.11`, `12.11.2026`, `12/11/26`. Without a year: the nearest such day on the
    side the question is about (a meeting held: not after today; planned: not before)."""
    match = _DAY.match(text)
    if match is None:
        return None
    day, month, year = int(match[1]), int(match[2]), match[3]
    try:
        if year is not None:
            full = int(year) + (2000 if len(year) == 2 else 0)
            return date(full, month, day)
        found = date(today.year, month, day)
    except ValueError:
        return None
    if past and found > today:
        return _same_day(found, today.year - 1)
    if not past and found < today:
        return _same_day(found, today.year + 1)
    return found


def _same_day(day: date, year: int) -> date | None:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return None


def parse_time(text: str) -> time | None:
    match = _TIME.match(text)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_minutes(text: str) -> int | None:
    """`50` (minutes), `1:30` or `1.30` (hours and minutes), `1,5 ч` / `2 ч` (hours)."""
    raw = text.strip().lower().replace(" ", "")
    for suffix in ("минут", "мин", "min", "m"):
        if raw.endswith(suffix):
            raw = raw[: -len(suffix)]
            return int(raw) if raw.isdigit() else None
    for suffix in ("часа", "часов", "час", "ч", "h"):
        if raw.endswith(suffix):
            number = raw[: -len(suffix)].replace(",", ".")
            try:
                return round(float(number) * 60)
            except ValueError:
                return None
    match = _TIME.match(raw)
    if match is not None:
        return int(match[1]) * 60 + int(match[2]) if int(match[2]) < 60 else None
    return int(raw) if raw.isdigit() else None


def duration_error(minutes: int) -> str | None:
    if minutes <= 0:
        return "duration_zero"
    if minutes > MAX_MINUTES:
        return "duration_long"
    return None


def held_date_error(day: date, today: date, pair_start: date | None) -> str | None:
    """A meeting that took place: not in the future, not before the pair began."""
    if day > today:
        return "date_future"
    if pair_start is not None and day < pair_start:
        return "date_before_start"
    return None


def planned_error(
    at: datetime, now: datetime, pair_end: date | None, local_day: date
) -> str | None:
    """A planned meeting: later than now, within the pair's term and a year."""
    if at <= now:
        return "plan_past"
    if pair_end is not None and local_day > pair_end:
        return "plan_after_end"
    if at - now > timedelta(days=MAX_PLAN_AHEAD_DAYS):
        return "plan_too_far"
    return None


def due_error(due: date, today: date, pair_end: date | None) -> str | None:
    """A plan item's due date: not already past, not after the pair's term."""
    if due < today:
        return "due_past"
    if pair_end is not None and due > pair_end:
        return "due_after_end"
    return None


def progress(done: int, total: int) -> int | None:
    """Per cent of the plan done, rounded half up; None for an empty plan."""
    if total <= 0:
        return None
    return (200 * min(done, total) + total) // (2 * total)


def suggested_mark(percent: int | None) -> str:
    """What the plan's progress suggests for the completion mark; the curator decides."""
    if percent is None or percent == 0:
        return NOT
    return FULLY if percent >= FULLY_AT else PARTLY
