"""A pair's meetings (planned and held), who came and confirmed, the individual plan, and
the pair's monitoring questionnaires."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Meeting, MeetingAttendance, Pair, PlanItem, Response

PLANNED, HELD, CANCELLED = "planned", "held", "cancelled"
ENTRY, EXIT, SATISFACTION = "monitoring_entry", "monitoring_exit", "final_satisfaction"
PAIR_FORMS = (ENTRY, EXIT, SATISFACTION)


async def of_pair(
    session: AsyncSession, pair_id: int, statuses: Sequence[str] = (HELD,)
) -> list[Meeting]:
    query = (
        select(Meeting)
        .where(Meeting.pair_id == pair_id, Meeting.status.in_(statuses))
        .order_by(Meeting.at, Meeting.id)
    )
    return list((await session.scalars(query)).all())


async def held_kinds(session: AsyncSession, pair_id: int) -> list[str]:
    return [m.kind for m in await of_pair(session, pair_id)]


async def planned_after(session: AsyncSession, pair_id: int, now: datetime) -> list[Meeting]:
    query = (
        select(Meeting)
        .where(Meeting.pair_id == pair_id, Meeting.status == PLANNED, Meeting.at > now)
        .order_by(Meeting.at, Meeting.id)
    )
    return list((await session.scalars(query)).all())


async def planned_between(
    session: AsyncSession, pair_id: int, kind: str, start: datetime, end: datetime
) -> Meeting | None:
    """A planned meeting of `kind` in [start, end): logging it turns it into a held one."""
    query = (
        select(Meeting)
        .where(
            Meeting.pair_id == pair_id,
            Meeting.kind == kind,
            Meeting.status == PLANNED,
            Meeting.at >= start,
            Meeting.at < end,
        )
        .order_by(Meeting.at)
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def record_held(
    session: AsyncSession,
    *,
    pair_id: int,
    kind: str,
    day_start: datetime,
    minutes: int,
    fmt: str,
    logger: int,
    came: Sequence[int],
    absent: Sequence[int],
    now: datetime,
) -> Meeting:
    """A meeting that took place on the local day beginning at `day_start`. A meeting of
    that kind planned for that day becomes it (keeping its planned time, not later than
    now); who came and who did not are rows of `meeting_attendance`, a mentee who logged
    it counting as confirmed."""
    meeting = await planned_between(
        session, pair_id, kind, day_start, day_start + timedelta(days=1)
    )
    if meeting is None:
        # Known by its date only: the local day's start, never in the future.
        meeting = Meeting(pair_id=pair_id, kind=kind, at=day_start, created_at=now)
        session.add(meeting)
    else:
        meeting.at = min(meeting.at, now)
    meeting.status, meeting.duration_minutes, meeting.format = HELD, minutes, fmt
    meeting.logged_by = logger
    await session.flush()
    for mentee in came:
        mine = mentee == logger
        session.add(
            MeetingAttendance(
                meeting_id=meeting.id,
                mentee_person_id=mentee,
                present=True,
                confirmed=True if mine else None,
                answered_at=now if mine else None,
            )
        )
    for mentee in absent:
        session.add(
            MeetingAttendance(meeting_id=meeting.id, mentee_person_id=mentee, present=False)
        )
    return meeting


async def attendance(session: AsyncSession, meeting_id: int) -> list[MeetingAttendance]:
    query = (
        select(MeetingAttendance)
        .where(MeetingAttendance.meeting_id == meeting_id)
        .order_by(MeetingAttendance.mentee_person_id)
    )
    return list((await session.scalars(query)).all())


async def attendance_of(
    session: AsyncSession, meeting_id: int, person_id: int
) -> MeetingAttendance | None:
    return await session.get(MeetingAttendance, (meeting_id, person_id))


async def plan_items(session: AsyncSession, pair_id: int) -> list[PlanItem]:
    query = select(PlanItem).where(PlanItem.pair_id == pair_id).order_by(PlanItem.id)
    return list((await session.scalars(query)).all())


async def pair_responses(
    session: AsyncSession, pair: Pair, people: Sequence[int], forms: Sequence[str] = PAIR_FORMS
) -> list[Response]:
    """The pair's monitoring responses (context `pair`), oldest first. Filtered in Python:
    a handful of rows, and no dialect-specific JSON operators."""
    if not people:
        return []
    query = (
        select(Response)
        .where(Response.person_id.in_(people), Response.questionnaire.in_(forms))
        .order_by(Response.id)
    )
    return [r for r in (await session.scalars(query)).all() if r.context.get("pair") == pair.id]


async def org_responses(
    session: AsyncSession, org_id: int, forms: Sequence[str], status: str
) -> list[Response]:
    query = (
        select(Response)
        .where(
            Response.organization_id == org_id,
            Response.questionnaire.in_(forms),
            Response.status == status,
        )
        .order_by(Response.id)
    )
    return list((await session.scalars(query)).all())


async def planned_soon(session: AsyncSession, now: datetime, until: datetime) -> Sequence[Row[Any]]:
    """Planned meetings of active pairs starting in (now, until]: the scheduler reminds
    both sides the day before."""
    query = (
        select(Meeting.id, Meeting.pair_id, Meeting.kind, Meeting.at, Meeting.created_at)
        .join(Pair, Pair.id == Meeting.pair_id)
        .where(
            Pair.status == "active",
            Meeting.status == PLANNED,
            Meeting.at > now,
            Meeting.at <= until,
        )
        .order_by(Meeting.at, Meeting.id)
    )
    return (await session.execute(query)).all()
