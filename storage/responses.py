"""Questionnaire responses: created, answered one by one, submitted, decided."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import Response
from storage.rows import Adopter

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


# The questionnaire reads and writes a response with every answer. Through the ORM that
# was a load by primary key (~0.13 ms) and a flush of its own (~0.1 ms) per answer, the
# largest single cost of an update; these are one Core statement each.
_TABLE = Response.__table__
_BY_ID = select(_TABLE).where(_TABLE.c.id == bindparam("r_id"))
_ADOPTER = Adopter(Response)
_SAVE_ANSWERS = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("r_id"))
    .values(
        answers=bindparam("answers"),
        skipped=bindparam("skipped"),
        updated_at=bindparam("updated_at"),
    )
)


async def get(session: AsyncSession, response_id: int) -> Response | None:
    """`session.get(Response, id)` for the hot path: the same object if the session
    holds it, else one Core query whose row becomes a persistent ORM object."""
    held = session.identity_map.get(session.sync_session.identity_key(Response, response_id))
    if held is not None and not inspect(held).expired_attributes:
        return held  # type: ignore[no-any-return]
    connection = await session.connection()
    row = (await connection.execute(_BY_ID, {"r_id": response_id})).first()
    return None if row is None else _ADOPTER.adopt(session, row)


async def save_answers(
    session: AsyncSession,
    response: Response,
    answers: dict[str, Any],
    skipped: dict[str, Any],
    now: datetime,
) -> None:
    """Set and write a response's answers at once; the ORM is told they are saved, so
    no flush of its own follows. Other changed fields still flush as usual."""
    if response.id is None:  # not written yet: the ORM's flush inserts it whole
        response.answers, response.skipped, response.updated_at = answers, skipped, now
        return
    params = {"r_id": response.id, "answers": answers, "skipped": skipped, "updated_at": now}
    await (await session.connection()).execute(_SAVE_ANSWERS, params)
    for name, value in (("answers", answers), ("skipped", skipped), ("updated_at", now)):
        set_committed_value(response, name, value)
