"""Mastermind ticks: a turn whose time is up, a status edit waiting for its message, a
scheduled session, reminders the day and the hour before, and each participant's
commitments two days before the next session. Reminders wait out the organization's quiet
hours (a scheduled start does not: the facilitator chose that time).

Like the other ticks, everything is derived from the rows at the clock's instant, so a
restart loses no timer: a turn that ran out while the bot was down ends at the first
tick. Reminders are claimed in the ledger with their outbox row, so each is sent once.
This tick runs the session engine of handlers/ (a timeout moves the turn as a button
press would), the one place the scheduler reaches into handlers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.events import Address, Platform, Reply
from bot.i18n import Translator
from domain import mastermind as rules
from handlers import mastermind_session as room
from scheduler.timing import is_quiet
from storage import mastermind as store
from storage import outbox, reminders
from storage.models import MmGroup, MmSession, Organization

log = logging.getLogger(__name__)
START_GRACE = timedelta(minutes=30)  # a bot back within this starts a scheduled session late
DAY, HOUR, COMMIT = timedelta(days=1), timedelta(hours=1), timedelta(days=2)


class MastermindTick:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        wake: Callable[[Platform], None],
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.wake = wake

    async def run(self) -> bool:
        now = self.clock.now()
        async with self.sessions.begin() as db:
            touched = await self._turns(db, now)
            touched |= await self._groups(db, now)
        for platform in touched:
            self.wake(Platform(platform))
        return True

    async def _turns(self, db: AsyncSession, now: datetime) -> set[str]:
        touched: set[str] = set()
        for sess in await store.all_running(db):
            group = await db.get(MmGroup, sess.group_id)
            if group is None or not group.active:
                continue
            if now >= room.deadline(group, sess):
                await room.advance(db, now, group, sess, "timeout")
                touched.add(group.platform)
            elif sess.status_dirty:
                await room.refresh_status(db, now, group, sess)
                touched.add(group.platform)
        return touched

    async def _groups(self, db: AsyncSession, now: datetime) -> set[str]:
        touched: set[str] = set()
        for group in await store.active_groups(db):
            if group.weekday is None or group.at_minute is None or group.anchor_on is None:
                continue
            tz = await room.tz_of(db, group)

            def slot(after: datetime, g: MmGroup = group, zone: str = tz) -> datetime:
                assert g.weekday is not None and g.at_minute is not None and g.anchor_on
                return rules.next_slot(
                    after, zone, g.weekday, g.at_minute, g.every_weeks, g.anchor_on
                )

            began = slot(now - START_GRACE)
            idle = began <= now and await store.running(db, group.id) is None
            if idle and not await _planned(db, group.id, began):
                await room.start(db, now, group, planned_for=began)
                touched.add(group.platform)
            if await _quiet(db, group, now):
                continue  # the reasons stay due: the first tick after the quiet hours sends
            upcoming = slot(now + timedelta(seconds=1)) if began <= now else began
            touched |= await self._remind(db, now, group, tz, upcoming)
        return touched

    async def _remind(
        self, db: AsyncSession, now: datetime, group: MmGroup, tz: str, upcoming: datetime
    ) -> set[str]:
        left = upcoming - now
        t = await room.group_t(db, group)
        when = room.local(upcoming, tz)
        stamp = upcoming.strftime("%Y%m%dT%H%M")
        touched: set[str] = set()
        if HOUR < left <= DAY:
            # held back by the night, the day-before reminder may go out on the day itself
            today = when.date() == room.local(now, tz).date()
            text = t(
                "mastermind.remind_today" if today else "mastermind.remind_day",
                when=when.strftime("%d.%m в %H:%M"),
                time=when.strftime("%H:%M"),
                title=group.title,
            )
            if await _tell(
                db, now, f"mm:day:{group.id}:{stamp}", None, room.group_address(group), text
            ):
                touched.add(group.platform)
        elif timedelta(0) < left <= HOUR:
            text = t("mastermind.remind_hour", time=when.strftime("%H:%M"), title=group.title)
            if await _tell(
                db, now, f"mm:hour:{group.id}:{stamp}", None, room.group_address(group), text
            ):
                touched.add(group.platform)
        if left <= COMMIT:
            touched |= await self._commitments(db, now, group, when)
        return touched

    async def _commitments(
        self, db: AsyncSession, now: datetime, group: MmGroup, when: datetime
    ) -> set[str]:
        last = await store.last_done(db, group.id)
        if last is None:
            return set()
        steps: dict[int, list[str]] = {}
        for entry in await store.entries(db, last.id):
            if entry.round == 3 and entry.kind == "text":
                steps.setdefault(entry.person_id, []).append(entry.text[: room.ENTRY_CHARS])
        found = await reminders.recipients(db, steps)
        touched: set[str] = set()
        for person_id, texts in steps.items():
            where = found.get(person_id)
            if where is None:
                continue
            t = Translator(where.locale)
            text = t(
                "mastermind.commitments",
                when=when.strftime("%d.%m в %H:%M"),
                title=group.title,
                items="\n".join(f"• {x}" for x in texts),
            )
            to = Address(Platform(where.platform), where.chat_id)
            if await _tell(db, now, f"mm:commit:{last.id}:{person_id}", person_id, to, text):
                touched.add(where.platform)
        return touched


async def _quiet(db: AsyncSession, group: MmGroup, now: datetime) -> bool:
    org = await db.get(Organization, group.organization_id)
    if org is None:
        return False
    return is_quiet(room.local(now, org.timezone).hour, org.quiet_start_hour, org.quiet_end_hour)


async def _planned(db: AsyncSession, group_id: int, slot: datetime) -> bool:
    found = await db.scalar(
        select(MmSession.id).where(MmSession.group_id == group_id, MmSession.planned_for == slot)
    )
    return found is not None


async def _tell(
    db: AsyncSession, now: datetime, key: str, person: int | None, to: Address, text: str
) -> bool:
    """Claim the reason in the ledger and queue the message, in one transaction: once."""
    if not await reminders.claim(db, [(key, person)], now):  # type: ignore[list-item]
        return False
    await outbox.enqueue(db, to, Reply(text), now, reminders.OUTBOX_PREFIX + key)
    return True
