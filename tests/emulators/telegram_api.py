"""Bot API methods of the Telegram emulator, implemented over TelegramState.

Each handler validates like the real service first and mutates state only once the call is
known to succeed, so a failed call leaves no trace except the request log.
"""

from __future__ import annotations

import json
import mimetypes
import struct
import time
from collections.abc import Callable
from typing import Any

from .telegram_state import StoredFile, StoredMessage, TelegramState
from .telegram_validation import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    ApiError,
    FormattedText,
    JsonDict,
    Params,
    UploadedFile,
    bad_request,
    parse_formatted,
    parse_reply_markup,
)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_LONG_POLL_SECONDS = 50

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"

# Canonical Bot API names; requests match them case-insensitively.
METHODS = (
    "getMe",
    "deleteWebhook",
    "getUpdates",
    "setMyCommands",
    "getMyCommands",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "deleteMessage",
    "answerCallbackQuery",
    "sendDocument",
    "sendPhoto",
    "sendChatAction",
    "getChat",
    "leaveChat",
    "getFile",
)
_CANONICAL = {name.lower(): name for name in METHODS}


def canonical_method(name: str) -> str | None:
    return _CANONICAL.get(name.lower())


def _now() -> int:
    return int(time.time())


class BotApi:
    """Dispatches a parsed request to its handler; getUpdates waiting is left to the server."""

    def __init__(self, state: TelegramState) -> None:
        self.state = state
        self._handlers: dict[str, Callable[[Params], Any]] = {
            "getMe": self.get_me,
            "deleteWebhook": self.delete_webhook,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "sendDocument": lambda params: self._send_file("document", params),
            "sendPhoto": lambda params: self._send_file("photo", params),
            "sendChatAction": self.send_chat_action,
            "getChat": self.get_chat,
            "leaveChat": self.leave_chat,
            "getFile": self.get_file,
        }

    def call(self, method: str, params: Params) -> Any:
        with self.state.lock:
            return self._handlers[method](params)

    # --- getUpdates (the server does the waiting) -------------------------------------------------

    def poll_arguments(self, params: Params) -> tuple[int | None, int, float]:
        """Parse getUpdates parameters; allowed_updates persists between calls, as on Telegram."""
        offset = params.get_int("offset", error="invalid offset specified")
        limit = params.get_int("limit", error="invalid limit specified")
        timeout = params.get_int("timeout", error="invalid timeout specified") or 0
        allowed = params.get_json("allowed_updates", error="can't parse allowed_updates")
        if allowed is not None:
            if not isinstance(allowed, list) or not all(isinstance(x, str) for x in allowed):
                raise bad_request("can't parse allowed_updates")
            with self.state.lock:
                self.state.allowed_updates = frozenset(allowed) if allowed else None
        limit = 100 if limit is None else min(max(limit, 1), 100)
        return offset, limit, float(min(max(timeout, 0), MAX_LONG_POLL_SECONDS))

    # --- bot-level methods ------------------------------------------------------------------------

    def get_me(self, params: Params) -> JsonDict:
        return {
            **self.state.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def delete_webhook(self, params: Params) -> bool:
        if params.get_bool("drop_pending_updates"):
            self.state.pending.clear()
        return True

    def _commands_key(self, params: Params) -> str:
        scope = params.get_json("scope", error="can't parse BotCommandScope JSON object")
        if scope is not None and not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope JSON object")
        scope_key = json.dumps(scope or {"type": "default"}, sort_keys=True)
        return f"{scope_key}|{params.get_str('language_code') or ''}"

    def set_my_commands(self, params: Params) -> bool:
        commands = params.get_json("commands", error="can't parse commands JSON object")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if not isinstance(name, str) or not 1 <= len(name) <= 32:
                raise bad_request("BOT_COMMAND_INVALID")
            if any(
                not (ch.isascii() and (ch.islower() or ch.isdigit() or ch == "_")) for ch in name
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        self.state.commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def get_my_commands(self, params: Params) -> list[JsonDict]:
        return list(self.state.commands.get(self._commands_key(params), []))

    # --- messages ---------------------------------------------------------------------------------

    def _text(self, params: Params) -> FormattedText:
        formatted = parse_formatted(
            params.get_str("text"),
            params.get_str("parse_mode"),
            params.get_json("entities", error="can't parse entities JSON object"),
        )
        if not formatted.text:
            raise bad_request("message text is empty")
        if len(formatted.text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return formatted

    def _caption(self, params: Params) -> FormattedText:
        formatted = parse_formatted(
            params.get_str("caption"),
            params.get_str("parse_mode"),
            params.get_json("caption_entities", error="can't parse entities JSON object"),
        )
        if len(formatted.text) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        return formatted

    def _reply_target(self, chat_id: int, params: Params) -> int | None:
        reply = params.get_json("reply_parameters", error="can't parse reply parameters JSON")
        if reply is not None and not isinstance(reply, dict):
            raise bad_request("can't parse reply parameters JSON")
        reply = reply or {}
        message_id = reply.get("message_id")
        if message_id is None:
            message_id = params.get_int(
                "reply_to_message_id", error="message to be replied not found"
            )
        if message_id is None:
            return None
        if not isinstance(message_id, int):
            raise bad_request("message to be replied not found")
        if self.state.get_message(chat_id, message_id) is not None:
            return message_id
        allow = reply.get("allow_sending_without_reply") or params.get_bool(
            "allow_sending_without_reply"
        )
        if allow:
            return None
        raise bad_request("message to be replied not found")

    def _new_bot_message(self, chat_id: int, reply_to: int | None, **fields: Any) -> StoredMessage:
        message = StoredMessage(
            chat_id=chat_id,
            message_id=self.state.next_message_id(chat_id),
            date=_now(),
            from_bot=True,
            sender=dict(self.state.bot_user),
            reply_to_message_id=reply_to,
            **fields,
        )
        return self.state.store_message(message)

    def send_message(self, params: Params) -> JsonDict:
        chat = self.state.writable_chat(params.raw("chat_id"))
        formatted = self._text(params)
        markup = parse_reply_markup(params.raw("reply_markup"))
        reply_to = self._reply_target(chat["id"], params)
        self.state.check_rate_limit(chat)
        message = self._new_bot_message(
            chat["id"],
            reply_to,
            text=formatted.text,
            entities=formatted.entities,
            reply_markup=_inline_only(markup),
        )
        self.state.record(
            "sendMessage",
            params.as_record(),
            chat_id=chat["id"],
            message_id=message.message_id,
            text=message.text,
            reply_markup=markup,
        )
        return self.state.message_to_api(message)

    def _editable(self, params: Params) -> StoredMessage:
        if params.raw("inline_message_id"):
            raise bad_request("inline_message_id is not supported by the emulator")
        chat = self.state.writable_chat(params.raw("chat_id"))
        message_id = params.get_int("message_id", error="message identifier is not specified")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self.state.get_message(chat["id"], message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    def edit_message_text(self, params: Params) -> JsonDict:
        message = self._editable(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        formatted = self._text(params)
        # omitting reply_markup removes the inline keyboard, exactly as on Telegram
        markup = parse_reply_markup(params.raw("reply_markup"), inline_only=True)
        current = (message.text, message.entities, message.reply_markup)
        if (formatted.text, formatted.entities, markup) == current:
            raise bad_request(NOT_MODIFIED)
        message.text, message.entities = formatted.text, formatted.entities
        message.reply_markup, message.edit_date = markup, _now()
        self.state.record(
            "editMessageText",
            params.as_record(),
            chat_id=message.chat_id,
            message_id=message.message_id,
            text=message.text,
            reply_markup=markup,
        )
        return self.state.message_to_api(message)

    def edit_message_reply_markup(self, params: Params) -> JsonDict:
        message = self._editable(params)
        markup = parse_reply_markup(params.raw("reply_markup"), inline_only=True)
        if markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED)
        message.reply_markup, message.edit_date = markup, _now()
        self.state.record(
            "editMessageReplyMarkup",
            params.as_record(),
            chat_id=message.chat_id,
            message_id=message.message_id,
            text=message.text if message.text is not None else message.caption,
            reply_markup=markup,
        )
        return self.state.message_to_api(message)

    def delete_message(self, params: Params) -> bool:
        chat = self.state.lookup_chat(params.raw("chat_id"))
        if chat["id"] in self.state.forbidden:
            raise ApiError(403, self.state.forbidden[chat["id"]])
        message_id = params.get_int("message_id", error="message identifier is not specified")
        message = None if message_id is None else self.state.get_message(chat["id"], message_id)
        if message is None:
            raise bad_request("message to delete not found")
        # bots may delete incoming messages only in private chats (we model a non-admin bot)
        if not message.from_bot and chat["type"] != "private":
            raise bad_request("message can't be deleted")
        message.deleted = True
        self.state.record(
            "deleteMessage", params.as_record(), chat_id=chat["id"], message_id=message_id
        )
        return True

    def answer_callback_query(self, params: Params) -> bool:
        text = params.get_str("text") or ""
        if len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        query = self.state.callbacks.get(params.get_str("callback_query_id") or "")
        expired = query is not None and time.monotonic() - query.created > (
            self.state.callback_query_ttl
        )
        if query is None or query.answered or expired:
            raise bad_request(QUERY_TOO_OLD)
        query.answered = True
        self.state.record(
            "answerCallbackQuery",
            params.as_record(),
            chat_id=query.chat_id,
            message_id=query.message_id,
            text=text or None,
        )
        return True

    def _send_file(self, kind: str, params: Params) -> JsonDict:
        method = "sendDocument" if kind == "document" else "sendPhoto"
        chat = self.state.writable_chat(params.raw("chat_id"))
        upload = params.get_file(kind)
        if upload is None:
            raise bad_request(f"there is no {kind} in the request")
        caption = self._caption(params)
        markup = parse_reply_markup(params.raw("reply_markup"))
        reply_to = self._reply_target(chat["id"], params)
        stored, size = self._check_file(kind, upload)
        self.state.check_rate_limit(chat)
        if stored is None:
            assert isinstance(upload, UploadedFile)
            stored = self.state.store_file(
                f"{kind}s", upload.data, file_name=upload.filename, mime_type=_mime_type(upload)
            )
        fields: JsonDict = {
            "caption": caption.text or None,
            "caption_entities": caption.entities,
            "reply_markup": _inline_only(markup),
        }
        if kind == "document":
            fields["document"] = _document_object(stored)
        else:
            width, height = size
            fields["photo"] = [
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(stored.data),
                }
            ]
        message = self._new_bot_message(chat["id"], reply_to, **fields)
        self.state.record(
            method,
            params.as_record(),
            chat_id=chat["id"],
            message_id=message.message_id,
            text=message.caption,
            reply_markup=markup,
            document_name=stored.file_name,
            document_bytes=stored.data,
        )
        return self.state.message_to_api(message)

    def _check_file(
        self, kind: str, upload: UploadedFile | str
    ) -> tuple[StoredFile | None, tuple[int, int]]:
        """Validate the file; returns the already known file for a file_id, and image size."""
        if isinstance(upload, str):
            if upload.startswith(("http://", "https://")):
                # the emulator has no network access to fetch it; the real service would
                raise bad_request("failed to get HTTP URL content")
            known = self.state.files.get(upload)
            if known is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            return known, image_size(known.data) or (0, 0)
        if not upload.data:
            raise bad_request("file must be non-empty")
        if len(upload.data) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        if kind != "photo":
            return None, (0, 0)
        if len(upload.data) > MAX_PHOTO_BYTES:
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        size = image_size(upload.data)
        if size is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        width, height = size
        if width + height > 10_000 or max(width, height) > 20 * max(min(width, height), 1):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        return None, size

    def send_chat_action(self, params: Params) -> bool:
        chat = self.state.writable_chat(params.raw("chat_id"))
        if params.get_str("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.state.record("sendChatAction", params.as_record(), chat_id=chat["id"])
        return True

    # --- chats and files --------------------------------------------------------------------------

    def get_chat(self, params: Params) -> JsonDict:
        chat = self.state.lookup_chat(params.raw("chat_id"))
        if chat["type"] != "private" and chat["id"] in self.state.forbidden:
            raise ApiError(403, self.state.forbidden[chat["id"]])
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    def leave_chat(self, params: Params) -> bool:
        chat = self.state.lookup_chat(params.raw("chat_id"))
        if chat["type"] == "private":
            raise bad_request("chat member status can't be changed in private chats")
        if chat["id"] in self.state.forbidden:
            raise ApiError(403, self.state.forbidden[chat["id"]])
        self.state.forbidden[chat["id"]] = (
            f"Forbidden: bot is not a member of the {chat['type']} chat"
        )
        self.state.record("leaveChat", params.as_record(), chat_id=chat["id"])
        # Telegram tells the bot about its own membership change
        bot = dict(self.state.bot_user)
        self.state.enqueue(
            {
                "my_chat_member": {
                    "chat": dict(chat),
                    "from": bot,
                    "date": _now(),
                    "old_chat_member": {"user": bot, "status": "member"},
                    "new_chat_member": {"user": bot, "status": "left"},
                }
            }
        )
        return True

    def get_file(self, params: Params) -> JsonDict:
        stored = self.state.files.get(params.get_str("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }


def _inline_only(markup: JsonDict | None) -> JsonDict | None:
    """Only inline keyboards are part of the Message object; reply keyboards belong to the chat."""
    return markup if markup and "inline_keyboard" in markup else None


def _mime_type(upload: UploadedFile) -> str:
    # like Telegram, trust the file name over a generic multipart content type
    guessed = mimetypes.guess_type(upload.filename)[0]
    if guessed is None and upload.content_type not in (None, "application/octet-stream"):
        guessed = upload.content_type
    return guessed or "application/octet-stream"


def _document_object(stored: StoredFile) -> JsonDict:
    document: JsonDict = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of PNG/GIF/JPEG/WebP/BMP data, or None when it is not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(int(width)), abs(int(height))
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return 512, 512  # size parsing omitted: any well-formed WebP header is accepted
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        length = int.from_bytes(data[index + 2 : index + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + length
    return None
