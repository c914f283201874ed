"""VK through vk_api: community Bots Long Poll in, API methods out.

vk_api is blocking, so every call runs in a thread; the long poll has a thread of its
own so that a 25-second wait never holds up sending. The long-poll `ts` is saved with
the stored events (see Engine.accept), so a restart resumes exactly where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import threading
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import requests
import vk_api
from vk_api.bot_longpoll import VkBotLongPoll
from vk_api.exceptions import TOO_MANY_RPS_CODE
from vk_api.upload import VkUpload

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
from transports.vk_translate import sender_ids, translate

log = logging.getLogger(__name__)
T = TypeVar("T")

API_VERSION = "5.199"
LONGPOLL_WAIT = 25
PUBLIC_METHOD_PREFIX = "https://api.vk.ru/method/"
# VK limits for inline keyboards: 10 buttons, 6 rows, 5 a row; labels 40 characters.
INLINE_MAX_BUTTONS, INLINE_MAX_ROWS, INLINE_MAX_PER_ROW, LABEL_MAX = 10, 6, 5, 40
UNREACHABLE_CODES = {7, 900, 901, 902, 936, 945}
CANNOT_EDIT_CODES = {909, 910, 15}
TEMPORARY_CODES = {1, 6, 9, 10}


class _RoutedSession(requests.Session):
    """vk_api has the public API address built in; VK_API_URL points it elsewhere."""

    def __init__(self, api_url: str) -> None:
        super().__init__()
        self.method_base = api_url.rstrip("/") + "/method/"

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if isinstance(url, str) and url.startswith(PUBLIC_METHOD_PREFIX):
            url = self.method_base + url[len(PUBLIC_METHOD_PREFIX) :]
        return super().request(method, url, *args, **kwargs)


def random_id(salt: str, row_id: int) -> int:
    """Stable per outbox row, so a resend after a crash is dropped by VK as a duplicate;
    salted per database, so a fresh database never reuses an old row's id."""
    return zlib.crc32(f"{salt}:{row_id}".encode()) & 0x7FFFFFFF or 1


def keyboard_json(rows: list[list[Button]]) -> str | None:
    if not rows:
        return None
    fitted = [row[:INLINE_MAX_PER_ROW] for row in rows]
    if sum(map(len, fitted)) > INLINE_MAX_BUTTONS or len(fitted) > INLINE_MAX_ROWS:
        log.warning("keyboard over VK's inline limits; the core should have paged it")
        fitted, last = fitted[:-1], fitted[-1]  # keep the navigation row
        while fitted and (
            sum(map(len, fitted)) + len(last) > INLINE_MAX_BUTTONS
            or len(fitted) + 1 > INLINE_MAX_ROWS
        ):
            fitted.pop()
        fitted.append(last)
    buttons = [
        [
            {
                "action": {
                    "type": "callback",
                    "label": b.label[:LABEL_MAX],
                    "payload": json.dumps(b.payload),
                }
            }
            for b in row
        ]
        for row in fitted
    ]
    return json.dumps({"inline": True, "buttons": buttons}, ensure_ascii=False)


