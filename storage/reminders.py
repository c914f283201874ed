"""Queries of the scheduler: what it needs to decide what is due, the ledger of what was
told (reminder_marks), addresses in bulk, the curator's digest, mute and announcements.

Rows come back plain (SQLAlchemy `Row`s or small dataclasses); scheduler/load.py turns
them into the snapshot the pure rules read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage import people
from storage.models import (
    Account,
    Announcement,
    Consent,
    Meeting,
    Organization,
    OutboxMessage,
    Pair,
    PairMember,
    Participation,
    Person,
    PlanItem,
    ReminderMark,
    Response,
    TransportCursor,
)

ACTIVE, AGREED, FINISHED = "active", "agreed", "finished"
IN_PROGRESS = "in_progress"
APPLICATION_FORMS = ("mentee_request", "mentor_nomination")
UNDECIDED = ("submitted", "needs_info", "pending_parent")
OUTBOX_PREFIX = "rem:"  # dedupe keys of the scheduler's outbox rows: its backlog is countable
MUTE_KIND, MUTE_VERSION = "reminders", "1"
CHUNK = 500  # ids or keys in one IN (...): well under SQLite's variable limit


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


# -- the snapshot -----------------------------------------------------------------------------


async def organizations(session: AsyncSession) -> Sequence[Organization]:
    return (await session.scalars(select(Organization))).all()


async def active_pairs(session: AsyncSession, now: datetime) -> Sequence[Row[Any]]:
    last_held = (
        select(func.max(Meeting.at))
        .where(Meeting.pair_id == Pair.id, Meeting.status == "held", Meeting.at <= now)
        .scalar_subquery()
    )
    query = select(
        Pair.id,
        Pair.organization_id,
        Pair.mentor_person_id,
        Pair.starts_on,
        Pair.ends_on,
        func.coalesce(Pair.approved_at, Pair.created_at).label("activated_at"),
        last_held.label("last_held_at"),
    ).where(Pair.status == ACTIVE)
    return (await session.execute(query.order_by(Pair.id))).all()


def _current_member() -> Any:
    return and_(PairMember.declined_at.is_(None), PairMember.left_on.is_(None))


async def active_members(session: AsyncSession) -> Sequence[Row[Any]]:
    """(pair_id, mentee_person_id) of the mentees of active pairs."""
    query = (
        select(PairMember.pair_id, PairMember.mentee_person_id)
        .join(Pair, Pair.id == PairMember.pair_id)
        .where(Pair.status == ACTIVE, PairMember.mentee_person_id.is_not(None), _current_member())
        .order_by(PairMember.id)
    )
    return (await session.execute(query)).all()


async def waiting_mentees(session: AsyncSession, org_id: int | None = None) -> list[Row[Any]]:
    """Admitted mentees with no agreed, active or finished pair in their organization, longest
    waiting first. Two plain queries and a set: a NOT EXISTS per mentee found no index on
    pair_members by mentee and took seconds for ten thousand participants."""
    admitted = select(
        Participation.id,
        Participation.person_id,
        Participation.organization_id,
        Participation.admitted_at,
    ).where(
        Participation.role == "mentee",
        Participation.status == "active",
        Participation.admitted_at.is_not(None),
    )
    paired = (
        select(PairMember.mentee_person_id, Pair.organization_id)
        .join(Pair, Pair.id == PairMember.pair_id)
        .where(Pair.status.in_((AGREED, ACTIVE, FINISHED)), _current_member())
    )
    if org_id is not None:
        admitted = admitted.where(Participation.organization_id == org_id)
        paired = paired.where(Pair.organization_id == org_id)
    taken = {(row.mentee_person_id, row.organization_id) for row in await session.execute(paired)}
    rows = (await session.execute(admitted.order_by(Participation.admitted_at))).all()
    return [row for row in rows if (row.person_id, row.organization_id) not in taken]


async def open_plan_items(session: AsyncSession, now: datetime) -> Sequence[Row[Any]]:
    """Undone items of active pairs due by the day after tomorrow (UTC covers every
    local "tomorrow" from UTC+2 to UTC+12)."""
    horizon = (now + timedelta(days=2)).date()
    query = (
        select(PlanItem.id, PlanItem.pair_id, PlanItem.text, PlanItem.due_on)
        .join(Pair, Pair.id == PlanItem.pair_id)
        .where(
            Pair.status == ACTIVE,
            PlanItem.done_at.is_(None),
            PlanItem.due_on.is_not(None),
            PlanItem.due_on <= horizon,
        )
    )
    return (await session.execute(query.order_by(PlanItem.id))).all()


async def stalled_responses(
    session: AsyncSession, older_than: datetime, org_id: int | None = None
) -> Sequence[Row[Any]]:
    query = select(
        Response.id,
        Response.person_id,
        Response.organization_id,
        Response.questionnaire,
        Response.updated_at,
    ).where(
        Response.status == IN_PROGRESS,
        Response.person_id.is_not(None),
        Response.updated_at <= older_than,
    )
    if org_id is not None:
        query = query.where(Response.organization_id == org_id)
    return (await session.execute(query.order_by(Response.updated_at))).all()


async def curators(session: AsyncSession) -> Sequence[Row[Any]]:
    query = select(
        Participation.organization_id, Participation.person_id, Participation.created_at
    ).where(Participation.role == "curator", Participation.status == "active")
    return (await session.execute(query.order_by(Participation.id))).all()


async def muted_people(session: AsyncSession) -> frozenset[int]:
    """People whose newest 'reminders' consent is a refusal."""
    query = (
        select(Consent.person_id, Consent.given)
        .where(Consent.kind == MUTE_KIND, Consent.person_id.is_not(None))
        .order_by(Consent.id)
    )
    latest = {row.person_id: row.given for row in (await session.execute(query)).all()}
    return frozenset(person for person, given in latest.items() if not given)


async def recent_announcements(session: AsyncSession, since: datetime) -> Sequence[Announcement]:
    query = select(Announcement).where(Announcement.created_at >= since)
    return (await session.scalars(query.order_by(Announcement.id))).all()


async def audience(
    session: AsyncSession, org_id: int, who: str, until: datetime, author: int | None
) -> list[int]:
    """Participants of the organization in the audience ('all', 'mentee', 'mentor') who
    had joined by `until`, the author left out."""
    roles = ("mentee", "mentor") if who == "all" else (who,)
    query = (
        select(Participation.person_id)
        .where(
            Participation.organization_id == org_id,
            Participation.role.in_(roles),
            Participation.status == "active",
            Participation.created_at <= until,
        )
        .distinct()
    )
    return sorted(p for p in (await session.scalars(query)).all() if p != author)


# -- the ledger and the outbox ------------------------------------------------------------------


async def told(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of `keys` are in the ledger already."""
    found: set[str] = set()
    for part in _chunks(keys):
        query = select(ReminderMark.key).where(ReminderMark.key.in_(part))
        found.update((await session.scalars(query)).all())
    return found


