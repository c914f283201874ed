"""Mastermind groups: link codes, groups, members, sessions and what was said."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    MmEntry,
    MmGroup,
    MmLinkCode,
    MmMember,
    MmSession,
    OutboxMessage,
    Participation,
    Person,
)
from storage.pairs import CAPACITY
from storage.people import new_code, normalize_code

LINK_DAYS = 7
RUNNING = "running"


async def new_link_code(
    session: AsyncSession, org_id: int, person_id: int | None, now: datetime
) -> str:
    code = new_code()
    session.add(
        MmLinkCode(
            code=code,
            organization_id=org_id,
            created_by=person_id,
            expires_at=now + timedelta(days=LINK_DAYS),
        )
    )
    return code


async def use_link_code(
    session: AsyncSession, text: str, now: datetime
) -> tuple[MmLinkCode | None, str]:
    """The code, marked used in one conditional UPDATE (two chats cannot both win); else
    why not: "unknown", "used" or "expired", so the chat hears what to do next."""
    code = normalize_code(text)
    found = await session.scalar(select(MmLinkCode).where(MmLinkCode.code == code))
    if found is None:
        return None, "unknown"
    if found.used_at is not None:
        return None, "used"
    if found.expires_at < now:
        return None, "expired"
    done = await session.execute(
        update(MmLinkCode)
        .where(MmLinkCode.id == found.id, MmLinkCode.used_at.is_(None))
        .values(used_at=now)
    )
    return (found, "") if done.rowcount == 1 else (None, "used")  # type: ignore[attr-defined]


async def group_of_chat(session: AsyncSession, platform: str, chat_id: str) -> MmGroup | None:
    return await session.scalar(
        select(MmGroup).where(MmGroup.platform == platform, MmGroup.chat_id == chat_id)
    )


async def members(session: AsyncSession, group_id: int) -> list[int]:
    """Active members' person ids in the order they joined (the queue)."""
    query = (
        select(MmMember.person_id)
        .where(MmMember.group_id == group_id, MmMember.active.is_(True))
        .order_by(MmMember.joined_at, MmMember.id)
    )
    return list((await session.scalars(query)).all())


async def membership(session: AsyncSession, group_id: int, person_id: int) -> MmMember | None:
    return await session.scalar(
        select(MmMember).where(MmMember.group_id == group_id, MmMember.person_id == person_id)
    )


async def running(session: AsyncSession, group_id: int) -> MmSession | None:
    return await session.scalar(
        select(MmSession).where(MmSession.group_id == group_id, MmSession.status == RUNNING)
    )


async def all_running(session: AsyncSession) -> Sequence[MmSession]:
    return (await session.scalars(select(MmSession).where(MmSession.status == RUNNING))).all()


async def entries(session: AsyncSession, session_id: int) -> Sequence[MmEntry]:
    query = select(MmEntry).where(MmEntry.session_id == session_id).order_by(MmEntry.id)
    return (await session.scalars(query)).all()


async def names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    rows = await session.execute(select(Person.id, Person.full_name).where(Person.id.in_(ids)))
    return {row.id: row.full_name or "—" for row in rows}


async def outbox_state(session: AsyncSession, row_id: int) -> tuple[str, str | None] | None:
    """(status, platform message id) of an outbox row: is the status message out yet?"""
    row = (
        await session.execute(
            select(OutboxMessage.status, OutboxMessage.platform_message_id).where(
                OutboxMessage.id == row_id
            )
        )
    ).first()
    return (row.status, row.platform_message_id) if row else None


async def outbox_id(session: AsyncSession, dedupe_key: str) -> int | None:
    return await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )


async def active_groups(session: AsyncSession) -> Sequence[MmGroup]:
    return (await session.scalars(select(MmGroup).where(MmGroup.active.is_(True)))).all()


async def last_done(session: AsyncSession, group_id: int) -> MmSession | None:
    query = (
        select(MmSession)
        .where(MmSession.group_id == group_id, MmSession.status == "done")
        .order_by(MmSession.started_at.desc())
        .limit(1)
    )
    return await session.scalar(query)


async def mentors_among(session: AsyncSession, org_id: int, ids: Sequence[int]) -> list[int]:
    """Those of `ids` who are admitted mentors of the organization with a free place, in
    the order given."""
    query = select(Participation.person_id).where(
        Participation.person_id.in_(ids),
        Participation.organization_id == org_id,
        Participation.role == "mentor",
        Participation.status == "active",
        Participation.admitted_at.is_not(None),
        Participation.active_mentees < CAPACITY,
    )
    found = set((await session.scalars(query)).all())
    return [i for i in ids if i in found]
