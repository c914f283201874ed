"""Crash anywhere: a scripted program (registration, questionnaires, approvals, pairing) runs
through both emulators while another thread kills the bot with SIGKILL at random moments
— while it polls, handles, sends or idles — and starts it again, at least 20 times.

Then: every answer given is in the database, VK never showed a message twice (its
random_id is made from the outbox row), and Telegram showed a message at most once more
than intended. Why that is the limit (ARCHITECTURE.md, "Outbox and delivery guarantees"):
the Bot API has no idempotency key; a row is marked sent only after Telegram accepted it,
so a death between the two makes the restarted sender send that row again; only a row on
the wire can be caught like that, and a chat has one row on the wire at a time."""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable

from tests.e2e import db
from tests.e2e.chat import Chat, TelegramChat, VkChat
from tests.e2e.flows import MENTOR, fill_mentee_request, fill_mentor_nomination, register
from tests.e2e.process import BotProcess
from tests.emulators.telegram import TelegramEmulator
from tests.emulators.vk import VkEmulator

KILLS = 20
NewChat = Callable[[str, str], Chat]
GOAL = "Хочу научиться программировать и сделать свой проект"


class Killer(threading.Thread):
    """SIGKILL at a random moment, start again, repeat until told to stop."""

    def __init__(self, bot: BotProcess, seed: int) -> None:
        super().__init__(daemon=True)
        self.bot, self.random = bot, random.Random(seed)
        self.kills, self.failure = 0, None
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(self.random.uniform(0.05, 1.5)):
                self.bot.kill()
                self.kills += 1
                time.sleep(self.random.choice((0.0, 0.0, 0.3)))  # updates pile up meanwhile
                self.bot.start()
        except Exception as exc:  # reported by the test, not lost in the thread
            self.failure = exc


MENTORS = ("Ирина Волкова", "Андрей Соколов", "Марина Белова", "Олег Громов", "Нина Жукова")
MENTEES = ("Пётр Сидоров", "Анна Морозова", "Иван Петров", "Дарья Котова", "Максим Юдин")


