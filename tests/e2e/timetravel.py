"""Moving a running bot through time, and the rows other engineers' flows will create.

The bot runs with `CLOCK_FILE` (bot/clock.py: FileClock): writing an instant to the file
moves its clock there. `settle` waits until the scheduler has looked at the new time and
everything it wrote is sent, so a test can then count messages without sleeping."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.e2e.chat import Chat, TelegramChat, VkChat
from tests.e2e.conftest import TELEGRAM_TOKEN, VK_GROUP, VK_TOKEN
from tests.e2e.db import query
from tests.e2e.process import base_env

TICK = "0.3"  # SCHEDULER_TICK_SECONDS in the tests
SETTLE = 60.0


def at(text: str, tz: str = "Europe/Moscow") -> datetime:
    """`2026-11-25 09:05` in the zone `tz`, as an aware instant."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def _sql_time(moment: datetime) -> str:
    """How the bot stores instants on SQLite: naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


@dataclass
class TimeMachine:
    clock_file: Path
    database_url: str

    def set(self, moment: datetime) -> None:
        """Atomically: the bot never reads half a timestamp."""
        temporary = self.clock_file.with_suffix(".tmp")
        temporary.write_text(moment.astimezone(UTC).isoformat(), encoding="utf-8")
        os.replace(temporary, self.clock_file)

    def last_tick(self) -> datetime | None:
        """The older of the last complete reminders and announcements ticks."""
        rows = query(
            self.database_url,
            "SELECT value FROM transport_cursors WHERE platform IN ('reminders', 'announcements')",
        )
        return min(datetime.fromisoformat(r[0]) for r in rows) if len(rows) == 2 else None

    def settle(self, moment: datetime, within: float = SETTLE) -> None:
        """Wait for a complete tick at or after `moment`, then for an empty outbox."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            last = self.last_tick()
            if last is not None and last >= moment and not self.pending():
                return
            time.sleep(0.05)
        raise AssertionError(f"no settled tick at {moment}: last {self.last_tick()}")

    def travel(self, moment: datetime) -> None:
        self.set(moment)
        self.settle(moment)

    def pending(self) -> int:
        rows = query(self.database_url, "SELECT count(*) FROM outbox WHERE status='pending'")
        return int(rows[0][0])


def bot_env(
    database_url: str, telegram_url: str, vk_url: str, clock_file: Path, start: datetime
) -> dict[str, str]:
    """The e2e settings with a clock file set to `start` and a short tick."""
    TimeMachine(clock_file, database_url).set(start)
    return base_env(
        database_url,
        TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
        TELEGRAM_API_URL=telegram_url,
        VK_GROUP_TOKEN=VK_TOKEN,
        VK_GROUP_ID=str(VK_GROUP),
        VK_API_URL=vk_url,
        CLOCK_FILE=str(clock_file),
        SCHEDULER_TICK_SECONDS=TICK,
    )


# -- rows the pair, meeting and plan flows will write ----------------------------------------


def write(database_url: str, sql: str, *args: Any) -> int:
    path = database_url.split(":///", 1)[1]
    with sqlite3.connect(path, timeout=10) as connection:
        cursor = connection.execute(sql, args)
        return int(cursor.lastrowid or 0)


def person(database_url: str, name: str) -> int:
    rows = query(database_url, "SELECT id FROM people WHERE full_name=?", name)
    assert len(rows) == 1, f"{name}: {rows}"
    return int(rows[0][0])


def org_id(database_url: str, name: str) -> int:
    return int(query(database_url, "SELECT id FROM organizations WHERE name=?", name)[0][0])


def add_pair(
    database_url: str,
    org: int,
    mentor: int,
    mentees: list[int],
    began: datetime,
    ends_on: date | None = None,
    status: str = "active",
) -> int:
    created = _sql_time(began)
    pair = write(
        database_url,
        "INSERT INTO pairs (organization_id, mentor_person_id, kind, status, approved_at,"
        " starts_on, ends_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        org,
        mentor,
        "group" if len(mentees) > 1 else "pair",
        status,
        created,
        began.date().isoformat(),
        ends_on.isoformat() if ends_on else None,
        created,
        created,
    )
    for mentee in mentees:
        write(
            database_url,
            "INSERT INTO pair_members (pair_id, mentee_person_id, agreed_at) VALUES (?, ?, ?)",
            pair,
            mentee,
            created,
        )
    return pair


def add_meeting(
    database_url: str, pair: int, moment: datetime, confirmed: bool | None = None
) -> int:
    return write(
        database_url,
        "INSERT INTO meetings (pair_id, kind, status, at, confirmed, created_at)"
        " VALUES (?, 'regular', 'held', ?, ?, ?)",
        pair,
        _sql_time(moment),
        confirmed,
        _sql_time(moment),
    )


def add_plan_item(database_url: str, pair: int, text: str, due_on: date) -> int:
    return write(
        database_url,
        "INSERT INTO plan_items (pair_id, text, due_on, created_at) VALUES (?, ?, ?, ?)",
        pair,
        text,
        due_on.isoformat(),
        _sql_time(datetime.now(UTC) - timedelta(days=100)),
    )


# -- what a chat received ----------------------------------------------------------------------


def with_text(chat: Chat, part: str) -> list[str]:
    return [text for text in chat.texts() if part in text]


def payloads(chat: Chat, part: str) -> list[str]:
    """Button payloads of the bot's messages to `chat` whose text has `part`."""
    found: list[str] = []
    if isinstance(chat, TelegramChat):
        for message in chat.emu.messages(chat.user_id):
            if message.from_bot and part in (message.text or ""):
                found += [b.get("callback_data", "") for b in message.buttons]
    elif isinstance(chat, VkChat):
        for vk_message in chat.emu.messages(chat.user_id):
            if part in vk_message.text:
                for button in vk_message.buttons():
                    raw = button["action"].get("payload", "")
                    value = json.loads(raw) if isinstance(raw, str) else raw
                    found.append(value.get("p", "") if isinstance(value, dict) else str(value))
    return found