def _in_daemon_thread(fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    """Run a blocking call in a daemon thread: a long poll waiting 25 seconds must not
    hold the process open at shutdown (executor threads are joined at exit)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return  # cancelled while the call ran
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        try:
            outcome: tuple[T | None, BaseException | None] = (fn(*args), None)
        except BaseException as exc:
            outcome = (None, exc)
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=target, daemon=True, name="vk-longpoll").start()
    return future


class VkTransport:
    platform = Platform.VK

    def __init__(self, token: str, group_id: int, api_url: str, salt: str) -> None:
        self.group_id = group_id
        self.salt = salt
        self.vk = vk_api.VkApi(
            token=token, api_version=API_VERSION, session=_RoutedSession(api_url)
        )
        self.vk.RPS_DELAY = 0.0  # the outbox paces requests itself
        # ... and handles "too many requests" (error 6) itself: vk_api's own handler
        # retries every 0.5 s in the sending thread, outside the pacing, and under a
        # steady burst the retry is refused again and again (a refusal every 0.5 s for
        # minutes, the message held up all along). Raised, it pauses the outbox a second.
        self.vk.error_handlers.pop(TOO_MANY_RPS_CODE, None)
        self.api = self.vk.get_api()
        self._send_threads = ThreadPoolExecutor(4, thread_name_prefix="vk-send")
        self._longpoll: VkBotLongPoll | None = None
        self._names: dict[int, str] = {}
        self._stopping = asyncio.Event()

    # -- receiving -------------------------------------------------------------
    async def receive(self, engine: Engine, saved_ts: str | None = None) -> None:
        failures = 0
        ts = saved_ts
        while not self._stopping.is_set():
            try:
                if self._longpoll is None:
                    ts = await _in_daemon_thread(self._connect, ts)
                    await engine.accept([], cursor=("vk", ts))  # a first start has a position
                    log.info("vk long poll listening")
                raws, ts = await _in_daemon_thread(self._check)
            except (requests.RequestException, vk_api.VkApiError, ValueError) as exc:
                failures += 1
                self._longpoll = None  # reconnect: fresh server and key, same ts
                delay = min(30.0, 0.5 * 2**failures)
                log.warning("VK long poll failed (%s); reconnecting in %.1fs", exc, delay)
                await self._sleep(delay)
                continue
            failures = 0
            if raws:
                await _in_daemon_thread(self._learn_names, raws)
            events = [e for raw in raws if (e := translate(raw, self._names)) is not None]
            await engine.accept(events, cursor=("vk", ts) if ts else None)
            for raw in raws:
                if raw.get("type") == "message_event":
                    self._answer_event(raw["object"])

    def _connect(self, ts: str | None) -> str:
        self._longpoll = VkBotLongPoll(self.vk, self.group_id, wait=LONGPOLL_WAIT)
        if ts is not None:
            self._longpoll.ts = ts  # resume after the last stored event
        return str(self._longpoll.ts)

    def _check(self) -> tuple[list[dict[str, Any]], str]:
        assert self._longpoll is not None
        events = self._longpoll.check()  # handles the `failed` codes itself
        return [event.raw for event in events], str(self._longpoll.ts)

    def _learn_names(self, raws: list[dict[str, Any]]) -> None:
        unknown = sorted(sender_ids(raws) - set(self._names))
        if not unknown:
            return
        try:
            users = self.api.users.get(user_ids=",".join(map(str, unknown[:1000])))
        except (requests.RequestException, vk_api.VkApiError) as exc:
            log.info("users.get failed (%s); continuing without names", exc)
            return
        for user in users:
            self._names[int(user["id"])] = (
                f"{user.get('first_name', '')} {user.get('last_name', '')}".strip()
            )

    def _answer_event(self, obj: dict[str, Any]) -> None:
        """Stop the callback button's spinner; the reply itself goes through the outbox."""

        def answer() -> None:
            try:
                self.api.messages.sendMessageEventAnswer(
                    event_id=obj["event_id"], user_id=obj["user_id"], peer_id=obj["peer_id"]
                )
            except (requests.RequestException, vk_api.VkApiError, KeyError) as exc:
                log.debug("sendMessageEventAnswer: %s", exc)

        self._send_threads.submit(answer)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    # -- sending ---------------------------------------------------------------
    async def deliver(self, message: Outbound) -> Delivery:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._send_threads, self._deliver, message)
        except vk_api.ApiError as exc:
            if exc.code in UNREACHABLE_CODES:
                return Unreachable(str(exc))
            if exc.code == 6:
                return RetryAfter(1.0)
            if exc.code in TEMPORARY_CODES:
                return TemporaryFailure(str(exc))
            return PermanentFailure(str(exc))
        except (vk_api.ApiHttpError, requests.RequestException, ValueError) as exc:
            return TemporaryFailure(str(exc))

    def _deliver(self, message: Outbound) -> Delivery:
        params: dict[str, Any] = {"peer_id": int(message.chat_id), "message": message.text}
        markup = keyboard_json(message.buttons)
        if markup:
            params["keyboard"] = markup
        if message.edit_ref and message.attachment is None:
            try:
                self.api.messages.edit(conversation_message_id=int(message.edit_ref), **params)
                return Sent(message.edit_ref)
            except vk_api.ApiError as exc:
                if exc.code not in CANNOT_EDIT_CODES:
                    raise
        if message.attachment is not None:
            params["attachment"] = self._upload(message)
        if message.is_group:
            # In a conversation a community's message has no message_id; editing it later
            # needs its conversation_message_id, which only the peer_ids form returns.
            params["peer_ids"] = params.pop("peer_id")
        result = self.api.messages.send(random_id=random_id(self.salt, message.id), **params)
        if isinstance(result, list):
            first = result[0] if result else {}
            if "error" in first:
                error = first["error"]
                detail = {
                    "error_code": int(error.get("code", 0)),
                    "error_msg": error.get("description", ""),
                }
                raise vk_api.ApiError(self.vk, "messages.send", params, {}, detail)
            return Sent(str(first.get("conversation_message_id")))
        return Sent(str(result))

    def _upload(self, message: Outbound) -> str:
        assert message.attachment is not None
        doc = VkUpload(self.vk).document_message(
            io.BytesIO(message.attachment.data),
            title=message.attachment.filename,
            peer_id=int(message.chat_id),
        )["doc"]
        return f"doc{doc['owner_id']}_{doc['id']}"

    async def stop(self) -> None:
        self._stopping.set()
        self._send_threads.shutdown(wait=True, cancel_futures=True)
