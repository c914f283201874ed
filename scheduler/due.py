"""What is due at instant T: pure rules over a snapshot of the database.

Every due thing is an `Item` addressed to one person, with a key that names the reason,
its subject, its period and the person (`meet:7:2026-11:12`: pair 7's mentor, person 12,
November 2026). An item stays due for as long as its reason holds, so a reminder that fell
due while the bot was down is still due when it is back; the tick writes the key to the
ledger together with the message, so it is told once (scheduler/tick.py).

Nothing here reads a clock or a database: the tests give a snapshot and an instant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from scheduler.snapshot import ActivePair, Item, Kind, Snapshot
from scheduler.timing import (
    QUARTER_MONTHS,
    is_quiet,
    local,
    month_key,
    month_start,
    quarter_key,
    reminder_date,
    week_key,
)

APPROVAL_DAYS = 30  # a mentor is approved within 30 calendar days of the mentee's admission
WAITING_ALERTS = (20, 27, APPROVAL_DAYS)  # then daily
TERM_ALERTS = (14, 3)  # days before a pair's term ends
STALLED_AFTER = timedelta(days=3)  # an unfinished questionnaire gets one gentle reminder
IDLE_DAYS = 45  # a pair without a meeting this long is the curator's concern
ANNOUNCEMENT_DAYS = 7  # an announcement not delivered within a week is dropped
PLANNED_AHEAD = timedelta(days=2)  # planned meetings read: the reminder comes the day before


class _Today:
    """Local dates and hours per organization at one instant, computed once."""

    def __init__(self, snapshot: Snapshot, now: datetime) -> None:
        self.now = now
        self._local = {org.id: local(now, org.tz) for org in snapshot.orgs.values()}
        self._orgs = snapshot.orgs

    def date(self, org_id: int) -> date:
        return self._local[org_id].date()

    def date_of(self, instant: datetime, org_id: int) -> date:
        return local(instant, self._orgs[org_id].tz).date()

    def quiet(self, org_id: int) -> bool:
        org = self._orgs[org_id]
        return is_quiet(self._local[org_id].hour, org.quiet_start, org.quiet_end)

    def past_reminder_day(self, org_id: int) -> bool:
        today = self.date(org_id)
        return today >= reminder_date(today.year, today.month, self._orgs[org_id].reminder_day)


Rule = Callable[[Snapshot, _Today], Iterator[Item]]


def _item(kind: Kind, subject: object, period: object, person: int, org: int, **data: Any) -> Item:
    return Item(kind, f"{kind}:{subject}:{period}:{person}", person, org, data)


def _started(pair: ActivePair, today: date) -> bool:
    return pair.starts_on is None or pair.starts_on <= today


def monthly(s: Snapshot, when: _Today) -> Iterator[Item]:
    """From the reminder day on: the mentor of a pair with no meeting held this month is
    asked to log one; every mentee of an active pair gets the monthly pulse."""
    for pair in s.pairs:
        today = when.date(pair.org_id)
        if not when.past_reminder_day(pair.org_id) or not _started(pair, today):
            continue
        month = month_key(today)
        held = pair.last_held_at and when.date_of(pair.last_held_at, pair.org_id) >= month_start(
            today
        )
        if pair.mentor_id and not held:
            yield _item(
                Kind.MEETLOG,
                pair.id,
                month,
                pair.mentor_id,
                pair.org_id,
                pair=pair.id,
                mentees=pair.mentee_ids,
                month=today,
            )
        for mentee in pair.mentee_ids:
            yield _item(Kind.PULSE, pair.org_id, month, mentee, pair.org_id, month=today)


def quarterly(s: Snapshot, when: _Today) -> Iterator[Item]:
    """From the reminder day of a quarter's last month: diagnostics for both sides of
    every active pair."""
    for pair in s.pairs:
        today = when.date(pair.org_id)
        if today.month not in QUARTER_MONTHS or not when.past_reminder_day(pair.org_id):
            continue
        if not _started(pair, today):
            continue
        for person in pair.people:
            yield _item(Kind.DIAGNOSTICS, pair.org_id, quarter_key(today), person, pair.org_id)


def waiting_alert(days: int) -> int | None:
    """Which alert a mentee waiting `days` days is at: 20, 27, 30, then every day. A bot
    down across an alert's day gives that alert once when back, not every missed one."""
    if days >= APPROVAL_DAYS:
        return days
    passed = [mark for mark in WAITING_ALERTS if mark <= days]
    return passed[-1] if passed else None


def waiting(s: Snapshot, when: _Today) -> Iterator[Item]:
    for mentee in s.waiting:
        admitted = when.date_of(mentee.admitted_at, mentee.org_id)
        days = (when.date(mentee.org_id) - admitted).days
        mark = waiting_alert(days)
        if mark is None:
            continue
        deadline = admitted + timedelta(days=APPROVAL_DAYS)
        for curator in s.curators.get(mentee.org_id, ()):
            yield _item(
                Kind.WAITING,
                mentee.participation_id,
                mark,
                curator.person_id,
                mentee.org_id,
                mentee=mentee.person_id,
                days=days,
                deadline=deadline,
            )


def term_alert(days_left: int) -> int | None:
    """14 days before the end, then 3: the nearest mark reached, once each."""
    if days_left < 0:
        return None
    reached = [mark for mark in TERM_ALERTS if days_left <= mark]
    return reached[-1] if reached else None


