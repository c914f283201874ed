"""A group chat with the bot and several people, on Telegram or VK, through the emulators."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.emulators.telegram import TelegramEmulator
from tests.emulators.vk import VkEmulator

WAIT = 20.0
TG_GROUP = -1001234
VK_PEER = 2_000_000_001


class Group:
    def __init__(self, platform: str, telegram: TelegramEmulator, vk: VkEmulator) -> None:
        self.platform = platform
        self.tg, self.vk = telegram, vk
        self.chat_id = TG_GROUP if platform == "telegram" else VK_PEER
        self.names: dict[int, str] = {}

    def say(self, user_id: int, text: str) -> None:
        if self.platform == "telegram":
            first, _, last = self.names.get(user_id, "Test").partition(" ")
            self.tg.send_text(
                user_id,
                text,
                chat_id=self.chat_id,
                chat_type="supergroup",
                first_name=first,
                last_name=last or None,
                title="Учителя",
            )
        else:
            self.vk.send_text(user_id, text, peer_id=self.chat_id)

    def bot_messages(self) -> list[tuple[str, list[tuple[str, str]], Any]]:
        """(text, [(label, payload)], ref) of the bot's messages here, oldest first."""
        found = []
        if self.platform == "telegram":
            for m in self.tg.messages(self.chat_id):
                if m.from_bot:
                    buttons = [(b["text"], b.get("callback_data", "")) for b in m.buttons]
                    found.append((m.text or "", buttons, m.message_id))
        else:
            for vm in self.vk.messages(self.chat_id):
                buttons = [
                    (b["action"].get("label", ""), b["action"].get("payload", ""))
                    for b in vm.buttons()
                ]
                found.append((vm.text, buttons, vm.conversation_message_id))
        return found

    def wait_text(self, part: str, timeout: float = WAIT) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for text, _, _ in reversed(self.bot_messages()):
                if part in text:
                    return text
            time.sleep(0.05)
        raise AssertionError(
            f"no {part!r} in the group; last: {[m[0][:80] for m in self.bot_messages()[-3:]]}"
        )

    def press(self, user_id: int, label: str) -> None:
        for _, buttons, ref in reversed(self.bot_messages()):
            for text, data in buttons:
                if label in text:
                    if self.platform == "telegram":
                        self.tg.press_button(user_id, self.chat_id, ref, data)
                    else:
                        self.vk.press_callback(user_id, self.chat_id, ref, data)
                    return
        raise AssertionError(f"no {label!r} button in the group")

    def status(self) -> str:
        return next((t for t, _, _ in reversed(self.bot_messages()) if "Говорит:" in t), "")

    def speaker(self) -> str:
        status = self.status()
        return status.split("Говорит: ", 1)[1].split(" (", 1)[0] if status else ""

    def next_turn(self, seen: str = "", timeout: float = WAIT) -> tuple[str, str]:
        """(status, speaker) once the status differs from `seen`: the turn has moved."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status()
            if status and status != seen:
                return status, self.speaker()
            time.sleep(0.05)
        raise AssertionError(f"the turn did not move on from {seen!r}")

    def leave(self, user_id: int) -> None:
        if self.platform == "telegram":
            user = {"id": user_id, "is_bot": False, "first_name": "X"}
            chat = {"id": self.chat_id, "type": "supergroup", "title": "Учителя"}
            self.tg.inject_raw(
                {
                    "message": {
                        "message_id": 10**6 + user_id,
                        "date": int(time.time()),
                        "chat": chat,
                        "from": user,
                        "left_chat_member": user,
                    }
                }
            )
        else:
            self.vk.chat_kick_user(self.chat_id, user_id, from_id=user_id)

    def remove_bot(self, admin: int) -> None:
        if self.platform == "telegram":
            user = {"id": admin, "is_bot": False, "first_name": "X"}
            chat = {"id": self.chat_id, "type": "supergroup", "title": "Учителя"}
            member = {"user": self.tg.bot_user, "status": "left"}
            self.tg.inject_raw(
                {
                    "my_chat_member": {
                        "chat": chat,
                        "from": user,
                        "date": int(time.time()),
                        "old_chat_member": {**member, "status": "member"},
                        "new_chat_member": member,
                    }
                }
            )
        else:
            self.vk.chat_kick_user(self.chat_id, -self.vk.group_id, from_id=admin)


def payload_text(raw: str) -> str:
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if isinstance(value, str) else raw
