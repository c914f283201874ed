"""Local emulator of the Telegram Bot API for end-to-end tests.

The bot under test (a separate process or an in-process aiogram Bot) is pointed at
`TelegramEmulator.base_url` through `TelegramAPIServer.from_base(base_url)`; the test drives
users through the synchronous methods below and asserts on what the bot sent.

    with TelegramEmulator("123456:TEST") as tg:
        tg.send_text(42, "/start")
        tg.wait_for_text(42, "Hello")
        tg.press(42, "Yes")

The emulator is strict on purpose: it rejects what the real service rejects, with the same
status codes and descriptions, so a green e2e run says something about production.
"""

from __future__ import annotations

import copy
import re
import struct
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Self

from .telegram_api import BotApi, canonical_method, image_size
from .telegram_http import BotApiServer
from .telegram_state import (
    MESSAGE_UPDATES,
    CallbackQuery,
    RateLimiter,
    SentRecord,
    StoredMessage,
    TelegramState,
)
from .telegram_validation import ApiError, JsonDict, utf16_len

__all__ = ["SentRecord", "StoredMessage", "TelegramEmulator"]

TEXT_METHODS = frozenset({"sendMessage", "editMessageText", "sendDocument", "sendPhoto"})
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_MEMBER_STATUSES = frozenset({"member", "administrator", "creator", "restricted"})
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![^\s])")

After = SentRecord | float | None


