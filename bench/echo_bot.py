"""A bare aiogram 3 bot, the baseline for bench/registration.py.

Every text message and every button press is answered with one sendMessage that carries
one inline button. No database, no state, no outbox: what is left is aiogram, aiohttp and
the Bot API round trips, i.e. the floor for any Python bot on the same emulator.

    TELEGRAM_BOT_TOKEN=123:abc TELEGRAM_API_URL=http://127.0.0.1:8081 python bench/echo_bot.py
"""

from __future__ import annotations

import asyncio
import logging
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

STARTED = "echo bot started"  # bench/registration.py waits for this line
KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Ещё раз", callback_data="echo:again")]]
)

dispatcher = Dispatcher()


@dispatcher.message()
async def on_message(message: Message) -> None:
    await message.answer(f"Эхо: {message.text or ''}", reply_markup=KEYBOARD)


@dispatcher.callback_query()
async def on_press(query: CallbackQuery, bot: Bot) -> None:
    await bot.send_message(query.from_user.id, f"Нажато: {query.data}", reply_markup=KEYBOARD)


@dispatcher.startup()
async def on_startup() -> None:
    print(STARTED, flush=True)


async def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING").upper())
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(os.environ["TELEGRAM_BOT_TOKEN"], session=AiohttpSession(api=api))
    await dispatcher.start_polling(bot)  # stops on SIGTERM/SIGINT, closes the session


if __name__ == "__main__":
    asyncio.run(main())
