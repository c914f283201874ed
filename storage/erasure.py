"""Withdrawal of consent: a person's data are deleted or made anonymous in the same
transaction as the withdrawal (152-FZ allows 30 days; nothing is gained by waiting).

What stays is what cannot identify anyone: submitted answers to choice questions with no
person behind them (the program's figures), pairs and meetings as counts, the consent
record itself without a person. Ids of a deleted person left in audit or history rows
point at nothing. The handler ends the person's pairs first (it tells the others)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import responses as states
from storage.models import (
    Account,
    Announcement,
    AuditEntry,
    Base,
    Consent,
    DialogState,
    InboxUpdate,
    Meeting,
    MeetingAttendance,
    OutboxMessage,
    Pair,
    PairEvent,
    PairMember,
    ParentCode,
    Participation,
    Person,
    PlanItem,
    Preference,
    Response,
)

ERASED = "—"  # what a removed name or note becomes
ERASED_STATUS = "erased"  # an outbox row that will not be sent
TOMBSTONE: dict[str, Any] = {"erased": True}  # a handled update: the key stays for dedupe
MIN_IDENTIFIER = 4  # shorter strings are too common to hunt for in other people's rows
# Handled separately, or not personal: the generic hunt for names skips them.
_OWN_RULES = {"people", "inbox", "outbox", "organizations", "invite_codes", "transport_cursors"}
KeepAnswers = Callable[[Response], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Chat:
    platform: str
    external_id: str
    chat_id: str


async def accounts_of(session: AsyncSession, person_id: int) -> list[Chat]:
    rows = await session.execute(
        select(Account.platform, Account.external_id, Account.chat_id).where(
            Account.person_id == person_id
        )
    )
    return [Chat(*row) for row in rows]


async def identifiers(session: AsyncSession, person_id: int, chats: list[Chat]) -> list[str]:
    """Strings that name the person: their name, the names their messengers show, the
    contacts they gave in questionnaires."""
    found: set[str] = set()
    person = await session.get(Person, person_id)
    if person is not None and person.full_name:
        found.add(person.full_name)
    answers = await session.scalars(select(Response.answers).where(Response.person_id == person_id))
    for given in answers:
        contact = (given or {}).get("contact")
        if isinstance(contact, str):
            found.add(contact.strip())
    for row in await _own_updates(session, chats):
        name = (row.event or {}).get("display_name")
        if isinstance(name, str):
            found.add(name.strip())
    return sorted(s for s in found if len(s) >= MIN_IDENTIFIER)


async def _own_updates(session: AsyncSession, chats: list[Chat]) -> list[Any]:
    """Stored updates sent by the person's accounts (matched in SQL by the id as JSON
    text, then checked field by field)."""
    found = []
    for chat in chats:
        quoted = json.dumps(chat.external_id)
        rows = await session.execute(
            select(InboxUpdate.id, InboxUpdate.event, InboxUpdate.processed_at).where(
                InboxUpdate.platform == chat.platform,
                cast(InboxUpdate.event, Text).contains(quoted, autoescape=True),
            )
        )
        found += [r for r in rows if (r.event or {}).get("user_id") == chat.external_id]
    return found


async def erase(
    session: AsyncSession,
    person_id: int,
    now: datetime,
    keep_answers: KeepAnswers,
    *,
    keep_account: int | None = None,
    current_update: tuple[str, str] | None = None,
) -> None:
    """Delete or anonymize everything about the person. `keep_account` (the account that
    is writing now) stays, detached, as the account of a newcomer; `current_update` is the
    update being handled, made a tombstone like the person's earlier ones."""
    chats = await accounts_of(session, person_id)
    names = await identifiers(session, person_id, chats)
    await _responses(session, person_id, keep_answers)
    await _pairs(session, person_id)
    await _consents(session, person_id, now)
    await session.execute(
        delete(Preference).where(
            or_(Preference.chooser_person_id == person_id, Preference.chosen_person_id == person_id)
        )
    )
    await session.execute(delete(ParentCode).where(ParentCode.child_person_id == person_id))
    await session.execute(
        update(ParentCode)
        .where(ParentCode.used_by_person_id == person_id)
        .values(used_by_person_id=None)
    )
    await session.execute(
        update(Announcement)
        .where(Announcement.author_person_id == person_id)
        .values(author_person_id=None)
    )
    await session.execute(
        update(AuditEntry)
        .where(AuditEntry.actor_person_id == person_id)
        .values(actor_person_id=None)
    )
    await forget_chats(session, chats, current_update)
    await scrub(session, names)
    await _accounts(session, person_id, chats, keep_account)
    await session.execute(delete(Participation).where(Participation.person_id == person_id))
    await session.execute(delete(Person).where(Person.id == person_id))