async def claim(session: AsyncSession, marks: Sequence[tuple[str, int]], now: datetime) -> set[str]:
    """Write (key, person) marks; returns the keys this call wrote. A key already there
    (another tick, another process) is skipped, so each reason is claimed once."""
    if not marks:
        return set()
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    claimed: set[str] = set()
    for part in _chunks(marks):
        rows = [{"key": key, "person_id": person, "created_at": now} for key, person in part]
        statement = (
            module.insert(ReminderMark)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(ReminderMark.key)
        )
        claimed.update((await session.scalars(statement)).all())
    return claimed


async def backlog(session: AsyncSession, platform: str) -> int:
    """Scheduler messages still waiting in a platform's outbox."""
    query = select(func.count()).where(
        OutboxMessage.platform == platform,
        OutboxMessage.status == "pending",
        OutboxMessage.dedupe_key.like(f"{OUTBOX_PREFIX}%"),
    )
    return int((await session.scalar(query)) or 0)


@dataclass(frozen=True, slots=True)
class Recipient:
    platform: str
    chat_id: str
    locale: str


async def recipients(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, Recipient]:
    """Each person's reachable account used last, with their language (as
    `people.preferred_account`, for many people at once)."""
    ids = sorted(set(person_ids))
    found: dict[int, Recipient] = {}
    for part in _chunks(ids):
        query = (
            select(Account.person_id, Account.platform, Account.chat_id, Person.locale)
            .join(Person, Person.id == Account.person_id)
            .where(Account.person_id.in_(part), Account.unreachable_at.is_(None))
            .order_by(Account.last_seen_at.desc().nulls_last(), Account.id)
        )
        for row in (await session.execute(query)).all():
            found.setdefault(row.person_id, Recipient(row.platform, row.chat_id, row.locale))
    return found


async def names(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(person_ids))
    found: dict[int, str] = {}
    for part in _chunks(ids):
        query = select(Person.id, Person.full_name).where(Person.id.in_(part))
        found.update({row.id: row.full_name or "—" for row in (await session.execute(query))})
    return found


async def mark_tick(session: AsyncSession, name: str, now: datetime) -> None:
    """The instant of the last complete tick of `name` ('reminders', 'announcements'):
    for operators, and for tests that move the clock and must know the bot looked since."""
    row = await session.get(TransportCursor, name)
    if row is None:
        session.add(TransportCursor(platform=name, value=now.isoformat()))
    else:
        row.value = now.isoformat()


# -- a person's settings ------------------------------------------------------------------------


async def is_muted(session: AsyncSession, person_id: int) -> bool:
    query = (
        select(Consent.given)
        .where(Consent.kind == MUTE_KIND, Consent.person_id == person_id)
        .order_by(Consent.id.desc())
        .limit(1)
    )
    given = (await session.scalars(query)).first()
    return given is False


async def set_muted(
    session: AsyncSession, person_id: int, account_id: int, muted: bool, now: datetime
) -> None:
    """Muting is a refusal of the 'reminders' consent, apart from the data consent."""
    await people.record_consent(
        session,
        kind=MUTE_KIND,
        version=MUTE_VERSION,
        given=not muted,
        now=now,
        account_id=account_id,
        person_id=person_id,
    )


async def submitted_since(
    session: AsyncSession, person_id: int, form: str, since: datetime
) -> bool:
    query = select(Response.id).where(
        Response.person_id == person_id,
        Response.questionnaire == form,
        Response.status == "submitted",
        Response.submitted_at >= since,
    )
    return (await session.scalars(query.limit(1))).first() is not None
