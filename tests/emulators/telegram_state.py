"""In-memory model behind the Telegram emulator: chats, messages, updates, recordings, faults.

Everything is guarded by one re-entrant lock because the HTTP server thread and the pytest
thread both mutate it; `changed` (a condition on that lock) wakes test-side waiters.
"""

from __future__ import annotations

import copy
import itertools
import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .telegram_validation import ApiError, JsonDict, bad_request

# Delivered only when the bot asks for them explicitly, as on the real service.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MESSAGE_UPDATES = ("message", "edited_message", "channel_post", "edited_channel_post")


@dataclass(frozen=True)
class SentRecord:
    """One successful outgoing bot action (send, edit, delete, callback answer, chat action)."""

    seq: int
    method: str
    chat_id: int | None
    message_id: int | None
    text: str | None  # message text, or the caption of a document/photo, or the answer text
    reply_markup: JsonDict | None
    document_name: str | None
    document_bytes: bytes | None = field(repr=False)
    timestamp: float  # time.monotonic() when the emulator accepted the call
    params: JsonDict = field(default_factory=dict, repr=False)  # parameters as the bot sent them

    @property
    def buttons(self) -> list[str]:
        """Texts of all buttons in reply_markup (inline or reply keyboard)."""
        return [button["text"] for button in _keyboard_buttons(self.reply_markup)]


@dataclass
class StoredMessage:
    """A message as it currently is in a chat (bot edits applied)."""

    chat_id: int
    message_id: int
    date: int
    from_bot: bool
    sender: JsonDict | None
    text: str | None = None
    entities: list[JsonDict] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JsonDict] = field(default_factory=list)
    reply_markup: JsonDict | None = None  # only inline keyboards are attached to a message
    document: JsonDict | None = None
    photo: list[JsonDict] | None = None
    extra: JsonDict = field(default_factory=dict)  # any other Message fields (raw injections)
    edit_date: int | None = None
    reply_to_message_id: int | None = None
    deleted: bool = False

    @property
    def buttons(self) -> list[JsonDict]:
        return list(_keyboard_buttons(self.reply_markup))


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class CallbackQuery:
    query_id: str
    created: float
    chat_id: int | None
    message_id: int | None
    answered: bool = False


def _keyboard_buttons(markup: JsonDict | None) -> list[JsonDict]:
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [button for row in rows for button in row if isinstance(button, dict)]


class RateLimiter:
    """Sliding windows for the documented broadcast limits (global, per chat, per group)."""

    def __init__(
        self,
        global_per_sec: int | None,
        per_chat_per_sec: int | None,
        per_group_per_min: int | None,
    ) -> None:
        self._limits = (global_per_sec, per_chat_per_sec, per_group_per_min)
        self._global: deque[float] = deque()
        self._per_chat: dict[int, deque[float]] = {}
        self._per_group: dict[int, deque[float]] = {}

    def acquire(self, chat_id: int, is_group: bool, now: float) -> int | None:
        """Count a send and return None, or return retry_after seconds without counting it."""
        global_limit, chat_limit, group_limit = self._limits
        windows: list[tuple[deque[float], int, float]] = []
        if global_limit is not None:
            windows.append((self._global, global_limit, 1.0))
        if chat_limit is not None:
            windows.append((self._per_chat.setdefault(chat_id, deque()), chat_limit, 1.0))
        if group_limit is not None and is_group:
            windows.append((self._per_group.setdefault(chat_id, deque()), group_limit, 60.0))
        wait = 0.0
        for window, limit, span in windows:
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= limit:
                # the send becomes possible once enough old sends leave the window
                wait = max(wait, window[len(window) - limit] + span - now)
        if wait > 0:
            return max(1, math.ceil(wait))
        for window, _, _ in windows:
            window.append(now)
        return None


