"""Rules of a pair's life (seed 000, step 5): the 30-day approval window, the term of one
month to one year, the reasons a term is extended or ended early, and which change is
allowed from which status."""

from __future__ import annotations

import calendar
from datetime import date

APPROVAL_WINDOW_DAYS = 30  # a mentor is approved within 30 calendar days of admission
MIN_TERM_MONTHS = 1
MAX_TERM_MONTHS = 12
TERM_CHOICES = (3, 6, 9, 12)  # months offered as buttons; any date in range may be typed
MAX_EXTENSION_MONTHS = 12  # an extension moves the end at most a year past the current one

EXTENSION_REASONS = ("illness", "business_trip", "other_absence")
EARLY_END_REASONS = ("obligations", "mentee_request", "mentor_request", "other")

PROPOSED, AGREED, ACTIVE = "proposed", "agreed", "active"
FINISHED, ENDED_EARLY, DECLINED, CANCELLED = "finished", "ended_early", "declined", "cancelled"
OPEN = (PROPOSED, AGREED)  # the mentee is spoken for: not offered to other mentors
CURRENT = (PROPOSED, AGREED, ACTIVE)
CLOSED = (FINISHED, ENDED_EARLY, DECLINED, CANCELLED)
# A mentee in one of these is not searched a mentor for: spoken for, or done with the
# program. After an early end the search goes on (seed 000: the mentee keeps being matched).
NOT_SEARCHING = (*CURRENT, FINISHED)

# What each curator action may start from; anything else is refused as already done.
ALLOWED_FROM = {
    "agree": (PROPOSED,),
    "decline": (PROPOSED,),
    "approve": (AGREED,),
    "cancel": (PROPOSED, AGREED),
    "extend": (ACTIVE,),
    "finish": (ACTIVE,),
    "end_early": (ACTIVE,),
}


def may(action: str, status: str) -> bool:
    return status in ALLOWED_FROM[action]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_error(starts_on: date, ends_on: date) -> str | None:
    """None when the term is allowed, else the reason's key: a term lasts from one month
    to one year."""
    if ends_on < add_months(starts_on, MIN_TERM_MONTHS):
        return "term_too_short"
    if ends_on > add_months(starts_on, MAX_TERM_MONTHS):
        return "term_too_long"
    return None


def extension_error(current_end: date, new_end: date) -> str | None:
    if new_end <= current_end:
        return "extension_not_later"
    if new_end > add_months(current_end, MAX_EXTENSION_MONTHS):
        return "extension_too_long"
    return None


def approval_days_left(admitted_on: date, today: date) -> int:
    """Days until the 30-day window closes; 0 on its last day, negative when overdue."""
    return APPROVAL_WINDOW_DAYS - (today - admitted_on).days


def days_waiting(admitted_on: date, today: date) -> int:
    return (today - admitted_on).days
