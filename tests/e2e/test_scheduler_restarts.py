"""Exactly once across restarts, local time across Russia, and announcements.

- The bot is down while reminders fall due; started again, it sends each of them once;
  restarted twice more, it sends nothing again.
- At one instant it is morning in Vladivostok (UTC+10) and night in Kaliningrad (UTC+2):
  one organization's reminders go, the other's wait for its morning.
- A curator's announcement written in quiet hours goes out in the morning, to its
  audience only, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tests.e2e import timetravel as tt
from tests.e2e.chat import Chat
from tests.e2e.flows import MENTOR, register
from tests.e2e.process import BotProcess, cli
from tests.emulators.telegram import TelegramEmulator
from tests.emulators.vk import VkEmulator

START = tt.at("2026-11-24 12:00")
MEETLOG = "пока нет ни одной записанной встречи"
PULSE = "Как прошёл этот месяц с наставником?"


@pytest.fixture
def platform() -> str:
    return "vk"  # the monthly test runs both; VK here, Telegram in the deadline tests


@pytest.fixture
def clock_file(tmp_path: Path) -> Path:
    return tmp_path / "clock"


@pytest.fixture
def bot_env(
    database_url: str, telegram: TelegramEmulator, vk: VkEmulator, clock_file: Path
) -> dict[str, str]:
    return tt.bot_env(database_url, telegram.base_url, vk.base_url, clock_file, START)


@pytest.fixture
def machine(clock_file: Path, database_url: str) -> tt.TimeMachine:
    return tt.TimeMachine(clock_file, database_url)


def test_down_across_due_moments_then_each_reminder_once_and_twice_restarted_still_once(
    bot: BotProcess,
    vk: VkEmulator,
    machine: tt.TimeMachine,
    database_url: str,
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
) -> None:
    mentor, mentee = new_chat("Мария Иванова"), new_chat("Пётр Сидоров")
    register(mentor, codes["join"], "Мария Иванова", role=MENTOR)
    register(mentee, codes["join"], "Пётр Сидоров")
    org = tt.org_id(database_url, "Школа № 1")
    pair = tt.add_pair(
        database_url,
        org,
        tt.person(database_url, "Мария Иванова"),
        [tt.person(database_url, "Пётр Сидоров")],
        began=tt.at("2026-10-20 12:00"),
        ends_on=date(2026, 12, 10),
    )
    tt.add_plan_item(database_url, pair, "Выбрать тему проекта", date(2026, 11, 26))
    machine.settle(START)
    bot.stop()

    # Down over the 25th (meeting reminder, pulse), the 26th (a plan item's day) and the
    # term's 14-day mark (26 November); back on the 27th.
    back = tt.at("2026-11-27 10:00")
    machine.set(back)
    expected = {
        mentor: [MEETLOG, "Просрочен пункт плана: «Выбрать тему проекта»", "через 13 дней"],
        mentee: [PULSE, "Просрочен пункт плана", "через 13 дней"],
    }
    vk.fail_next("messages.send", 1, error_code=6)  # "too many requests": the outbox retries
    for _ in range(3):  # started again, then restarted twice: the same once each
        bot.start()
        machine.settle(back)
        for chat, parts in expected.items():
            for part in parts:
                assert len(tt.with_text(chat, part)) == 1, part
        bot.stop()
    assert ("messages.send", 6) in vk.calls  # refused once, sent once all the same
    marks = tt.query(database_url, "SELECT key FROM reminder_marks WHERE key LIKE 'meet:%'")
    assert marks == [(f"meet:{pair}:2026-11:{tt.person(database_url, 'Мария Иванова')}",)]
    bot.start()  # for the fixture's clean stop


def test_morning_in_vladivostok_is_night_in_kaliningrad(
    bot: BotProcess,
    bot_env: dict[str, str],
    machine: tt.TimeMachine,
    database_url: str,
    new_chat: Callable[..., Chat],
) -> None:
    chats = {}
    for city, tz in (("Владивосток", "Asia/Vladivostok"), ("Калининград", "Europe/Kaliningrad")):
        lines = cli(bot_env, "create-org", f"Школа {city}", "--timezone", tz).splitlines()
        join = dict(line.split(": ", 1) for line in lines)["join"]
        mentor, mentee = new_chat(f"Наставник {city}"), new_chat(f"Ученик {city}")
        register(mentor, join, f"Наставник {city}", role=MENTOR)
        register(mentee, join, f"Ученик {city}")
        tt.add_pair(
            database_url,
            tt.org_id(database_url, f"Школа {city}"),
            tt.person(database_url, f"Наставник {city}"),
            [tt.person(database_url, f"Ученик {city}")],
            began=tt.at("2026-10-01 12:00"),
        )
        chats[city] = mentor
    east, west = chats["Владивосток"], chats["Калининград"]

    machine.travel(tt.at("2026-11-25 00:30", "UTC"))  # 10:30 in Vladivostok, 02:30 in Kaliningrad
    assert len(tt.with_text(east, MEETLOG)) == 1 and tt.with_text(west, MEETLOG) == []
    machine.travel(tt.at("2026-11-25 06:59", "UTC"))  # 08:59 in Kaliningrad
    assert tt.with_text(west, MEETLOG) == []
    machine.travel(tt.at("2026-11-25 07:00", "UTC"))  # 09:00 in Kaliningrad
    assert len(tt.with_text(west, MEETLOG)) == 1 and len(tt.with_text(east, MEETLOG)) == 1
    machine.travel(tt.at("2026-11-25 11:00", "UTC"))  # 21:00 in Vladivostok: quiet again
    assert len(tt.with_text(west, MEETLOG)) == 1 and len(tt.with_text(east, MEETLOG)) == 1


def test_an_announcement_written_at_night_goes_to_its_audience_in_the_morning_once(
    bot: BotProcess,
    machine: tt.TimeMachine,
    database_url: str,
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
) -> None:
    curator = new_chat("Ольга Кузнецова")
    mentor, mentee = new_chat("Мария Иванова"), new_chat("Пётр Сидоров")
    register(curator, codes["curator"], "Ольга Кузнецова", role=None)
    register(mentor, codes["join"], "Мария Иванова", role=MENTOR)
    register(mentee, codes["join"], "Пётр Сидоров")

    machine.travel(tt.at("2026-11-24 22:10"))
    curator.send("/menu")
    curator.expect("Что делаем?")
    curator.press("Объявление")
    curator.expect("Кому отправить объявление?")
    curator.press("Наставляемым")
    curator.expect("Напишите текст объявления")
    curator.send("x" * 2001)
    curator.expect("Слишком длинно")
    curator.send("В пятницу в 15:00 — встреча всех пар в актовом зале.")
    preview = curator.expect("Так его увидят наставляемые — 1 человек")
    assert "📣 Объявление куратора «Школа № 1»" in preview
    curator.press("Изменить текст")
    curator.expect("Напишите текст объявления")
    curator.send("В пятницу в 16:00 — встреча всех пар в актовом зале.")
    curator.expect("Так его увидят")
    curator.press("Отправить")
    curator.expect("Сейчас тихие часы: объявление уйдёт в 09:00, его получат 1 человек")

    announced = "встреча всех пар в актовом зале"
    machine.travel(tt.at("2026-11-25 08:59"))
    assert tt.with_text(mentee, announced) == []
    machine.travel(tt.at("2026-11-25 09:00"))
    (received,) = tt.with_text(mentee, announced)
    assert "16:00" in received and "15:00" not in received
    assert tt.with_text(mentor, announced) == []  # not the audience
    assert [t for t in curator.texts() if t.startswith("📣")] == []  # nor the author
    machine.travel(tt.at("2026-11-25 12:00"))
    assert len(tt.with_text(mentee, announced)) == 1
