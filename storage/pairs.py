"""Pairs and groups in the database: proposing, agreeing, taking a mentor's place, and the
lists the curator works from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import pairs as rules
from domain.rules import MAX_MENTEES_PER_MENTOR
from storage import responses
from storage.models import (
    Pair,
    PairEvent,
    PairMember,
    Participation,
    Person,
    Preference,
    Response,
)

MENTEE_FORM, MENTOR_FORM = "mentee_request", "mentor_nomination"
# The places a mentor has: stored clamped to 1..3 at approval, 3 when not stated, and
# clamped here again so no stored value can ever open a 4th place.
_STATED = func.coalesce(Participation.capacity, MAX_MENTEES_PER_MENTOR)
CAPACITY = case((_STATED > MAX_MENTEES_PER_MENTOR, MAX_MENTEES_PER_MENTOR), else_=_STATED)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An admitted mentee or mentor with their approved answers."""

    person_id: int
    name: str
    admitted_at: datetime | None
    answers: dict[str, object]
    free_places: int = 0


def event(pair: Pair, kind: str, actor: int | None, now: datetime, **extra: object) -> PairEvent:
    return PairEvent(pair_id=pair.id, at=now, kind=kind, actor_person_id=actor, **extra)


async def propose(
    session: AsyncSession,
    org_id: int,
    mentor_id: int,
    mentee_ids: Sequence[int],
    form: str | None,
    actor: int | None,
    now: datetime,
) -> Pair:
    pair = Pair(
        organization_id=org_id,
        mentor_person_id=mentor_id,
        kind="group" if len(mentee_ids) > 1 else "pair",
        form=form,
        status=rules.PROPOSED,
        proposed_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(pair)
    await session.flush()
    session.add_all(PairMember(pair_id=pair.id, mentee_person_id=m) for m in mentee_ids)
    session.add(event(pair, "proposed", actor, now))
    return pair


async def members(session: AsyncSession, pair_id: int) -> list[PairMember]:
    query = select(PairMember).where(PairMember.pair_id == pair_id).order_by(PairMember.id)
    return list((await session.scalars(query)).all())


async def mentee_ids(session: AsyncSession, pair_id: int) -> list[int]:
    return [m.mentee_person_id for m in await members(session, pair_id) if m.mentee_person_id]


def mentor_place(org_id: int, mentor_id: int) -> object:
    return and_(
        Participation.organization_id == org_id,
        Participation.person_id == mentor_id,
        Participation.role == "mentor",
    )


async def take_places(session: AsyncSession, org_id: int, mentor_id: int, count: int) -> bool:
    """Take `count` of the mentor's places, or nothing. One conditional UPDATE: of two
    approvals racing for the last place exactly one matches the WHERE clause."""
    result = await session.execute(
        update(Participation)
        .where(mentor_place(org_id, mentor_id), Participation.active_mentees + count <= CAPACITY)
        .values(active_mentees=Participation.active_mentees + count)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def release_places(session: AsyncSession, org_id: int, mentor_id: int, count: int) -> None:
    await session.execute(
        update(Participation)
        .where(mentor_place(org_id, mentor_id))
        .values(
            active_mentees=case(
                (Participation.active_mentees > count, Participation.active_mentees - count),
                else_=0,
            )
        )
        .execution_options(synchronize_session=False)
    )


async def free_places(session: AsyncSession, org_id: int, mentor_id: int) -> int:
    row = (
        await session.execute(
            select(Participation.capacity, Participation.active_mentees).where(
                mentor_place(org_id, mentor_id)
            )
        )
    ).first()
    if row is None:
        return 0
    capacity = min(row.capacity or MAX_MENTEES_PER_MENTOR, MAX_MENTEES_PER_MENTOR)
    return max(capacity - row.active_mentees, 0)


async def _approved(session: AsyncSession, org_id: int, form: str) -> dict[int, Response]:
    """The newest approved response of each person of the organization."""
    query = (
        select(Response)
        .where(
            Response.organization_id == org_id,
            Response.questionnaire == form,
            Response.status == responses.APPROVED,
        )
        .order_by(Response.id)
    )
    return {r.person_id: r for r in (await session.scalars(query)).all() if r.person_id}


async def _names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Person.id, Person.full_name).where(Person.id.in_(ids)))
    return {row.id: row.full_name or "—" for row in rows}


def _spoken_for(org_id: int) -> object:
    """A mentee in a proposed, agreed or active pair is not offered to other mentors, nor
    one whose pair finished its term."""
    return exists(
        select(PairMember.id)
        .join(Pair, Pair.id == PairMember.pair_id)
        .where(
            Pair.organization_id == org_id,
            Pair.status.in_(rules.NOT_SEARCHING),
            PairMember.mentee_person_id == Participation.person_id,
            PairMember.declined_at.is_(None),
        )
    )