async def _responses(session: AsyncSession, person_id: int, keep_answers: KeepAnswers) -> None:
    """Unfinished forms go; submitted ones stay as anonymous choices for the figures."""
    found = (await session.scalars(select(Response).where(Response.person_id == person_id))).all()
    for response in found:
        if response.status in (states.IN_PROGRESS, states.PENDING_PARENT):
            await session.delete(response)
            continue
        response.answers = keep_answers(response)
        response.person_id, response.context, response.note = None, {}, None


async def _pairs(session: AsyncSession, person_id: int) -> None:
    """The person leaves every pair's record; a pair that was theirs alone (they were
    its mentor or its only mentee) loses its notes and plan texts too."""
    mentored = select(Pair.id).where(Pair.mentor_person_id == person_id)
    member_of = select(PairMember.pair_id).where(PairMember.mentee_person_id == person_id)
    others = (
        select(PairMember.pair_id)
        .where(PairMember.mentee_person_id.is_not(None), PairMember.mentee_person_id != person_id)
        .scalar_subquery()
    )
    theirs = select(Pair.id).where(
        or_(Pair.id.in_(mentored), Pair.id.in_(member_of) & Pair.id.not_in(others))
    )
    own = list((await session.scalars(theirs)).all())
    if own:
        await session.execute(
            update(Meeting)
            .where(Meeting.pair_id.in_(own))
            .values(topic=None, notes=None, next_step=None, comment=None)
        )
        await session.execute(update(PlanItem).where(PlanItem.pair_id.in_(own)).values(text=ERASED))
        await session.execute(
            update(Pair).where(Pair.id.in_(own)).values(result=None, case_link=None)
        )
    for column in (Meeting.logged_by, Meeting.confirmed_by):
        await session.execute(update(Meeting).where(column == person_id).values({column: None}))
    await session.execute(
        update(PlanItem).where(PlanItem.done_by == person_id).values(done_by=None)
    )
    await session.execute(
        delete(MeetingAttendance).where(MeetingAttendance.mentee_person_id == person_id)
    )
    await session.execute(
        update(PairMember)
        .where(PairMember.mentee_person_id == person_id)
        .values(mentee_person_id=None)
    )
    for column in (Pair.mentor_person_id, Pair.proposed_by, Pair.approved_by):
        await session.execute(update(Pair).where(column == person_id).values({column: None}))
    await session.execute(
        update(PairEvent).where(PairEvent.actor_person_id == person_id).values(actor_person_id=None)
    )


