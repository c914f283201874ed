"""Everything the bot stores about one person, gathered for their copy (152-FZ art. 14):
plain values by table, ids turned into names where the person may see them.
documents/mydata.py renders it; the question texts are the questionnaire files'."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Account,
    AuditEntry,
    Consent,
    Meeting,
    Organization,
    Pair,
    PairMember,
    ParentCode,
    Participation,
    Person,
    PlanItem,
    Preference,
    Response,
)

Record = dict[str, Any]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj: Any, *names: str) -> Record:
    return {name: _plain(getattr(obj, name)) for name in names}


async def _names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Person.id, Person.full_name).where(Person.id.in_(ids)))
    return {row.id: row.full_name or "—" for row in rows}


async def _org_names(session: AsyncSession) -> dict[int, str]:
    return {o.id: o.name for o in (await session.scalars(select(Organization))).all()}


async def children_of(session: AsyncSession, parent_id: int) -> list[int]:
    """The people this person gave a legal representative's consent for, still present:
    by the consent they gave or by the one-time code they used."""
    by_consent = select(Consent.person_id).where(
        Consent.kind == "parental",
        Consent.given.is_(True),
        Consent.withdrawn_at.is_(None),
        Consent.given_by_person_id == parent_id,
    )
    by_code = select(ParentCode.child_person_id).where(ParentCode.used_by_person_id == parent_id)
    ids = set((await session.scalars(by_consent)).all()) | set(
        (await session.scalars(by_code)).all()
    )
    ids.discard(None)  # type: ignore[arg-type]
    present = await session.scalars(select(Person.id).where(Person.id.in_(ids)).order_by(Person.id))
    return list(present.all())


async def pairs_of(session: AsyncSession, person_id: int) -> Sequence[Pair]:
    """Every pair or group the person is or was in, as mentor or mentee."""
    as_member = select(PairMember.pair_id).where(PairMember.mentee_person_id == person_id)
    query = select(Pair).where(or_(Pair.mentor_person_id == person_id, Pair.id.in_(as_member)))
    return (await session.scalars(query.order_by(Pair.id))).all()


async def collect(session: AsyncSession, person_id: int) -> Record:
    """The person's data by table; empty dict when there is no such person."""
    person = await session.get(Person, person_id)
    if person is None:
        return {}
    orgs = await _org_names(session)
    accounts = (await session.scalars(select(Account).where(Account.person_id == person_id))).all()
    roles = (
        await session.scalars(select(Participation).where(Participation.person_id == person_id))
    ).all()
    consents = (
        await session.scalars(
            select(Consent)
            .where(or_(Consent.person_id == person_id, Consent.given_by_person_id == person_id))
            .order_by(Consent.id)
        )
    ).all()
    answers = (
        await session.scalars(
            select(Response).where(Response.person_id == person_id).order_by(Response.id)
        )
    ).all()
    pairs = await pairs_of(session, person_id)
    pair_ids = [p.id for p in pairs]
    members = (
        (await session.scalars(select(PairMember).where(PairMember.pair_id.in_(pair_ids)))).all()
        if pair_ids
        else []
    )
    meetings = (
        (
            await session.scalars(
                select(Meeting).where(Meeting.pair_id.in_(pair_ids)).order_by(Meeting.at)
            )
        ).all()
        if pair_ids
        else []
    )
    plan = (
        (
            await session.scalars(
                select(PlanItem).where(PlanItem.pair_id.in_(pair_ids)).order_by(PlanItem.id)
            )
        ).all()
        if pair_ids
        else []
    )
    chosen = (
        await session.scalars(select(Preference).where(Preference.chooser_person_id == person_id))
    ).all()
    children = await children_of(session, person_id)
    names = await _names(
        session,
        {p.mentor_person_id for p in pairs if p.mentor_person_id}
        | {m.mentee_person_id for m in members if m.mentee_person_id}
        | {c.chosen_person_id for c in chosen}
        | {c.person_id for c in consents if c.person_id}
        | set(children),
    )
    return {
        "person": _row(person, "id", "full_name", "locale", "created_at"),
        "accounts": [
            _row(a, "platform", "external_id", "chat_id", "created_at", "last_seen_at")
            for a in accounts
        ],
        "participations": [
            {
                "organization": orgs.get(p.organization_id, "—"),
                **_row(p, "role", "status", "created_at", "admitted_at", "capacity"),
            }
            for p in roles
        ],
        "consents": [
            {
                **_row(c, "kind", "text_version", "given", "created_at", "withdrawn_at"),
                "for": None if c.person_id == person_id else names.get(c.person_id or -1, "—"),
                "by_representative": c.given_by_person_id is not None
                and c.given_by_person_id != person_id,
            }
            for c in consents
        ],
        "responses": [
            _row(
                r,
                "id",
                "questionnaire",
                "version",
                "locale",
                "status",
                "answers",
                "context",
                "note",
                "created_at",
                "submitted_at",
                "decided_at",
            )
            for r in answers
        ],
        "pairs": [
            {
                **_row(
                    p,
                    "id",
                    "kind",
                    "form",
                    "status",
                    "starts_on",
                    "ends_on",
                    "finished_on",
                    "end_reason",
                    "result",
                    "completion_mark",
                ),
                "organization": orgs.get(p.organization_id, "—"),
                "role": "mentor" if p.mentor_person_id == person_id else "mentee",
                "mentor": names.get(p.mentor_person_id or -1, "—"),
                "mentees": [
                    names.get(m.mentee_person_id, "—")
                    for m in members
                    if m.pair_id == p.id and m.mentee_person_id
                ],
            }
            for p in pairs
        ],
        "meetings": [
            _row(
                m,
                "pair_id",
                "kind",
                "status",
                "at",
                "duration_minutes",
                "format",
                "topic",
                "notes",
                "next_step",
                "confirmed",
                "usefulness",
                "comment",
            )
            for m in meetings
        ],
        "plan_items": [_row(i, "pair_id", "text", "due_on", "done_at") for i in plan],
        "preferences": [
            {
                "organization": orgs.get(c.organization_id, "—"),
                "chosen": names.get(c.chosen_person_id, "—"),
            }
            for c in chosen
        ],
        "children": [{"id": child, "full_name": names.get(child, "—")} for child in children],
        "audit": await _audit(session, person_id, pair_ids, [r.id for r in answers], orgs),
    }


async def _audit(
    session: AsyncSession,
    person_id: int,
    pair_ids: list[int],
    response_ids: list[int],
    orgs: dict[int, str],
) -> list[Record]:
    """Audit rows the person made, and rows about their pairs, answers or consent."""
    org_ids = {
        p.organization_id
        for p in (
            await session.scalars(select(Participation).where(Participation.person_id == person_id))
        ).all()
    }
    query = select(AuditEntry).where(
        or_(
            AuditEntry.actor_person_id == person_id,
            AuditEntry.organization_id.in_(org_ids),
            AuditEntry.organization_id.is_(None),
        )
    )
    pairs, answers = set(pair_ids), set(response_ids)
    found = []
    for entry in (await session.scalars(query.order_by(AuditEntry.id))).all():
        details = entry.details or {}
        if (
            entry.actor_person_id == person_id
            or details.get("pair") in pairs
            or details.get("response") in answers
            or details.get("child") == person_id
        ):
            found.append(
                {
                    **_row(entry, "at", "action", "details"),
                    "organization": orgs.get(entry.organization_id or -1),
                    "by_you": entry.actor_person_id == person_id,
                }
            )
    return found
