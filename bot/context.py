"""What a handler gets: the event, the person, their dialog state, and a way to answer."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import payload
from bot.config import Settings
from bot.events import MAX_BUTTONS, MAX_ROWS, Address, Attachment, Button, Incoming, Reply
from bot.i18n import Translator
from storage.dialogs import State
from storage.models import Account, Person


@dataclass(slots=True)
class Envelope:
    to: Address
    reply: Reply
    dedupe_key: str | None = None


@dataclass
class Context:
    event: Incoming
    session: AsyncSession
    settings: Settings
    now: datetime
    account: Account
    person: Person | None
    state: State
    t: Translator
    outgoing: list[Envelope] = field(default_factory=list)
    state_changed: bool = False  # set by finish(): the engine writes only changed states
    _snapshot: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        self._snapshot = self._state_tuple()

    # -- answering ---------------------------------------------------------------
    @property
    def here(self) -> Address:
        return Address(self.event.platform, self.event.chat_id, self.event.is_group)

    @property
    def max_buttons(self) -> int:
        return MAX_BUTTONS[self.event.platform]

    @property
    def max_rows(self) -> int:
        return MAX_ROWS[self.event.platform]

    def say(
        self,
        text: str,
        buttons: list[list[Button]] | None = None,
        *,
        edit: bool = False,
        attachment: Attachment | None = None,
    ) -> None:
        self.outgoing.append(Envelope(self.here, Reply(text, buttons or [], attachment, edit)))

    def send(self, to: Address, reply: Reply, dedupe_key: str | None = None) -> None:
        self.outgoing.append(Envelope(to, reply, dedupe_key))

    def button(self, label: str, action: str, arg: str = "") -> Button:
        """A button of the current dialog step; pressing it after the step moved is stale."""
        return Button(label, payload.encode(payload.UNSTAMPED, action, arg))

    def menu_button(self, label: str, action: str, arg: str = "") -> Button:
        return Button(label, payload.encode(payload.MENU, action, arg))

    def nav_row(self, back: bool = True) -> list[Button]:
        row = [self.button(self.t("common.back"), "back")] if back else []
        row.append(self.button(self.t("common.cancel"), "cancel"))
        return row

    # -- dialog state --------------------------------------------------------------
    @property
    def data(self) -> dict[str, Any]:
        return self.state.data

    def goto(self, flow: str | None, step: str | None) -> None:
        self.state.flow = flow
        self.state.step = step

    def remember(self, key: str, value: Any) -> None:
        self.state.data = {**self.state.data, key: value}

    def forget(self, *keys: str) -> None:
        self.state.data = {k: v for k, v in self.state.data.items() if k not in keys}

    def reset(self) -> None:
        self.goto(None, None)
        self.state.data = {}

    def _state_tuple(self) -> tuple[Any, ...]:
        return (self.state.flow, self.state.step, copy.deepcopy(self.state.data))

    def finish(self) -> None:
        """Stamp buttons with the revision the state has after this event, and join
        plain notes into the message that follows them (one message per answer reads
        better and costs one slot of the platform's per-chat limit)."""
        self.state_changed = self._state_tuple() != self._snapshot
        if self.state_changed:
            self.state.revision += 1
            self.state.updated_at = self.now
        for envelope in self.outgoing:
            if envelope.to == self.here:
                envelope.reply.buttons = [
                    [Button(b.label, payload.stamp(b.payload, self.state.revision)) for b in row]
                    for row in envelope.reply.buttons
                ]
        self.outgoing = _coalesce(self.outgoing)


MAX_JOINED = 3500  # well under Telegram's 4096 and VK's 4096 characters


def _coalesce(envelopes: list[Envelope]) -> list[Envelope]:
    merged: list[Envelope] = []
    for envelope in envelopes:
        if merged:
            prev = merged[-1]
            plain = not (prev.reply.buttons or prev.reply.attachment or prev.reply.edit)
            joinable = not (envelope.reply.attachment or envelope.reply.edit)
            if (
                plain
                and joinable
                and prev.to == envelope.to
                and prev.dedupe_key is None
                and envelope.dedupe_key is None
                and len(prev.reply.text) + len(envelope.reply.text) < MAX_JOINED
            ):
                envelope.reply.text = f"{prev.reply.text}\n\n{envelope.reply.text}"
                merged[-1] = envelope
                continue
        merged.append(envelope)
    return merged
