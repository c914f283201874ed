"""Several updates in one transaction: their people and dialog states read together, each
update's handler run in order, the changed states and all replies written together.

Per update that leaves the handler's own work; per batch a few statements, whatever its
size. The caller owns the transaction and the inbox rows (see bot.engine).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.context import Context, Envelope
from bot.events import Incoming, Platform
from bot.i18n import Translator
from storage import dialogs, outbox, people
from storage.models import Account, Person

Accounts = dict[tuple[str, str], tuple[Account, Person | None]]


class Handler(Protocol):
    async def handle(self, ctx: Context) -> None: ...


def state_key(event: Incoming) -> dialogs.Key:
    return (event.platform.value, event.chat_id, event.user_id)


class Batch:
    def __init__(self, settings: Settings, handler: Handler) -> None:
        self.settings = settings
        self.handler = handler

    async def handle(
        self, session: AsyncSession, events: Sequence[Incoming], now: datetime
    ) -> set[Platform]:
        """Handle `events` in order; the platforms that got replies."""
        accounts = await _accounts(session, events)
        states = await dialogs.load_many(session, {state_key(e) for e in events}, now)
        changed: dict[dialogs.Key, dialogs.State] = {}
        outgoing: list[tuple[Envelope, str | None]] = []
        for event in events:
            ctx = await self._context(session, event, now, accounts, states[state_key(event)])
            await self.handler.handle(ctx)
            ctx.finish()
            if ctx.state_changed or not ctx.state.stored:
                changed[ctx.state.key] = ctx.state
            for envelope in ctx.outgoing:
                edit = envelope.reply.edit and envelope.to == ctx.here
                outgoing.append((envelope, event.message_ref if edit else None))
        await dialogs.save_many(session, changed.values())
        await outbox.enqueue_many(session, outgoing, now)
        return {envelope.to.platform for envelope, _ in outgoing}

    async def _context(
        self,
        session: AsyncSession,
        event: Incoming,
        now: datetime,
        accounts: Accounts,
        state: dialogs.State,
    ) -> Context:
        key = (event.platform.value, event.user_id)
        if key in accounts:
            account, person = accounts[key]
            people.seen(account, now)
        else:  # first contact: the account is created
            private_chat = event.user_id if event.is_group else event.chat_id
            account, person, _ = await people.account_for(
                session, event.platform.value, event.user_id, private_chat, now
            )
            accounts[key] = (account, person)
        if account.person_id is not None and (person is None or person.id != account.person_id):
            person = await session.get(Person, account.person_id)  # made earlier in the batch
        return Context(
            event=event,
            session=session,
            settings=self.settings,
            now=now,
            account=account,
            person=person,
            state=state,
            t=Translator(person.locale if person else self.settings.default_locale),
        )


async def _accounts(session: AsyncSession, events: Sequence[Incoming]) -> Accounts:
    """The batch's known accounts and people, one query per platform."""
    users: dict[str, set[str]] = defaultdict(set)
    for event in events:
        users[event.platform.value].add(event.user_id)
    found: Accounts = {}
    for platform, ids in users.items():
        for user_id, pair in (await people.accounts_of(session, platform, ids)).items():
            found[(platform, user_id)] = pair
    return found
