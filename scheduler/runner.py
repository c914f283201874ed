"""APScheduler 3 on the bot's event loop: when to look, never what is due.

The interval jobs only wake the ticks; what is due is derived from the database at the
injected clock's instant (scheduler/tick.py), so a tick missed while the bot was down
needs no catching up by the scheduler: the first tick after start (`next_run_time` now)
finds it still due. Announcements are looked for more often than reminders: a curator
waits for "sent".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler.mastermind import MastermindTick
from scheduler.tick import Ticker

log = logging.getLogger(__name__)
ANNOUNCEMENT_SECONDS = 5.0


class SchedulerRunner:
    def __init__(self, ticker: Ticker, tick_seconds: float) -> None:
        self.ticker = ticker
        self.tick_seconds = tick_seconds
        self.mastermind = MastermindTick(ticker.sessions, ticker.clock, ticker.wake)
        # coalesce: runs missed while the loop was busy become one; no misfire limit: a
        # late run is still a run. Overlap is refused by `_busy`, quietly.
        self.aps = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 2, "misfire_grace_time": None},
        )
        self._busy: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per run is noise

    def start(self) -> None:
        now = datetime.now(UTC)
        jobs: dict[str, tuple[Callable[[], Awaitable[bool]], float]] = {
            "reminders": (self.ticker.reminders, self.tick_seconds),
            "mastermind": (self.mastermind.run, self.tick_seconds),
            "announcements": (
                self.ticker.announcements,
                min(self.tick_seconds, ANNOUNCEMENT_SECONDS),
            ),
        }
        for name, (tick, seconds) in jobs.items():
            self.aps.add_job(
                self._job,
                "interval",
                seconds=seconds,
                id=name,
                args=[name, tick],
                next_run_time=now,
            )
        self.aps.start()
        log.info("scheduler started: reminders every %g s", self.tick_seconds)

    async def _job(self, name: str, tick: Callable[[], Awaitable[bool]]) -> None:
        if name in self._busy:
            return  # the previous run is still feeding a burst
        # Shielded: APScheduler's shutdown cancels running jobs; a tick ends its
        # transaction and returns on its own (Ticker.stopping), and stop() waits for it.
        task = asyncio.ensure_future(self._run(name, tick))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await asyncio.shield(task)

    async def _run(self, name: str, tick: Callable[[], Awaitable[bool]]) -> None:
        self._busy.add(name)
        try:
            # Not all written (a burst drains at the platform's pace): read the data again
            # and go on at once rather than at the next interval.
            while not await tick() and not self.ticker.stopping:
                pass
        except Exception:
            log.exception("scheduler %s tick failed", name)
        finally:
            self._busy.discard(name)

    async def stop(self) -> None:
        self.ticker.stopping = True
        if self.aps.running:
            self.aps.shutdown(wait=False)
        await asyncio.gather(*self._tasks, return_exceptions=True)
