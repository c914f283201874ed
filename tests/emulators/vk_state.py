"""In-memory model of one VK community for the VK API emulator (see ``vk.py``).

The aiohttp thread serves the bot from here while the test thread injects events and reads
what the bot did, so every public method takes the lock. Method semantics follow the real
API (v5.199) as documented on dev.vk.com and in VKCOM/vk-api-schema.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

API_VERSION = "5.199"
# message_new carries {message, client_info} only from 5.103 on; the bot relies on that shape.
MIN_API_VERSION = (5, 103)
CHAT_PEER_BASE = 2_000_000_000
MAX_MESSAGE_LENGTH = 4096
MAX_ATTACHMENTS = 10
RANDOM_ID_WINDOW_SEC = 3600.0
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
LABEL_MAX, BUTTON_PAYLOAD_MAX, SEND_PAYLOAD_MAX, SNACKBAR_MAX = 40, 255, 1000, 90
# (rows, buttons per row, buttons in total) from dev.vk.com/api/bots/development/keyboard
KEYBOARD_LIMITS = {True: (6, 5, 10), False: (10, 5, 40)}
BUTTON_ACTIONS = frozenset(
    {"text", "callback", "open_link", "location", "vkpay", "open_app", "open_photo"}
)
# These take a whole row (dev.vk.com; vk_api's VkKeyboard enforces the same).
FULL_WIDTH_ACTIONS = frozenset({"location", "vkpay", "open_app"})
BUTTON_COLORS = frozenset({"primary", "secondary", "negative", "positive"})
CLIENT_INFO: dict[str, Any] = {
    "button_actions": [
        "text",
        "vkpay",
        "open_app",
        "location",
        "open_link",
        "callback",
        "intent_subscribe",
        "intent_unsubscribe",
    ],
    "keyboard": True,
    "inline_keyboard": True,
    "carousel": True,
    "lang_id": 0,
}
ATTACHMENT_RE = re.compile(
    r"^(photo|video|audio|doc|wall|market|poll|audio_message|graffiti|story|article)"
    r"(-?\d+)_(\d+)(?:_([0-9A-Za-z]+))?$"
)
DOC_TYPES = {
    "txt": 1,
    "pdf": 1,
    "doc": 1,
    "docx": 1,
    "xls": 1,
    "xlsx": 1,
    "ics": 1,
    "csv": 1,
    "zip": 2,
    "rar": 2,
    "gif": 3,
    "png": 4,
    "jpg": 4,
    "jpeg": 4,
}

# Texts from VKCOM/vk-api-schema errors.json; a detail is appended after ": " like VK does.
ERROR_MESSAGES = {
    1: "Unknown error occurred",
    3: "Unknown method passed",
    5: "User authorization failed",
    6: "Too many requests per second",
    7: "Permission to perform this action is denied",
    8: "Invalid request",
    9: "Flood control",
    10: "Internal server error",
    15: "Access denied",
    100: "One of the parameters specified was missing or invalid",
    113: "Invalid user id",
    900: "Can't send messages for users from blacklist",
    901: "Can't send messages for users without permission",
    902: "Can't send messages to this user due to their privacy settings",
    911: "Keyboard format is invalid",
    912: "This is a chat bot feature, change this status in settings",
    913: "Too many forwarded messages",
    914: "Message is too long",
    917: "You don't have access to this chat",
    920: "Can't edit this kind of message",
}


class VkApiError(Exception):
    """An API error as VK reports it: ``{"error": {"error_code", "error_msg", ...}}``."""

    def __init__(self, code: int, detail: str = "") -> None:
        base = ERROR_MESSAGES.get(code, "Emulated error")
        self.code = code
        self.msg = f"{base}: {detail}" if detail else base
        super().__init__(f"[{code}] {self.msg}")


@dataclass(frozen=True)
class Doc:
    id: int
    owner_id: int
    title: str
    data: bytes
    ext: str
    access_key: str
    date: int

    @property
    def attachment(self) -> str:
        return f"doc{self.owner_id}_{self.id}"

    def to_api(self, base_url: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "owner_id": self.owner_id,
            "title": self.title,
            "size": len(self.data),
            "ext": self.ext,
            "date": self.date,
            "type": DOC_TYPES.get(self.ext, 8),
            "access_key": self.access_key,
            "url": f"{base_url}/doc/{self.owner_id}_{self.id}",
        }


@dataclass
class Message:
    """A message in a conversation; bot messages (out=1) reflect every edit applied so far."""

    id: int  # 0 for conversations, as VK reports to community tokens
    peer_id: int
    from_id: int
    conversation_message_id: int
    text: str
    date: int
    out: int
    keyboard: dict[str, Any] | None = None
    payload: str | None = None
    attachments: list[str] = field(default_factory=list)
    docs: list[Doc] = field(default_factory=list)
    random_id: int = 0
    edits: int = 0
    updated_at: float = field(default_factory=time.monotonic)

    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.keyboard or {}).get("buttons", [])
        return [button for row in rows for button in row]


@dataclass(frozen=True)
class SentRecord:
    """One successful messages.send (per peer) or messages.edit call by the bot."""

    method: str
    peer_id: int
    message_id: int
    conversation_message_id: int
    text: str
    keyboard: dict[str, Any] | None
    payload: str | None
    attachments: tuple[str, ...]
    docs: tuple[Doc, ...]
    random_id: int | None
    at: float


@dataclass(frozen=True)
class EventAnswer:
    """A messages.sendMessageEventAnswer call.

    ``event_id`` is the callback's own id the bot passed (``object.event_id``); ``update_id``
    is the long poll update's id, as returned by ``press_callback``/``press``.
    """

    event_id: str
    update_id: str
    user_id: int
    peer_id: int
    event_data: dict[str, Any] | None
    at: float


@dataclass
class Chat:
    peer_id: int
    members: dict[int, tuple[int, int]] = field(default_factory=dict)  # id -> (invited_by, date)
    bot_is_admin: bool = True
    bot_present: bool = True


class Params:
    """Typed access to form parameters with VK's error 100 wording."""

    def __init__(self, raw: Mapping[str, str]) -> None:
        self.raw = raw

    def get(self, name: str) -> str | None:
        return self.raw.get(name)

    def int_or_none(self, name: str, *, required: bool = False) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            if required:
                raise VkApiError(100, f"{name} is undefined")
            return None
        try:
            return int(value)
        except ValueError:
            raise VkApiError(100, f"{name} not integer") from None

    def need_int(self, name: str) -> int:
        value = self.int_or_none(name, required=True)
        assert value is not None
        return value

    def ints(self, name: str) -> list[int]:
        try:
            return [int(part) for part in (self.raw.get(name) or "").split(",") if part.strip()]
        except ValueError:
            raise VkApiError(100, f"{name} not integer") from None


