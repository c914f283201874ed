"""The core loop: updates in, handled in order, replies into the outbox.

The inbox table is the line between receiving and handling: a transport acknowledges
updates to the platform only once `accept` has stored them. Each update is handled in a
transaction together with its state change and its replies, so a crash anywhere leaves
an update either unhandled (handled after restart) or fully handled, never half.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.batch import Batch, Handler
from bot.clock import Clock
from bot.config import Settings
from bot.events import Address, Incoming, Platform, Reply
from bot.i18n import Translator
from storage import db, inbox, outbox

log = logging.getLogger(__name__)
# Updates handled in one transaction when that many are waiting. Larger batches save
# commits, but every reply of a batch waits for the whole batch, and the loop does not
# serve the transports while a batch runs.
BATCH = 16

__all__ = ["BATCH", "Engine", "Handler"]


def _events(rows: Sequence[Row[Any]]) -> list[Incoming]:
    return [Incoming.from_json(row.event) for row in rows]


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
        self.batch = Batch(settings, handler)
        self.on_outbox = on_outbox  # wakes the platform's sender
        self._wake = asyncio.Event()
        self._stopping = False
        # Handling is serialized, and updates stored unhandled (at start, after a failure)
        # go first: new ones are handled on arrival only while none of them is waiting.
        self._lock = asyncio.Lock()
        self._backlog = True
        # Seconds from storing each update to its handling being committed.
        self.latencies: deque[float] = deque(maxlen=100_000)

    async def accept(
        self, events: Sequence[Incoming], cursor: tuple[str, str] | None = None
    ) -> None:
        """Store updates durably; the caller acknowledges them to the platform after this.

        While no older update waits, they are handled right here and stored as handled in
        the same transaction: one commit, not two, and no hop through the loop. Otherwise,
        or if a handler fails, they are stored as waiting and the loop handles them (the
        failing one alone, with an apology)."""
        async with self._lock:
            done = 0
            while not self._backlog and done < len(events):
                chunk = events[done : done + BATCH]
                last = done + len(chunk) == len(events)
                if not await self._handle_new(chunk, cursor if last else None):
                    break
                done += len(chunk)
                if not last:
                    await asyncio.sleep(0)  # replies go out between batches
            if done == len(events) and (done or cursor is None):
                return  # all handled, the cursor with the last of them
            async with self.sessions.begin() as session:
                await inbox.store(session, events[done:], self.clock.now(), cursor)
            self._backlog = self._backlog or done < len(events)
        self._wake.set()

    async def _handle_new(self, events: Sequence[Incoming], cursor: tuple[str, str] | None) -> bool:
        started, now = time.time(), self.clock.now()
        try:
            async with db.transaction(self.sessions) as session:
                fresh = await inbox.store_handled(session, events, now, cursor)
                platforms = await self.batch.handle(session, fresh, now) if fresh else set()
        except Exception:
            log.debug("a batch failed on arrival; stored, to be handled one by one")
            return False
        self.latencies.extend(time.time() - started for _ in fresh)
        self._notify(platforms)
        return True

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
        """Handle the stored, waiting updates, a batch per transaction, until fewer than a
        whole batch were waiting; the number handled."""
        handled = 0
        while not self._stopping:
            async with self._lock:
                count = await self._next_batch()
                if count < BATCH:
                    self._backlog = False  # none left: new ones are handled on arrival
            handled += count
            if count < BATCH:
                return handled
            await asyncio.sleep(0)  # replies go out and updates come in between batches
        return handled

    async def _next_batch(self) -> int:
        """Handle several stored updates in one transaction. If any handler fails, the
        batch is rolled back and its updates are handled one by one, so only the failing
        one is apologized for."""
        rows: list[Row[Any]] = []
        try:
            async with db.transaction(self.sessions) as session:
                rows = await inbox.pending(session, limit=BATCH)
                if rows:
                    now = self.clock.now()
                    platforms = await self.batch.handle(session, _events(rows), now)
                    await inbox.mark_processed(session, [row.id for row in rows], now)
        except Exception:
            if not rows:
                raise
            platforms = set()
            for row in rows:
                platforms |= await self._handle_alone(row)
        now_wall = time.time()
        self.latencies.extend(now_wall - row.received_at.timestamp() for row in rows)
        self._notify(platforms if rows else set())
        return len(rows)

    async def _handle_alone(self, row: Row[Any]) -> set[Platform]:
        event = Incoming.from_json(row.event)
        try:
            async with db.transaction(self.sessions) as session:
                now = self.clock.now()
                platforms = await self.batch.handle(session, [event], now)
                await inbox.mark_processed(session, [row.id], now)
                return platforms
        except Exception:
            log.exception("update %s/%s failed", event.platform, event.update_key)
            return await self._apologize(row.id, event)

    def _notify(self, platforms: set[Platform]) -> None:
        for platform in platforms:
            self.on_outbox(platform)

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
