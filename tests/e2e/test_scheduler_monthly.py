"""Monthly reminders and the pulse, quarterly diagnostics and muting, through the emulators
with the bot's clock moved by the test (tests/e2e/timetravel.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e import timetravel as tt
from tests.e2e.chat import Chat
from tests.e2e.flows import MENTOR, register
from tests.emulators.telegram import TelegramEmulator
from tests.emulators.vk import VkEmulator

START = tt.at("2026-11-24 10:00")  # a Tuesday; the organization's reminder day is the 25th
MEETLOG = "пока нет ни одной записанной встречи"
PULSE = "Как прошёл этот месяц с наставником?"
DIAGNOSTICS = "Квартальная диагностика"


@pytest.fixture
def clock_file(tmp_path: Path) -> Path:
    return tmp_path / "clock"


@pytest.fixture
def bot_env(
    database_url: str, telegram: TelegramEmulator, vk: VkEmulator, clock_file: Path
) -> dict[str, str]:
    return tt.bot_env(database_url, telegram.base_url, vk.base_url, clock_file, START)


@pytest.fixture
def machine(clock_file: Path, database_url: str) -> Iterator[tt.TimeMachine]:
    yield tt.TimeMachine(clock_file, database_url)


def test_monthly_reminder_and_pulse_once_outside_quiet_hours_then_mute(
    bot: object,
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
        began=tt.at("2026-10-01 12:00"),
    )
    tt.add_meeting(database_url, pair, tt.at("2026-10-20 15:00"))  # last month: not this one

    machine.settle(START)  # the 24th: nothing yet
    machine.travel(tt.at("2026-11-25 08:30"))  # the 25th, but quiet hours until 09:00
    assert tt.with_text(mentor, MEETLOG) == [] and tt.with_text(mentee, PULSE) == []

    machine.travel(tt.at("2026-11-25 09:05"))
    (reminder,) = tt.with_text(mentor, MEETLOG)
    assert reminder.startswith("📝 Пётр Сидоров: в ноябре")
    assert tt.payloads(mentor, MEETLOG) == [f"m:meetlog:{pair}", "m:remind:off"]
    assert len(tt.with_text(mentee, PULSE)) == 1
    assert f"m:fill:pulse.{org}" in tt.payloads(mentee, PULSE)

    machine.travel(tt.at("2026-11-27 12:00"))  # still due, already told
    assert len(tt.with_text(mentor, MEETLOG)) == 1 and len(tt.with_text(mentee, PULSE)) == 1

    mentee.press("Ответить на 3 вопроса")
    assert "Вопрос 1 из 3" in mentee.expect("Насколько полезными были встречи")
    mentee.press("4")
    mentee.expect("Сколько раз вы встречались")
    mentee.press("Один раз")
    mentee.expect("Что хотелось бы изменить")
    mentee.press("Пропустить")
    mentee.expect("Проверьте ответы")
    mentee.press("Отправить")
    mentee.expect("Спасибо! Ответы сохранены")
    answers = tt.query(
        database_url,
        "SELECT status, organization_id FROM responses WHERE questionnaire='monthly_pulse'",
    )
    assert answers == [("submitted", org)]

    mentor.press("Не напоминать")
    mentor.expect("напоминаний больше не будет")
    machine.travel(tt.at("2026-12-25 10:00"))  # December: a month's and a quarter's reminders
    assert len(tt.with_text(mentor, MEETLOG)) == 1  # muted
    assert len(tt.with_text(mentor, DIAGNOSTICS)) == 0
    (december,) = [t for t in tt.with_text(mentee, PULSE) if DIAGNOSTICS in t]  # one message
    assert tt.payloads(mentee, DIAGNOSTICS)[:2] == [f"m:fill:pulse.{org}", f"m:fill:diag.{org}"]
    assert "Квартальная диагностика" in december

    mentor.press("Напоминания")  # the menu's settings show the state and turn them back on
    mentor.expect("Напоминания выключены")
    mentor.press("Включить напоминания")
    mentor.expect("Напоминания снова включены")
    machine.travel(tt.at("2026-12-25 11:00"))
    assert len(tt.with_text(mentor, MEETLOG)) == 2  # December's, once unmuted
    assert len(tt.with_text(mentor, DIAGNOSTICS)) == 1
