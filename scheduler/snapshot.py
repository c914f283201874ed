"""The snapshot of the database a tick works from, and what it finds due: plain data,
so the rules in scheduler/due.py are tested without a database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    MEETLOG = "meet"
    PULSE = "pulse"
    DIAGNOSTICS = "diag"
    WAITING = "wait"
    TERM = "term"
    PLAN = "plan"
    STALLED = "form"
    IDLE = "idle"
    DIGEST = "digest"
    ANNOUNCEMENT = "ann"
    MEETING = "mtg"  # a planned meeting, the day before (handlers/meeting_plan.py)


@dataclass(frozen=True, slots=True)
class Org:
    id: int
    tz: str
    reminder_day: int = 25
    quiet_start: int = 21
    quiet_end: int = 9


@dataclass(frozen=True, slots=True)
class ActivePair:
    id: int
    org_id: int
    mentor_id: int | None
    mentee_ids: tuple[int, ...]
    activated_at: datetime  # approved, or created when that is unknown
    starts_on: date | None = None
    ends_on: date | None = None
    last_held_at: datetime | None = None  # the newest meeting with status 'held'

    @property
    def people(self) -> tuple[int, ...]:
        return ((self.mentor_id,) if self.mentor_id else ()) + self.mentee_ids


@dataclass(frozen=True, slots=True)
class WaitingMentee:
    """An admitted mentee with no agreed or active pair."""

    participation_id: int
    person_id: int
    org_id: int
    admitted_at: datetime


@dataclass(frozen=True, slots=True)
class OpenPlanItem:
    id: int
    pair_id: int
    text: str
    due_on: date


@dataclass(frozen=True, slots=True)
class PlannedMeeting:
    id: int
    pair_id: int
    kind: str
    at: datetime
    planned_at: datetime


@dataclass(frozen=True, slots=True)
class OpenResponse:
    """A questionnaire response still in progress."""

    id: int
    person_id: int
    org_id: int | None
    form: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Curator:
    person_id: int
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    org_id: int
    created_at: datetime
    recipients: tuple[int, ...]


@dataclass(slots=True)
class Snapshot:
    orgs: dict[int, Org]
    pairs: Sequence[ActivePair] = ()
    waiting: Sequence[WaitingMentee] = ()
    plan_items: Sequence[OpenPlanItem] = ()
    responses: Sequence[OpenResponse] = ()
    curators: dict[int, tuple[Curator, ...]] = field(default_factory=dict)
    muted: frozenset[int] = frozenset()
    broadcasts: Sequence[Broadcast] = ()
    planned: Sequence[PlannedMeeting] = ()


@dataclass(frozen=True, slots=True)
class Item:
    kind: Kind
    key: str
    person_id: int
    org_id: int
    data: dict[str, Any] = field(default_factory=dict, compare=False)
