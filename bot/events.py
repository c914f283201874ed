"""Platform-neutral events in and replies out: the only language the core speaks.

Transports build `Incoming` from a platform update and render `Outgoing`; nothing below
the transports knows aiogram or vk_api.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class Platform(StrEnum):
    TELEGRAM = "telegram"
    VK = "vk"
    CONSOLE = "console"


class Kind(StrEnum):
    TEXT = "text"  # a typed message, possibly a command
    BUTTON = "button"  # an inline button press carrying a payload
    UNSUPPORTED = "unsupported"  # sticker, photo, voice, file: polite hint, no state change
    MEMBER_JOINED = "member_joined"
    MEMBER_LEFT = "member_left"
    BOT_REMOVED = "bot_removed"


# Buttons one message may carry: VK's inline keyboards hold 10, Telegram's far more.
MAX_BUTTONS = {Platform.TELEGRAM: 100, Platform.VK: 10, Platform.CONSOLE: 100}
MAX_ROWS = {Platform.TELEGRAM: 100, Platform.VK: 6, Platform.CONSOLE: 100}


@dataclass(frozen=True, slots=True)
class Incoming:
    platform: Platform
    update_key: str  # unique per platform: Telegram update_id, VK event_id
    kind: Kind
    chat_id: str
    user_id: str
    text: str = ""
    payload: str | None = None
    display_name: str = ""
    language: str | None = None
    is_group: bool = False
    message_ref: str | None = None  # the bot message whose button was pressed

    def to_json(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies field by field, ~10x slower, per update.
        return {name: getattr(self, name) for name in _INCOMING_FIELDS}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Incoming:
        return cls(**{**data, "platform": Platform(data["platform"]), "kind": Kind(data["kind"])})


_INCOMING_FIELDS = tuple(f.name for f in fields(Incoming))


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    mime: str = "application/octet-stream"


@dataclass(slots=True)
class Reply:
    """One message from the bot. `edit` replaces the message whose button was pressed."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    attachment: Attachment | None = None
    edit: bool = False


@dataclass(frozen=True, slots=True)
class Address:
    """Where an outgoing message goes: one chat on one platform."""

    platform: Platform
    chat_id: str
    is_group: bool = False
