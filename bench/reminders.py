"""Monthly reminders in bulk: N reminders to N chats against emulators that enforce the
platforms' limits, and how close to those limits the bot delivers them.

    python bench/reminders.py                 # 10 000 on Telegram, then 10 000 on VK
    python bench/reminders.py --count 1000 --platform vk

The database is seeded directly (N/2 active pairs without a meeting this month: each mentor
gets the meeting reminder, each mentee the pulse; every person has an account on the
platform under test) and the bot's clock (CLOCK_FILE) is set to the organization's reminder
day at 10:00. The bot starts with its default rates (Telegram 30/s overall and 1/s per chat,
VK 20 requests/s); its first tick finds N reminders due. The Telegram emulator answers any
send beyond 30/s or beyond 1/s in a chat with 429 and retry_after; the VK emulator answers
calls beyond 20/s with error 6.

Printed: the achieved rate from the first delivered reminder to the last, as a share of the
platform's limit (target ≥ 95 %), 429s (or error 6) received, reminders lost (chats that got
none; must be 0), chats that got one twice, the wait from the bot's start to the first
reminder, how long a person who writes during the burst waits for the answer (the tick
keeps few reminders queued ahead of it), and the bot's CPU time and peak RSS.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from harness import (  # first: puts the repository root on sys.path
    TOKEN,
    BotProcess,
    base_env,
    cpu_seconds,
    create_org,
    paused_gc,
    peak_rss_kib,
    stopped_at_exit,
)

from tests.emulators.telegram import TelegramEmulator
from tests.emulators.vk import VkEmulator

VK_TOKEN, VK_GROUP = "vk1.a.bench-token", 777
DUE = "2026-11-25T07:00:00+00:00"  # 10:00 in Moscow on the organization's reminder day
REMINDER_PARTS = ("записанной встречи", "Как прошёл этот месяц")
LIMITS = {"telegram": 30.0, "vk": 20.0}
TARGET_SHARE = 0.95
STALL = 90.0  # seconds without a new reminder: the bench fails
TELEGRAM_BASE, VK_BASE = 10_000_000, 1_000  # external user ids
PROBE = 999  # a person with no reminder, who writes to the bot during the burst
PROBE_EVERY = 10.0  # seconds


def seed(database: Path, count: int, platform: str) -> None:
    """`count` people in `count // 2` active pairs (an odd one out mentors alone), each with
    an account on `platform`, none with a meeting: one reminder per person."""
    base = TELEGRAM_BASE if platform == "telegram" else VK_BASE
    at = "2026-09-01 09:00:00"
    with sqlite3.connect(database) as connection:
        (org,) = connection.execute("SELECT id FROM organizations").fetchone()
        ids = range(1, count + 1)
        connection.executemany(
            "INSERT INTO people (id, full_name, locale, created_at) VALUES (?, ?, 'ru', ?)",
            [(i, f"Участник {i}", at) for i in ids],
        )
        connection.executemany(
            "INSERT INTO accounts (platform, external_id, chat_id, person_id, last_seen_at,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(platform, str(base + i), str(base + i), i, at, at) for i in ids],
        )
        connection.executemany(
            "INSERT INTO participations (person_id, organization_id, role, status, created_at,"
            " admitted_at, active_mentees) VALUES (?, ?, ?, 'active', ?, ?, 0)",
            [(i, org, "mentor" if i % 2 else "mentee", at, at) for i in ids],
        )
        mentors = list(range(1, count + 1, 2))
        connection.executemany(
            "INSERT INTO pairs (id, organization_id, mentor_person_id, kind, status, approved_at,"
            " created_at, updated_at) VALUES (?, ?, ?, 'pair', 'active', ?, ?, ?)",
            [(m, org, m, at, at, at) for m in mentors],
        )
        connection.executemany(
            "INSERT INTO pair_members (pair_id, mentee_person_id, agreed_at) VALUES (?, ?, ?)",
            [(m, m + 1, at) for m in mentors if m + 1 <= count],
        )


@dataclass(slots=True)
class Delivery:
    chat: int
    at: float  # time.monotonic() of the emulator's record


@dataclass(slots=True)
class Target:
    """One emulator under test: how to read its deliveries and its refusals."""

    name: str
    env: dict[str, str]
    deliveries: Callable[[], list[Delivery]]
    refused: Callable[[], int]
    ask: Callable[[], None]  # the probe person writes /help
    answers: Callable[[], list[float]]  # when the bot's messages to the probe were recorded


def _spread(waits: list[float]) -> str:
    if not waits:
        return "none asked"
    ordered = sorted(waits)
    return f"median {ordered[len(ordered) // 2]:.2f} s, max {ordered[-1]:.2f} s"


def _reminder(text: str | None) -> bool:
    return any(part in (text or "") for part in REMINDER_PARTS)


def run(target: Target, count: int, workdir: Path) -> bool:
    database = workdir / "bot.sqlite3"
    env = {
        **target.env,
        "CLOCK_FILE": str(workdir / "clock"),
        "SCHEDULER_TICK_SECONDS": "60",
    }
    (workdir / "clock").write_text(DUE, encoding="utf-8")
    create_org(env)
    seed(database, count, target.name)
    print(f"== {target.name}: {count:,} reminders to {count:,} chats ==", flush=True)
    process = BotProcess(env, workdir / "bot.log")
    # No garbage collection in this process during the run: the emulator keeps every
    # record, and a full collection holding the GIL for 100+ ms would stop it answering,
    # then let the queued requests through in a burst that the limiter counts as one.
    with stopped_at_exit(process.start()), paused_gc():
        started = time.monotonic()  # "bot started" is in its log
        assert process.proc is not None
        pid = process.proc.pid
        cpu0 = cpu_seconds(pid)
        seen, last_progress, last_print = 0, time.monotonic(), time.monotonic()
        asked: list[float] = []
        while seen < count:
            time.sleep(1.0)
            if seen and len(asked) < (time.monotonic() - started) / PROBE_EVERY:
                asked.append(time.monotonic())  # a person writes while reminders go out
                target.ask()
            now_seen = len(target.deliveries())
            if now_seen > seen:
                seen, last_progress = now_seen, time.monotonic()
            if time.monotonic() - last_progress > STALL:
                print(f"  stalled at {seen:,} of {count:,}", flush=True)
                break
            if time.monotonic() - last_print >= 30:
                print(f"  {seen:,} delivered, {time.monotonic() - started:.0f} s", flush=True)
                last_print = time.monotonic()
        time.sleep(2.0)  # anything sent twice would show now
        cpu, rss = cpu_seconds(pid) - cpu0, peak_rss_kib(pid)
    deliveries = sorted(target.deliveries(), key=lambda d: d.at)
    answers = sorted(target.answers())
    waits = [next((a - q for a in answers if a >= q), float("inf")) for q in asked]
    chats = {d.chat for d in deliveries}
    lost, twice = count - len(chats), len(deliveries) - len(chats)
    span = deliveries[-1].at - deliveries[0].at if len(deliveries) > 1 else 0.0
    rate = (len(deliveries) - 1) / span if span else 0.0
    share = rate / LIMITS[target.name]
    with sqlite3.connect(database) as connection:
        unsent = connection.execute("SELECT count(*) FROM outbox WHERE status != 'sent'").fetchone()
    ok = share >= TARGET_SHARE and lost == 0 and twice == 0
    verdict = "met" if share >= TARGET_SHARE else "MISSED"
    rows = [
        ("delivered", f"{len(deliveries):,} to {len(chats):,} chats"),
        ("wall time", f"{span:.1f} s (the first reminder → the last)"),
        (
            "rate",
            f"{rate:.2f}/s of {LIMITS[target.name]:g}/s = {share:.1%} of the limit"
            f"   (target ≥ {TARGET_SHARE:.0%}: {verdict})",
        ),
        ("refused", f"{target.refused()} (429 / error 6)"),
        ("lost", f"{lost} (chats with no reminder; must be 0)"),
        ("twice", f"{twice} (chats that got one twice)"),
        ("outbox", f"{unsent[0]} rows not sent"),
        ("first", f"{max(0.0, deliveries[0].at - started):.1f} s after the bot started"),
        ("answers", f"to a person writing meanwhile: {len(waits)}, {_spread(waits)}"),
        ("bot CPU", f"{cpu:.1f} s ({cpu / max(span, 1e-9):.0%} of a core over the run)"),
        ("peak RSS", f"{rss / 1024:.0f} MiB"),
    ]
    for name, value in rows:
        print(f"  {name:<9} {value}")
    print(flush=True)
    return ok


def telegram_run(count: int, workdir: Path) -> bool:
    with TelegramEmulator(TOKEN) as emulator:
        emulator.open_private_chats(range(TELEGRAM_BASE + 1, TELEGRAM_BASE + count + 1))
        emulator.enforce_limits(global_per_sec=30, per_chat_per_sec=1, per_group_per_min=20)
        env = base_env(
            f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=emulator.base_url,
        )

        def deliveries() -> list[Delivery]:
            return [
                Delivery(int(r.chat_id or 0), r.timestamp)
                for r in emulator.sent
                if r.method == "sendMessage" and _reminder(r.text)
            ]

        def answers() -> list[float]:
            return [r.timestamp for r in emulator.sent if r.chat_id == PROBE]

        target = Target(
            "telegram",
            env,
            deliveries,
            lambda: emulator.stats.get("429", 0),
            lambda: emulator.send_text(PROBE, "/help"),
            answers,
        )
        return run(target, count, workdir)


def vk_run(count: int, workdir: Path) -> bool:
    with VkEmulator(VK_TOKEN, VK_GROUP) as emulator:
        emulator.enforce_limits(per_sec=20)
        env = base_env(
            f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}",
            VK_GROUP_TOKEN=VK_TOKEN,
            VK_GROUP_ID=str(VK_GROUP),
            VK_API_URL=emulator.base_url,
        )

        def deliveries() -> list[Delivery]:
            return [
                Delivery(r.peer_id, r.at)
                for r in emulator.sent
                if r.method == "messages.send" and _reminder(r.text)
            ]

        def answers() -> list[float]:
            return [r.at for r in emulator.sent if r.peer_id == PROBE]

        target = Target(
            "vk",
            env,
            deliveries,
            lambda: emulator.stats.get("rate_limited", 0),
            lambda: emulator.send_text(PROBE, "/help"),
            answers,
        )
        return run(target, count, workdir)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="reminders (default 10 000)")
    parser.add_argument("--platform", choices=("telegram", "vk", "both"), default="both")
    args = parser.parse_args()
    if args.count < 2:
        parser.error("--count must be at least 2")
    print(f"bench started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", flush=True)
    ok = True
    for name, runner in (("telegram", telegram_run), ("vk", vk_run)):
        if args.platform in (name, "both"):
            with tempfile.TemporaryDirectory(prefix=f"bench-reminders-{name}-") as workdir:
                ok &= runner(args.count, Path(workdir))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
