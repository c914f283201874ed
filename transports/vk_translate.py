"""VK Bots Long Poll events (raw dicts, API 5.199) → neutral `Incoming`."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bot.events import Incoming, Kind, Platform

CONVERSATION_BASE = 2_000_000_000  # VK peer ids of group chats start here


def event_key(raw: dict[str, Any]) -> str:
    """VK's own event_id; for older servers without it, a digest of the event."""
    if raw.get("event_id"):
        return str(raw["event_id"])
    return hashlib.sha1(json.dumps(raw, sort_keys=True).encode()).hexdigest()


def _payload_text(value: Any) -> str | None:
    """Our payloads travel as a JSON string; VK hands them back parsed or as text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, str):
        return value
    return None


def _message_new(raw: dict[str, Any], names: dict[int, str]) -> Incoming | None:
    message = raw["object"].get("message", raw["object"])
    peer_id, from_id = int(message["peer_id"]), int(message["from_id"])
    if from_id <= 0:
        return None  # communities and the bot itself
    is_group = peer_id >= CONVERSATION_BASE
    text = message.get("text") or ""
    kind = Kind.TEXT
    action = (message.get("action") or {}).get("type")
    member = int((message.get("action") or {}).get("member_id") or from_id)
    if action in ("chat_invite_user", "chat_invite_user_by_link"):
        kind = Kind.MEMBER_JOINED
    elif action == "chat_kick_user":
        kind = Kind.BOT_REMOVED if member < 0 else Kind.MEMBER_LEFT
    elif action is not None:
        return None  # title changes, pins...
    elif message.get("attachments") and not text:
        kind = Kind.UNSUPPORTED
    payload = message.get("payload")
    if payload and _start_command(payload):
        text = "/start"  # the «Начать» button VK shows to newcomers
    return Incoming(
        platform=Platform.VK,
        update_key=event_key(raw),
        kind=kind,
        chat_id=str(peer_id),
        user_id=str(member if kind in (Kind.MEMBER_JOINED, Kind.MEMBER_LEFT) else from_id),
        text=text,
        display_name=names.get(from_id, ""),
        is_group=is_group,
    )


def _start_command(payload: Any) -> bool:
    try:
        data = json.loads(payload) if isinstance(payload, str) else payload
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("command") == "start"


def _message_event(raw: dict[str, Any], names: dict[int, str]) -> Incoming:
    obj = raw["object"]
    peer_id, user_id = int(obj["peer_id"]), int(obj["user_id"])
    return Incoming(
        platform=Platform.VK,
        update_key=event_key(raw),
        kind=Kind.BUTTON,
        chat_id=str(peer_id),
        user_id=str(user_id),
        payload=_payload_text(obj.get("payload")),
        display_name=names.get(user_id, ""),
        is_group=peer_id >= CONVERSATION_BASE,
        message_ref=str(obj.get("conversation_message_id") or "") or None,
    )


def translate(raw: dict[str, Any], names: dict[int, str]) -> Incoming | None:
    kind = raw.get("type")
    try:
        if kind == "message_new":
            return _message_new(raw, names)
        if kind == "message_event":
            return _message_event(raw, names)
    except (KeyError, TypeError, ValueError):
        return None  # a malformed event must not stop the long poll
    return None


def sender_ids(raws: list[dict[str, Any]]) -> set[int]:
    ids: set[int] = set()
    for raw in raws:
        obj = raw.get("object") or {}
        message = obj.get("message", obj)
        for key in ("from_id", "user_id"):
            value = message.get(key)
            if isinstance(value, int) and value > 0:
                ids.add(value)
    return ids
