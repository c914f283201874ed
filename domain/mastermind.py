"""Mastermind rules without I/O: the turn plan of a session and the regular schedule.

A session has three rounds (seed 000 appendix 4): 1 — each participant in turn states a
request; 2 — for each request, the others in turn offer views, experience and ideas;
3 — each says which ideas they take and what they will do next.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Turn = tuple[int, int, int | None]  # round, speaker, whose request (round 2)
WEEKDAYS_RU = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
WEEKDAYS_EN = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RU_FULL = ("пон", "вто", "сре", "чет", "пят", "суб", "вос")


def order_of(members: Sequence[int], shuffle: bool, seed: int) -> list[int]:
    """Speaking order: by joining (the queue) or shuffled, reproducibly per session."""
    order = list(members)
    if shuffle:
        random.Random(seed).shuffle(order)
    return order


def round_one(order: Sequence[int]) -> list[Turn]:
    return [(1, person, None) for person in order]


def later_rounds(order: Sequence[int], with_requests: Sequence[int]) -> list[Turn]:
    """Round 2 for each stated request: the others in order, starting after its owner (so
    the first word rotates); round 3 for everyone who took part in round 1 or 2."""
    turns: list[Turn] = []
    for owner in with_requests:
        start = order.index(owner)
        others = [order[(start + k) % len(order)] for k in range(1, len(order))]
        turns += [(2, giver, owner) for giver in others]
    turns += [(3, person, None) for person in order]
    return turns


def next_slot(
    after: datetime, tz: str, weekday: int, minute: int, every_weeks: int, anchor: date
) -> datetime:
    """The first slot at or after `after`: on `weekday` at `minute` local time, in weeks
    `every_weeks` apart counted from the week of `anchor`."""
    zone = ZoneInfo(tz)
    day = after.astimezone(zone).date()
    anchor_monday = anchor - timedelta(days=anchor.weekday())
    for offset in range(0, 7 * every_weeks + 8):
        candidate = day + timedelta(days=offset)
        if candidate.weekday() != weekday:
            continue
        weeks = (candidate - anchor_monday).days // 7
        if weeks < 0 or weeks % every_weeks:
            continue
        at = datetime.combine(candidate, time(minute // 60, minute % 60), zone).astimezone(UTC)
        if at >= after:
            return at
    raise AssertionError("no slot within the period")  # unreachable for every_weeks >= 1


def parse_schedule(text: str) -> tuple[int, int, int] | None:
    """`чт 16:00 2` (weekday, time, every N weeks; N defaults to 2) → (weekday, minute, N)."""
    parts = text.lower().split()
    if len(parts) not in (2, 3):
        return None
    names = {n: i for days in (WEEKDAYS_RU, WEEKDAYS_EN, _RU_FULL) for i, n in enumerate(days)}
    word = parts[0].rstrip(".")
    weekday = names.get(word[:3], names.get(word[:2]))  # «чт», «четверг», «thu», «thursday»
    hours, _, minutes = parts[1].partition(":")
    if weekday is None or not hours.isdigit() or not (minutes or "0").isdigit():
        return None
    every = parts[2] if len(parts) == 3 else "2"
    if not every.isdigit() or not 1 <= int(every) <= 4:
        return None
    hour, minute = int(hours), int(minutes or 0)
    if hour > 23 or minute > 59:
        return None
    return weekday, hour * 60 + minute, int(every)
