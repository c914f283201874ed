"""Local emulator of the VK API for a community bot, for end-to-end tests.

The bot (a separate process) talks to it exactly as to api.vk.ru: ``POST {base_url}/method/X``
with form parameters, ``groups.getLongPollServer`` then ``GET {server}?act=a_check&...``, doc
uploads to the returned ``upload_url``. Responses and errors have VK's shape and wording.

Test side (synchronous, thread-safe)::

    with VkEmulator("token", 123) as vk:
        vk.send_text(1, "/start")
        vk.wait_for_text(1, "Hello")
        vk.press(1, "Mentor")
        vk.fail_next("messages.send", error_code=10)

Events in: send_text, press_callback, press, send_sticker, send_photo, chat_invite_user,
chat_kick_user, inject_raw, redeliver. Long poll faults: expire_key, lose_history,
trim_history. Bot output: sent, messages, last_message, event_answers, documents, calls,
stats, wait_for, wait_for_text. Faults and limits: fail_next, block, enforce_limits.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import functools
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from .vk_state import (
    CHAT_PEER_BASE,
    MIN_API_VERSION,
    Message,
    VkApiError,
    VkState,
    new_event_id,
)

T = TypeVar("T")
MAX_WAIT_SEC = 90  # VK caps the long poll wait at 90 seconds
MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # VK's document size limit
_dumps = functools.partial(json.dumps, ensure_ascii=False)


class VkEmulator(VkState):
    """VK API for one community, served on 127.0.0.1 from a background thread."""

    def __init__(self, token: str, group_id: int, *, group_name: str = "Test community") -> None:
        super().__init__(token, group_id, group_name=group_name)
        self._host = "127.0.0.1"
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._wake: asyncio.Event | None = None
        self._closing = False
        self._faults: dict[str, collections.deque[tuple[int | None, int | None]]] = {}
        self._per_sec: int | None = None
        self._recent: collections.deque[float] = collections.deque()
        self.add_listener(self._notify_pollers)

    # ----- lifecycle -----

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("VkEmulator is not started")
        return f"http://{self._host}:{self._port}"

    def start(self) -> Self:
        if self._thread is not None:
            return self
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve())
            except BaseException as error:  # reported to start() in the test thread
                failure.append(error)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="vk-emulator", daemon=True)
        self._thread.start()
        if not ready.wait(10) or failure:
            if failure:  # the thread has returned; otherwise it stays a stuck daemon
                self._thread.join()
                loop.close()
            self._loop = self._thread = None
            raise RuntimeError("VkEmulator failed to start") from (failure[0] if failure else None)
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=15)
        loop.close()
        self._loop = self._thread = None
        self._port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def _serve(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/method/{method}", self._handle_method)
        app.router.add_get("/longpoll/{group_id}", self._handle_longpoll)
        app.router.add_post("/upload/doc/{slot}", self._handle_upload)
        app.router.add_get("/doc/{owner_id}_{doc_id}", self._handle_doc)
        self._wake = asyncio.Event()
        self._closing = False
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, 0).start()
        self._port = int(self._runner.addresses[0][1])

    async def _shutdown(self) -> None:
        self._closing = True
        self._pulse()  # held long polls return at once instead of delaying shutdown
        if self._runner is not None:
            await self._runner.cleanup()

    def _notify_pollers(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._pulse)

    def _pulse(self) -> None:
        if self._wake is not None:
            self._wake.set()
            self._wake = asyncio.Event()

    # ----- HTTP handlers -----

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params: dict[str, str] = dict(request.query)
        if request.method == "POST":
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        fault = self._take_fault(method)
        if fault is not None and fault[1] is not None:
            self.record_call(method, fault[1])
            return web.Response(status=fault[1], text=f"{fault[1]} (emulated failure)")
        try:
            if fault is not None:
                raise VkApiError(fault[0] or 10)
            self._check_auth(params, request.headers.get("Authorization", ""))
            self._check_version(params.get("v"))
            self._check_rate()
            result = self.dispatch(method, params, self.base_url)
        except VkApiError as error:
            self.record_call(method, error.code)
            shown = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
            shown += [{"key": k, "value": v} for k, v in params.items() if k != "access_token"]
            body = {
                "error": {"error_code": error.code, "error_msg": error.msg, "request_params": shown}
            }
            return web.json_response(body, dumps=_dumps)  # VK reports errors with HTTP 200
        self.record_call(method, None)
        return web.json_response({"response": result}, dumps=_dumps)

    def _check_auth(self, params: Mapping[str, str], authorization: str) -> None:
        token = params.get("access_token") or authorization.removeprefix("Bearer ").strip()
        if not token:
            raise VkApiError(5, "no access_token passed.")
        if token != self.token:
            raise VkApiError(5, "invalid access_token (4).")

    @staticmethod
    def _check_version(raw: str | None) -> None:
        if not raw:
            raise VkApiError(8, "v (version) is required")
        try:
            major, minor = (int(part) for part in raw.split(".", 1))
        except ValueError:
            raise VkApiError(8, f"invalid version {raw!r}") from None
        if (major, minor) < MIN_API_VERSION:
            lowest = ".".join(map(str, MIN_API_VERSION))
            raise VkApiError(8, f"versions below {lowest} are not supported by the emulator")

    def _check_rate(self) -> None:
        with self._lock:
            if self._per_sec is None:
                return
            now = time.monotonic()
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) >= self._per_sec:
                self.stats["rate_limited"] += 1
                raise VkApiError(6)
            self._recent.append(now)

    def _take_fault(self, name: str) -> tuple[int | None, int | None] | None:
        with self._lock:
            for key in (name, "*"):
                queue = self._faults.get(key)
                if queue:
                    return queue.popleft()
        return None

    async def _handle_longpoll(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["group_id"] != str(self.group_id):
            raise web.HTTPNotFound()
        fault = self._take_fault("longpoll")
        if fault is not None:
            return web.Response(status=fault[1] or 500, text="emulated long poll failure")
        query = request.query
        if query.get("act") != "a_check":
            return web.json_response({"failed": 2})
        try:
            wait = min(max(int(query.get("wait", "25")), 0), MAX_WAIT_SEC)
        except ValueError:
            wait = 25
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            wake = self._wake  # taken before polling, so an event appended meanwhile wakes us
            result = self.poll(query.get("key"), query.get("ts"))
            if result is not None:
                return web.json_response(result, dumps=_dumps)
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing or wake is None:
                return web.json_response({"ts": query.get("ts"), "updates": []})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), remaining)

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        fault = self._take_fault("upload")
        if fault is not None:
            return web.Response(status=fault[1] or 500, text="emulated upload failure")
        form = await request.post()
        field = form.get("file")
        if not isinstance(field, web.FileField):
            return web.json_response({"error": "no_file", "error_descr": "field 'file' missing"})
        token = self.store_upload(request.match_info["slot"], field.file.read(), field.filename)
        if token is None:
            return web.json_response({"error": "invalid_upload_url"})
        return web.json_response({"file": token})

    async def _handle_doc(self, request: web.Request) -> web.StreamResponse:
        key = (int(request.match_info["owner_id"]), int(request.match_info["doc_id"]))
        for doc in self.documents():
            if (doc.owner_id, doc.id) == key:
                return web.Response(body=doc.data, content_type="application/octet-stream")
        raise web.HTTPNotFound()

    # ----- fault injection and limits -----

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        error_code: int | None = None,
        http_status: int | None = None,
    ) -> None:
        """Fail the next ``times`` calls of ``method`` (``"*"``: any method; ``"longpoll"``,
        ``"upload"``: those endpoints) with a VK error (default 10) or an HTTP status.

        HTTP failures appear in ``calls`` with the HTTP status in place of the error code.
        """
        if error_code is None and http_status is None:
            error_code = 10
        with self._lock:
            queue = self._faults.setdefault(method, collections.deque())
            queue.extend([(error_code, http_status)] * times)

    def enforce_limits(self, per_sec: int | None = 20) -> None:
        """Beyond ``per_sec`` method calls in any second answer error 6 (None turns it off)."""
        with self._lock:
            self._per_sec = per_sec
            self._recent.clear()

    # ----- events from users -----

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        peer_id: int | None = None,
        payload: dict[str, Any] | str | None = None,
    ) -> str:
        """A user writes ``text`` (in a conversation if ``peer_id`` >= 2000000000)."""
        raw = json.dumps(payload) if isinstance(payload, dict) else payload
        return self.add_incoming(user_id, peer_id or user_id, text, payload=raw)

    def press_callback(
        self,
        user_id: int,
        peer_id: int,
        conversation_message_id: int,
        payload: dict[str, Any] | str,
    ) -> str:
        """A message_event as after pressing a callback button; returns the update's id."""
        if isinstance(payload, str):
            payload = json.loads(payload)
        obj = {
            "user_id": user_id,
            "peer_id": peer_id,
            "event_id": secrets.token_hex(6),
            "payload": payload,
            "conversation_message_id": conversation_message_id,
        }
        return self.append_event(self.wrap_event("message_event", obj))

    def press(self, user_id: int, label_substring: str, peer_id: int | None = None) -> str:
        """Press the newest bot button (callback or text) whose label contains the text."""
        peer = peer_id or user_id
        labels: list[str] = []
        for message in reversed(self.messages(peer)):
            for button in message.buttons():
                action = button["action"]
                if action["type"] not in {"callback", "text"}:
                    continue
                label = str(action.get("label", ""))
                labels.append(label)
                if label_substring in label:
                    return self._press(user_id, peer, message, action)
        raise AssertionError(
            f"no button with {label_substring!r} in peer {peer}; available: "
            f"{list(dict.fromkeys(labels))}"
        )

    def _press(self, user_id: int, peer: int, message: Message, action: dict[str, Any]) -> str:
        payload = action.get("payload")
        if action["type"] == "callback":
            return self.press_callback(
                user_id,
                peer,
                message.conversation_message_id,
                payload if payload is not None else {},
            )
        label = str(action["label"])
        if peer >= CHAT_PEER_BASE:  # in conversations VK prefixes the bot's mention
            label = f"[club{self.group_id}|{self.group_name}] {label}"
        return self.send_text(user_id, label, peer_id=peer, payload=payload)

    def send_sticker(
        self, user_id: int, sticker_id: int = 9010, *, peer_id: int | None = None
    ) -> str:
        sticker = {
            "product_id": 279,
            "sticker_id": sticker_id,
            "images": [
                {"url": f"https://vk.com/sticker/1-{sticker_id}-128", "width": 128, "height": 128}
            ],
        }
        return self.add_incoming(
            user_id, peer_id or user_id, "", attachments=[{"type": "sticker", "sticker": sticker}]
        )

    def send_photo(self, user_id: int, *, peer_id: int | None = None, caption: str = "") -> str:
        photo_id = secrets.randbelow(10**9)
        photo = {
            "album_id": -3,
            "date": int(time.time()),
            "id": photo_id,
            "owner_id": user_id,
            "access_key": secrets.token_hex(9),
            "has_tags": False,
            "text": "",
            "sizes": [
                {
                    "type": "x",
                    "width": 604,
                    "height": 453,
                    "url": f"https://sun9-1.userapi.com/{photo_id}.jpg",
                }
            ],
        }
        return self.add_incoming(
            user_id, peer_id or user_id, caption, attachments=[{"type": "photo", "photo": photo}]
        )

    def chat_invite_user(self, peer_id: int, member_id: int, *, from_id: int | None = None) -> str:
        """``member_id`` joins (``-group_id`` for the bot itself, then ``from_id`` is needed)."""
        inviter = from_id or member_id
        if inviter < 0:
            raise ValueError("from_id is required when the community is invited")
        self.chat_member_change(peer_id, member_id, joined=True)
        return self.add_incoming(
            inviter, peer_id, "", action={"type": "chat_invite_user", "member_id": member_id}
        )

    def chat_kick_user(self, peer_id: int, member_id: int, *, from_id: int | None = None) -> str:
        """``member_id`` leaves or is removed; kicking ``-group_id`` makes sends fail (917)."""
        actor = from_id or member_id
        if actor < 0:
            raise ValueError("from_id is required when the community is removed")
        event_id = self.add_incoming(
            actor, peer_id, "", action={"type": "chat_kick_user", "member_id": member_id}
        )
        self.chat_member_change(peer_id, member_id, joined=False)
        return event_id

    def inject_raw(self, event: dict[str, Any]) -> str:
        """Append any update; group_id, event_id and v are filled in when missing."""
        event = copy.deepcopy(event)
        event.setdefault("group_id", self.group_id)
        event.setdefault("event_id", new_event_id())
        event.setdefault("v", "5.199")
        return self.append_event(event)

    def redeliver(self, event: str | dict[str, Any]) -> str:
        """Deliver an earlier update again under a new ts with the same event_id."""
        event_id = event if isinstance(event, str) else str(event["event_id"])
        return self.append_event(self.find_event(event_id))

    # ----- waiting for the bot -----

    def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """Return the first truthy ``predicate()``; AssertionError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                seen = self._version
            result = predicate()  # outside the lock: it may read the bot's database
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"condition not met within {timeout}s; last calls: {self.calls[-10:]}"
                )
            with self._cond:
                if self._version == seen:
                    self._cond.wait(min(remaining, 0.1))

    def wait_for_text(
        self, peer_id: int, substring: str, timeout: float = 10.0, *, since: float | None = None
    ) -> Message:
        """The newest bot message in the peer containing ``substring`` (edits count).

        ``since`` (a ``time.monotonic()`` value) ignores messages last changed before it.
        """

        def find() -> Message | None:
            for message in reversed(self.messages(peer_id)):
                if substring in message.text and (since is None or message.updated_at >= since):
                    return message
            return None

        try:
            return self.wait_for(find, timeout)
        except AssertionError:
            texts = [m.text[:80] for m in self.messages(peer_id)[-5:]]
            raise AssertionError(
                f"no bot message with {substring!r} in peer {peer_id} within {timeout}s; "
                f"last texts: {texts}"
            ) from None