def terms(s: Snapshot, when: _Today) -> Iterator[Item]:
    """A term ending in 14 and in 3 days: both sides and the curators. The end date is
    in the key, so an extended term is announced again before its new end."""
    for pair in s.pairs:
        if pair.ends_on is None:
            continue
        left = (pair.ends_on - when.date(pair.org_id)).days
        mark = term_alert(left)
        if mark is None:
            continue
        period = f"{pair.ends_on.isoformat()}:{mark}"
        common = {"pair": pair.id, "ends_on": pair.ends_on, "left": left}
        for person in pair.people:
            yield _item(Kind.TERM, pair.id, period, person, pair.org_id, **common)
        for curator in s.curators.get(pair.org_id, ()):
            yield _item(
                Kind.TERM,
                pair.id,
                period,
                curator.person_id,
                pair.org_id,
                **common,
                mentor=pair.mentor_id,
                mentees=pair.mentee_ids,
                curator=True,
            )


def plans(s: Snapshot, when: _Today) -> Iterator[Item]:
    """A plan item due tomorrow, and once more when it is overdue: to the pair."""
    by_id = {pair.id: pair for pair in s.pairs}
    for entry in s.plan_items:
        pair = by_id.get(entry.pair_id)
        if pair is None:
            continue
        today = when.date(pair.org_id)
        if entry.due_on == today + timedelta(days=1):
            stage = "soon"
        elif entry.due_on < today:
            stage = "late"
        else:
            continue
        period = f"{entry.due_on.isoformat()}:{stage}"
        for person in pair.people:
            yield _item(
                Kind.PLAN,
                entry.id,
                period,
                person,
                pair.org_id,
                text=entry.text,
                due_on=entry.due_on,
                stage=stage,
            )


def stalled(s: Snapshot, when: _Today) -> Iterator[Item]:
    """A questionnaire left unfinished for 3 days: one gentle reminder (then the curator
    sees it in the digest)."""
    for response in s.responses:
        if response.org_id not in s.orgs or when.now - response.updated_at < STALLED_AFTER:
            continue
        yield _item(
            Kind.STALLED,
            response.id,
            "once",
            response.person_id,
            response.org_id,
            form=response.form,
        )


def idle(s: Snapshot, when: _Today) -> Iterator[Item]:
    """A pair with no meeting for 45 days: the curators, once per quiet stretch (a new
    meeting starts a new stretch)."""
    for pair in s.pairs:
        today = when.date(pair.org_id)
        if pair.last_held_at is not None:
            since = when.date_of(pair.last_held_at, pair.org_id)
        else:
            since = pair.starts_on or when.date_of(pair.activated_at, pair.org_id)
        days = (today - since).days
        if days < IDLE_DAYS:
            continue
        for curator in s.curators.get(pair.org_id, ()):
            yield _item(
                Kind.IDLE,
                pair.id,
                since.isoformat(),
                curator.person_id,
                pair.org_id,
                pair=pair.id,
                since=since,
                days=days,
                mentor=pair.mentor_id,
                mentees=pair.mentee_ids,
            )


def digests(s: Snapshot, when: _Today) -> Iterator[Item]:
    """The curator's weekly digest, due from Monday on; a curator who joined this week
    gets the first one next Monday."""
    for org_id, curators in s.curators.items():
        if org_id not in s.orgs:
            continue
        today = when.date(org_id)
        monday = today - timedelta(days=today.weekday())
        for curator in curators:
            if when.date_of(curator.joined_at, org_id) < monday:
                yield _item(Kind.DIGEST, org_id, week_key(today), curator.person_id, org_id)


def planned(s: Snapshot, when: _Today) -> Iterator[Item]:
    """A planned meeting: both sides, from the day before (local) until it starts. Not
    when it was planned on that day or later: the calendar file has just come. The time is
    in the key, so a meeting moved to another time is reminded of again."""
    by_id = {pair.id: pair for pair in s.pairs}
    for meeting in s.planned:
        pair = by_id.get(meeting.pair_id)
        if pair is None or meeting.at <= when.now:
            continue
        day = when.date_of(meeting.at, pair.org_id)
        eve = day - timedelta(days=1)
        if when.date(pair.org_id) < eve or when.date_of(meeting.planned_at, pair.org_id) >= eve:
            continue
        for person in pair.people:
            yield _item(
                Kind.MEETING,
                meeting.id,
                meeting.at.strftime("%Y%m%dT%H%M"),
                person,
                pair.org_id,
                pair=pair.id,
                meeting_kind=meeting.kind,
                local=local(meeting.at, s.orgs[pair.org_id].tz),
                today=day == when.date(pair.org_id),
                mentor=pair.mentor_id,
                mentees=pair.mentee_ids,
            )


def announcements(s: Snapshot, when: _Today) -> Iterator[Item]:
    for broadcast in s.broadcasts:
        if when.now - broadcast.created_at > timedelta(days=ANNOUNCEMENT_DAYS):
            continue
        for person in broadcast.recipients:
            yield _item(
                Kind.ANNOUNCEMENT,
                broadcast.id,
                "once",
                person,
                broadcast.org_id,
                announcement=broadcast.id,
            )


REMINDERS: tuple[Rule, ...] = (
    monthly,
    quarterly,
    waiting,
    terms,
    plans,
    stalled,
    idle,
    digests,
    planned,
)
ANNOUNCEMENTS: tuple[Rule, ...] = (announcements,)
UNMUTED = frozenset({Kind.ANNOUNCEMENT})  # a person's message, not a reminder: muting keeps it


def due(snapshot: Snapshot, now: datetime, rules: Sequence[Rule] = REMINDERS) -> list[Item]:
    """Everything due at `now` that may be sent now: outside the organization's quiet
    hours, and not to a person who muted reminders. One item per key."""
    when = _Today(snapshot, now)
    found: dict[str, Item] = {}
    for rule in rules:
        for item in rule(snapshot, when):
            if item.org_id not in snapshot.orgs or when.quiet(item.org_id):
                continue
            if item.person_id in snapshot.muted and item.kind not in UNMUTED:
                continue
            found.setdefault(item.key, item)
    return list(found.values())
