"""What the curator's digest lists for one organization: applications awaiting a decision,
mentees waiting for a mentor, pairs without a meeting this month, questionnaires left
unfinished, and meetings a mentee did not confirm."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import reminders
from storage.models import Meeting, Organization, Pair, PairMember, Response

DISPUTE_DAYS = 60  # unconfirmed meetings older than this are history, not news


@dataclass(frozen=True, slots=True)
class PairLabel:
    mentor: str
    mentees: tuple[str, ...]


@dataclass(slots=True)
class DigestData:
    org_name: str
    applications: list[tuple[str, str, datetime]] = field(default_factory=list)  # name, form
    waiting: list[tuple[str, datetime]] = field(default_factory=list)  # name, admitted at
    no_meeting: list[PairLabel] = field(default_factory=list)
    stalled: list[tuple[str, str, datetime]] = field(default_factory=list)  # name, form
    disputed: list[tuple[PairLabel, datetime]] = field(default_factory=list)


async def _labels(session: AsyncSession, pair_ids: list[int]) -> dict[int, PairLabel]:
    if not pair_ids:
        return {}
    pairs = (
        await session.execute(select(Pair.id, Pair.mentor_person_id).where(Pair.id.in_(pair_ids)))
    ).all()
    members = (
        await session.execute(
            select(PairMember.pair_id, PairMember.mentee_person_id)
            .where(PairMember.pair_id.in_(pair_ids), PairMember.mentee_person_id.is_not(None))
            .order_by(PairMember.id)
        )
    ).all()
    people = {p.mentor_person_id for p in pairs if p.mentor_person_id}
    people |= {m.mentee_person_id for m in members}
    names = await reminders.names(session, people)
    mentees: dict[int, list[str]] = defaultdict(list)
    for member in members:
        mentees[member.pair_id].append(names.get(member.mentee_person_id, "—"))
    return {
        p.id: PairLabel(names.get(p.mentor_person_id, "—"), tuple(mentees[p.id])) for p in pairs
    }


async def load(
    session: AsyncSession,
    org_id: int,
    now: datetime,
    month_start: datetime,
    stalled_after: timedelta,
) -> DigestData:
    """`month_start`: the instant the organization's current month began, local time."""
    org = await session.get(Organization, org_id)
    data = DigestData(org.name if org else "—")
    applications = (
        await session.execute(
            select(Response.person_id, Response.questionnaire, Response.submitted_at)
            .where(
                Response.organization_id == org_id,
                Response.questionnaire.in_(reminders.APPLICATION_FORMS),
                Response.status.in_(reminders.UNDECIDED),
            )
            .order_by(Response.submitted_at)
        )
    ).all()
    waiting = await reminders.waiting_mentees(session, org_id)
    stalled = await reminders.stalled_responses(session, now - stalled_after, org_id)
    names = await reminders.names(
        session,
        [r.person_id for r in applications if r.person_id]
        + [w.person_id for w in waiting]
        + [s.person_id for s in stalled],
    )
    data.applications = [
        (names.get(r.person_id, "—"), r.questionnaire, r.submitted_at or now) for r in applications
    ]
    data.waiting = [(names.get(w.person_id, "—"), w.admitted_at) for w in waiting]
    data.stalled = [(names.get(s.person_id, "—"), s.questionnaire, s.updated_at) for s in stalled]

    held = (
        select(Meeting.pair_id)
        .where(Meeting.status == "held", Meeting.at >= month_start, Meeting.at <= now)
        .scalar_subquery()
    )
    idle_ids = (
        await session.scalars(
            select(Pair.id)
            .where(Pair.organization_id == org_id, Pair.status == "active", Pair.id.not_in(held))
            .order_by(Pair.id)
        )
    ).all()
    disputed = (
        await session.execute(
            select(Meeting.pair_id, Meeting.at)
            .join(Pair, Pair.id == Meeting.pair_id)
            .where(
                Pair.organization_id == org_id,
                Meeting.confirmed.is_(False),
                Meeting.at >= now - timedelta(days=DISPUTE_DAYS),
            )
            .order_by(Meeting.at)
        )
    ).all()
    labels = await _labels(session, sorted({*idle_ids, *(d.pair_id for d in disputed)}))
    data.no_meeting = [labels[pair_id] for pair_id in idle_ids]
    data.disputed = [(labels[d.pair_id], d.at) for d in disputed]
    return data