async def _consents(session: AsyncSession, person_id: int, now: datetime) -> None:
    """The record that consent was given and withdrawn stays, without anyone behind it."""
    await session.execute(
        update(Consent)
        .where(Consent.person_id == person_id, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )
    await session.execute(
        update(Consent)
        .where(Consent.person_id == person_id)
        .values(person_id=None, account_id=None)
    )
    await session.execute(
        update(Consent)
        .where(Consent.given_by_person_id == person_id)
        .values(given_by_person_id=None)
    )


async def forget_chats(
    session: AsyncSession, chats: list[Chat], current_update: tuple[str, str] | None
) -> None:
    """The person's stored updates become tombstones (their keys still stop a
    redelivery); messages to their chats are blanked; their dialog states emptied."""
    rows = await _own_updates(session, chats)
    handled = [r.id for r in rows if r.processed_at is not None]
    if handled:
        await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.id.in_(handled))
            .values(event=TOMBSTONE, error=None)
        )
    if current_update is not None:
        platform, key = current_update
        await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.platform == platform, InboxUpdate.update_key == key)
            .values(event=TOMBSTONE)
        )
    for chat in chats:
        await _blank_messages(
            session,
            (OutboxMessage.platform == chat.platform)
            & (OutboxMessage.chat_id == chat.chat_id)
            & OutboxMessage.is_group.is_(False),
        )
        # Emptied, not deleted: the revision keeps growing, so the person's old buttons
        # stay stale if they come back.
        await session.execute(
            update(DialogState)
            .where(
                DialogState.platform == chat.platform,
                DialogState.user_id == chat.external_id,
            )
            .values(flow=None, step=None, data={})
        )


async def _accounts(
    session: AsyncSession, person_id: int, chats: list[Chat], keep_account: int | None
) -> None:
    found = (await session.scalars(select(Account).where(Account.person_id == person_id))).all()
    for account in found:
        if account.id == keep_account:
            account.person_id = None
        else:
            await session.delete(account)


async def _blank_messages(session: AsyncSession, where: Any) -> None:
    """Outgoing messages lose their text, buttons and file; one not sent yet never will
    be. Rows are kept, never deleted: a deleted last row would give its id to the next
    message, and VK's random_id, made from the row id, would drop that message as a
    repeat of the old one."""
    await session.execute(
        update(OutboxMessage)
        .where(where, OutboxMessage.status == "pending")
        .values(status=ERASED_STATUS)
    )
    await session.execute(
        update(OutboxMessage)
        .where(where)
        .values(text=ERASED, buttons=None, attachment=None, edit_ref=None)
    )


def _json_text(value: str) -> str:
    """How a string looks inside a stored JSON document (non-ASCII escaped)."""
    return json.dumps(value)[1:-1]


def _replace(value: Any, names: Iterable[str]) -> Any:
    if isinstance(value, str):
        for name in names:
            value = value.replace(name, ERASED)
        return value
    if isinstance(value, list):
        return [_replace(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, names) for k, v in value.items()}
    return value


async def scrub(session: AsyncSession, names: list[str]) -> None:
    """Remove the names wherever other people's rows mention them: a message the bot
    sent to a curator ("new request: <name>") keeps no text at all (it held the answers
    too), one still waiting is not sent; elsewhere the name becomes «—»."""
    if not names:
        return
    await session.flush()  # Core statements below do not flush the ORM's pending changes
    text_hit = or_(*(OutboxMessage.text.contains(n, autoescape=True) for n in names))
    json_hit = or_(
        *(cast(OutboxMessage.buttons, Text).contains(_json_text(n), autoescape=True) for n in names)
    )
    await _blank_messages(session, or_(text_hit, json_hit))
    event_hit = or_(
        *(cast(InboxUpdate.event, Text).contains(_json_text(n), autoescape=True) for n in names)
    )
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.processed_at.is_not(None), event_hit)
        .values(event=TOMBSTONE)
    )
    for table in Base.metadata.sorted_tables:
        if table.name in _OWN_RULES:
            continue
        for column in table.columns:
            if isinstance(column.type, JSON):
                await _scrub_json(session, table, column, names)
            elif isinstance(column.type, String) and not column.primary_key:
                hit = or_(*(column.contains(n, autoescape=True) for n in names))
                value: Any = column
                for name in names:
                    value = func.replace(value, name, ERASED)
                await session.execute(update(table).where(hit).values({column.name: value}))


async def _scrub_json(session: AsyncSession, table: Any, column: Any, names: list[str]) -> None:
    hit = or_(*(cast(column, Text).contains(_json_text(n), autoescape=True) for n in names))
    key = next(iter(table.primary_key.columns))
    rows = (await session.execute(select(key, column).where(hit))).all()
    for row_key, value in rows:
        await session.execute(
            update(table).where(key == row_key).values({column.name: _replace(value, names)})
        )