def validate_keyboard(raw: str) -> dict[str, Any]:
    """Parse a keyboard JSON string, raising error 911 where VK rejects the format."""
    try:
        keyboard = json.loads(raw)
    except ValueError:
        raise VkApiError(911, "invalid JSON") from None
    if not isinstance(keyboard, dict) or not isinstance(keyboard.get("buttons"), list):
        raise VkApiError(911, "buttons is required")
    for flag in ("one_time", "inline"):
        if not isinstance(keyboard.get(flag, False), bool):
            raise VkApiError(911, f"{flag} must be boolean")
    max_rows, max_per_row, max_total = KEYBOARD_LIMITS[keyboard.get("inline", False)]
    rows = keyboard["buttons"]
    if len(rows) > max_rows:
        raise VkApiError(911, f"too many rows: {len(rows)} > {max_rows}")
    if sum(len(row) if isinstance(row, list) else 0 for row in rows) > max_total:
        raise VkApiError(911, f"too many buttons (max {max_total})")
    for row in rows:
        if not isinstance(row, list) or not row:
            raise VkApiError(911, "each row must be a non-empty array")
        if len(row) > max_per_row:
            raise VkApiError(911, f"too many buttons in a row: {len(row)} > {max_per_row}")
        for button in row:
            _validate_button(button)
            if len(row) > 1 and button["action"]["type"] in FULL_WIDTH_ACTIONS:
                raise VkApiError(911, f"{button['action']['type']} takes the whole row")
    return keyboard