async def waiting_mentees(session: AsyncSession, org_id: int) -> list[Candidate]:
    """Admitted mentees without a pair, longest waiting first."""
    query = (
        select(Participation.person_id, Participation.admitted_at)
        .where(
            Participation.organization_id == org_id,
            Participation.role == "mentee",
            Participation.status == "active",
            Participation.admitted_at.is_not(None),
            ~_spoken_for(org_id),
        )
        .order_by(Participation.admitted_at, Participation.person_id)
    )
    rows = (await session.execute(query)).all()
    answers = await _approved(session, org_id, MENTEE_FORM)
    names = await _names(session, [r.person_id for r in rows])
    return [
        Candidate(
            r.person_id,
            names.get(r.person_id, "—"),
            r.admitted_at,
            answers[r.person_id].answers if r.person_id in answers else {},
        )
        for r in rows
    ]


async def mentors_with_places(session: AsyncSession, org_id: int) -> list[Candidate]:
    """Approved mentors with at least one free place, most free places first."""
    cap = CAPACITY
    query = (
        select(
            Participation.person_id,
            Participation.admitted_at,
            (cap - Participation.active_mentees).label("free"),
        )
        .where(
            Participation.organization_id == org_id,
            Participation.role == "mentor",
            Participation.status == "active",
            Participation.admitted_at.is_not(None),
            Participation.active_mentees < cap,
        )
        .order_by((cap - Participation.active_mentees).desc(), Participation.person_id)
    )
    rows = (await session.execute(query)).all()
    answers = await _approved(session, org_id, MENTOR_FORM)
    names = await _names(session, [r.person_id for r in rows])
    return [
        Candidate(
            r.person_id,
            names.get(r.person_id, "—"),
            r.admitted_at,
            answers[r.person_id].answers if r.person_id in answers else {},
            r.free,
        )
        for r in rows
    ]


async def in_status(session: AsyncSession, org_id: int, statuses: Sequence[str]) -> list[Pair]:
    query = (
        select(Pair)
        .where(Pair.organization_id == org_id, Pair.status.in_(statuses))
        .order_by(Pair.ends_on.is_(None), Pair.ends_on, Pair.id)
    )
    return list((await session.scalars(query)).all())


async def of_person(session: AsyncSession, person_id: int, statuses: Sequence[str]) -> list[Pair]:
    """Pairs a person is in, as mentor or as a mentee who has not declined."""
    as_member = select(PairMember.pair_id).where(
        PairMember.mentee_person_id == person_id, PairMember.declined_at.is_(None)
    )
    query = (
        select(Pair)
        .where(
            or_(Pair.mentor_person_id == person_id, Pair.id.in_(as_member)),
            Pair.status.in_(statuses),
        )
        .order_by(Pair.id.desc())
    )
    return list((await session.scalars(query)).all())


async def names_of(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    return await _names(session, ids)


async def preferences(session: AsyncSession, org_id: int) -> set[tuple[int, int]]:
    rows = await session.execute(
        select(Preference.chooser_person_id, Preference.chosen_person_id).where(
            Preference.organization_id == org_id
        )
    )
    return {(r.chooser_person_id, r.chosen_person_id) for r in rows}


async def chosen_by(session: AsyncSession, org_id: int, chooser: int) -> set[int]:
    rows = await session.scalars(
        select(Preference.chosen_person_id).where(
            Preference.organization_id == org_id, Preference.chooser_person_id == chooser
        )
    )
    return set(rows.all())


async def admitted(session: AsyncSession, org_id: int, person_id: int, role: str) -> bool:
    found = await session.scalar(
        select(Participation.id).where(
            Participation.organization_id == org_id,
            Participation.person_id == person_id,
            Participation.role == role,
            Participation.admitted_at.is_not(None),
        )
    )
    return found is not None


def places_declared(answers: dict) -> int:
    declared = str(answers.get("capacity", MAX_MENTEES_PER_MENTOR))
    number = int(declared) if declared.isdigit() else MAX_MENTEES_PER_MENTOR
    return max(1, min(number, MAX_MENTEES_PER_MENTOR))


async def admit(
    session: AsyncSession, org_id: int, person_id: int, form: str, now: datetime, answers: dict
) -> None:
    """The curator approved a request or nomination: the mentee's 30 days start now; a
    mentor's places come from the nomination, never more than three."""
    role = "mentor" if form == MENTOR_FORM else "mentee"
    values: dict[str, object] = {"admitted_at": now}
    if role == "mentor":
        values["capacity"] = places_declared(answers)
    await session.execute(
        update(Participation)
        .where(
            Participation.organization_id == org_id,
            Participation.person_id == person_id,
            Participation.role == role,
            Participation.admitted_at.is_(None),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def capacity_of(session: AsyncSession, org_id: int, mentor_id: int) -> int:
    found = await session.scalar(select(CAPACITY).where(mentor_place(org_id, mentor_id)))
    return int(found) if found is not None else MAX_MENTEES_PER_MENTOR
