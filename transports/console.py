"""A terminal chat for trying the bot without any messenger: one can act as several
people (`/as Мария`), press buttons by their number, and see every reply."""

from __future__ import annotations

import asyncio
import itertools
import sys
import uuid
from typing import TextIO

from bot.engine import Engine
from bot.events import Incoming, Kind, Platform
from bot.transport import Delivery, Sent
from storage.outbox import Outbound

DEFAULT_PERSONA = "Гость"
HELP = (
    "Консоль бота. Пишите сообщения как в мессенджере.\n"
    "  1, 2, ... — нажать кнопку с этим номером в последнем сообщении\n"
    "  /as Имя   — говорить от имени другого человека (например, /as Куратор)\n"
    "  /quit     — выйти\n"
)


class ConsoleTransport:
    platform = Platform.CONSOLE

    def __init__(self, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        self.stdin, self.stdout = stdin, stdout
        self.persona = DEFAULT_PERSONA
        self._buttons: dict[str, list[str]] = {}  # persona → payloads of the last keyboard
        self._last_ref: dict[str, str] = {}
        self._ids = itertools.count(1)
        self.finished = asyncio.Event()

    def _write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    async def receive(self, engine: Engine) -> None:
        loop = asyncio.get_running_loop()
        self._write(HELP + f"Сейчас вы — {self.persona}. Напишите /start.\n")
        while True:
            line = await loop.run_in_executor(None, self.stdin.readline)
            if not line or line.strip() == "/quit":
                await engine.settled(self.platform)
                self.finished.set()
                return
            event = self._event(line.rstrip("\n"))
            if event is not None:
                await engine.accept([event])
                # A terminal is a conversation: show the answer before reading on, so that
                # a pasted script presses the buttons it has actually been shown.
                await engine.settled(self.platform)

    def _event(self, line: str) -> Incoming | None:
        text = line.strip()
        if text.startswith("/as "):
            self.persona = text[4:].strip()[:40] or DEFAULT_PERSONA
            self._write(f"— теперь вы: {self.persona}\n")
            return None
        base = {
            "platform": Platform.CONSOLE,
            "update_key": uuid.uuid4().hex,
            "chat_id": self.persona,
            "user_id": self.persona,
            "display_name": self.persona,
        }
        payloads = self._buttons.get(self.persona, [])
        if text.isdigit() and 1 <= int(text) <= len(payloads):
            return Incoming(
                kind=Kind.BUTTON,
                payload=payloads[int(text) - 1],
                message_ref=self._last_ref.get(self.persona),
                **base,
            )
        return Incoming(kind=Kind.TEXT, text=text, **base)

    async def deliver(self, message: Outbound) -> Delivery:
        ref = message.edit_ref or str(next(self._ids))
        lines = [f"\n[бот → {message.chat_id}] {message.text}"]
        if message.attachment is not None:
            lines.append(
                f"  📎 {message.attachment.filename} ({len(message.attachment.data)} байт)"
            )
        payloads: list[str] = []
        for row in message.buttons:
            cells = []
            for button in row:
                payloads.append(button.payload)
                cells.append(f"[{len(payloads)}] {button.label}")
            lines.append("  " + "   ".join(cells))
        self._buttons[message.chat_id] = payloads
        self._last_ref[message.chat_id] = ref
        self._write("\n".join(lines) + "\n")
        return Sent(ref)

    async def stop(self) -> None:
        self.finished.set()
