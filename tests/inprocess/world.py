"""The real Engine and Dispatcher on a real SQLite file, in-process, fed with raw platform
updates through the transports' translation layers (the same functions the Telegram
and VK transports call). Replies are read from the outbox, as a sender would."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from bot.clock import SystemClock
from bot.config import Settings
from bot.engine import Engine
from bot.events import Incoming
from handlers.dispatch import Dispatcher
from storage import db
from storage.models import OutboxMessage
from tests.inprocess import raw
from transports import telegram_translate, vk_translate

MORE = "Ещё ›"
Raw = tuple[str, dict[str, Any]]  # ("telegram" | "vk", the update as the platform sends it)


@dataclass
class Actor:
    """One person on one messenger, talking to the bot in a private chat."""

    platform: str
    user_id: int
    name: str

    @property
    def chat_id(self) -> str:
        return str(self.user_id)

    def text(self, value: str) -> Raw:
        if self.platform == "telegram":
            return ("telegram", raw.tg_text(raw.tg_user(self.user_id, self.name), value))
        return ("vk", raw.vk_message(self.user_id, value))

    def press(self, payload: str, message_id: int = 1) -> Raw:
        if self.platform == "telegram":
            user = raw.tg_user(self.user_id, self.name)
            return ("telegram", raw.tg_press(user, payload, message_id))
        return ("vk", raw.vk_press(self.user_id, payload, cmid=message_id))


@dataclass
class World:
    path: Path
    names: dict[int, str] = field(default_factory=dict)  # VK's users.get, as the transport keeps it

    @property
    def url(self) -> str:
        return f"sqlite+aiosqlite:///{self.path}"

    async def open(self, migrate: bool = False) -> World:
        self.database = db.create_engine(self.url)
        if migrate:
            await db.migrate(self.database)
        self.sessions = db.session_factory(self.database)
        self.settings = Settings(_env_file=None, database_url=self.url)  # type: ignore[call-arg]
        self.engine = Engine(self.sessions, self.settings, SystemClock(), Dispatcher())
        return self

    async def close(self) -> None:
        await self.database.dispose()

    def translate(self, update: Raw) -> Incoming | None:
        platform, body = update
        if platform == "telegram":
            return telegram_translate.translate(body, raw.BOT_ID)
        return vk_translate.translate(body, self.names)

    async def feed(self, updates: list[Raw]) -> int:
        """Translate, store and handle; returns how many became events."""
        events = [e for e in map(self.translate, updates) if e is not None]
        if events:
            await self.engine.accept(events)
        while await self.engine.drain():
            pass
        return len(events)

    def actor(self, platform: str, user_id: int, name: str) -> Actor:
        if platform == "vk":
            self.names[user_id] = name
        return Actor(platform, user_id, name)

    # -- reading replies ------------------------------------------------------------------
    async def outbox(self, since: int = 0) -> list[OutboxMessage]:
        async with self.sessions() as session:
            query = select(OutboxMessage).where(OutboxMessage.id > since).order_by(OutboxMessage.id)
            return list((await session.scalars(query)).all())

    async def last_id(self) -> int:
        async with self.sessions() as session:
            found = await session.scalar(text("SELECT coalesce(max(id), 0) FROM outbox"))
            return int(found or 0)

    async def said(self, actor: Actor, since: int = 0) -> list[OutboxMessage]:
        return [
            m
            for m in await self.outbox(since)
            if m.platform == actor.platform and m.chat_id == actor.chat_id
        ]

    async def say(self, actor: Actor, value: str) -> list[OutboxMessage]:
        mark = await self.last_id()
        await self.feed([actor.text(value)])
        return await self.said(actor, mark)

    async def press(self, actor: Actor, label: str, pages: int = 5) -> list[OutboxMessage]:
        """Press the newest button whose label contains `label`, as the person would,
        turning pages («Ещё ›») of a list longer than the platform shows."""
        for message in reversed(await self.said(actor)):
            shown = buttons(message)
            for wanted in (label, MORE):
                for text_, payload in shown:
                    if wanted in text_ and (wanted == label or pages > 0):
                        mark = await self.last_id()
                        await self.feed([actor.press(payload, message.id)])
                        if wanted == MORE:
                            return await self.press(actor, label, pages - 1)
                        return await self.said(actor, mark)
        raise AssertionError(f"{actor.name}: no button {label!r}")

    async def sql(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        async with self.sessions() as session:
            return [tuple(r) for r in await session.execute(text(query), params)]


def texts(messages: list[OutboxMessage]) -> str:
    return "\n---\n".join(m.text for m in messages)


def buttons(message: OutboxMessage) -> list[tuple[str, str]]:
    return [
        (label, payload)
        for row in (message.buttons or {}).get("rows", [])
        for label, payload in row
    ]


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
