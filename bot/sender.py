"""Drains one platform's outbox within its limits, in order per chat, never silently.

Rows are sent oldest first; a chat's later rows wait for its earlier one, so a person
never sees answers out of order. 429 pauses the whole platform for `retry_after`;
5xx and network errors back off and retry; a blocked user is marked unreachable; a
message the platform refuses is kept with its error and logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.ratelimit import Limits, Pacer
from bot.transport import (
    Delivery,
    PermanentFailure,
    RetryAfter,
    Sent,
    TemporaryFailure,
    Transport,
    Unreachable,
)
from storage import db, outbox
from storage.outbox import Outbound

log = logging.getLogger(__name__)

SAFETY = 0.97  # stay just under the published limit: clocks on both sides jitter
MAX_IN_FLIGHT = 16
MAX_ATTEMPTS = 12  # with capped backoff: about an hour of retries, then logged as failed
BACKOFF_CAP = 600.0
# Seconds of pacing through one list of heads before looking at the outbox again. A long
# list (a burst of reminders) would otherwise hold finished sends unrecorded and keep rows
# written meanwhile, a person's answer among them, waiting until the whole list is paced.
CYCLE = 0.5


def backoff(attempts: int) -> float:
    return min(BACKOFF_CAP, 2.0 ** max(0, attempts))


class Sender:
    def __init__(
        self,
        transport: Transport,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        limits: Limits,
    ) -> None:
        self.transport = transport
        self.platform = transport.platform.value
        self.sessions = sessions
        self.clock = clock
        self.pacer = Pacer(
            Limits(
                limits.overall_per_sec * SAFETY,
                limits.per_chat_per_sec * SAFETY if limits.per_chat_per_sec else None,
                limits.per_group_per_min * SAFETY if limits.per_group_per_min else None,
            )
        )
        self._wake = asyncio.Event()
        self._stopping = False
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._results: list[tuple[Outbound, Delivery]] = []
        self._semaphore = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.stats = {"sent": 0, "retry_after": 0, "temporary": 0, "failed": 0, "unreachable": 0}

    def notify(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()  # before looking: a notify during the look is not lost
            wait = await self._dispatch_due()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
        if self._in_flight:  # finish what is on the wire; the rest stays pending
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        async with self.sessions.begin() as session:
            await self._record_results(session)

    async def _dispatch_due(self) -> float:
        """Start every send that is allowed now; return how long to sleep after."""
        async with db.transaction(self.sessions) as session:  # one for both
            await self._record_results(session)  # first: a finished row is not picked again
            heads = await outbox.pending_heads(session, self.platform, set(self._in_flight))
        now_wall = self.clock.now()
        sleep = 1.0
        started = time.monotonic()
        for row in heads:
            if self._stopping:
                break
            if time.monotonic() - started >= CYCLE:
                return 0.0  # look again now: record results, see newer rows
            if row.next_attempt_at > now_wall:
                sleep = min(sleep, (row.next_attempt_at - now_wall).total_seconds())
                continue
            mono = time.monotonic()
            chat_wait = self.pacer.chat_ready_in(row.chat_id, mono, row.is_group)
            if chat_wait > 0:
                sleep = min(sleep, chat_wait)
                continue
            overall_wait = self.pacer.overall_ready_in(mono)
            if overall_wait > 0:
                await asyncio.sleep(overall_wait)
                if self.pacer.chat_ready_in(row.chat_id, time.monotonic(), row.is_group) > 0:
                    continue
            await self._semaphore.acquire()
            self.pacer.take(row.chat_id, row.is_group, time.monotonic())
            attachment = None
            if row.attachment_name is not None:
                async with self.sessions() as session:
                    attachment = await outbox.attachment_of(session, row.id)
            message = outbox.to_outbound(row, attachment)
            self._in_flight[row.chat_id] = asyncio.create_task(self._send(message))
        return max(0.0, sleep) if heads else 1.0

    async def _send(self, message: Outbound) -> None:
        try:
            try:
                result = await self.transport.deliver(message)
            except Exception as exc:  # a transport bug must not kill the sender
                log.exception("deliver crashed for outbox row %s", message.id)
                result = TemporaryFailure(repr(exc))
            self._results.append((message, result))
        finally:
            self._semaphore.release()
            self._wake.set()

    async def _record_results(self, session: AsyncSession) -> None:
        """Write what the finished sends returned, many at once; only then are their
        chats free for their next message."""
        if not self._results:
            return
        done, self._results = self._results, []
        now = self.clock.now()
        sent = [(m.id, r.message_id) for m, r in done if isinstance(r, Sent)]
        self.stats["sent"] += len(sent)
        await outbox.mark_sent_many(session, sent, now)  # the usual case: one statement
        for message, result in done:
            if not isinstance(result, Sent):
                await self._record(session, message, result, now)
        for message, _ in done:
            self._in_flight.pop(message.chat_id, None)

    async def _record(
        self, session: AsyncSession, message: Outbound, result: Delivery, now: datetime
    ) -> None:
        match result:
            case RetryAfter(seconds):
                self.stats["retry_after"] += 1
                self.pacer.pause(seconds, time.monotonic())
                at = now + timedelta(seconds=seconds)
                await outbox.reschedule(session, message.id, at, "429", count_attempt=False)
            case Unreachable(reason):
                self.stats["unreachable"] += 1
                log.info("chat %s/%s unreachable: %s", self.platform, message.chat_id, reason)
                await outbox.mark_failed(session, message.id, outbox.UNREACHABLE, reason)
                await outbox.mark_chat_unreachable(session, self.platform, message.chat_id, now)
            case TemporaryFailure(reason) if message.attempts + 1 < MAX_ATTEMPTS:
                self.stats["temporary"] += 1
                at = now + timedelta(seconds=backoff(message.attempts))
                await outbox.reschedule(session, message.id, at, reason)
            case TemporaryFailure(reason) | PermanentFailure(reason):
                self.stats["failed"] += 1
                log.error(
                    "outbox row %s to %s/%s failed for good: %s",
                    message.id,
                    self.platform,
                    message.chat_id,
                    reason,
                )
                await outbox.mark_failed(session, message.id, outbox.FAILED, reason)
