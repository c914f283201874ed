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
from collections import deque
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

log = logging.getLogger(__name__)
BATCH = 64  # updates handled in one transaction when that many are waiting


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
            handled = await self.drain()
            if not handled:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def drain(self) -> int:
        async with self.sessions() as session:
            rows = await inbox.pending(session, limit=BATCH * 4)
        for first in range(0, len(rows), BATCH):
            if self._stopping:
                break
            await self._handle_batch(rows[first : first + BATCH])
        return len(rows)

    async def _handle_batch(self, rows: Sequence[Row[Any]]) -> None:
        """Handle several stored updates in one transaction: under load, one commit and
        one outbox insert serve them all. If any handler fails, the batch is rolled back
        and its updates are handled one by one, so only the failing one is apologized for."""
        events = [(row.id, Incoming.from_json(row.event)) for row in rows]
        try:
            async with self.sessions.begin() as session:
                platforms = await self._handle(session, events)
        except Exception:
            if len(rows) == 1:
                _, event = events[0]
                log.exception("update %s/%s failed", event.platform, event.update_key)
                platforms = await self._apologize(rows[0].id, event)
            else:
                platforms = set()
                for row in rows:
                    await self._handle_batch([row])
        now = time.time()
        self.latencies.extend(now - row.received_at.timestamp() for row in rows)
        for platform in platforms:
            self.on_outbox(platform)

    async def _handle(
        self, session: AsyncSession, events: list[tuple[int, Incoming]]
    ) -> set[Platform]:
        now = self.clock.now()
        outgoing: list[tuple[Envelope, str | None]] = []
        for _, event in events:
            ctx = await self._context(session, event, now)
            await self.handler.handle(ctx)
            ctx.finish()
            for envelope in ctx.outgoing:
                edit = envelope.reply.edit and envelope.to == ctx.here
                outgoing.append((envelope, event.message_ref if edit else None))
        await outbox.enqueue_many(session, outgoing, now)
        await inbox.mark_processed(session, [row_id for row_id, _ in events], now)
        return {envelope.to.platform for envelope, _ in outgoing}

    async def _context(self, session: AsyncSession, event: Incoming, now: datetime) -> Context:
        private_chat = event.user_id if event.is_group else event.chat_id
        account, person, state = await people.account_for(
            session, event.platform.value, event.user_id, private_chat, now, event.chat_id
        )
        if state is None:
            state = await dialogs.load(
                session, event.platform.value, event.chat_id, event.user_id, now
            )
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
