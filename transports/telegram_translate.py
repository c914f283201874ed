"""A Bot API `Update` (the JSON object) → neutral `Incoming`; None for updates the bot
does not act on or cannot read."""

from __future__ import annotations

import logging
from typing import Any

from bot.events import Incoming, Kind, Platform

log = logging.getLogger(__name__)
JsonDict = dict[str, Any]
_GROUP_TYPES = {"group", "supergroup"}


def full_name(user: JsonDict) -> str:
    """As Telegram clients show it (and aiogram's `User.full_name`)."""
    last = user.get("last_name")
    return f"{user['first_name']} {last}" if last else str(user["first_name"])


def _from_message(update_id: int, message: JsonDict, bot_id: int) -> Incoming | None:
    user = message.get("from")
    if user is None or user.get("is_bot"):
        return None  # channel posts signed by a channel, other bots
    chat = message["chat"]
    is_group = chat["type"] in _GROUP_TYPES
    if not is_group and chat["type"] != "private":
        return None
    text = message.get("text")
    kind = Kind.TEXT
    if message.get("new_chat_members"):
        kind = Kind.MEMBER_JOINED
    elif message.get("left_chat_member") is not None:
        left = message["left_chat_member"]
        kind = Kind.BOT_REMOVED if left["id"] == bot_id else Kind.MEMBER_LEFT
        user = left
    elif text is None:
        kind = Kind.UNSUPPORTED  # stickers, photos, voice, files, locations...
    return Incoming(
        platform=Platform.TELEGRAM,
        update_key=str(update_id),
        kind=kind,
        chat_id=str(chat["id"]),
        user_id=str(user["id"]),
        text=text or "",
        display_name=full_name(user),
        language=user.get("language_code"),
        is_group=is_group,
    )


def _translate(update: JsonDict, bot_id: int) -> Incoming | None:
    update_id = update["update_id"]
    if update.get("message") is not None:
        return _from_message(update_id, update["message"], bot_id)
    query = update.get("callback_query")
    if query is not None and query.get("message") is not None and query.get("data") is not None:
        message = query["message"]  # possibly an "inaccessible message": chat and id only
        chat, user = message["chat"], query["from"]
        return Incoming(
            platform=Platform.TELEGRAM,
            update_key=str(update_id),
            kind=Kind.BUTTON,
            chat_id=str(chat["id"]),
            user_id=str(user["id"]),
            payload=query["data"],
            display_name=full_name(user),
            language=user.get("language_code"),
            is_group=chat["type"] in _GROUP_TYPES,
            message_ref=str(message["message_id"]),
        )
    member = update.get("my_chat_member")
    if member is not None and member["new_chat_member"]["status"] in ("left", "kicked"):
        return Incoming(
            platform=Platform.TELEGRAM,
            update_key=str(update_id),
            kind=Kind.BOT_REMOVED,
            chat_id=str(member["chat"]["id"]),
            user_id=str(member["from"]["id"]),
            is_group=member["chat"]["type"] in _GROUP_TYPES,
        )
    return None  # edits, channel posts, polls, inline queries: nothing to do


def translate(update: JsonDict, bot_id: int) -> Incoming | None:
    try:
        return _translate(update, bot_id)
    except (KeyError, TypeError, AttributeError):  # a field the Bot API always sends is missing
        log.warning("unreadable Telegram update skipped: %.500r", update)
        return None
