"""One tick: read a snapshot, find what is due (scheduler/due.py), tell each new reason once.

Exactly once: an item's key goes into the ledger (`reminder_marks`) in the same
transaction as the outbox row that carries it. A crash before the commit leaves neither,
and the next tick finds the item still due; after the commit the key is there and no
tick, restart or second process tells it again. Items are derived from the data at the
tick's instant, not from a timer, so a bot that was down across a due moment sends it
when it is back.

Quiet hours hold an item back (it is simply not due yet) instead of writing a row with a
later send time: a held row at the head of a chat's queue would hold up that chat's
answers too, and the reason is re-checked when the morning comes (a meeting logged in
the evening cancels the reminder).

Bulk without starving conversations: the outbox sends oldest first, so ten thousand
reminders written at once would queue every person's answers behind them for minutes.
The tick keeps at most `BACKLOG` of its messages waiting per platform and tops the queue
up as the sender drains it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.context import Envelope
from bot.events import Address, Platform, Reply
from bot.i18n import Translator
from scheduler import due as rules
from scheduler import load, texts
from scheduler.due import Rule
from scheduler.snapshot import Item, Kind, Org, Snapshot
from scheduler.timing import is_quiet, local, month_began
from storage import digest, outbox, reminders
from storage.digest import DigestData
from storage.models import Announcement, Organization
from storage.reminders import Recipient

log = logging.getLogger(__name__)

BACKLOG = 60  # scheduler messages waiting per platform: ~2 s at Telegram's 30/s
FEED_PAUSE = 0.2  # seconds between top-ups while a burst drains
# A burst is fed from one reading of the data for up to this long, then read again. Not
# more often: a reading holds the event loop for a moment, and a send held up on its way
# lands beside the next one, which is what a per-second limit counts as one too many.
FEED_SECONDS = 600.0


@dataclass(slots=True)
class Parcel:
    """Items that become one message to one person."""

    org: Org
    recipient: Recipient
    person_id: int
    items: list[Item]


class Ticker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        wake: Callable[[Platform], None] = lambda _p: None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.wake = wake
        self.stopping = False

    async def reminders(self) -> bool:
        """Everything but announcements; True when all that is due was written."""
        return await self._run(load.reminder_snapshot, rules.REMINDERS, "reminders")

    async def announcements(self) -> bool:
        return await self._run(load.announcement_snapshot, rules.ANNOUNCEMENTS, "announcements")

    async def _run(
        self,
        snapshot: Callable[[AsyncSession, datetime], Any],
        which: Sequence[Rule],
        name: str,
    ) -> bool:
        now = self.clock.now()
        async with self.sessions() as session:
            snap: Snapshot = await snapshot(session, now)
            items = rules.due(snap, now, which)
            told = await reminders.told(session, [i.key for i in items])
            fresh = [i for i in items if i.key not in told]
            parcels, composer = await self._prepare(session, snap, fresh, now)
        done = await self._feed(parcels, composer)
        if done:
            async with self.sessions.begin() as session:
                await reminders.mark_tick(session, name, now)
        if fresh:
            log.info("%s at %s: %d due, %d new", name, now.isoformat(), len(items), len(fresh))
        return done

    async def _prepare(
        self, session: AsyncSession, snap: Snapshot, fresh: list[Item], now: datetime
    ) -> tuple[list[Parcel], Composer]:
        """Group the new items by person into messages, and load what their texts need.
        A person with no reachable account is left out: the items stay due for later."""
        addresses = await reminders.recipients(session, {i.person_id for i in fresh})
        by_person: dict[tuple[int, int], list[Item]] = defaultdict(list)
        parcels: list[Parcel] = []
        for item in fresh:
            recipient = addresses.get(item.person_id)
            if recipient is None:
                continue
            org = snap.orgs[item.org_id]
            if item.kind in (Kind.DIGEST, Kind.ANNOUNCEMENT):
                parcels.append(Parcel(org, recipient, item.person_id, [item]))
            else:
                by_person[(item.person_id, item.org_id)].append(item)
        for (person, org_id), items in by_person.items():
            for part in texts.reminder_parcels(items):
                parcels.append(Parcel(snap.orgs[org_id], addresses[person], person, part))
        composer = Composer(now)
        await composer.load(session, [i for p in parcels for i in p.items])
        return parcels, composer

    async def _feed(self, parcels: list[Parcel], composer: Composer) -> bool:
        queues: dict[str, deque[Parcel]] = defaultdict(deque)
        for parcel in parcels:
            queues[parcel.recipient.platform].append(parcel)
        deadline = time.monotonic() + FEED_SECONDS
        while any(queues.values()):
            if self.stopping or time.monotonic() > deadline:
                return False
            woken = await self._top_up(queues, composer)
            for platform in woken:
                self.wake(Platform(platform))
            if any(queues.values()):
                await asyncio.sleep(FEED_PAUSE)
        return True

    async def _top_up(self, queues: dict[str, deque[Parcel]], composer: Composer) -> set[str]:
        """One transaction: per platform, as many messages as the backlog has room for,
        each with its keys claimed in the ledger."""
        woken: set[str] = set()
        async with self.sessions.begin() as session:
            now = self.clock.now()
            for platform, queue in queues.items():
                room = BACKLOG - await reminders.backlog(session, platform)
                batch: list[Parcel] = []
                while queue and len(batch) < room:
                    parcel = queue.popleft()
                    org = parcel.org
                    if not is_quiet(local(now, org.tz).hour, org.quiet_start, org.quiet_end):
                        batch.append(parcel)  # a quiet one is due again in the morning
                marks = [(i.key, p.person_id) for p in batch for i in p.items]
                claimed = await reminders.claim(session, marks, now)
                envelopes = []
                for parcel in batch:
                    items = [i for i in parcel.items if i.key in claimed]
                    if items:  # another process may have told some of them meanwhile
                        envelopes.append((composer.envelope(parcel, items), None))
                await outbox.enqueue_many(session, envelopes, now)
                if envelopes:
                    woken.add(platform)
        return woken


class Composer:
    """Texts of the messages, in each recipient's language."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.find = texts.Lookup()
        self.digests: dict[int, DigestData] = {}
        self.announcements: dict[int, Announcement] = {}
        self.org_names: dict[int, str] = {}

    async def load(self, session: AsyncSession, items: list[Item]) -> None:
        people: set[int] = set()
        for item in items:
            for field in ("mentee", "mentor"):
                if item.data.get(field):
                    people.add(item.data[field])
            people.update(item.data.get("mentees", ()))
        self.find.names = await reminders.names(session, people)
        for org_id in {i.org_id for i in items}:
            org = await session.get(Organization, org_id)
            self.org_names[org_id] = org.name if org else "—"
            if org and any(i.kind is Kind.DIGEST and i.org_id == org_id for i in items):
                self.digests[org_id] = await digest.load(
                    session,
                    org_id,
                    self.now,
                    month_began(self.now, org.timezone),
                    rules.STALLED_AFTER,
                )
        for announcement_id in {i.data["announcement"] for i in items if "announcement" in i.data}:
            found = await session.get(Announcement, announcement_id)
            if found is not None:
                self.announcements[found.id] = found

    def envelope(self, parcel: Parcel, items: list[Item]) -> Envelope:
        t = Translator(parcel.recipient.locale)
        first = items[0]
        if first.kind is Kind.DIGEST:
            today = local(self.now, parcel.org.tz).date()
            text = texts.digest(t, self.digests[first.org_id], today, ZoneInfo(parcel.org.tz))
            buttons = [[texts.menu(t("reminders.button.mute"), "remind", "off")]]
        elif first.kind is Kind.ANNOUNCEMENT:
            found = self.announcements[first.data["announcement"]]
            text = texts.announcement(t, self.org_names[first.org_id], found.text)
            buttons = []
        else:
            text, buttons = texts.reminder(t, items, self.find)
        to = Address(Platform(parcel.recipient.platform), parcel.recipient.chat_id)
        return Envelope(to, Reply(text, buttons), dedupe_key=reminders.OUTBOX_PREFIX + first.key)
