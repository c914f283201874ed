"""Crashes, redelivery, platform errors and bad input: nothing lost, nothing doubled."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.e2e import db
from tests.e2e.chat import Chat
from tests.e2e.process import BotProcess
from tests.emulators.telegram import TelegramEmulator
from tests.emulators.vk import VkEmulator


def test_sigkill_mid_flow_loses_nothing(
    bot: BotProcess, database_url: str, codes: dict[str, str], new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat("Мария Орлова")
    chat.send(f"/start {codes['join']}")
    chat.press("Даю согласие")
    chat.expect("Кем вы будете")
    chat.press("Хочу быть наставником")
    chat.expect("Как вас зовут?")
    bot.kill()
    chat.send("Мария Орлова")  # arrives while the bot is dead; the platform keeps it
    bot.start()
    chat.expect("Готово, Мария Орлова! Вы в программе как наставник.")
    assert db.dialog(database_url, chat.platform, chat.user_id)[0] is None  # flow finished


def test_sigkill_right_after_an_update_arrives(
    bot: BotProcess, database_url: str, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat()
    chat.send("/start")
    chat.expect("Вы согласны")
    chat.press("Даю согласие")
    bot.kill()  # the press is stored, in handling, or not yet fetched: all must end well
    bot.start()
    chat.expect("Кем вы будете")
    for delay in (0.0, 0.02, 0.1):
        chat.press("Ищу наставника") if "Ищу наставника" in chat.buttons() else None
        time.sleep(delay)
        bot.kill()
        bot.start()
    chat.expect("Как вас зовут?")
    consents = db.query(database_url, "SELECT count(*) FROM consents WHERE given = 1")
    assert consents == [(1,)]
    assert db.dialog(database_url, chat.platform, chat.user_id)[:2] == ("registration", "name")


def test_a_redelivered_telegram_update_gets_one_reply(
    bot: BotProcess, telegram: TelegramEmulator, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat(on="telegram")
    update_id = telegram.send_text(chat.user_id, "/help")
    chat.expect("/menu")
    replies = len(chat.texts())
    bot.stop()
    telegram.redeliver(update_id)  # as after a crash before the offset was confirmed
    bot.start()
    chat.send("/help")
    chat.expect("/menu")
    assert len(chat.texts()) == replies + 1


def test_a_redelivered_vk_event_gets_one_reply(
    bot: BotProcess, vk: VkEmulator, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat(on="vk")
    event_id = vk.send_text(chat.user_id, "/help")
    chat.expect("/menu")
    replies = len(chat.texts())
    vk.redeliver(event_id)
    chat.send("/help")
    chat.expect("/menu")
    time.sleep(0.5)
    assert len(chat.texts()) == replies + 1


def test_telegram_429_delays_then_delivers(
    bot: BotProcess, telegram: TelegramEmulator, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat(on="telegram")
    telegram.fail_next("sendMessage", 1, status=429, retry_after=2)
    sent_at = time.monotonic()
    chat.send("/start")
    chat.expect("Вы согласны", timeout=15)
    assert time.monotonic() - sent_at >= 2.0
    assert telegram.stats["429"] == 1


def test_vk_server_errors_are_retried(
    bot: BotProcess, vk: VkEmulator, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat(on="vk")
    vk.fail_next("messages.send", 1, error_code=10)
    vk.fail_next("messages.send", 1, http_status=502)
    chat.send("/start")
    chat.expect("Вы согласны", timeout=20)
    assert len([m for m in chat.texts() if "Вы согласны" in m]) == 1


def test_a_user_who_blocked_the_bot_is_marked_and_left_alone(
    bot: BotProcess,
    database_url: str,
    telegram: TelegramEmulator,
    vk: VkEmulator,
    new_chat: Callable[..., Chat],
    platform: str,
) -> None:
    chat = new_chat()
    # Writing to a bot unblocks it, so the person blocks it while our answer waits:
    # the first attempt meets a delay, the retry finds the bot blocked.
    if platform == "telegram":
        telegram.fail_next("sendMessage", 1, status=429, retry_after=1)
    else:
        vk.fail_next("messages.send", 1, error_code=10)
    chat.send("/start")
    time.sleep(0.5)
    (telegram.block if platform == "telegram" else vk.block)(chat.user_id)
    deadline = time.monotonic() + 10
    sql = "SELECT unreachable_at FROM accounts WHERE platform=? AND external_id=?"
    while time.monotonic() < deadline:
        rows = db.query(database_url, sql, platform, str(chat.user_id))
        if rows and rows[0][0]:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the account was not marked unreachable")
    statuses = db.query(
        database_url, "SELECT status FROM outbox WHERE chat_id=?", str(chat.user_id)
    )
    assert statuses == [("unreachable",)]
    time.sleep(1.5)  # nothing keeps hammering the platform
    attempts = db.query(
        database_url, "SELECT attempts FROM outbox WHERE chat_id=?", str(chat.user_id)
    )
    assert attempts[0][0] <= 1  # the delayed first try, then the block: no more


def test_vk_long_poll_recovers_from_its_failures(
    bot: BotProcess, vk: VkEmulator, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat(on="vk")
    vk.expire_key()  # {"failed": 2}: a new key, the same position
    chat.send("/help")
    chat.expect("/menu")
    vk.fail_next("longpoll", 2, http_status=502)  # the server itself fails twice
    chat.send("/start")
    chat.expect("Вы согласны", timeout=30)
