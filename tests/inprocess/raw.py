"""Raw platform updates as the Bot API and the VK Long Poll deliver them (JSON objects),
for feeding the transports' translation layers in-process."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

JsonDict = dict[str, Any]
BOT_ID = 424242
VK_GROUP = 777
CONVERSATION_BASE = 2_000_000_000
_ids = itertools.count(1)


def next_id() -> int:
    return next(_ids)


def tg_user(user_id: int, name: str = "Тест Тестов", language: str | None = "ru") -> JsonDict:
    first, _, last = name.partition(" ")
    user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first or "?"}
    if last:
        user["last_name"] = last
    if language:
        user["language_code"] = language
    return user


def tg_private(user_id: int) -> JsonDict:
    return {"id": user_id, "type": "private", "first_name": "x"}


def tg_group(chat_id: int) -> JsonDict:
    return {"id": chat_id, "type": "supergroup", "title": "Группа"}


def tg_message(user: JsonDict, chat: JsonDict, kind: str = "message", **fields: Any) -> JsonDict:
    message = {"message_id": next_id(), "date": int(time.time()), "chat": chat, "from": user}
    message.update(fields)
    return {"update_id": next_id(), kind: message}


def tg_text(user: JsonDict, text: str, chat: JsonDict | None = None) -> JsonDict:
    return tg_message(user, chat or tg_private(user["id"]), text=text)


def tg_press(
    user: JsonDict, data: str, message_id: int = 1, chat: JsonDict | None = None
) -> JsonDict:
    message = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": chat or tg_private(user["id"]),
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"},
        "text": "…",
    }
    query = {"id": str(next_id()), "from": user, "chat_instance": "1", "message": message}
    query["data"] = data
    return {"update_id": next_id(), "callback_query": query}


def tg_sticker(user: JsonDict) -> JsonDict:
    sticker = {
        "file_id": "s",
        "file_unique_id": "s",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
        "emoji": "👍",
    }
    return tg_message(user, tg_private(user["id"]), sticker=sticker)


def tg_photo(user: JsonDict, caption: str = "") -> JsonDict:
    photo = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
    fields: JsonDict = {"photo": photo}
    if caption:
        fields["caption"] = caption
    return tg_message(user, tg_private(user["id"]), **fields)


def tg_document(user: JsonDict) -> JsonDict:
    document = {"file_id": "d", "file_unique_id": "d", "file_name": "x.pdf"}
    return tg_message(user, tg_private(user["id"]), document=document)


def tg_edited(user: JsonDict, text: str) -> JsonDict:
    return tg_message(user, tg_private(user["id"]), "edited_message", text=text, edit_date=1)


def tg_channel_post(text: str) -> JsonDict:
    chat = {"id": -1009999, "type": "channel", "title": "Канал"}
    message = {"message_id": next_id(), "date": int(time.time()), "chat": chat, "text": text}
    return {"update_id": next_id(), "channel_post": message}


def tg_joined(user: JsonDict, chat_id: int) -> JsonDict:
    return tg_message(user, tg_group(chat_id), new_chat_members=[user])


def tg_left(user: JsonDict, chat_id: int) -> JsonDict:
    return tg_message(user, tg_group(chat_id), left_chat_member=user)


def tg_kicked(user: JsonDict, chat_id: int) -> JsonDict:
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Bot"}
    return {
        "update_id": next_id(),
        "my_chat_member": {
            "chat": tg_group(chat_id),
            "from": user,
            "date": int(time.time()),
            "old_chat_member": {"user": bot, "status": "member"},
            "new_chat_member": {"user": bot, "status": "left"},
        },
    }


def _vk_event(kind: str, obj: JsonDict) -> JsonDict:
    return {
        "type": kind,
        "event_id": f"e{next_id()}",
        "v": "5.199",
        "object": obj,
        "group_id": VK_GROUP,
    }


def vk_message(user_id: int, text: str = "", peer_id: int | None = None, **fields: Any) -> JsonDict:
    message = {
        "date": int(time.time()),
        "from_id": user_id,
        "id": next_id(),
        "out": 0,
        "peer_id": peer_id or user_id,
        "text": text,
        "conversation_message_id": next_id(),
        "attachments": [],
    }
    message.update(fields)
    return _vk_event("message_new", {"message": message, "client_info": {"inline_keyboard": True}})


def vk_press(user_id: int, payload: Any, peer_id: int | None = None, cmid: int = 1) -> JsonDict:
    """A callback button press; VK hands our JSON-string payload back parsed."""
    obj = {
        "user_id": user_id,
        "peer_id": peer_id or user_id,
        "event_id": f"ev{next_id()}",
        "payload": payload,
        "conversation_message_id": cmid,
    }
    return _vk_event("message_event", obj)


def vk_sticker(user_id: int) -> JsonDict:
    return vk_message(user_id, attachments=[{"type": "sticker", "sticker": {"sticker_id": 1}}])


def vk_photo(user_id: int) -> JsonDict:
    return vk_message(user_id, attachments=[{"type": "photo", "photo": {"id": 1}}])


def vk_doc(user_id: int) -> JsonDict:
    return vk_message(user_id, attachments=[{"type": "doc", "doc": {"id": 1, "title": "x.pdf"}}])


def vk_invite(user_id: int, member_id: int, chat: int = 1) -> JsonDict:
    action = {"type": "chat_invite_user", "member_id": member_id}
    return vk_message(user_id, peer_id=CONVERSATION_BASE + chat, action=action)


def vk_kick(user_id: int, member_id: int, chat: int = 1) -> JsonDict:
    action = {"type": "chat_kick_user", "member_id": member_id}
    return vk_message(user_id, peer_id=CONVERSATION_BASE + chat, action=action)


def vk_start_button(user_id: int) -> JsonDict:
    return vk_message(user_id, "Начать", payload=json.dumps({"command": "start"}))
