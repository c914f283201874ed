"""A planned meeting as an iCalendar file (RFC 5545) a phone adds to its calendar.

The start carries the organization's zone (`DTSTART;TZID=Europe/Moscow:20261124T160000`)
with its VTIMEZONE, so every calendar shows the local time the pair agreed on, wherever
the phone is. The UID is stable per meeting: a file sent again updates the same event.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

MIME = "text/calendar"


def meeting_file(
    *,
    meeting_id: int,
    start: datetime,
    tz: str,
    minutes: int,
    summary: str,
    description: str,
    now: datetime,
    host: str = "mentorbot",
) -> bytes:
    local = start.astimezone(ZoneInfo(tz))
    event = icalendar.Event()
    event.add("uid", f"meeting-{meeting_id}@{host}")
    event.add("dtstamp", now)
    event.add("dtstart", local)
    event.add("dtend", local + timedelta(minutes=minutes))
    event.add("summary", summary)
    event.add("description", description)
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", timedelta(hours=-1))
    event.add_component(alarm)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//mentorbot//meetings//RU")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    add_zones = getattr(calendar, "add_missing_timezones", None)
    if add_zones is not None:  # icalendar 6+: VTIMEZONE for clients that do not know IANA
        add_zones()
    return bytes(calendar.to_ical())
