"""Local time of an organization: quiet hours, the day of the monthly reminders, periods.

Pure functions: the scheduler, the announcement flow and the tests share them."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

QUARTER_MONTHS = (3, 6, 9, 12)  # diagnostics close each quarter


def local(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(ZoneInfo(tz))


def is_quiet(hour: int, quiet_start: int, quiet_end: int) -> bool:
    """Quiet hours [start, end) in local hours; they may wrap midnight (21 → 9).
    Equal bounds mean no quiet hours at all."""
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= hour < quiet_end
    return hour >= quiet_start or hour < quiet_end


def next_allowed(instant: datetime, tz: str, quiet_start: int, quiet_end: int) -> datetime:
    """The first moment at or after `instant` outside quiet hours, in the zone `tz`."""
    moment = local(instant, tz)
    if not is_quiet(moment.hour, quiet_start, quiet_end):
        return moment
    day = moment.date() if moment.hour < quiet_end else moment.date() + timedelta(days=1)
    return datetime.combine(day, time(quiet_end), ZoneInfo(tz))


def reminder_date(year: int, month: int, day: int) -> date:
    """The organization's reminder day in a month; the 31st is the last day of a short one."""
    return date(year, month, min(max(day, 1), calendar.monthrange(year, month)[1]))


def month_key(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def quarter_key(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}W{week:02d}"


def month_start(day: date) -> date:
    return day.replace(day=1)


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def month_began(instant: datetime, tz: str) -> datetime:
    """The instant the current local month began in `tz`."""
    start = month_start(local(instant, tz).date())
    return datetime.combine(start, time(0), ZoneInfo(tz))
