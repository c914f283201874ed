"""The core loop: stored updates in, handled one at a time, replies into the outbox.

Receiving and handling are split by the inbox table: a transport stores a batch and only
then acknowledges it to the platform; the engine handles stored rows in order, each in
one transaction together with its state change and its replies. A crash anywhere leaves
either an unhandled row (handled after restart) or a fully handled one, never half.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.context import Context, Envelope
from bot.events import Address, Incoming, Platform, Reply
from bot.i18n import Translator
from storage import dialogs, inbox, outbox, people
from storage.models import Account, Person

log = logging.getLogger(__name__)
# Updates handled in one transaction when that many are waiting. Larger batches save
# commits, but every reply of a batch waits for the whole batch, and the loop does not
# serve the transports while a batch runs.
BATCH = 16


def _events(rows: Sequence[Row[Any]]) -> list[tuple[int, Incoming]]:
    return [(row.id, Incoming.from_json(row.event)) for row in rows]


def _state_key(event: Incoming) -> dialogs.Key:
    return (event.platform.value, event.chat_id, event.user_id)


class Handler(Protocol):
    async def handle(self, ctx: Context) -> None: ...


class Engine:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        handler: Handler,
        on_outbox: Callable[[Platform], None] = lambda _p: None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.handler = handler
        self.on_outbox = on_outbox  # wakes the platform's sender
        self._wake = asyncio.Event()
        self._stopping = False
        # Seconds from storing each update to its handling being committed; for bench/.
        self.latencies: deque[float] = deque(maxlen=100_000)

    async def accept(
        self, events: Sequence[Incoming], cursor: tuple[str, str] | None = None
    ) -> None:
        """Store updates durably; the caller acknowledges them to the platform after this."""
        async with self.sessions.begin() as session:
            await inbox.store(session, events, self.clock.now(), cursor)
        self._wake.set()

    async def run(self) -> None:
        """Handle stored updates until `stop()`; what is left stays for the next start."""
        while not self._stopping:
            self._wake.clear()  # before draining: a wake-up during the drain is not lost
            await self.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def drain(self) -> int:
        """Handle the waiting updates, a batch per transaction, until fewer than a whole
        batch were waiting; the number handled."""
        handled = 0
        while not self._stopping:
            count = await self._next_batch()
            handled += count
            if count < BATCH:
                return handled
            await asyncio.sleep(0)  # replies go out and updates come in between batches
        return handled

    async def _next_batch(self) -> int:
        """Handle several stored updates in one transaction: under load, one commit and
        one outbox insert serve them all. If any handler fails, the batch is rolled back
        and its updates are handled one by one, so only the failing one is apologized for."""
        rows: list[Row[Any]] = []
        try:
            async with self.sessions.begin() as session:
                rows = await inbox.pending(session, limit=BATCH)
                platforms = await self._handle(session, _events(rows)) if rows else set()
        except Exception:
            if not rows:
                raise
            platforms = set()
            for row in rows:
                platforms |= await self._handle_alone(row)
        self._handled(rows, platforms)
        return len(rows)

    async def _handle_alone(self, row: Row[Any]) -> set[Platform]:
        events = _events([row])
        try:
            async with self.sessions.begin() as session:
                return await self._handle(session, events)
        except Exception:
            _, event = events[0]
            log.exception("update %s/%s failed", event.platform, event.update_key)
            return await self._apologize(row.id, event)

    def _handled(self, rows: Sequence[Row[Any]], platforms: set[Platform]) -> None:
        now = time.time()
        self.latencies.extend(now - row.received_at.timestamp() for row in rows)
        for platform in platforms:
            self.on_outbox(platform)

    async def _handle(
        self, session: AsyncSession, events: list[tuple[int, Incoming]]
    ) -> set[Platform]:
        now = self.clock.now()
        accounts = await self._accounts(session, events)
        states = await dialogs.load_many(session, {_state_key(e) for _, e in events}, now)
        changed: dict[dialogs.Key, dialogs.State] = {}
        outgoing: list[tuple[Envelope, str | None]] = []
        for _, event in events:
            ctx = await self._context(session, event, now, accounts, states[_state_key(event)])
            await self.handler.handle(ctx)
            ctx.finish()
            if ctx.state_changed or not ctx.state.stored:
                changed[ctx.state.key] = ctx.state
            for envelope in ctx.outgoing:
                edit = envelope.reply.edit and envelope.to == ctx.here
                outgoing.append((envelope, event.message_ref if edit else None))
        await dialogs.save_many(session, changed.values())
        await outbox.enqueue_many(session, outgoing, now)
        await inbox.mark_processed(session, [row_id for row_id, _ in events], now)
        return {envelope.to.platform for envelope, _ in outgoing}

    @staticmethod
    async def _accounts(
        session: AsyncSession, events: list[tuple[int, Incoming]]
    ) -> dict[tuple[str, str], tuple[Account, Person | None]]:
        """The batch's known accounts and people, one query per platform."""
        users: dict[str, set[str]] = defaultdict(set)
        for _, event in events:
            users[event.platform.value].add(event.user_id)
        found: dict[tuple[str, str], tuple[Account, Person | None]] = {}
        for platform, ids in users.items():
            for user_id, pair in (await people.accounts_of(session, platform, ids)).items():
                found[(platform, user_id)] = pair
        return found

    async def _context(
        self,
        session: AsyncSession,
        event: Incoming,
        now: datetime,
        accounts: dict[tuple[str, str], tuple[Account, Person | None]],
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

    async def _apologize(self, row_id: int, event: Incoming) -> set[Platform]:
        """A bug must not swallow the update silently nor loop on it forever."""
        now = self.clock.now()
        async with self.sessions.begin() as session:
            await inbox.mark_processed(session, [row_id], now, error="handler failed")
            if event.is_group:
                return set()
            text = Translator(self.settings.default_locale)("errors.internal")
            await outbox.enqueue(session, Address(event.platform, event.chat_id), Reply(text), now)
        return {event.platform}

    async def settled(self, platform: Platform, within: float = 10.0) -> None:
        """Wait until every stored update is handled and the platform's outbox is empty
        (the console uses it so that closing the input does not cut replies off)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            async with self.sessions() as session:
                if (
                    not await inbox.pending(session, 1)
                    and await outbox.next_due(session, platform.value) is None
                ):
                    return
            await asyncio.sleep(0.05)
