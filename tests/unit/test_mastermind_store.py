"""Mastermind rows against a real SQLite file: reminders wait out the organization's quiet
hours, a /link code says why it is refused, and a group's history counts who was there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.mastermind import MastermindTick
from storage import db
from storage import mastermind as store
from storage import mastermind_stats as stats
from storage.models import (
    MmEntry,
    MmFeedback,
    MmGroup,
    MmSession,
    Organization,
    OutboxMessage,
    Person,
)

MSK = ZoneInfo("Europe/Moscow")
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def msk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MSK)


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'mm.sqlite3'}")
    await db.migrate(engine)
    yield db.session_factory(engine)
    await engine.dispose()


async def _group(sessions: async_sessionmaker[AsyncSession], quiet: tuple[int, int]) -> int:
    """A group meeting on Thursdays at 21:30 Moscow time, quiet hours `quiet`."""
    async with sessions.begin() as session:
        org = Organization(
            name="Школа",
            timezone="Europe/Moscow",
            created_at=LONG_AGO,
            quiet_start_hour=quiet[0],
            quiet_end_hour=quiet[1],
        )
        lead = Person(full_name="Ольга", locale="ru", created_at=LONG_AGO)
        session.add_all([org, lead])
        await session.flush()
        group = MmGroup(
            organization_id=org.id,
            platform="telegram",
            chat_id="-100",
            title="Учителя",
            facilitator_id=lead.id,
            weekday=3,
            at_minute=21 * 60 + 30,
            every_weeks=1,
            anchor_on=date(2026, 11, 23),
            created_at=LONG_AGO,
        )
        session.add(group)
        await session.flush()
        return group.id


async def _tick_texts(sessions: async_sessionmaker[AsyncSession], at: datetime) -> list[str]:
    assert await MastermindTick(sessions, FixedClock(at), lambda _: None).run()
    async with sessions() as session:
        return list((await session.scalars(select(OutboxMessage.text))).all())


async def test_the_day_reminder_waits_for_the_morning_and_says_today(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _group(sessions, (21, 9))
    assert await _tick_texts(sessions, msk("2026-11-25 21:45")) == []  # a day before: quiet
    assert await _tick_texts(sessions, msk("2026-11-26 08:59")) == []
    texts = await _tick_texts(sessions, msk("2026-11-26 09:05"))
    assert texts == [
        "Сегодня в 21:30 встреча группы «Учителя». Подумайте заранее, о чём хотите попросить."
    ]
    assert len(await _tick_texts(sessions, msk("2026-11-26 12:00"))) == 1  # once
    texts = await _tick_texts(sessions, msk("2026-11-26 20:45"))
    assert texts[1:] == ["Скоро встреча группы «Учителя» — в 21:30."]


async def test_without_quiet_hours_the_day_reminder_goes_the_evening_before(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _group(sessions, (0, 0))
    texts = await _tick_texts(sessions, msk("2026-11-25 21:45"))
    assert texts == [
        "Завтра, 26.11 в 21:30, встреча группы «Учителя». "
        "Подумайте заранее, о чём хотите попросить."
    ]


async def test_a_link_code_says_why_it_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    group_id = await _group(sessions, (21, 9))
    now = msk("2026-11-26 12:00")
    async with sessions.begin() as session:
        org_id = (await session.get(MmGroup, group_id)).organization_id  # type: ignore[union-attr]
        fresh = await store.new_link_code(session, org_id, None, now)
        old = await store.new_link_code(session, org_id, None, now - timedelta(days=8))
    async with sessions.begin() as session:
        assert (await store.use_link_code(session, "NOSUCH00", now))[1] == "unknown"
        assert (await store.use_link_code(session, old, now))[1] == "expired"
        found, reason = await store.use_link_code(session, fresh.lower(), now)
        assert found is not None and reason == ""
        assert (await store.use_link_code(session, fresh, now))[1] == "used"


async def test_history_counts_who_spoke_or_passed_and_the_ratings(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    group_id = await _group(sessions, (21, 9))
    start = msk("2026-11-26 21:30")
    async with sessions.begin() as session:
        people = [Person(full_name=n, locale="ru", created_at=LONG_AGO) for n in "АБВГ"]
        session.add_all(people)
        await session.flush()
        a, b, c, d = (p.id for p in people)
        sess = MmSession(
            group_id=group_id,
            status="done",
            turns=[[1, a, None], [1, b, None], [1, c, None], [1, d, None]],
            turn_started_at=start,
            started_at=start,
        )
        session.add(sess)
        await session.flush()
        for n, (who, kind) in enumerate([(a, "text"), (b, "pass"), (c, "timeout"), (d, "skip")]):
            session.add(
                MmEntry(
                    session_id=sess.id,
                    turn_index=n,
                    round=1,
                    person_id=who,
                    kind=kind,
                    created_at=start,
                )
            )
        session.add_all(
            [
                MmFeedback(
                    session_id=sess.id, person_id=a, score=5, comment="Полезно", created_at=start
                ),
                MmFeedback(session_id=sess.id, person_id=b, score=4, comment=" ", created_at=start),
            ]
        )
    async with sessions() as session:
        [row] = await stats.history(session, group_id)
        led = await stats.led_groups(session, people[0].id)
    assert (row.members, row.attended) == (4, [a, b])  # a timeout or a skip is absence
    assert (row.score, row.votes, row.comments) == (4.5, 2, 1)
    assert led == []  # a member is not the facilitator
