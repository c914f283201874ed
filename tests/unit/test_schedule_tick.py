"""The tick's writing half against a real SQLite file: each reason once however often it
runs, and a burst fed to the outbox in bounded portions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from scheduler import tick
from scheduler.tick import Ticker
from storage import db
from storage.models import (
    Account,
    Organization,
    OutboxMessage,
    Pair,
    PairMember,
    Person,
    ReminderMark,
)

DUE = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 10:00 in Moscow on the reminder day


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'tick.sqlite3'}")
    await db.migrate(engine)
    yield db.session_factory(engine)
    await engine.dispose()


async def _pairs(sessions: async_sessionmaker[AsyncSession], count: int) -> None:
    """`count` active pairs with reachable mentors and no meeting: that many reminders."""
    long_ago = DUE - timedelta(days=60)
    async with sessions.begin() as session:
        org = Organization(name="Школа", timezone="Europe/Moscow", created_at=long_ago)
        session.add(org)
        await session.flush()
        for n in range(count):
            mentor = Person(full_name=f"Наставник {n}", locale="ru", created_at=long_ago)
            mentee = Person(full_name=f"Ученик {n}", locale="ru", created_at=long_ago)
            session.add_all([mentor, mentee])
            await session.flush()
            session.add(
                Account(
                    platform="telegram",
                    external_id=str(n),
                    chat_id=str(n),
                    person_id=mentor.id,
                    created_at=long_ago,
                )
            )
            pair = Pair(
                organization_id=org.id,
                mentor_person_id=mentor.id,
                status="active",
                created_at=long_ago,
                updated_at=long_ago,
            )
            session.add(pair)
            await session.flush()
            session.add(PairMember(pair_id=pair.id, mentee_person_id=mentee.id))


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_ticks_and_a_second_ticker_write_each_reminder_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _pairs(sessions, 3)
    clock: Clock = FixedClock(DUE)
    assert await Ticker(sessions, clock).reminders()
    assert await _count(sessions, OutboxMessage) == 3  # mentees have no account: nothing
    for later in (DUE, DUE + timedelta(hours=5)):
        assert await Ticker(sessions, FixedClock(later)).reminders()  # a restart, a new process
    assert await _count(sessions, OutboxMessage) == 3
    assert await _count(sessions, ReminderMark) == 3
    async with sessions() as session:
        keys = (await session.scalars(select(OutboxMessage.dedupe_key))).all()
        texts = (await session.scalars(select(OutboxMessage.text))).all()
    assert all(k and k.startswith("rem:meet:") for k in keys)
    assert all("в ноябре пока нет ни одной записанной встречи" in t for t in texts)


async def test_a_burst_is_fed_in_portions_as_the_sender_drains_it(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tick, "BACKLOG", 5)
    monkeypatch.setattr(tick, "FEED_SECONDS", 0.3)
    monkeypatch.setattr(tick, "FEED_PAUSE", 0.05)
    await _pairs(sessions, 12)
    ticker = Ticker(sessions, FixedClock(DUE))
    written = []
    for _ in range(4):
        done = await ticker.reminders()
        written.append(await _count(sessions, OutboxMessage))
        async with sessions.begin() as session:  # the sender sends what is waiting
            await session.execute(update(OutboxMessage).values(status="sent"))
        if done:
            break
    assert written == [5, 10, 12]  # never more than 5 waiting; nothing lost, nothing twice


async def test_quiet_hours_write_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    await _pairs(sessions, 2)
    assert await Ticker(sessions, FixedClock(DUE - timedelta(hours=2))).reminders()  # 08:00
    assert await _count(sessions, OutboxMessage) == 0
    assert await _count(sessions, ReminderMark) == 0
