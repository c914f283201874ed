"""Mastermind groups end to end, in a group chat of four on Telegram and on VK: linking
(a wrong code is explained), joining, a full session with a timeout, an out-of-turn message
and a restart in round 2, the summary, feedback, a member leaving and the bot removed; a
mentor chosen from the group becoming a pair the curator approves; the group's history."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.e2e import timetravel as tt
from tests.e2e.chat import Chat
from tests.e2e.db import query
from tests.e2e.flows import MENTOR, fill_mentor_nomination, register
from tests.e2e.group import Group
from tests.e2e.process import BotProcess
from tests.emulators.telegram import TelegramEmulator
from tests.emulators.vk import VkEmulator

START = tt.at("2026-11-26 15:00")  # a Thursday
NAMES = ["Ольга Куратова", "Анна Смирнова", "Борис Петров", "Вера Лебедева"]


@pytest.fixture
def clock_file(tmp_path: Path) -> Path:
    return tmp_path / "clock"


@pytest.fixture
def bot_env(
    database_url: str, telegram: TelegramEmulator, vk: VkEmulator, clock_file: Path
) -> dict[str, str]:
    env = tt.bot_env(database_url, telegram.base_url, vk.base_url, clock_file, START)
    env["TELEGRAM_RATE_PER_GROUP_MINUTE"] = "600"  # the pacing itself is the sender's test
    return env


@pytest.fixture
def machine(clock_file: Path, database_url: str) -> Iterator[tt.TimeMachine]:
    yield tt.TimeMachine(clock_file, database_url)


def _setup(
    platform: str,
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
    telegram: TelegramEmulator,
    vk: VkEmulator,
    mentor: str = "",
) -> tuple[Group, list[Chat], dict[str, int]]:
    """A linked group of four, the curator its facilitator; `mentor` (one of NAMES) is an
    approved mentor, the others mentees."""
    chats = [new_chat(name) for name in NAMES]
    register(chats[0], codes["curator"], NAMES[0], role=None)
    for chat, name in zip(chats[1:], NAMES[1:], strict=True):
        register(chat, codes["join"], name, **({"role": MENTOR} if name == mentor else {}))
        if name == mentor:
            fill_mentor_nomination(chat)
            chat.press("Отправить")
            chats[0].expect("Новая анкета наставника")
            chats[0].press("Одобрить")
            chats[0].expect(f"Одобрено: {name}")
            chats[0].send("/menu")
            chats[0].expect("Что делаем?")
    chats[0].press("Группа-мастермайнд")
    code = re.search(r"/link (\S+)", chats[0].expect("Код для группового чата"))
    assert code is not None
    group = Group(platform, telegram, vk)
    ids = {name: chat.user_id for name, chat in zip(NAMES, chats, strict=True)}
    group.names = {v: k for k, v in ids.items()}
    group.say(ids[NAMES[0]], "/link ZZZZ9999 Учителя-новички")
    group.wait_text("Такого кода нет")
    group.say(ids[NAMES[0]], f"/link {code.group(1)} Учителя-новички")
    group.wait_text("Группа «Учителя-новички»")
    for chat in chats[1:]:
        group.press(chat.user_id, "Участвовать")
        chat.expect("Вы в группе «Учителя-новички»")
    group.wait_text("Участники (4)")
    return group, chats, ids


def test_full_session_with_timeout_out_of_turn_restart_and_summary(
    bot: BotProcess,
    platform: str,
    machine: tt.TimeMachine,
    database_url: str,
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
    telegram: TelegramEmulator,
    vk: VkEmulator,
) -> None:
    group, chats, ids = _setup(platform, codes, new_chat, telegram, vk)
    lead = ids[NAMES[0]]
    before = len(group.bot_messages())
    group.say(ids[NAMES[1]], "/session")  # not the facilitator's: silence
    group.say(lead, "/turn 1")
    group.say(lead, "/session")
    group.wait_text("Раунд 1 из 3: запросы")
    assert len(group.bot_messages()) == before + 1  # only the status message
    now = START

    # Round 1: the second speaker stays silent and the turn times out; someone speaks
    # out of turn and the bot says nothing. Round 2: three requests, three givers each,
    # with a restart in the middle. Round 3: everyone's steps.
    silent, seen, before = "", "", 0
    for turn in range(4 + 9 + 4):
        seen, speaker = group.next_turn(seen)
        if turn == 1:  # silent: someone else talks, then the minute runs out
            silent = speaker
            other = next(n for n in NAMES if n != speaker)
            before = len(group.bot_messages())
            group.say(ids[other], "Я не в очереди")
            now += timedelta(minutes=10)  # well past the 1-minute turn, whatever ran before
            machine.set(now)
            continue
        if turn == 2:
            assert not any("не в очереди" in t for t, _, _ in group.bot_messages()[before:])
        if turn == 8:
            bot.stop()
            bot.start()
            assert group.status() == seen  # the same turn after the restart
        words = "Запрос" if turn < 4 else "Идея" if turn < 13 else "Шаг"
        group.say(ids[speaker], f"{words} от {speaker}")
        group.press(ids[speaker], "Дальше")
    summary = group.wait_text("Итоги встречи")
    assert "не в очереди" not in summary
    for name in NAMES:
        assert f"Шаг от {name}" in summary
        if name != silent:
            assert f"• {name}: Запрос от {name}" in summary
    assert f"• {silent}: пропустил(а) ход" in summary
    assert f"Идеи для {silent}" not in summary
    assert summary.count("Идея от") == 9
    for chat in chats:
        chat.expect("Оцените от 1 до 5")
    chats[1].press("4")
    chats[1].expect("напишите комментарий")
    chats[1].send("Было полезно")
    chats[1].expect("передам ведущему")

    group.leave(ids[NAMES[3]])
    group.wait_text("Участники (3)")
    group.remove_bot(lead)
    deadline = time.monotonic() + 20
    while query(database_url, "SELECT active FROM mm_groups") != [(0,)]:
        assert time.monotonic() < deadline, "the group was not marked as left"
        time.sleep(0.05)


def _play_everyone(group: Group, ids: dict[str, int]) -> str:
    """A session where everyone speaks in every turn; returns the summary."""
    seen = ""
    for turn in range(4 + 12 + 4):
        seen, speaker = group.next_turn(seen)
        group.say(ids[speaker], f"Ход {turn} от {speaker}")
        group.press(ids[speaker], "Дальше")
    return group.wait_text("Итоги встречи")


def test_schedule_reminders_and_commitments_once_at_local_times(
    bot: BotProcess,
    platform: str,
    machine: tt.TimeMachine,
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
    telegram: TelegramEmulator,
    vk: VkEmulator,
) -> None:
    machine.travel(tt.at("2026-11-24 10:00"))  # Tuesday
    group, chats, ids = _setup(platform, codes, new_chat, telegram, vk)
    group.say(ids[NAMES[0]], "/schedule чт 16:00 2")
    group.wait_text("Следующая — 26.11 16:00")

    machine.travel(tt.at("2026-11-25 15:30"))  # more than a day before: nothing yet
    assert not [t for t, _, _ in group.bot_messages() if "Завтра" in t]
    machine.travel(tt.at("2026-11-25 16:30"))
    group.wait_text("Завтра, 26.11 в 16:00")
    machine.travel(tt.at("2026-11-26 15:10"))
    group.wait_text("Скоро встреча группы «Учителя-новички» — в 16:00")
    machine.travel(tt.at("2026-11-26 16:00"))
    group.wait_text("Раунд 1 из 3")
    summary = _play_everyone(group, ids)
    assert summary.count("Ход ") == 20

    machine.travel(tt.at("2026-12-08 15:00"))  # 49 hours before 10.12 16:00: not yet
    machine.travel(tt.at("2026-12-08 16:30"))
    for chat, name in zip(chats, NAMES, strict=True):
        text = chat.expect("Как получилось?")
        assert "10.12 в 16:00" in text and f"от {name}" in text
    machine.travel(tt.at("2026-12-09 16:30"))  # a day before: the group hears, people not again
    group.wait_text("Завтра, 10.12 в 16:00")
    for chat in chats:
        assert len([t for t in chat.texts() if "Как получилось?" in t]) == 1
    texts = [t for t, _, _ in group.bot_messages()]
    assert len([t for t in texts if "Завтра, 26.11" in t]) == 1
    assert len([t for t in texts if "Скоро встреча" in t]) == 1


def test_a_mentor_from_the_group_becomes_a_pair_and_the_history_shows_the_session(
    bot: BotProcess,
    platform: str,
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
    telegram: TelegramEmulator,
    vk: VkEmulator,
) -> None:
    mentor = NAMES[2]
    group, chats, ids = _setup(platform, codes, new_chat, telegram, vk, mentor=mentor)
    curator, mentee, mentor_chat = chats[0], chats[1], chats[2]
    curator.send("/menu")
    curator.press("Встречи групп")
    curator.expect("Встреч пока не было")
    group.say(ids[NAMES[0]], "/session")
    _play_everyone(group, ids)

    mentee.expect("Оцените от 1 до 5")
    mentee.press("4")
    mentee.expect("напишите комментарий")
    mentee.send("Было полезно")
    mentee.expect("передам ведущему")
    chats[3].expect("Оцените от 1 до 5")
    chats[3].press("5")
    chats[3].expect("напишите комментарий")

    mentee.press("Хочу наставника из группы", under="Оцените от 1 до 5")
    mentee.expect("Выберите, кого из группы")
    assert mentee.buttons() == [mentor]  # only an approved mentor with a free place
    mentee.press(mentor)
    mentee.expect("предложение ушло наставнику")
    mentee.press(mentor, under="Выберите, кого из группы")  # the old list, a second tap
    mentee.expect("У вас уже есть наставник или предложение пары")
    mentor_chat.expect(f"{NAMES[1]} из группы «Учителя-новички» просит вас стать наставником")
    mentor_chat.press("Согласен(на)")
    mentor_chat.expect("ваше согласие записано")
    card = curator.expect("Обе стороны согласны")
    assert mentor in card and NAMES[1] in card
    curator.press("Утвердить", under="Обе стороны согласны")
    curator.expect("Срок работы: с")
    curator.press("9 мес.")
    curator.expect("Пара утверждена")
    mentee.expect(f"Ваша пара утверждена! Наставник: {mentor}")

    curator.send("/menu")
    curator.press("Встречи групп")
    history = curator.expect("Группа «Учителя-новички»: встречи и оценки")
    assert "26 ноября: были 4 из 4" in history
    assert all(name in history for name in NAMES)
    assert "Средняя оценка 4,5 (оценок: 2), комментариев: 1" in history
