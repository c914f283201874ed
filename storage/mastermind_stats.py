"""A group over time, for its facilitator and curators: per session, who took part and
how the participants rated it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.mastermind import RUNNING
from storage.models import MmEntry, MmFeedback, MmGroup, MmSession, Participation

LAST_SESSIONS = 10
PRESENT_KINDS = ("text", "pass")  # spoke, or passed their own turn: a timeout is absence


@dataclass(frozen=True, slots=True)
class SessionStats:
    started_at: datetime
    status: str
    members: int  # who had a turn in round 1
    attended: list[int]
    score: float | None
    votes: int
    comments: int


async def led_groups(session: AsyncSession, person_id: int) -> list[MmGroup]:
    """Groups the person facilitates, or of an organization they curate."""
    curated = select(Participation.organization_id).where(
        Participation.person_id == person_id, Participation.role == "curator"
    )
    query = (
        select(MmGroup)
        .where(or_(MmGroup.facilitator_id == person_id, MmGroup.organization_id.in_(curated)))
        .order_by(MmGroup.id)
    )
    return list((await session.scalars(query)).all())


async def history(
    session: AsyncSession, group_id: int, limit: int = LAST_SESSIONS
) -> list[SessionStats]:
    """The last `limit` finished or stopped sessions, oldest first."""
    query = (
        select(MmSession)
        .where(MmSession.group_id == group_id, MmSession.status != RUNNING)
        .order_by(MmSession.started_at.desc(), MmSession.id.desc())
        .limit(limit)
    )
    found = list(reversed((await session.scalars(query)).all()))
    ids = [s.id for s in found]
    present: dict[int, list[int]] = defaultdict(list)
    rows = await session.execute(
        select(MmEntry.session_id, MmEntry.person_id)
        .where(MmEntry.session_id.in_(ids), MmEntry.kind.in_(PRESENT_KINDS))
        .group_by(MmEntry.session_id, MmEntry.person_id)
        .order_by(MmEntry.session_id, func.min(MmEntry.id))
    )
    for row in rows:
        present[row.session_id].append(row.person_id)
    commented = func.count(func.nullif(func.trim(func.coalesce(MmFeedback.comment, "")), ""))
    feedback = {
        row.session_id: row
        for row in await session.execute(
            select(
                MmFeedback.session_id,
                func.avg(MmFeedback.score).label("score"),
                func.count(MmFeedback.score).label("votes"),
                commented.label("comments"),
            )
            .where(MmFeedback.session_id.in_(ids))
            .group_by(MmFeedback.session_id)
        )
    }
    result = []
    for s in found:
        fb = feedback.get(s.id)
        result.append(
            SessionStats(
                started_at=s.started_at,
                status=s.status,
                members=len({int(t[1]) for t in s.turns if int(t[0]) == 1}),
                attended=present[s.id],
                score=float(fb.score) if fb is not None and fb.score is not None else None,
                votes=fb.votes if fb is not None else 0,
                comments=fb.comments if fb is not None else 0,
            )
        )
    return result
