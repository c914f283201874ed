"""aiogram `Update` → neutral `Incoming`; None for updates the bot does not act on."""

from __future__ import annotations

from aiogram.types import Message, Update

from bot.events import Incoming, Kind, Platform

_GROUP_TYPES = {"group", "supergroup"}


def _from_message(update_id: int, message: Message, bot_id: int) -> Incoming | None:
    if message.from_user is None or message.from_user.is_bot:
        return None  # channel posts signed by a channel, other bots
    user = message.from_user
    is_group = message.chat.type in _GROUP_TYPES
    if message.chat.type not in _GROUP_TYPES and message.chat.type != "private":
        return None
    kind = Kind.TEXT
    if message.new_chat_members:
        kind = Kind.MEMBER_JOINED
    elif message.left_chat_member is not None:
        left = message.left_chat_member
        kind = Kind.BOT_REMOVED if left.id == bot_id else Kind.MEMBER_LEFT
        user = left
    elif message.text is None:
        kind = Kind.UNSUPPORTED  # stickers, photos, voice, files, locations...
    return Incoming(
        platform=Platform.TELEGRAM,
        update_key=str(update_id),
        kind=kind,
        chat_id=str(message.chat.id),
        user_id=str(user.id),
        text=message.text or "",
        display_name=user.full_name,
        language=user.language_code,
        is_group=is_group,
    )


def translate(update: Update, bot_id: int) -> Incoming | None:
    if update.message is not None:
        return _from_message(update.update_id, update.message, bot_id)
    query = update.callback_query
    if query is not None and query.message is not None and query.data is not None:
        chat = query.message.chat
        return Incoming(
            platform=Platform.TELEGRAM,
            update_key=str(update.update_id),
            kind=Kind.BUTTON,
            chat_id=str(chat.id),
            user_id=str(query.from_user.id),
            payload=query.data,
            display_name=query.from_user.full_name,
            language=query.from_user.language_code,
            is_group=chat.type in _GROUP_TYPES,
            message_ref=str(query.message.message_id),
        )
    member = update.my_chat_member
    if member is not None and member.new_chat_member.status in ("left", "kicked"):
        return Incoming(
            platform=Platform.TELEGRAM,
            update_key=str(update.update_id),
            kind=Kind.BOT_REMOVED,
            chat_id=str(member.chat.id),
            user_id=str(member.from_user.id),
            is_group=member.chat.type in _GROUP_TYPES,
        )
    return None  # edits, channel posts, polls, inline queries: nothing to do
