"""Whatever a person sends, they get a polite answer and nothing changes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from tests.e2e import db
from tests.e2e.chat import Chat, TelegramChat, VkChat
from tests.e2e.process import BotProcess


def at_consent(chat: Chat) -> None:
    chat.send("/start")
    chat.expect("Вы согласны")


def test_bad_input_changes_nothing(
    bot: BotProcess, database_url: str, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat()
    at_consent(chat)
    before = db.dialog(database_url, chat.platform, chat.user_id)
    chat.send("да")
    chat.expect("Здесь нужно выбрать ответ кнопкой")
    chat.sticker()
    chat.expect("Я понимаю только текст и кнопки")
    chat.photo()
    chat.expect("Я понимаю только текст и кнопки")
    chat.send_oversized("я" * 10_000)
    chat.expect("Слишком длинное сообщение")
    chat.send("/launch_rockets")
    chat.expect("Не знаю такой команды")
    after = db.dialog(database_url, chat.platform, chat.user_id)
    assert after is not None and before is not None
    assert after[:2] == before[:2] == ("registration", "consent")
    assert after[3] == before[3]
    chat.press("Даю согласие")  # the step still works as before
    chat.expect("Кем вы будете")


def press_raw(chat: Chat, data: str) -> None:
    """Press a button carrying `data` on the bot's newest message, as a forger would."""
    if isinstance(chat, TelegramChat):
        message = chat._newest()
        chat.mark = time.monotonic()
        chat.emu.press_button(
            chat.user_id, chat.user_id, message.message_id, data, require_button=False
        )
    else:
        assert isinstance(chat, VkChat)
        message = chat._newest()
        chat.mark = time.monotonic()
        chat.emu.press_callback(
            chat.user_id, chat.user_id, message.conversation_message_id, json.dumps(data)
        )


def test_old_and_forged_buttons_change_nothing(
    bot: BotProcess, database_url: str, codes: dict[str, str], new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat()
    at_consent(chat)
    chat.press("Даю согласие")
    chat.expect("Кем вы будете")
    before = db.dialog(database_url, chat.platform, chat.user_id)
    stale = f"{before[2] - 1}:consent:yes"  # yesterday's consent button
    for forged in [stale, "999:role:curator", "m:codes:", "m:people:", "garbage", "1:" + "x" * 70]:
        press_raw(chat, forged)
        chat.expect("Кем вы будете")  # told what is current, asked the same question
    after = db.dialog(database_url, chat.platform, chat.user_id)
    assert after[:2] == before[:2] == ("registration", "role")
    assert after[3] == before[3]
    press_raw(chat, f"{after[2]}:role:curator")  # a current revision, an invalid role
    chat.expect("неактуальна")
    assert db.dialog(database_url, chat.platform, chat.user_id)[3] == before[3]
    roles = db.query(database_url, "SELECT count(*) FROM participations WHERE role='curator'")
    assert roles == [(0,)]


def test_a_mentee_cannot_use_curator_menu_actions(
    bot: BotProcess, database_url: str, codes: dict[str, str], new_chat: Callable[..., Chat]
) -> None:
    from tests.e2e.test_registration import register

    chat = new_chat()
    register(chat, codes["join"])
    chat.expect("Что делаем?")
    press_raw(chat, "m:codes:")
    chat.expect("Это действие вам недоступно")
    assert codes["join"] not in "\n".join(chat.texts())