class TelegramState:
    """The emulated service: a single bot talking to chats populated by the tests.

    Methods do not lock by themselves: callers hold `lock` around whole operations so that
    validation and the resulting mutation are atomic.
    """

    def __init__(
        self,
        token: str,
        *,
        bot_username: str,
        bot_first_name: str,
        first_update_id: int,
        callback_query_ttl: float,
    ) -> None:
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_user: JsonDict = {
            "id": int(prefix) if prefix.isdigit() else 1_000_001,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.callback_query_ttl = callback_query_ttl
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.on_update: Callable[[], None] | None = None  # wakes long polls; set by the server

        self.users: dict[int, JsonDict] = {}
        self.chats: dict[int, JsonDict] = {}
        self.private_started: set[int] = set()  # users who opened a private chat with the bot
        self.forbidden: dict[int, str] = {}  # chat_id -> 403 description (blocked, kicked, left)
        self.messages: dict[int, dict[int, StoredMessage]] = {}
        self._last_message_id: dict[int, int] = {}
        self.files: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackQuery] = {}
        self.commands: dict[str, list[JsonDict]] = {}

        self.pending: list[JsonDict] = []  # unacknowledged updates, ordered by update_id
        self.history: dict[int, JsonDict] = {}
        self._next_update_id = first_update_id
        self.allowed_updates: frozenset[str] | None = None  # None: everything but opt-in types

        self.sent: list[SentRecord] = []
        self.requests_log: list[tuple[str, int]] = []
        self.stats: Counter[str] = Counter()
        self.faults: dict[str, deque[ApiError]] = {}
        self.limiter: RateLimiter | None = None
        self._ids = itertools.count(1)
        self._record_seq = itertools.count(1)

    # --- identifiers ------------------------------------------------------------------------------

    def unique_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}{self.bot_user['id'] % 9973:04d}"

    def numeric_id(self) -> str:
        """Callback query ids are opaque decimal strings on Telegram."""
        return str(4_600_000_000_000_000_000 + next(self._ids) * 7919)

    def next_message_id(self, chat_id: int) -> int:
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        return message_id

    def chat_instance(self, chat_id: int) -> str:
        # stable per chat, opaque like the real value
        return str((chat_id * 2654435761 + self.bot_user["id"]) % (1 << 63))

    # --- users and chats --------------------------------------------------------------------------

    def remember_user(self, user: JsonDict) -> JsonDict:
        stored = {key: value for key, value in user.items() if value is not None}
        stored.setdefault("is_bot", False)
        self.users[stored["id"]] = stored
        return stored

    def remember_chat(self, chat: JsonDict) -> JsonDict:
        stored = {key: value for key, value in chat.items() if value is not None}
        self.chats[stored["id"]] = stored
        if stored.get("type") == "private":
            self.private_started.add(stored["id"])
        return stored

    def private_chat(self, user: JsonDict) -> JsonDict:
        fields = ("first_name", "last_name", "username")
        chat = {"id": user["id"], "type": "private", **{key: user.get(key) for key in fields}}
        return self.remember_chat(chat)

    def lookup_chat(self, raw_chat_id: Any) -> JsonDict:
        """Any chat the bot knows of (including users it saw only in groups)."""
        chat_id = self._parse_chat_id(raw_chat_id)
        if chat_id in self.chats:
            return self.chats[chat_id]
        if chat_id in self.users:
            user = self.users[chat_id]
            fields = ("first_name", "last_name", "username")
            return {"id": chat_id, "type": "private", **{k: user[k] for k in fields if k in user}}
        raise bad_request("chat not found")

    def writable_chat(self, raw_chat_id: Any) -> JsonDict:
        """A chat the bot may post to right now, or the error Telegram gives for it."""
        chat = self.lookup_chat(raw_chat_id)
        chat_id = chat["id"]
        if chat_id in self.forbidden:
            raise ApiError(403, self.forbidden[chat_id])
        if chat["type"] == "private" and chat_id not in self.private_started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _parse_chat_id(self, raw: Any) -> int:
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        if isinstance(raw, bool):
            raise bad_request("chat not found")
        if isinstance(raw, int):
            return raw
        text = str(raw).strip()
        if text.startswith("@"):
            for chat in self.chats.values():
                if chat.get("username", "").lower() == text[1:].lower():
                    return int(chat["id"])
            raise bad_request("chat not found")
        try:
            return int(text)
        except ValueError:
            raise bad_request("chat not found") from None

    def forbid(self, chat_id: int, description: str | None = None) -> None:
        chat_type = self.chats.get(chat_id, {}).get("type", "private" if chat_id > 0 else "group")
        default = {
            "private": "Forbidden: bot was blocked by the user",
            "group": "Forbidden: bot was kicked from the group chat",
            "supergroup": "Forbidden: bot was kicked from the supergroup chat",
            "channel": "Forbidden: bot is not a member of the channel chat",
        }[chat_type]
        self.forbidden[chat_id] = description or default

    # --- messages ---------------------------------------------------------------------------------

    def store_message(self, message: StoredMessage) -> StoredMessage:
        self.messages.setdefault(message.chat_id, {})[message.message_id] = message
        last = self._last_message_id.get(message.chat_id, 0)
        self._last_message_id[message.chat_id] = max(last, message.message_id)
        return message

    def get_message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        message = self.messages.get(chat_id, {}).get(message_id)
        return None if message is None or message.deleted else message

    def message_to_api(self, message: StoredMessage, *, nested: bool = True) -> JsonDict:
        result: JsonDict = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": copy.deepcopy(self.chats.get(message.chat_id, {"id": message.chat_id})),
        }
        if message.sender is not None:
            result["from"] = copy.deepcopy(message.sender)
        optional: JsonDict = {
            "edit_date": message.edit_date,
            "text": message.text,
            "entities": message.entities,
            "document": message.document,
            "photo": message.photo,
            "caption": message.caption,
            "caption_entities": message.caption_entities,
            "reply_markup": message.reply_markup,
        }
        result.update({key: copy.deepcopy(value) for key, value in optional.items() if value})
        for key, value in message.extra.items():
            result.setdefault(key, copy.deepcopy(value))
        if nested and message.reply_to_message_id is not None:
            replied = self.get_message(message.chat_id, message.reply_to_message_id)
            if replied is not None:
                result["reply_to_message"] = self.message_to_api(replied, nested=False)
        return result

    def store_file(
        self, kind: str, data: bytes, *, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        number = len(self.files) + 1
        suffix = f".{file_name.rsplit('.', 1)[-1]}" if file_name and "." in file_name else ""
        stored = StoredFile(
            file_id=self.unique_id("BQACAgIAAxkBAAI"),
            file_unique_id=self.unique_id("AgAD"),
            file_path=f"{kind}/file_{number}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        return stored

    # --- updates ----------------------------------------------------------------------------------

    def enqueue(self, body: JsonDict) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        update = {"update_id": update_id, **copy.deepcopy(body)}
        self.history[update_id] = update
        self.pending.append(update)
        self._updates_changed()
        return update_id

    def redeliver(self, update_id: int) -> None:
        if update_id not in self.history:
            raise AssertionError(f"update {update_id} was never injected")
        if any(update["update_id"] == update_id for update in self.pending):
            raise AssertionError(f"update {update_id} is still pending (not acknowledged yet)")
        self.pending.append(copy.deepcopy(self.history[update_id]))
        self.pending.sort(key=lambda update: update["update_id"])
        self._updates_changed()

    def is_pending(self, update_id: int) -> bool:
        return any(update["update_id"] == update_id for update in self.pending)

    def poll(self, offset: int | None, limit: int) -> list[JsonDict]:
        """getUpdates semantics: acknowledge below offset, then return up to limit updates."""
        if offset is not None and offset < 0:
            # a negative offset keeps only the last -offset updates
            self.pending = self.pending[offset:]
        elif offset:
            self.pending = [update for update in self.pending if update["update_id"] >= offset]
        allowed = self.allowed_updates
        kept: list[JsonDict] = []
        for update in self.pending:
            kind = next(key for key in update if key != "update_id")
            wanted = kind not in OPT_IN_UPDATES if allowed is None else kind in allowed
            if wanted:
                kept.append(update)  # filtered-out updates are never delivered later either
        self.pending = kept
        self.changed.notify_all()
        return copy.deepcopy(kept[:limit])

    def _updates_changed(self) -> None:
        self.changed.notify_all()
        if self.on_update is not None:
            self.on_update()

    # --- recording, faults, limits ----------------------------------------------------------------

    def record(
        self,
        method: str,
        params: JsonDict,
        *,
        chat_id: int | None,
        message_id: int | None = None,
        text: str | None = None,
        reply_markup: JsonDict | None = None,
        document_name: str | None = None,
        document_bytes: bytes | None = None,
    ) -> SentRecord:
        record = SentRecord(
            seq=next(self._record_seq),  # keeps growing across clear() so `after=` stays valid
            method=method,
            chat_id=chat_id,
            message_id=message_id,
            text=text,
            reply_markup=copy.deepcopy(reply_markup),
            document_name=document_name,
            document_bytes=document_bytes,
            timestamp=time.monotonic(),
            params=params,
        )
        self.sent.append(record)
        self.changed.notify_all()
        return record

    def log_request(self, method: str, status: int) -> None:
        self.requests_log.append((method, status))
        self.stats[str(status)] += 1
        self.stats["requests"] += 1

    def take_fault(self, method: str) -> ApiError | None:
        queue = self.faults.get(method)
        return queue.popleft() if queue else None

    def check_rate_limit(self, chat: JsonDict) -> None:
        if self.limiter is None:
            return
        is_group = chat.get("type") in {"group", "supergroup"}
        retry_after = self.limiter.acquire(chat["id"], is_group, time.monotonic())
        if retry_after is not None:
            self.stats["rate_limited"] += 1
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )
