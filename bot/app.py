"""Assembly and lifetime of the running bot: nothing is created at import time."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import secrets
import signal
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, make_clock
from bot.config import Settings
from bot.engine import Engine
from bot.events import Platform
from bot.ratelimit import Limits
from bot.sender import Sender
from bot.transport import Transport
from handlers.dispatch import Dispatcher
from scheduler.runner import SchedulerRunner
from scheduler.tick import Ticker
from storage import db, inbox
from storage.models import TransportCursor

log = logging.getLogger("bot")


@dataclass
class App:
    settings: Settings
    database: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    engine: Engine
    transports: list[Transport]
    senders: dict[Platform, Sender] = field(default_factory=dict)
    scheduler: SchedulerRunner | None = None


def limits_for(platform: Platform, settings: Settings) -> Limits:
    if platform is Platform.TELEGRAM:
        return Limits(
            settings.telegram_rate_global,
            settings.telegram_rate_per_chat,
            settings.telegram_rate_per_group_minute,
        )
    if platform is Platform.VK:
        return Limits(settings.vk_rate)
    return Limits(1000.0)


async def _vk_salt(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions.begin() as session:
        row = await session.get(TransportCursor, "vk_salt")
        if row is None:
            row = TransportCursor(platform="vk_salt", value=secrets.token_hex(8))
            session.add(row)
        return row.value


async def build(settings: Settings, clock: Clock | None = None) -> App:
    clock = clock or make_clock(settings.clock_file)
    database = db.create_engine(settings.database_url)
    await db.migrate(database)
    sessions = db.session_factory(database)
    transports: list[Transport] = []
    if settings.telegram_enabled:
        from transports.telegram import TelegramTransport

        transports.append(TelegramTransport(settings.telegram_bot_token, settings.telegram_api_url))
    if settings.vk_enabled:
        from transports.vk import VkTransport

        transports.append(
            VkTransport(
                settings.vk_group_token,
                settings.vk_group_id,
                settings.vk_api_url,
                await _vk_salt(sessions),
            )
        )
    if settings.console_enabled:
        from transports.console import ConsoleTransport

        transports.append(ConsoleTransport())
    senders: dict[Platform, Sender] = {}

    def wake(platform: Platform) -> None:
        sender = senders.get(platform)
        if sender is not None:
            sender.notify()

    engine = Engine(sessions, settings, clock, Dispatcher(), on_outbox=wake)
    for transport in transports:
        senders[transport.platform] = Sender(
            transport, sessions, clock, limits_for(transport.platform, settings)
        )
    ticker = Ticker(sessions, clock, wake)
    scheduler = SchedulerRunner(ticker, settings.scheduler_tick_seconds)
    return App(settings, database, sessions, engine, transports, senders, scheduler)


async def _receive(app: App, transport: Transport) -> None:
    if transport.platform is Platform.VK:
        async with app.sessions() as session:
            saved = await inbox.cursor(session, "vk")
        await transport.receive(app.engine, saved_ts=saved)  # type: ignore[call-arg]
    else:
        await transport.receive(app.engine)


async def run(settings: Settings) -> None:
    app = await build(settings)
    # Everything loaded so far (aiogram, pydantic, SQLAlchemy: most of the heap) lives as
    # long as the process: keep it out of the collector, whose full passes over it took
    # 130-180 ms late in a bench run and set the worst-case latency.
    gc.collect()
    gc.freeze()
    # What an update allocates dies young. Collecting every 700 net allocations (the
    # default) also promoted a batch in flight to the older generations, whose passes
    # then took 5-12 ms (60 on a busy machine) in the middle of the run; every 10 000,
    # a run of 6 500 updates needs ~50 young passes and no old ones.
    gc.set_threshold(10_000, 20, 20)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)

    def spawn(coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coro, name=name)
        task.add_done_callback(lambda t: _on_done(t, stop))
        return task

    receivers = [spawn(_receive(app, t), f"receive-{t.platform}") for t in app.transports]
    workers = [spawn(app.engine.run(), "engine")]
    workers += [spawn(s.run(), f"send-{p}") for p, s in app.senders.items()]
    if app.scheduler is not None:
        app.scheduler.start()
    names = ", ".join(t.platform.value for t in app.transports)
    log.info("bot started: %s; database %s", names, settings.database_url.split("://")[0])
    await stop.wait()
    log.info("stopping: finishing the update in hand and messages on the wire")
    for task in receivers:  # unacknowledged updates will simply come again
        task.cancel()
    await asyncio.gather(*receivers, return_exceptions=True)
    if app.scheduler is not None:  # its last transaction ends before the senders stop
        await app.scheduler.stop()
    app.engine.stop()
    for sender in app.senders.values():
        sender.stop()
    await asyncio.gather(*workers, return_exceptions=True)
    for transport in app.transports:
        await transport.stop()
    await app.database.dispose()
    log.info("stopped")


def _on_done(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    """A receiver that ends (console closed, token refused) or a crashed worker stops all."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("%s crashed", task.get_name(), exc_info=exc)
    if task.get_name().startswith("receive-") and exc is None:
        log.info("%s finished", task.get_name())
    stop.set()
