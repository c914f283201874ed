"""Telegram through aiogram 3: long polling in, Bot API calls out."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods.base import Response
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)

from bot.engine import Engine
from bot.events import Button, Platform
from bot.transport import (
    Delivery,
    PermanentFailure,
    RetryAfter,
    Sent,
    TemporaryFailure,
    Unreachable,
)
from storage.outbox import Outbound
from transports.telegram_translate import translate

log = logging.getLogger(__name__)

# aiogram builds `Response[T]` for every call; pydantic caches such types only weakly, and
# rebuilding one costs milliseconds whenever the garbage collector has dropped it. Holding
# the ones the bot uses keeps them built (measured: ~5% of CPU under load).
_RESPONSE_TYPES = (Response[Message], Response[bool], Response[list[Update]])

POLL_TIMEOUT = 25
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
CAPTION_LIMIT = 1024
_NOT_MODIFIED = "message is not modified"
_CANNOT_EDIT = ("message to edit not found", "message can't be edited")


def keyboard(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.label, callback_data=b.payload) for b in row]
            for row in rows
        ]
    )


class TelegramTransport:
    platform = Platform.TELEGRAM

    def __init__(self, token: str, api_url: str) -> None:
        api = TelegramAPIServer.from_base(api_url)
        self.bot = Bot(token, session=AiohttpSession(api=api))
        self._stopping = asyncio.Event()
        self._bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 0
        self._answers: set[asyncio.Task[object]] = set()

    async def receive(self, engine: Engine) -> None:
        offset: int | None = None
        failures = 0
        while not self._stopping.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES
                )
            except TelegramUnauthorizedError:
                log.error("TELEGRAM_BOT_TOKEN was refused by the Bot API; Telegram is off")
                return
            except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as exc:
                failures += 1
                delay = getattr(exc, "retry_after", None) or min(30.0, 0.5 * 2**failures)
                log.warning("getUpdates failed (%s); retrying in %.1fs", exc, delay)
                await self._sleep(delay)
                continue
            failures = 0
            if not updates:
                continue
            events = [e for u in updates if (e := translate(u, self._bot_id)) is not None]
            await engine.accept(events)  # stored: only now may the offset move past them
            offset = updates[-1].update_id + 1
            for update in updates:
                if update.callback_query is not None:
                    self._answer_later(update.callback_query.id)

    def _answer_later(self, query_id: str) -> None:
        """Stop the button's spinner; the real answer comes through the outbox."""

        async def answer() -> None:
            try:
                await self.bot.answer_callback_query(query_id)
            except Exception as exc:  # an expired query is harmless
                log.debug("answerCallbackQuery %s: %s", query_id, exc)

        task = asyncio.create_task(answer())
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def deliver(self, message: Outbound) -> Delivery:
        try:
            sent = await self._call(message)
        except TelegramRetryAfter as exc:
            return RetryAfter(float(exc.retry_after))
        except TelegramForbiddenError as exc:
            return Unreachable(exc.message)
        except TelegramBadRequest as exc:
            if _NOT_MODIFIED in exc.message:
                return Sent(message.edit_ref)
            if "chat not found" in exc.message:
                return Unreachable(exc.message)
            return PermanentFailure(exc.message)
        except (TelegramServerError, TelegramNetworkError) as exc:
            return TemporaryFailure(str(exc))
        return Sent(str(sent.message_id) if isinstance(sent, Message) else message.edit_ref)

    async def _call(self, message: Outbound) -> Message | bool:
        markup = keyboard(message.buttons)
        if message.attachment is not None:
            file = BufferedInputFile(message.attachment.data, filename=message.attachment.filename)
            return await self.bot.send_document(
                message.chat_id,
                file,
                caption=message.text[:CAPTION_LIMIT] or None,
                reply_markup=markup,
            )
        if message.edit_ref is not None:
            try:
                return await self.bot.edit_message_text(
                    text=message.text,
                    chat_id=message.chat_id,
                    message_id=int(message.edit_ref),
                    reply_markup=markup,
                )
            except TelegramBadRequest as exc:
                if not any(reason in exc.message for reason in _CANNOT_EDIT):
                    raise
        return await self.bot.send_message(message.chat_id, message.text, reply_markup=markup)

    async def stop(self) -> None:
        self._stopping.set()
        if self._answers:
            await asyncio.gather(*self._answers, return_exceptions=True)
        await self.bot.session.close()