class TelegramEmulator:
    """Bot API server on 127.0.0.1 in a background thread, plus a synchronous test-side API."""

    def __init__(
        self,
        token: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "test_bot",
        bot_first_name: str = "Test Bot",
        first_update_id: int = 1,
        callback_query_ttl: float = 15.0,
    ) -> None:
        self._state = TelegramState(
            token,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            first_update_id=first_update_id,
            callback_query_ttl=callback_query_ttl,
        )
        self._server = BotApiServer(self._state, BotApi(self._state), host=host, port=port)

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> Self:
        self._server.start()
        self._state.on_update = self._server.notify_updates
        return self

    def stop(self) -> None:
        self._state.on_update = None
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Pass to TelegramAPIServer.from_base() / TELEGRAM_API_URL."""
        return self._server.base_url

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of emulator bugs (answered with 500); a healthy run keeps this empty."""
        return list(self._server.internal_errors)

    @property
    def token(self) -> str:
        return self._state.token

    @property
    def bot_user(self) -> JsonDict:
        return dict(self._state.bot_user)

    # --- injecting updates ------------------------------------------------------------------------

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "ru",
        title: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """Inject a text message from a user; returns its update_id.

        chat_id defaults to the user's private chat. Negative chat ids are groups: chat_type
        "group"/"supergroup" (a known group keeps its type when chat_type is left "private").
        Bot commands get bot_command entities like on Telegram.
        """
        if not text.strip() or len(text) > 4096:
            raise ValueError("a user can only send 1..4096 non-blank characters")
        with self._state.lock:
            user = self._remember_user(user_id, first_name, last_name, username, language_code)
            chat = self._inject_chat(user, chat_id, chat_type, title)
            message = self._user_message(
                user,
                chat,
                text=text,
                entities=_command_entities(text),
                reply_to_message_id=reply_to_message_id,
            )
            return self._state.enqueue({"message": self._state.message_to_api(message)})

    def send_sticker(self, user_id: int, *, chat_id: int | None = None, emoji: str = "👍") -> int:
        with self._state.lock:
            user = self._known_user(user_id)
            chat = self._inject_chat(user, chat_id, "private", None)
            stored = self._state.store_file(
                "stickers", b"RIFF\x00\x00\x00\x00WEBP", file_name=None, mime_type="image/webp"
            )
            sticker = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
                "file_size": len(stored.data),
            }
            message = self._user_message(user, chat, extra={"sticker": sticker})
            return self._state.enqueue({"message": self._state.message_to_api(message)})

    def send_photo(
        self,
        user_id: int,
        data: bytes | None = None,
        *,
        chat_id: int | None = None,
        caption: str | None = None,
    ) -> int:
        """Inject a photo (a 1x1 PNG unless data is given); the bot can getFile/download it."""
        data = _tiny_png() if data is None else data
        with self._state.lock:
            user = self._known_user(user_id)
            chat = self._inject_chat(user, chat_id, "private", None)
            stored = self._state.store_file("photos", data, file_name=None, mime_type="image/png")
            width, height = image_size(data) or (1, 1)
            photo = [
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(data),
                }
            ]
            message = self._user_message(user, chat, photo=photo, caption=caption)
            return self._state.enqueue({"message": self._state.message_to_api(message)})

    def send_document_from_user(
        self,
        user_id: int,
        filename: str,
        data: bytes,
        *,
        chat_id: int | None = None,
        caption: str | None = None,
        mime_type: str = "application/octet-stream",
    ) -> int:
        with self._state.lock:
            user = self._known_user(user_id)
            chat = self._inject_chat(user, chat_id, "private", None)
            stored = self._state.store_file(
                "documents", data, file_name=filename, mime_type=mime_type
            )
            document = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": filename,
                "mime_type": mime_type,
                "file_size": len(data),
            }
            message = self._user_message(user, chat, document=document, caption=caption)
            return self._state.enqueue({"message": self._state.message_to_api(message)})

    def edit_user_message(
        self, user_id: int, message_id: int, text: str, *, chat_id: int | None = None
    ) -> int:
        """Inject an edited_message update for a message the user sent earlier."""
        target_chat = user_id if chat_id is None else chat_id
        with self._state.lock:
            message = self._state.get_message(target_chat, message_id)
            sender = message.sender if message is not None else None
            if message is None or sender is None or sender.get("id") != user_id:
                raise AssertionError(f"user {user_id} has no message {message_id} in {target_chat}")
            message.text, message.entities = text, _command_entities(text)
            message.edit_date = int(time.time())
            return self._state.enqueue({"edited_message": self._state.message_to_api(message)})

    def press_button(
        self,
        user_id: int,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        require_button: bool = True,
    ) -> int:
        """Inject a callback_query for an inline button of a bot message; returns update_id.

        With require_button=False any data can be sent (a forged or stale client).
        """
        with self._state.lock:
            message = self._state.get_message(chat_id, message_id)
            if message is None or not message.from_bot:
                raise AssertionError(f"no bot message {message_id} in chat {chat_id}")
            available = [b.get("callback_data") for b in message.buttons]
            if require_button and data not in available:
                raise AssertionError(
                    f"message {message_id} in chat {chat_id} has no button with callback_data "
                    f"{data!r}; available: {available}"
                )
            chat = self._state.chats[chat_id]
            if chat["type"] == "private" and user_id != chat_id:
                raise ValueError("only the owner of a private chat can press its buttons")
            user = self._known_user(user_id)
            query_id = self._state.numeric_id()
            self._state.callbacks[query_id] = CallbackQuery(
                query_id, time.monotonic(), chat_id, message_id
            )
            callback = {
                "id": query_id,
                "from": user,
                "message": self._state.message_to_api(message),
                "chat_instance": self._state.chat_instance(chat_id),
                "data": data,
            }
            return self._state.enqueue({"callback_query": callback})

    def press(self, user_id: int, label: str, chat_id: int | None = None) -> int:
        """Press the callback button whose text contains label, on the newest bot message."""
        target_chat = user_id if chat_id is None else chat_id
        with self._state.lock:
            bot_messages = [m for m in self._bot_messages(target_chat) if m.buttons]
            for message in reversed(bot_messages):
                for button in message.buttons:
                    if label not in button["text"]:
                        continue
                    if "callback_data" not in button:
                        raise AssertionError(f"button {button['text']!r} is not a callback button")
                    return self.press_button(
                        user_id, target_chat, message.message_id, button["callback_data"]
                    )
            listing = "; ".join(
                f"#{m.message_id}: " + ", ".join(repr(b["text"]) for b in m.buttons)
                for m in bot_messages[-5:]
            )
        raise AssertionError(
            f"no button containing {label!r} in chat {target_chat}; "
            f"available buttons: {listing or 'none'}"
        )

    def inject_raw(self, update: JsonDict) -> int:
        """Inject any update body, e.g. {"my_chat_member": {...}}; update_id is assigned here.

        Chats, users and messages found in it become known, so the bot may answer them;
        my_chat_member/new_chat_members/left_chat_member about the bot change its membership.
        As on Telegram, types outside the bot's allowed_updates are never delivered, and
        chat_member/message_reaction* only when the bot asked for them explicitly.
        """
        if not isinstance(update, dict) or "update_id" in update or len(update) != 1:
            raise ValueError("pass exactly one update type and no update_id, e.g. {'message': {}}")
        body = copy.deepcopy(update)
        with self._state.lock:
            kind, payload = next(iter(body.items()))
            self._absorb(kind, payload)
            return self._state.enqueue(body)

    def redeliver(self, update_id: int) -> None:
        """Queue an acknowledged update again with the same update_id.

        Like Telegram after a crash: a bot that restarts without an offset receives it; a bot
        still polling with a higher offset acknowledges it again without seeing it.
        """
        with self._state.lock:
            self._state.redeliver(update_id)

    @property
    def pending_update_ids(self) -> list[int]:
        with self._state.lock:
            return [update["update_id"] for update in self._state.pending]

    def wait_acknowledged(self, update_id: int, timeout: float = 10.0) -> None:
        """Block until the bot confirmed update_id via getUpdates offset."""
        deadline = time.monotonic() + timeout
        with self._state.changed:
            while self._state.is_pending(update_id):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"update {update_id} not acknowledged in {timeout}s")
                self._state.changed.wait(remaining)

    # --- recordings -------------------------------------------------------------------------------

    @property
    def sent(self) -> list[SentRecord]:
        with self._state.lock:
            return list(self._state.sent)

    @property
    def requests_log(self) -> list[tuple[str, int]]:
        with self._state.lock:
            return list(self._state.requests_log)

    @property
    def stats(self) -> dict[str, int]:
        """Response counts by HTTP status ("200", "429", ...), plus requests and rate_limited."""
        with self._state.lock:
            return dict(self._state.stats)

    @property
    def commands(self) -> dict[str, list[JsonDict]]:
        """setMyCommands results keyed by '<scope json>|<language_code>'."""
        with self._state.lock:
            return copy.deepcopy(self._state.commands)

    def messages(self, chat_id: int) -> list[StoredMessage]:
        """The bot's messages in the chat as they are now (edits applied, deletions removed)."""
        with self._state.lock:
            return [copy.deepcopy(message) for message in self._bot_messages(chat_id)]

    def last_message(self, chat_id: int) -> StoredMessage:
        messages = self.messages(chat_id)
        if not messages:
            raise AssertionError(f"the bot has no messages in chat {chat_id}")
        return messages[-1]

    def wait_for(
        self, predicate: Callable[[SentRecord], bool], timeout: float = 10.0, *, after: After = None
    ) -> SentRecord:
        """Return the first record (already sent or arriving within timeout) matching predicate."""
        deadline = time.monotonic() + timeout
        scanned: list[SentRecord] | None = None
        position = 0
        with self._state.changed:
            while True:
                records = self._state.sent
                if records is not scanned:  # first pass, or clear() replaced the list
                    scanned, position = records, 0
                for record in records[position:]:
                    if _is_after(record, after) and predicate(record):
                        return record
                position = len(records)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recent = "\n  ".join(_describe(r) for r in records[-8:]) or "(nothing sent)"
                    raise AssertionError(
                        f"no matching bot action within {timeout}s; last records:\n  {recent}"
                    )
                self._state.changed.wait(remaining)

    def wait_for_text(
        self, chat_id: int, substring: str, timeout: float = 10.0, after: After = None
    ) -> SentRecord:
        """Wait for a sent or edited message (or file caption) in chat_id containing substring."""

        def matches(record: SentRecord) -> bool:
            return (
                record.chat_id == chat_id
                and record.method in TEXT_METHODS
                and substring in (record.text or "")
            )

        return self.wait_for(matches, timeout, after=after)

    def assert_nothing_sent(
        self, chat_id: int | None = None, *, within: float = 0.5, after: After = None
    ) -> None:
        """Fail if the bot sends anything (to chat_id, if given) during the next `within` s."""
        start = time.monotonic() if after is None else after

        def matches(record: SentRecord) -> bool:
            return chat_id is None or record.chat_id == chat_id

        try:
            record = self.wait_for(matches, within, after=start)
        except AssertionError:
            return
        raise AssertionError(f"unexpected bot action: {_describe(record)}")

    def clear(self) -> None:
        """Forget recordings (sent, requests_log, stats); chats and messages stay."""
        with self._state.lock:
            self._state.sent = []
            self._state.requests_log = []
            self._state.stats.clear()

    # --- fault injection --------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        status: int,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """Make the next `times` calls of method fail with status (429 gets retry_after)."""
        name = canonical_method(method)
        if name is None:
            raise ValueError(f"unknown Bot API method {method!r}")
        if times < 1 or not 400 <= status <= 599:
            raise ValueError("times must be >= 1 and status an HTTP error code")
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        description = description or _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        with self._state.lock:
            queue = self._state.faults.setdefault(name, deque())
            queue.extend(
                ApiError(status, description, retry_after=retry_after) for _ in range(times)
            )

    def block(self, chat_id: int, *, description: str | None = None, notify: bool = False) -> None:
        """Make sends to chat_id fail with 403 (blocked by the user / kicked from the group).

        description overrides the 403 text (e.g. "Forbidden: user is deactivated"); notify
        also injects the my_chat_member update Telegram sends when a user blocks the bot.
        """
        with self._state.lock:
            self._state.forbid(chat_id, description)
            chat = self._state.chats.get(chat_id)
            if notify and chat is not None:
                self._state.enqueue(self._membership_update(chat, "member", "kicked"))

    def unblock(self, chat_id: int) -> None:
        with self._state.lock:
            self._state.forbidden.pop(chat_id, None)

    def open_private_chats(self, user_ids: Iterable[int], first_name: str = "User") -> None:
        """Users who opened a private chat with the bot long ago, so the bot may write to
        them, with no update left to handle: for benches that seed the bot's database."""
        with self._state.lock:
            for user_id in user_ids:
                user = self._state.remember_user({"id": user_id, "first_name": first_name})
                self._state.private_chat(user)

    def enforce_limits(
        self,
        global_per_sec: int | None = 30,
        per_chat_per_sec: int | None = 1,
        per_group_per_min: int | None = 20,
    ) -> None:
        """Answer sends beyond Telegram's broadcast limits with 429 (None disables a limit)."""
        with self._state.lock:
            self._state.limiter = RateLimiter(global_per_sec, per_chat_per_sec, per_group_per_min)

    def disable_limits(self) -> None:
        with self._state.lock:
            self._state.limiter = None

    # --- helpers (callers hold the state lock) ----------------------------------------------------

    def _remember_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> JsonDict:
        if user_id <= 0:
            raise ValueError("user ids are positive")
        return self._state.remember_user(
            {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name,
                "last_name": last_name,
                "username": username,
                "language_code": language_code,
            }
        )

    def _known_user(self, user_id: int) -> JsonDict:
        known = self._state.users.get(user_id)
        if known is not None:
            return dict(known)
        return self._remember_user(user_id, "Test", None, None, "ru")

    def _inject_chat(
        self, user: JsonDict, chat_id: int | None, chat_type: str, title: str | None
    ) -> JsonDict:
        if chat_id is None or chat_id == user["id"]:
            if chat_type != "private":
                raise ValueError(f"a {chat_type} message needs a negative chat_id")
            chat = self._state.private_chat(user)
            if chat["id"] in self._state.forbidden:
                # writing to a blocked bot unblocks it (the client's "Restart" button)
                del self._state.forbidden[chat["id"]]
                self._state.enqueue(self._membership_update(chat, "kicked", "member", user))
            return chat
        if chat_id > 0:
            raise ValueError("a private chat id equals the user id; group ids are negative")
        known = self._state.chats.get(chat_id, {})
        kind = chat_type if chat_type != "private" else known.get("type", "group")
        if kind not in {"group", "supergroup"}:
            raise ValueError(f"users write to group or supergroup chats, not {kind!r}")
        if chat_id in self._state.forbidden:
            raise AssertionError(
                f"the bot is not in chat {chat_id} ({self._state.forbidden[chat_id]}); "
                "inject a my_chat_member update to add it back"
            )
        default_title = known.get("title") or f"Test {kind} {chat_id}"
        return self._state.remember_chat(
            {"id": chat_id, "type": kind, "title": title or default_title}
        )

    def _user_message(self, user: JsonDict, chat: JsonDict, **fields: Any) -> StoredMessage:
        reply_to = fields.pop("reply_to_message_id", None)
        if reply_to is not None and self._state.get_message(chat["id"], reply_to) is None:
            raise AssertionError(f"no message {reply_to} in chat {chat['id']} to reply to")
        message = StoredMessage(
            chat_id=chat["id"],
            message_id=self._state.next_message_id(chat["id"]),
            date=int(time.time()),
            from_bot=False,
            sender=dict(user),
            reply_to_message_id=reply_to,
            **fields,
        )
        return self._state.store_message(message)

    def _bot_messages(self, chat_id: int) -> list[StoredMessage]:
        stored = self._state.messages.get(chat_id, {})
        return [m for _, m in sorted(stored.items()) if m.from_bot and not m.deleted]

    def _membership_update(
        self, chat: JsonDict, old: str, new: str, actor: JsonDict | None = None
    ) -> JsonDict:
        bot = dict(self._state.bot_user)
        if actor is None:
            actor = self._state.users.get(chat["id"]) or {
                "id": 1,
                "is_bot": False,
                "first_name": "Admin",
            }

        def member(status: str) -> JsonDict:
            return {
                "user": bot,
                "status": status,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        return {
            "my_chat_member": {
                "chat": dict(chat),
                "from": dict(actor),
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            }
        }

    def _absorb(self, kind: str, payload: Any) -> None:
        """Learn chats, users, messages and bot membership from a raw update."""
        if not isinstance(payload, dict):
            raise ValueError(f"update {kind!r} must be an object")
        for user in _users_in(payload):
            self._state.remember_user(user)
        chat = payload.get("chat")
        if isinstance(chat, dict) and "id" in chat and "type" in chat:
            self._state.remember_chat(chat)
        if kind in MESSAGE_UPDATES and isinstance(chat, dict):
            self._absorb_message(kind, payload)
        elif kind == "callback_query":
            payload.setdefault("id", self._state.numeric_id())
            message = payload.get("message") or {}
            self._state.callbacks[payload["id"]] = CallbackQuery(
                payload["id"],
                time.monotonic(),
                (message.get("chat") or {}).get("id"),
                message.get("message_id"),
            )
        elif kind == "my_chat_member" and isinstance(chat, dict):
            status = (payload.get("new_chat_member") or {}).get("status")
            if status in _MEMBER_STATUSES:
                self._state.forbidden.pop(chat["id"], None)
            elif status == "kicked":
                self._state.forbid(chat["id"])
            elif status == "left":
                self._state.forbid(
                    chat["id"], f"Forbidden: bot is not a member of the {chat['type']} chat"
                )

    def _absorb_message(self, kind: str, payload: JsonDict) -> None:
        chat_id = payload["chat"]["id"]
        bot_id = self._state.bot_user["id"]
        if kind.startswith("edited_"):
            stored = self._state.get_message(chat_id, payload.get("message_id", 0))
            if stored is not None and "text" in payload:
                stored.text = payload["text"]
            return
        payload.setdefault("message_id", self._state.next_message_id(chat_id))
        payload.setdefault("date", int(time.time()))
        sender = payload.get("from")
        known_fields = {"message_id", "date", "chat", "from", "text", "entities", "caption"}
        self._state.store_message(
            StoredMessage(
                chat_id=chat_id,
                message_id=payload["message_id"],
                date=payload["date"],
                from_bot=isinstance(sender, dict) and sender.get("id") == bot_id,
                sender=sender,
                text=payload.get("text"),
                entities=list(payload.get("entities") or []),
                caption=payload.get("caption"),
                extra={k: v for k, v in payload.items() if k not in known_fields},
            )
        )
        joined = payload.get("new_chat_members") or []
        if any(member.get("id") == bot_id for member in joined):
            self._state.forbidden.pop(chat_id, None)
        if (payload.get("left_chat_member") or {}).get("id") == bot_id:
            self._state.forbid(chat_id)


def _command_entities(text: str) -> list[JsonDict]:
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m[0])}
        for m in _COMMAND.finditer(text)
    ]


def _users_in(payload: JsonDict) -> Iterator[JsonDict]:
    for key in ("from", "user", "left_chat_member"):
        candidate = payload.get(key)
        if isinstance(candidate, dict) and "id" in candidate and "first_name" in candidate:
            yield candidate
    for member in payload.get("new_chat_members") or []:
        if isinstance(member, dict) and "id" in member and "first_name" in member:
            yield member


def _is_after(record: SentRecord, after: After) -> bool:
    if after is None:
        return True
    if isinstance(after, SentRecord):
        return record.seq > after.seq
    return record.timestamp > after


def _describe(record: SentRecord) -> str:
    text = (record.text or "").replace("\n", "\\n")
    text = text if len(text) <= 80 else text[:77] + "..."
    parts = [f"#{record.seq} {record.method} chat={record.chat_id} msg={record.message_id}"]
    if text:
        parts.append(f"text={text!r}")
    if record.buttons:
        parts.append(f"buttons={record.buttons}")
    if record.document_name:
        parts.append(f"file={record.document_name!r}")
    return " ".join(parts)


def _tiny_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
