"""Questionnaire responses: created, answered one by one, submitted, decided."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Response

IN_PROGRESS = "in_progress"
PENDING_PARENT = "pending_parent"
SUBMITTED = "submitted"
NEEDS_INFO = "needs_info"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
OPEN = (IN_PROGRESS, PENDING_PARENT, SUBMITTED, NEEDS_INFO, APPROVED)


async def latest(
    session: AsyncSession, person_id: int, form_id: str, statuses: Sequence[str] = OPEN
) -> Response | None:
    query = (
        select(Response)
        .where(
            Response.person_id == person_id,
            Response.questionnaire == form_id,
            Response.status.in_(statuses),
        )
        .order_by(Response.id.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


def create(
    session: AsyncSession,
    *,
    person_id: int,
    organization_id: int | None,
    form_id: str,
    version: int,
    locale: str,
    now: datetime,
) -> Response:
    response = Response(
        person_id=person_id,
        organization_id=organization_id,
        questionnaire=form_id,
        version=version,
        locale=locale,
        status=IN_PROGRESS,
        answers={},
        skipped={"ids": []},
        context={},
        created_at=now,
        updated_at=now,
        submitted_at=None,
        decided_at=None,
        decided_by=None,
        note=None,
    )
    session.add(response)
    return response


async def for_organization(
    session: AsyncSession, org_id: int, statuses: Sequence[str], form_id: str | None = None
) -> Sequence[Response]:
    query = select(Response).where(
        Response.organization_id == org_id, Response.status.in_(statuses)
    )
    if form_id:
        query = query.where(Response.questionnaire == form_id)
    return (await session.scalars(query.order_by(Response.submitted_at))).all()
