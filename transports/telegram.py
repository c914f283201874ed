"""Telegram: long polling in, Bot API calls out (JSON over aiogram's HTTP session)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

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
from transports.telegram_api import ApiError, BotApi, JsonDict, NetworkError
from transports.telegram_translate import translate

log = logging.getLogger(__name__)

POLL_TIMEOUT = 25
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
CAPTION_LIMIT = 1024
_NOT_MODIFIED = "message is not modified"
_CANNOT_EDIT = ("message to edit not found", "message can't be edited")


def keyboard(rows: list[list[Button]]) -> JsonDict | None:
    if not rows:
        return None
    return {
        "inline_keyboard": [
            [{"text": b.label, "callback_data": b.payload} for b in row] for row in rows
        ]
    }


class TelegramTransport:
    platform = Platform.TELEGRAM

    def __init__(self, token: str, api_url: str) -> None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
        self.api = BotApi(session, token)
        self._stopping = asyncio.Event()
        self._bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 0
        self._answers: set[asyncio.Task[object]] = set()

    async def receive(self, engine: Engine) -> None:
        offset: int | None = None
        failures = 0
        params: JsonDict = {"timeout": POLL_TIMEOUT, "allowed_updates": ALLOWED_UPDATES}
        while not self._stopping.is_set():
            if offset is not None:
                params["offset"] = offset
            try:
                updates: list[JsonDict] = await self.api.call(
                    "getUpdates", params, seconds=POLL_TIMEOUT + self.api.session.timeout
                )
            except ApiError as exc:
                if exc.status == 401:
                    log.error("TELEGRAM_BOT_TOKEN was refused by the Bot API; Telegram is off")
                    return
                if exc.retry_after is None and exc.status < 500:
                    raise  # 409: another instance polls with this token
                failures += 1
                await self._retry(exc.retry_after or min(30.0, 0.5 * 2**failures), exc)
                continue
            except NetworkError as exc:
                failures += 1
                await self._retry(min(30.0, 0.5 * 2**failures), exc)
                continue
            failures = 0
            if not updates:
                continue
            events = [e for u in updates if (e := translate(u, self._bot_id)) is not None]
            await engine.accept(events)  # stored: only now may the offset move past them
            offset = updates[-1]["update_id"] + 1
            for update in updates:
                query = update.get("callback_query")
                if query is not None:
                    self._answer_later(query["id"])

    async def _retry(self, delay: float, exc: Exception) -> None:
        log.warning("getUpdates failed (%s); retrying in %.1fs", exc, delay)
        await self._sleep(delay)

    def _answer_later(self, query_id: str) -> None:
        """Stop the button's spinner; the real answer comes through the outbox."""

        async def answer() -> None:
            try:
                await self.api.call("answerCallbackQuery", {"callback_query_id": query_id})
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
        except NetworkError as exc:
            return TemporaryFailure(str(exc))
        except ApiError as exc:
            return _failure(exc, message)
        if isinstance(sent, dict):
            return Sent(str(sent["message_id"]))
        return Sent(message.edit_ref)  # an edit of an inline message answers `true`

    async def _call(self, message: Outbound) -> Any:
        params: JsonDict = {"chat_id": message.chat_id}
        markup = keyboard(message.buttons)
        if markup is not None:
            params["reply_markup"] = markup
        if message.attachment is not None:
            file = message.attachment
            if message.text:
                params["caption"] = message.text[:CAPTION_LIMIT]
            upload = ("document", file.filename, file.data, file.mime)
            return await self.api.call("sendDocument", params, file=upload)
        params["text"] = message.text
        if message.edit_ref is not None:
            try:
                edit = {**params, "message_id": int(message.edit_ref)}
                return await self.api.call("editMessageText", edit)
            except ApiError as exc:
                if exc.status != 400 or not any(r in exc.description for r in _CANNOT_EDIT):
                    raise
        return await self.api.call("sendMessage", params)

    async def stop(self) -> None:
        self._stopping.set()
        if self._answers:
            await asyncio.gather(*self._answers, return_exceptions=True)
        await self.api.session.close()


def _failure(exc: ApiError, message: Outbound) -> Delivery:
    """What a refused call means for the outbox row (as aiogram classified it before)."""
    if exc.retry_after is not None:
        return RetryAfter(float(exc.retry_after))
    if exc.status == 403:
        return Unreachable(exc.description)
    if exc.status == 400:
        if _NOT_MODIFIED in exc.description:
            return Sent(message.edit_ref)
        if "chat not found" in exc.description:
            return Unreachable(exc.description)
        return PermanentFailure(exc.description)
    return TemporaryFailure(str(exc))  # 5xx; also 401/404/409/413, retried then kept
