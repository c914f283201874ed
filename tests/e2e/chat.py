"""One person in a private chat with the bot, the same for Telegram and VK, so a flow
is written once and run on both platforms through their emulators."""

from __future__ import annotations

import time
from typing import Protocol

from tests.emulators.telegram import TEXT_METHODS, TelegramEmulator
from tests.emulators.telegram_state import SentRecord, StoredMessage
from tests.emulators.vk import VkEmulator
from tests.emulators.vk_state import Message

WAIT = 20.0
MORE = "Ещё ›"


class Chat(Protocol):
    platform: str
    user_id: int

    def send(self, text: str) -> None: ...
    def press(self, label: str, under: str | None = None) -> None: ...
    def files(self) -> dict[str, bytes]: ...
    def expect(self, substring: str, timeout: float = WAIT) -> str: ...
    def buttons(self) -> list[str]: ...
    def texts(self) -> list[str]: ...
    def sticker(self) -> None: ...
    def send_oversized(self, text: str) -> None: ...
    def photo(self) -> None: ...


class TelegramChat:
    platform = "telegram"

    def __init__(self, emulator: TelegramEmulator, user_id: int, name: str = "Анна Смирнова"):
        self.emu, self.user_id = emulator, user_id
        self.first, _, self.last = name.partition(" ")
        self.mark = time.monotonic()

    def send(self, text: str) -> None:
        self.mark = time.monotonic()
        self.emu.send_text(self.user_id, text, first_name=self.first, last_name=self.last or None)

    def _newest(self) -> StoredMessage:
        """The bot's newest message, once it has answered the last thing we did."""
        self.emu.wait_for(
            lambda r: r.chat_id == self.user_id and r.method in TEXT_METHODS, WAIT, after=self.mark
        )
        messages = [m for m in self.emu.messages(self.user_id) if m.from_bot]
        assert messages, "the bot has not written to this chat"
        return messages[-1]

    def press(self, label: str, under: str | None = None, _pages: int = 5) -> None:
        """Press the button with `label` on the bot's newest message (or the newest one
        whose text holds `under`), turning pages («Ещё ›») as a person would when the
        list is longer than one screen."""
        newest = self._newest()
        if under is not None:
            bot_says = [m for m in self.emu.messages(self.user_id) if m.from_bot]
            newest = next(m for m in reversed(bot_says) if under in (m.text or ""))
        for wanted in (label, MORE):
            for button in newest.buttons:
                if wanted in button["text"] and (wanted == label or _pages > 0):
                    self.mark = time.monotonic()
                    self.emu.press_button(
                        self.user_id, self.user_id, newest.message_id, button["callback_data"]
                    )
                    if wanted == MORE:
                        self.press(label, None, _pages - 1)
                    return
        raise AssertionError(f"no {label!r} among {self.buttons()} under {newest.text!r}")

    def expect(self, substring: str, timeout: float = WAIT) -> str:
        """The text of the bot's first message since our last action that shows
        `substring` in its text or on one of its buttons."""

        def shows(record: SentRecord) -> bool:
            return (
                record.chat_id == self.user_id
                and record.method in TEXT_METHODS
                and (
                    substring in (record.text or "")
                    or any(substring in label for label in record.buttons)
                )
            )

        return self.emu.wait_for(shows, timeout, after=self.mark).text or ""

    def buttons(self) -> list[str]:
        return [b["text"] for b in self._newest().buttons]

    def texts(self) -> list[str]:
        return [m.text or m.caption or "" for m in self.emu.messages(self.user_id) if m.from_bot]

    def files(self) -> dict[str, bytes]:
        return {
            r.document_name: r.document_bytes or b""
            for r in self.emu.sent
            if r.chat_id == self.user_id and r.document_name
        }

    def sticker(self) -> None:
        self.mark = time.monotonic()
        self.emu.send_sticker(self.user_id)

    def send_oversized(self, text: str) -> None:
        """Text beyond the client's limit, as a non-conforming server might still deliver."""
        self.mark = time.monotonic()
        user = {"id": self.user_id, "is_bot": False, "first_name": self.first}
        self.emu.inject_raw(
            {
                "message": {
                    "message_id": 10**6 + len(text),
                    "date": int(time.time()),
                    "text": text,
                    "chat": {"id": self.user_id, "type": "private", "first_name": self.first},
                    "from": user,
                }
            }
        )

    def photo(self) -> None:
        self.mark = time.monotonic()
        self.emu.send_photo(self.user_id)


class VkChat:
    platform = "vk"

    def __init__(self, emulator: VkEmulator, user_id: int, name: str = "Анна Смирнова"):
        self.emu, self.user_id = emulator, user_id
        first, _, last = name.partition(" ")
        emulator.set_user(user_id, first, last)
        self.mark = time.monotonic()

    def send(self, text: str) -> None:
        self.mark = time.monotonic()
        self.emu.send_text(self.user_id, text)

    def _newest(self) -> Message:
        """The bot's newest message, once it has answered the last thing we did."""
        self.emu.wait_for(
            lambda: any(m.updated_at >= self.mark for m in self.emu.messages(self.user_id)), WAIT
        )
        messages = self.emu.messages(self.user_id)
        assert messages, "the bot has not written to this chat"
        return messages[-1]

    def press(self, label: str, under: str | None = None, _pages: int = 5) -> None:
        newest = self._newest()
        if under is not None:
            mine = self.emu.messages(self.user_id)
            newest = next(m for m in reversed(mine) if under in m.text)
        for wanted in (label, MORE):
            for button in newest.buttons():
                action = button["action"]
                if wanted in action.get("label", "") and (wanted == label or _pages > 0):
                    self.mark = time.monotonic()
                    self.emu.press_callback(
                        self.user_id,
                        self.user_id,
                        newest.conversation_message_id,
                        action["payload"],
                    )
                    if wanted == MORE:
                        self.press(label, None, _pages - 1)
                    return
        raise AssertionError(f"no {label!r} among {self.buttons()} under {newest.text!r}")

    def files(self) -> dict[str, bytes]:
        """Documents the bot sent here, by title."""
        return {d.title: d.data for m in self.emu.messages(self.user_id) for d in m.docs}

    def expect(self, substring: str, timeout: float = WAIT) -> str:
        def find() -> str | None:
            for message in self.emu.messages(self.user_id):
                labels = [b["action"].get("label", "") for b in message.buttons()]
                if message.updated_at >= self.mark and (
                    substring in message.text or any(substring in label for label in labels)
                ):
                    return message.text
            return None

        try:
            return self.emu.wait_for(find, timeout)
        except AssertionError:
            texts = [m.text[:100] for m in self.emu.messages(self.user_id)[-4:]]
            raise AssertionError(f"no {substring!r} from the bot; last: {texts}") from None

    def buttons(self) -> list[str]:
        return [b["action"].get("label", "") for b in self._newest().buttons()]

    def texts(self) -> list[str]:
        return [m.text for m in self.emu.messages(self.user_id)]

    def sticker(self) -> None:
        self.mark = time.monotonic()
        self.emu.send_sticker(self.user_id)

    def photo(self) -> None:
        self.mark = time.monotonic()
        self.emu.send_photo(self.user_id)

    def send_oversized(self, text: str) -> None:
        self.send(text)