def _validate_button(button: Any) -> None:
    action = button.get("action") if isinstance(button, dict) else None
    if not isinstance(action, dict) or action.get("type") not in BUTTON_ACTIONS:
        raise VkApiError(911, "unknown action type")
    kind = action["type"]
    label = action.get("label")
    needs_label = kind in {"text", "callback", "open_link", "open_app"}
    if needs_label and (not isinstance(label, str) or not label):
        raise VkApiError(911, f"label is required for {kind}")
    if isinstance(label, str) and len(label) > LABEL_MAX:
        raise VkApiError(911, f"label is longer than {LABEL_MAX} characters")
    if kind == "open_link" and not action.get("link"):
        raise VkApiError(911, "link is required for open_link")
    if kind == "vkpay" and not action.get("hash"):
        raise VkApiError(911, "hash is required for vkpay")
    if kind == "open_app" and not action.get("app_id"):
        raise VkApiError(911, "app_id is required for open_app")
    if "payload" in action:
        payload = action["payload"]
        text = payload if isinstance(payload, str) else json.dumps(payload)
        if len(text) > BUTTON_PAYLOAD_MAX:
            raise VkApiError(911, f"payload is longer than {BUTTON_PAYLOAD_MAX} characters")
        try:
            json.loads(text)
        except ValueError:
            raise VkApiError(911, "payload must be JSON") from None
    color = button.get("color")
    if color is not None and (kind not in {"text", "callback"} or color not in BUTTON_COLORS):
        raise VkApiError(911, f"invalid color {color!r} for {kind}")


def new_event_id() -> str:
    return secrets.token_hex(20)