def _cohort(n: int, curator: Chat, codes: dict[str, str], new_chat: Callable[..., Chat]) -> None:
    """One mentor and one mentee join, fill their forms, are approved and paired (each
    mentor takes one mentee, so the matching pairs exactly these two)."""
    mentor_name, mentee_name = MENTORS[n % 5] + "а" * (n // 5), MENTEES[n % 5] + "а" * (n // 5)
    mentor = new_chat(mentor_name, "vk" if n % 2 else "telegram")
    register(mentor, codes["join"], mentor_name, role=MENTOR)
    fill_mentor_nomination(mentor, capacity="Одного")
    mentor.press("Отправить")
    mentor.expect("Спасибо")
    curator.expect("Новая анкета наставника")
    curator.press("Одобрить")
    curator.expect(f"Одобрено: {mentor_name}")
    mentee = new_chat(mentee_name, "telegram" if n % 2 else "vk")
    register(mentee, codes["join"], mentee_name)
    fill_mentee_request(mentee)
    mentee.press("Отправить")
    mentee.expect("Спасибо")
    curator.expect("Новая заявка наставляемого")
    curator.press("Одобрить")
    curator.expect(f"Одобрено: {mentee_name}")
    curator.send("/menu")
    curator.expect("Что делаем?")
    curator.press("Пары и подбор")
    curator.expect("Подобрать всем")
    curator.press("Подобрать всем")
    curator.expect("Отправить предложения")
    curator.press("Отправить предложения")
    mentee.expect(f"Куратор предлагает вам наставника: {mentor_name}")
    mentee.press("Согласен(на)")
    mentor.expect(mentee_name)
    mentor.press("Согласен(на)")
    card = curator.expect("Обе стороны согласны")
    curator.press("Утвердить", under=card[:40])
    curator.expect("Срок работы")
    curator.press("9 мес.")
    curator.expect("Пара утверждена")


def test_twenty_sigkills_at_random_moments_lose_no_answer(
    bot: BotProcess,
    database_url: str,
    codes: dict[str, str],
    telegram: TelegramEmulator,
    vk: VkEmulator,
) -> None:
    ids = itertools.count(70_001)  # both messengers in one run: no `platform` parameter

    def new_chat(name: str, on: str) -> Chat:
        if on == "telegram":
            return TelegramChat(telegram, next(ids), name)
        return VkChat(vk, next(ids), name)

    curator = new_chat("Ольга Кузнецова", "telegram")
    register(curator, codes["curator"], "Ольга Кузнецова", role=None)
    killer = Killer(bot, seed=random.randrange(10**6))
    killer.start()
    cohorts = 0
    try:
        while killer.kills < KILLS or cohorts < 2:
            _cohort(cohorts, curator, codes, new_chat)
            cohorts += 1
            assert killer.failure is None, killer.failure
    finally:
        killer.done.set()
        killer.join()
    assert killer.failure is None, killer.failure
    if bot.proc is None:
        bot.start()
    _settle(database_url)

    # No accepted answer lost: every form holds what was typed and chosen.
    answers = [
        (q, json.loads(a))
        for q, a in db.query(database_url, "SELECT questionnaire, answers FROM responses")
    ]
    requests = [a for q, a in answers if q == "mentee_request"]
    nominations = [a for q, a in answers if q == "mentor_nomination"]
    assert len(requests) == len(nominations) == cohorts
    for given in requests:
        assert (given["class_group"], given["birth_year"], given["goal"]) == ("ТМ-21", 2008, GOAL)
    for given in nominations:
        assert given["workplace"] == "Школа № 1, учитель информатики"
        assert given["experience_years"] == 12 and given["capacity"] == "1"
    pairs = db.query(database_url, "SELECT status FROM pairs")
    assert pairs == [("active",)] * cohorts
    assert db.query(database_url, "SELECT count(*) FROM inbox WHERE processed_at IS NULL") == [(0,)]
    assert db.query(database_url, "SELECT count(*) FROM inbox WHERE error IS NOT NULL") == [(0,)]
    assert telegram.pending_update_ids == []

    repeats_vk = _vk_delivered_once(database_url, vk)
    repeats_tg = _telegram_repeats(database_url, telegram)
    print(
        f"\ncrash: {killer.kills} SIGKILLs, {cohorts} cohorts, {len(answers)} forms, 0 answers"
        f" lost; VK dropped {repeats_vk} repeated sends; Telegram showed {repeats_tg} repeats"
    )
    assert killer.kills >= KILLS
    assert repeats_tg <= killer.kills


def _settle(database_url: str, within: float = 30.0) -> None:
    """Wait until every stored update is handled and every message is sent."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        waiting = db.query(
            database_url,
            "SELECT (SELECT count(*) FROM inbox WHERE processed_at IS NULL)"
            " + (SELECT count(*) FROM outbox WHERE status='pending')",
        )
        if waiting == [(0,)]:
            return
        time.sleep(0.2)
    raise AssertionError("the bot did not settle")


def _vk_delivered_once(database_url: str, vk: VkEmulator) -> int:
    """Each VK outbox row shown exactly once; returns how many resends VK dropped."""
    rows = db.query(
        database_url,
        "SELECT chat_id, count(*) FROM outbox WHERE platform='vk' AND edit_ref IS NULL"
        " AND status='sent' GROUP BY chat_id",
    )
    for chat_id, count in rows:
        shown = [s for s in vk.sent if s.method == "messages.send" and s.peer_id == int(chat_id)]
        assert len(shown) == count, (chat_id, len(shown), count)
        assert len({s.random_id for s in shown}) == count
    return vk.stats["deduplicated"]


def _telegram_repeats(database_url: str, telegram: TelegramEmulator) -> int:
    """Telegram's messages of each chat are its outbox rows in order, a row at most twice
    in a row (sent, the bot killed before marking it, sent again); returns the repeats."""
    repeats = 0
    chats = db.query(database_url, "SELECT DISTINCT chat_id FROM outbox WHERE platform='telegram'")
    for (chat_id,) in chats:
        rows = [
            t
            for (t,) in db.query(
                database_url,
                "SELECT text FROM outbox WHERE platform='telegram' AND chat_id=?"
                " AND edit_ref IS NULL AND status='sent' ORDER BY id",
                chat_id,
            )
        ]
        shown = [
            (r.method, r.text or "")
            for r in telegram.sent
            if r.chat_id == int(chat_id) and r.method in ("sendMessage", "sendDocument")
        ]
        copies: Counter[int] = Counter()
        position = 0
        for method, text in shown:
            # A file's caption is its row's text cut to Telegram's 1,024 characters.
            def same(row: str, text: str = text, method: str = method) -> bool:
                return row == text or (method == "sendDocument" and row.startswith(text))

            if position < len(rows) and same(rows[position]):
                copies[position] += 1
                position += 1
            elif position > 0 and same(rows[position - 1]):
                copies[position - 1] += 1
                repeats += 1
            else:
                raise AssertionError(f"chat {chat_id}: unexpected {text[:60]!r}")
        assert position == len(rows), f"chat {chat_id}: {len(rows) - position} rows never shown"
        assert max(copies.values(), default=1) <= 2, copies
    return repeats
