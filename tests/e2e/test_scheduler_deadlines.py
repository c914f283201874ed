"""Deadline alerts and the curator's digest, each at its moment and once: a mentee waiting
for a mentor (20, 27, 30 days, then daily), a pair's term ending, plan items, an unfinished
questionnaire, a pair without meetings; the weekly digest and the one on demand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tests.e2e import timetravel as tt
from tests.e2e.chat import Chat
from tests.e2e.flows import MENTOR, fill_mentee_request, register
from tests.emulators.telegram import TelegramEmulator
from tests.emulators.vk import VkEmulator

START = tt.at("2026-11-02 10:00")  # a Monday


@pytest.fixture
def platform() -> str:
    return "telegram"  # the rules do not depend on the messenger; the monthly test runs both


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


def test_a_mentee_waiting_for_a_mentor_alerts_the_curator_at_20_27_30_days_then_daily(
    bot: object,
    machine: tt.TimeMachine,
    database_url: str,
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
) -> None:
    curator, mentee = new_chat("Ольга Кузнецова"), new_chat("Пётр Сидоров")
    register(curator, codes["curator"], "Ольга Кузнецова", role=None)
    register(mentee, codes["join"], "Пётр Сидоров")
    fill_mentee_request(mentee)
    mentee.press("Отправить")
    curator.expect("Новая заявка наставляемого")
    curator.press("Одобрить")  # admitted on 2 November: a mentor is due by 2 December
    curator.expect("Одобрено: Пётр Сидоров")
    waiting = "Пётр Сидоров ждёт наставника"

    def alerts() -> list[str]:
        return [line for t in tt.with_text(curator, waiting) for line in t.split("\n\n")]

    for day, expected in [
        ("2026-11-21 12:00", []),
        ("2026-11-22 08:59", []),  # the 20th day, but quiet hours
        ("2026-11-22 09:00", ["20 дней"]),
        ("2026-11-26 10:00", ["20 дней"]),
        ("2026-11-29 10:00", ["20 дней", "27 дней"]),
        ("2026-12-02 10:00", ["20 дней", "27 дней", "уже 30 дней"]),
        ("2026-12-02 18:00", ["20 дней", "27 дней", "уже 30 дней"]),
        ("2026-12-03 09:30", ["20 дней", "27 дней", "уже 30 дней", "уже 31 день"]),
    ]:
        machine.travel(tt.at(day))
        found = alerts()
        assert len(found) == len(expected), (day, found)
        assert all(part in line for part, line in zip(expected, found, strict=True)), found
    assert "утвердить до 2 декабря" in alerts()[0]
    assert "истекли 2 декабря" in alerts()[2]

    # Paired (an agreed pair stops the alerts): nothing more the next day.
    mentor_id = tt.write(
        database_url,
        "INSERT INTO people (full_name, locale, created_at) VALUES ('Мария Иванова', 'ru', ?)",
        "2026-11-01 00:00:00",
    )
    org = tt.org_id(database_url, "Школа № 1")
    pair = tt.add_pair(
        database_url,
        org,
        mentor_id,
        [tt.person(database_url, "Пётр Сидоров")],
        began=tt.at("2026-12-03 12:00"),
        status="agreed",
    )
    assert pair
    machine.travel(tt.at("2026-12-04 10:00"))
    assert len(alerts()) == 4


def test_pair_deadlines_plan_items_stalled_form_idle_pair_and_digests(
    bot: object,
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
    mentor.press("Анкета наставника")  # one answer, then left unfinished
    mentor.expect("Вопрос 1 из")
    mentor.press("Педагог")
    mentor.expect("Вопрос 2 из")
    org = tt.org_id(database_url, "Школа № 1")
    pair = tt.add_pair(
        database_url,
        org,
        tt.person(database_url, "Мария Иванова"),
        [tt.person(database_url, "Пётр Сидоров")],
        began=tt.at("2026-09-10 12:00"),
        ends_on=date(2026, 11, 30),
    )
    tt.add_meeting(database_url, pair, tt.at("2026-10-01 16:00"))
    tt.add_plan_item(database_url, pair, "Подготовить презентацию", date(2026, 11, 20))

    stalled = "Вы начали «Анкета наставника», но не закончили"
    machine.travel(tt.at("2026-11-05 09:59"))
    assert tt.with_text(mentor, stalled) == []  # 3 days after the last answer, not yet
    machine.travel(tt.at("2026-11-05 10:05"))
    assert len(tt.with_text(mentor, stalled)) == 1
    assert "m:nomination:" in tt.payloads(mentor, stalled)

    assert tt.with_text(curator, "📋 Сводка") == []  # joined this week: the first one next week
    machine.travel(tt.at("2026-11-09 09:30"))  # Monday
    (weekly,) = tt.with_text(curator, "📋 Сводка")
    assert "Ждут наставника: 0" in weekly
    assert "Пары без встречи в ноябре: 1\n• Мария Иванова — Пётр Сидоров" in weekly
    assert "Незаконченные анкеты: 1\n• Мария Иванова — «Анкета наставника», 7 дней" in weekly

    idle = "Пара Мария Иванова — Пётр Сидоров: встреч не было уже"
    machine.travel(tt.at("2026-11-14 20:00"))
    assert tt.with_text(curator, idle) == []
    machine.travel(tt.at("2026-11-15 09:00"))  # 45 days after 1 October
    assert len(tt.with_text(curator, idle)) == 1
    assert "45 дней, с 1 октября" in tt.with_text(curator, idle)[0]

    term = "Срок наставничества заканчивается 30 ноября — через 14 дней"
    machine.travel(tt.at("2026-11-16 10:00"))
    assert len(tt.with_text(mentor, term)) == len(tt.with_text(mentee, term)) == 1
    assert len(tt.with_text(curator, "срок заканчивается 30 ноября — через 14 дней")) == 1

    soon, late = "Завтра срок по плану: «Подготовить презентацию»", "Просрочен пункт плана"
    machine.travel(tt.at("2026-11-19 10:00"))
    assert len(tt.with_text(mentor, soon)) == len(tt.with_text(mentee, soon)) == 1
    machine.travel(tt.at("2026-11-21 10:00"))
    assert len(tt.with_text(mentor, late)) == len(tt.with_text(mentee, late)) == 1

    tt.add_meeting(database_url, pair, tt.at("2026-11-24 15:00"), confirmed=False)
    machine.travel(tt.at("2026-11-27 10:00"))
    last_days = "Срок наставничества заканчивается 30 ноября — через 3 дня"
    assert len(tt.with_text(mentor, last_days)) == len(tt.with_text(mentee, last_days)) == 1
    machine.travel(tt.at("2026-11-28 10:00"))

    curator.press("Открыть сводку")  # on demand, from the alert (also «Сводка» in the menu)
    text = curator.expect("📋 Сводка — «Школа № 1», 28 ноября")
    assert "Встречи, которые наставляемый не подтвердил: 1" in text
    assert "• Мария Иванова — Пётр Сидоров, 24 ноября" in text
    assert "Пары без встречи в ноябре: 0" in text

    for chat, part in [
        (mentor, stalled),
        (curator, idle),
        (mentor, term),
        (curator, "через 14 дней"),
        (mentor, soon),
        (mentee, late),
        (curator, "через 3 дня"),
    ]:
        assert len(tt.with_text(chat, part)) == 1, part
    assert len(tt.with_text(curator, "📋 Сводка")) == 4  # weeks 46, 47, 48 and on demand
    curator.send("/menu")
    curator.expect("Что делаем?")
    assert "Сводка" in curator.buttons()