class VkState:
    """Conversations, documents, the long poll history and the bot's recorded calls."""

    def __init__(self, token: str, group_id: int, *, group_name: str = "Test community") -> None:
        self.token = token
        self.group_id = group_id
        self.group_name = group_name
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._listeners: list[Callable[[], None]] = []
        self._version = 0  # bumped on every change, so waiters never miss a notification
        # long poll: contiguous ts numbering, history kept until trimmed
        self._events: list[dict[str, Any]] = []
        self._first_ts = 1
        self._lp_key = secrets.token_hex(20)
        self._lp_failure: int | None = None  # 2 (key expired) or 3 (history lost)
        self._callback_events: dict[str, tuple[int, int, str]] = {}  # -> user, peer, update
        # conversations
        self._next_message_id = 1
        self._cmids: dict[int, int] = {}
        self._messages: dict[int, list[Message]] = {}
        self._random_ids: dict[tuple[int, int], tuple[Message, float]] = {}
        self._users: dict[int, tuple[str, str]] = {}
        self._blocked: set[int] = set()
        self._chats: dict[int, Chat] = {}
        # documents
        self._docs: dict[tuple[int, int], Doc] = {}
        self._uploads: dict[str, tuple[bytes, str]] = {}
        self._upload_slots: set[str] = set()
        # recordings
        self._sent: list[SentRecord] = []
        self._event_answers: list[EventAnswer] = []
        self._calls: list[tuple[str, int | None]] = []
        self.stats: dict[str, int] = {"calls": 0, "rate_limited": 0, "deduplicated": 0}

    # ----- recordings (snapshots, safe to iterate while the bot keeps working) -----

    @property
    def sent(self) -> list[SentRecord]:
        with self._lock:
            return list(self._sent)

    @property
    def event_answers(self) -> list[EventAnswer]:
        with self._lock:
            return list(self._event_answers)

    @property
    def calls(self) -> list[tuple[str, int | None]]:
        with self._lock:
            return list(self._calls)

    def clear(self) -> None:
        """Forget recordings and counters; conversations and the event history stay."""
        with self._lock:
            self._sent.clear()
            self._event_answers.clear()
            self._calls.clear()
            for key in self.stats:
                self.stats[key] = 0

    def messages(self, peer_id: int, *, incoming: bool = False) -> list[Message]:
        """Bot messages in the peer with edits applied (plus users' ones if ``incoming``)."""
        with self._lock:
            return [replace(m) for m in self._messages.get(peer_id, []) if incoming or m.out]

    def last_message(self, peer_id: int) -> Message | None:
        found = self.messages(peer_id)
        return found[-1] if found else None

    def documents(self) -> list[Doc]:
        with self._lock:
            return list(self._docs.values())

    def record_call(self, method: str, code: int | None) -> None:
        with self._cond:
            self._calls.append((method, code))
            self.stats["calls"] += 1
            self._changed()

    def _changed(self) -> None:
        self._version += 1
        self._cond.notify_all()

    # ----- people and chats -----

    def set_user(self, user_id: int, first_name: str, last_name: str) -> None:
        with self._lock:
            self._users[user_id] = (first_name, last_name)

    def block(self, user_id: int) -> None:
        """The user has not allowed (or has denied) messages from the community."""
        with self._lock:
            self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        with self._lock:
            self._blocked.discard(user_id)

    def set_chat_admin(self, peer_id: int, is_admin: bool) -> None:
        """Without admin rights VK refuses messages.getConversationMembers (error 917)."""
        with self._lock:
            self._chat(peer_id).bot_is_admin = is_admin

    def _chat(self, peer_id: int) -> Chat:
        if peer_id not in self._chats:
            chat = Chat(peer_id)
            chat.members[-self.group_id] = (0, int(time.time()))
            self._chats[peer_id] = chat
        return self._chats[peer_id]

    def _user(self, user_id: int) -> dict[str, Any]:
        first, last = self._users.get(user_id, (f"User{user_id}", "Test"))
        return {
            "id": user_id,
            "first_name": first,
            "last_name": last,
            "can_access_closed": True,
            "is_closed": False,
        }

    def _group(self) -> dict[str, Any]:
        return {
            "id": self.group_id,
            "name": self.group_name,
            "screen_name": f"club{self.group_id}",
            "is_closed": 0,
            "type": "group",
            "photo_50": "",
            "photo_100": "",
            "photo_200": "",
        }

    # ----- long poll history -----

    def add_listener(self, callback: Callable[[], None]) -> None:
        """``callback`` runs after each new long poll event; it must not block."""
        self._listeners.append(callback)

    @property
    def current_ts(self) -> int:
        with self._lock:
            return self._first_ts + len(self._events)

    def append_event(self, event: dict[str, Any]) -> str:
        with self._cond:
            self._events.append(event)
            obj = event.get("object", {})
            if event.get("type") == "message_event" and obj.get("event_id"):
                self._callback_events[str(obj["event_id"])] = (
                    obj.get("user_id", 0),
                    obj.get("peer_id", 0),
                    str(event.get("event_id")),
                )
            self._changed()
        for callback in self._listeners:
            callback()
        return str(event.get("event_id", ""))

    def find_event(self, event_id: str) -> dict[str, Any]:
        with self._lock:
            for event in reversed(self._events):
                if event.get("event_id") == event_id:
                    return copy.deepcopy(event)
        raise KeyError(f"no long poll event {event_id!r}")

    def expire_key(self) -> None:
        """The next a_check gets {"failed": 2} until groups.getLongPollServer is called."""
        with self._lock:
            self._lp_failure = 2

    def lose_history(self) -> None:
        """The next a_check gets {"failed": 3}: the client must fetch a new key and ts."""
        with self._lock:
            self._lp_failure = 3

    def trim_history(self, keep_last: int = 0) -> None:
        """Drop old events; a client asking for a dropped ts gets {"failed": 1, "ts": ...}."""
        with self._lock:
            drop = max(len(self._events) - keep_last, 0)
            self._events = self._events[drop:]
            self._first_ts += drop

    def poll(self, key: str | None, ts_raw: str | None) -> dict[str, Any] | None:
        """One a_check: a response, or None when the caller should hold and retry."""
        with self._lock:
            current = self._first_ts + len(self._events)
            if key != self._lp_key or self._lp_failure == 2:
                return {"failed": 2}
            if self._lp_failure == 3:
                return {"failed": 3}
            try:
                ts = int(ts_raw or "")
            except ValueError:
                return {"failed": 1, "ts": str(current)}
            if ts > current or ts < self._first_ts:
                return {"failed": 1, "ts": str(current)}
            if ts == current:
                return None
            # VK keeps delivered events: a client that comes back with an old ts gets them again.
            return {"ts": str(current), "updates": self._events[ts - self._first_ts :]}

    # ----- incoming messages (built for the test side) -----

    def add_incoming(
        self,
        user_id: int,
        peer_id: int,
        text: str,
        *,
        payload: str | None = None,
        attachments: list[dict[str, Any]] | None = None,
        action: dict[str, Any] | None = None,
    ) -> str:
        with self._lock:
            now = int(time.time())
            is_chat = peer_id >= CHAT_PEER_BASE
            if is_chat:
                chat = self._chat(peer_id)
                chat.members.setdefault(user_id, (user_id, now))
            message = Message(
                id=0 if is_chat else self._take_message_id(),
                peer_id=peer_id,
                from_id=user_id,
                conversation_message_id=self._take_cmid(peer_id),
                text=text,
                date=now,
                out=0,
                payload=payload,
            )
            self._messages.setdefault(peer_id, []).append(message)
            body: dict[str, Any] = {
                "date": now,
                "from_id": user_id,
                "id": message.id,
                "out": 0,
                "attachments": attachments or [],
                "conversation_message_id": message.conversation_message_id,
                "fwd_messages": [],
                "important": False,
                "is_hidden": False,
                "peer_id": peer_id,
                "random_id": 0,
                "text": text,
            }
            if payload is not None:
                body["payload"] = payload
            if action is not None:
                body["action"] = action
            event = self.wrap_event(
                "message_new", {"message": body, "client_info": copy.deepcopy(CLIENT_INFO)}
            )
            # appended under the same lock, so update order matches conversation_message_id
            return self.append_event(event)

    def wrap_event(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "type": kind,
            "event_id": new_event_id(),
            "v": API_VERSION,
            "object": obj,
        }

    def chat_member_change(self, peer_id: int, member_id: int, *, joined: bool) -> None:
        with self._lock:
            chat = self._chat(peer_id)
            if joined:
                chat.members[member_id] = (member_id, int(time.time()))
            else:
                chat.members.pop(member_id, None)
            if member_id == -self.group_id:
                chat.bot_present = joined

    def _take_message_id(self) -> int:
        self._next_message_id += 1
        return self._next_message_id - 1

    def _take_cmid(self, peer_id: int) -> int:
        self._cmids[peer_id] = self._cmids.get(peer_id, 0) + 1
        return self._cmids[peer_id]

    # ----- API methods -----

    def dispatch(self, method: str, params: Mapping[str, str], base_url: str) -> Any:
        handler = self._methods().get(method)
        if handler is None:
            raise VkApiError(3)
        with self._cond:
            result = handler(Params(params), base_url)
            self._changed()
            return result

    def _methods(self) -> dict[str, Callable[[Params, str], Any]]:
        return {
            "groups.getLongPollServer": self._groups_get_long_poll_server,
            "groups.getById": self._groups_get_by_id,
            "users.get": self._users_get,
            "messages.send": self._messages_send,
            "messages.edit": self._messages_edit,
            "messages.sendMessageEventAnswer": self._messages_send_event_answer,
            "messages.getConversationMembers": self._messages_get_conversation_members,
            "docs.getMessagesUploadServer": self._docs_get_messages_upload_server,
            "docs.save": self._docs_save,
        }

    def _groups_get_long_poll_server(self, p: Params, base_url: str) -> dict[str, Any]:
        if p.need_int("group_id") != self.group_id:
            raise VkApiError(100, "group_id is invalid")
        if self._lp_failure is not None:  # a fresh key ends an emulated expiry or loss
            self._lp_key, self._lp_failure = secrets.token_hex(20), None
        return {
            "key": self._lp_key,
            "server": f"{base_url}/longpoll/{self.group_id}",
            "ts": str(self._first_ts + len(self._events)),
        }

    def _groups_get_by_id(self, p: Params, base_url: str) -> dict[str, Any]:
        asked = p.ints("group_ids") or p.ints("group_id") or [self.group_id]
        if any(group_id != self.group_id for group_id in asked):
            raise VkApiError(100, "group_ids is invalid")
        return {"groups": [self._group()], "profiles": []}

    def _users_get(self, p: Params, base_url: str) -> list[dict[str, Any]]:
        try:
            ids = p.ints("user_ids")
        except VkApiError:
            raise VkApiError(113) from None
        return [self._user(user_id) for user_id in ids]

    def _messages_send(self, p: Params, base_url: str) -> int | list[dict[str, Any]]:
        multi = p.get("peer_ids") is not None
        peers = self._recipients(p)
        random_id = p.int_or_none("random_id")
        if random_id is None:  # required since API 5.90
            raise VkApiError(100, "random_id is a required parameter")
        if not INT32_MIN <= random_id <= INT32_MAX:
            raise VkApiError(100, "random_id not integer")
        text = p.get("message") or ""
        if len(text) > MAX_MESSAGE_LENGTH:
            raise VkApiError(914)
        attachments, docs = self._attachments(p.get("attachment") or "")
        has_other = any(p.get(name) for name in ("sticker_id", "lat", "forward_messages"))
        if not text.strip() and not attachments and not has_other:
            raise VkApiError(100, "message is empty or invalid")
        keyboard_raw = p.get("keyboard")
        keyboard = validate_keyboard(keyboard_raw) if keyboard_raw else None
        payload = p.get("payload")
        if payload is not None and len(payload) > SEND_PAYLOAD_MAX:
            raise VkApiError(100, "payload is too long")
        results: list[dict[str, Any]] = []
        for peer_id in peers:
            try:
                message = self._deliver(
                    peer_id, text, keyboard, payload, attachments, docs, random_id
                )
            except VkApiError as error:
                if not multi:
                    raise
                results.append(
                    {"peer_id": peer_id, "error": {"code": error.code, "description": error.msg}}
                )
                continue
            results.append(
                {
                    "peer_id": peer_id,
                    "message_id": message.id,
                    "conversation_message_id": message.conversation_message_id,
                }
            )
        return results if multi else results[0]["message_id"]

    def _recipients(self, p: Params) -> list[int]:
        if p.get("peer_ids") is not None:
            peers = p.ints("peer_ids")
            if not peers or len(peers) > 100:
                raise VkApiError(100, "peer_ids is invalid")
            return peers
        chat_id = p.int_or_none("chat_id")
        peer_id = p.int_or_none("peer_id") or p.int_or_none("user_id")
        peer_id = peer_id or (CHAT_PEER_BASE + chat_id if chat_id else None)
        if p.get("domain") or p.get("user_ids"):
            raise VkApiError(100, "domain and user_ids are not supported by the emulator")
        if not peer_id:
            raise VkApiError(100, "peer_id is undefined")
        return [peer_id]

    def _deliver(
        self,
        peer_id: int,
        text: str,
        keyboard: dict[str, Any] | None,
        payload: str | None,
        attachments: list[str],
        docs: list[Doc],
        random_id: int,
    ) -> Message:
        is_chat = peer_id >= CHAT_PEER_BASE
        if is_chat and not self._chat(peer_id).bot_present:
            raise VkApiError(917)
        if not is_chat and peer_id in self._blocked:
            raise VkApiError(901)
        now = time.monotonic()
        if random_id:
            earlier = self._random_ids.get((peer_id, random_id))
            if earlier and now - earlier[1] < RANDOM_ID_WINDOW_SEC:
                self.stats["deduplicated"] += 1
                return earlier[0]
        message = Message(
            id=0 if is_chat else self._take_message_id(),
            peer_id=peer_id,
            from_id=-self.group_id,
            conversation_message_id=self._take_cmid(peer_id),
            text=text,
            date=int(time.time()),
            out=1,
            keyboard=keyboard,
            payload=payload,
            attachments=list(attachments),
            docs=list(docs),
            random_id=random_id,
            updated_at=now,
        )
        self._messages.setdefault(peer_id, []).append(message)
        if random_id:
            self._random_ids[(peer_id, random_id)] = (message, now)
        self._record("messages.send", message, random_id)
        return message

    def _record(self, method: str, message: Message, random_id: int | None) -> None:
        self._sent.append(
            SentRecord(
                method=method,
                peer_id=message.peer_id,
                message_id=message.id,
                conversation_message_id=message.conversation_message_id,
                text=message.text,
                keyboard=copy.deepcopy(message.keyboard),
                payload=message.payload,
                attachments=tuple(message.attachments),
                docs=tuple(message.docs),
                random_id=random_id,
                at=message.updated_at,
            )
        )

    def _attachments(self, raw: str) -> tuple[list[str], list[Doc]]:
        items = [item.strip() for item in raw.split(",") if item.strip()]
        if len(items) > MAX_ATTACHMENTS:
            raise VkApiError(100, f"too many attachments (max {MAX_ATTACHMENTS})")
        docs: list[Doc] = []
        for item in items:
            match = ATTACHMENT_RE.match(item)
            if not match:
                raise VkApiError(100, f"attachment {item!r} is invalid")
            if match.group(1) == "doc":
                doc = self._docs.get((int(match.group(2)), int(match.group(3))))
                if doc is None:
                    raise VkApiError(100, f"attachment {item!r} not found")
                docs.append(doc)
        return items, docs

    def _messages_edit(self, p: Params, base_url: str) -> int:
        peer_id = p.need_int("peer_id")
        message_id = p.int_or_none("message_id")
        cmid = p.int_or_none("conversation_message_id") or p.int_or_none("cmid")
        if not message_id and not cmid:
            raise VkApiError(100, "message_id is undefined")
        found = [
            m
            for m in self._messages.get(peer_id, [])
            if (cmid and m.conversation_message_id == cmid) or (message_id and m.id == message_id)
        ]
        if not found:
            raise VkApiError(100, "message_id is invalid")
        message = found[0]
        if not message.out:
            raise VkApiError(920)
        text = p.get("message") or ""
        if len(text) > MAX_MESSAGE_LENGTH:
            raise VkApiError(914)
        attachments, docs = self._attachments(p.get("attachment") or "")
        if not text.strip() and not attachments:
            raise VkApiError(100, "message is empty or invalid")
        keyboard_raw = p.get("keyboard")
        # An edit replaces the whole message: a keyboard not passed again disappears.
        message.keyboard = validate_keyboard(keyboard_raw) if keyboard_raw else None
        message.text, message.attachments, message.docs = text, attachments, docs
        message.edits += 1
        message.updated_at = time.monotonic()
        self._record("messages.edit", message, None)
        return 1

    def _messages_send_event_answer(self, p: Params, base_url: str) -> int:
        event_id = p.get("event_id")
        if not event_id:
            raise VkApiError(100, "event_id is undefined")
        user_id, peer_id = p.need_int("user_id"), p.need_int("peer_id")
        known = self._callback_events.get(event_id)
        if known is None or known[:2] != (user_id, peer_id):
            raise VkApiError(100, "event_id is invalid")
        raw = p.get("event_data")
        data = _parse_event_data(raw) if raw else None
        self._event_answers.append(
            EventAnswer(event_id, known[2], user_id, peer_id, data, time.monotonic())
        )
        return 1

    def _messages_get_conversation_members(self, p: Params, base_url: str) -> dict[str, Any]:
        peer_id = p.need_int("peer_id")
        chat = self._chats.get(peer_id)
        if chat is None or not chat.bot_present or not chat.bot_is_admin:
            raise VkApiError(917)
        items = []
        for member_id, (invited_by, joined) in chat.members.items():
            item: dict[str, Any] = {
                "member_id": member_id,
                "invited_by": invited_by,
                "join_date": joined,
                "can_kick": True,
            }
            if member_id == -self.group_id and chat.bot_is_admin:
                item["is_admin"] = True
            items.append(item)
        profiles = [self._user(member) for member in chat.members if member > 0]
        return {
            "count": len(items),
            "items": items,
            "profiles": profiles,
            "groups": [self._group()],
        }

    def _docs_get_messages_upload_server(self, p: Params, base_url: str) -> dict[str, Any]:
        kind = p.get("type") or "doc"
        if kind not in {"doc", "audio_message", "graffiti"}:
            raise VkApiError(100, "type is invalid")
        p.need_int("peer_id")  # a community token must say where the document goes
        slot = secrets.token_hex(16)
        self._upload_slots.add(slot)
        return {"upload_url": f"{base_url}/upload/doc/{slot}"}

    def store_upload(self, slot: str, data: bytes, filename: str) -> str | None:
        """Keep an uploaded file; returns the token for docs.save or None for a bad slot."""
        with self._lock:
            if slot not in self._upload_slots:
                return None
            token = secrets.token_hex(24)
            self._uploads[token] = (data, filename)
            return token

    def _docs_save(self, p: Params, base_url: str) -> dict[str, Any]:
        token = p.get("file")
        if not token:
            raise VkApiError(100, "file is undefined")
        if token not in self._uploads:
            raise VkApiError(100, "file is invalid")
        data, filename = self._uploads[token]
        doc_id = len(self._docs) + 1
        doc = Doc(
            id=doc_id,
            owner_id=-self.group_id,
            title=p.get("title") or filename,
            data=data,
            ext=filename.rsplit(".", 1)[-1].lower() if "." in filename else "",
            access_key=secrets.token_hex(9),
            date=int(time.time()),
        )
        self._docs[(doc.owner_id, doc.id)] = doc
        return {"type": "doc", "doc": doc.to_api(base_url)}


def _parse_event_data(raw: str) -> dict[str, Any]:
    """event_data for a callback answer: show_snackbar, open_link or open_app."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise VkApiError(100, "event_data is invalid") from None
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "show_snackbar":
        text = data.get("text")
        if not isinstance(text, str) or not text or len(text) > SNACKBAR_MAX:
            raise VkApiError(100, f"event_data.text must be 1..{SNACKBAR_MAX} characters")
    elif kind == "open_link":
        if not data.get("link"):
            raise VkApiError(100, "event_data.link is undefined")
    elif kind == "open_app":
        if not data.get("app_id"):
            raise VkApiError(100, "event_data.app_id is undefined")
    else:
        raise VkApiError(100, "event_data.type is invalid")
    assert isinstance(data, dict)
    return data
