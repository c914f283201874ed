"""The snapshot a tick decides from, read from the database in a few queries."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.due import ANNOUNCEMENT_DAYS, PLANNED_AHEAD, STALLED_AFTER
from scheduler.snapshot import (
    ActivePair,
    Broadcast,
    Curator,
    OpenPlanItem,
    OpenResponse,
    Org,
    PlannedMeeting,
    Snapshot,
    WaitingMentee,
)
from storage import meetings, reminders


async def orgs(session: AsyncSession) -> dict[int, Org]:
    return {
        o.id: Org(o.id, o.timezone, o.reminder_day, o.quiet_start_hour, o.quiet_end_hour)
        for o in await reminders.organizations(session)
    }


async def reminder_snapshot(session: AsyncSession, now: datetime) -> Snapshot:
    members: dict[int, list[int]] = defaultdict(list)
    for row in await reminders.active_members(session):
        members[row.pair_id].append(row.mentee_person_id)
    pairs = [
        ActivePair(
            id=row.id,
            org_id=row.organization_id,
            mentor_id=row.mentor_person_id,
            mentee_ids=tuple(members.get(row.id, ())),
            activated_at=row.activated_at,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            last_held_at=row.last_held_at,
        )
        for row in await reminders.active_pairs(session, now)
    ]
    curators: dict[int, list[Curator]] = defaultdict(list)
    for row in await reminders.curators(session):
        curators[row.organization_id].append(Curator(row.person_id, row.created_at))
    return Snapshot(
        orgs=await orgs(session),
        pairs=pairs,
        waiting=[
            WaitingMentee(r.id, r.person_id, r.organization_id, r.admitted_at)
            for r in await reminders.waiting_mentees(session)
        ],
        plan_items=[
            OpenPlanItem(r.id, r.pair_id, r.text, r.due_on)
            for r in await reminders.open_plan_items(session, now)
        ],
        responses=[
            OpenResponse(r.id, r.person_id, r.organization_id, r.questionnaire, r.updated_at)
            for r in await reminders.stalled_responses(session, now - STALLED_AFTER)
        ],
        curators={org: tuple(found) for org, found in curators.items()},
        muted=await reminders.muted_people(session),
        planned=[
            PlannedMeeting(r.id, r.pair_id, r.kind, r.at, r.created_at)
            for r in await meetings.planned_soon(session, now, now + PLANNED_AHEAD)
        ],
    )


async def announcement_snapshot(session: AsyncSession, now: datetime) -> Snapshot:
    broadcasts = []
    for row in await reminders.recent_announcements(
        session, now - timedelta(days=ANNOUNCEMENT_DAYS)
    ):
        people = await reminders.audience(
            session, row.organization_id, row.audience, row.created_at, row.author_person_id
        )
        broadcasts.append(Broadcast(row.id, row.organization_id, row.created_at, tuple(people)))
    return Snapshot(orgs=await orgs(session), broadcasts=broadcasts)
