"""Generated inputs: what a person (or a forger) can do, drawn by hypothesis and turned
into raw platform updates against the world as it is at that moment (a press of "one of
my buttons" looks at the buttons the person really has)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from handlers import menu
from tests.inprocess import raw
from tests.inprocess.world import Actor, Raw, World

CHAOS = (
    *["own"] * 8,
    *["text"] * 4,
    *["command"] * 2,
    "huge",
    "blank",
    "stale",
    "stamped",
    "garbage",
    "sticker",
    "photo",
    "document",
    "edited",
    "channel",
    "joined",
    "left",
    "kicked",
    "group_text",
    "vk_start",
    "stranger",
    "forged",
    "forged",
    "forged",
)
SAMPLES = (
    "да",
    "Начать",
    "2008",
    "1900",
    "24.11.2026",
    "31.02.2027",
    "Анна Смирнова",
    "👍🏽👨‍👩‍👧",
    "مرحبا بالعالم",
    "שלום עולם",
    "\u202eевтсарДз\u202c",
    "\u200b",
    "a\u0301\u0301\u0301",
    '=HYPERLINK("x")',
    "'; DROP TABLE people;--",
    "{name} %s {0}",
    "\x00\x07",
    "K7QM2XPA",
    "m:appr:1",
)
COMMANDS = (
    "/start",
    "/start K7QM2XPA",
    "/start@SchoolMentorBot",
    "/help",
    "/cancel",
    "/menu",
    "/mydata",
    "/privacy",
    "/link ABCDEFGH",
    "/launch_rockets",
    "/",
)
RESPONSE_ACTIONS = ("appr", "rej", "clar", "full", "paper")
PAIR_ACTIONS = ("pappr", "pext", "pfin", "pend", "pcanc", "pair")
ORG_ACTIONS = ("registry", "order", "auditlog", "assign", "pairs", "open", "active", "waiting")
PARTICIPANT_OBJECTS = frozenset(
    {"pagree", "pdecl", "myresp", "pcode", "reply", "fill", "pref", "mconf", "meetlog", "mform"}
    | {"mplan", "padd", "ptick", "plan", "mmfb", "mmmentor", "mmpick"}
)


@dataclass(frozen=True)
class Op:
    kind: str
    who: int
    text: str
    n: int


texts = st.one_of(
    st.text(max_size=24),
    st.sampled_from(SAMPLES),
    st.from_regex(r"[A-Z2-9]{8}", fullmatch=True),
    st.integers(-(10**6), 10**12).map(str),
)
ops = st.builds(
    Op,
    kind=st.sampled_from(CHAOS),
    who=st.integers(0, 255),
    text=texts,
    n=st.integers(0, 2**16),
)


def curator_only() -> set[str]:
    return {name for name, item in menu.ACTIONS.items() if item.roles == {"curator"}}


@dataclass
class Realized:
    updates: list[Raw]
    forged: bool = False
    audited: bool = False  # a forbidden-audit row must follow


class Realizer:
    """Turns ops into updates; knows the cast and, for forgeries, whose objects are whose."""

    def __init__(self, world: World, cast: dict[str, Actor], ids: dict[str, list[int]]) -> None:
        self.world, self.cast, self.ids = world, cast, ids
        self.actors = list(cast.values())
        self.strangers = 0
        self.curators = {k for k in cast if k.startswith("c")}
        self.unregistered = {"parent", "reg_consent", "reg_role", "reg_name", "reg_org"}

    def _stranger(self, op: Op) -> Actor:
        self.strangers += 1
        platform = "telegram" if op.n % 2 else "vk"
        return self.world.actor(platform, 900_000 + self.strangers, "Незнакомец Новый")

    async def _buttons(self, actor: Actor, newest: int) -> list[str]:
        rows = await self.world.sql(
            "SELECT buttons FROM outbox WHERE platform=:p AND chat_id=:c AND buttons IS NOT NULL"
            " ORDER BY id DESC LIMIT :n",
            p=actor.platform,
            c=actor.chat_id,
            n=newest,
        )
        found = []
        for (data,) in rows:
            value = (json.loads(data) if isinstance(data, str) else data) or {"rows": []}
            found += [payload for row in value["rows"] for _label, payload in row]
        return found

    async def _revision(self, actor: Actor) -> int:
        rows = await self.world.sql(
            "SELECT revision FROM dialog_states WHERE platform=:p AND user_id=:u",
            p=actor.platform,
            u=actor.chat_id,
        )
        return rows[0][0] if rows else 0

    async def realize(self, op: Op) -> Realized:
        actor = self.actors[op.who % len(self.actors)]
        user = raw.tg_user(actor.user_id, actor.name)
        tg = actor.platform == "telegram"
        match op.kind:
            case "text":
                return Realized([actor.text(op.text)])
            case "huge":
                return Realized(
                    [actor.text((op.text or "я") * (4000 // max(len(op.text), 1) + op.n % 5000))]
                )
            case "blank":
                return Realized([actor.text(" \n\t"[: op.n % 4])])
            case "command":
                command = COMMANDS[op.n % len(COMMANDS)]
                return Realized([actor.text(f"{command} {op.text}" if op.n % 3 == 0 else command)])
            case "own" | "stale":
                found = await self._buttons(actor, 2 if op.kind == "own" else 30)
                if not found:
                    return Realized([actor.text("/menu")])
                return Realized([actor.press(found[op.n % len(found)])])
            case "stamped":
                actions = ("consent", "role", "org", "opt", "yes", "no", "copy", "ask", "months")
                rev = await self._revision(actor) + (op.n % 3) - 1
                arg = op.text if op.text.isalnum() and len(op.text) < 20 else str(op.n)
                return Realized([actor.press(f"{rev}:{actions[op.n % len(actions)]}:{arg}")])
            case "garbage":
                payloads: list[Any] = [op.text, "x" * (60 + op.n % 300), "1:" + "é" * 40, ""]
                if not tg:
                    payloads += [{"command": "start"}, op.n, [op.text], None]
                    return Realized([("vk", raw.vk_press(actor.user_id, payloads[op.n % 8]))])
                return Realized([actor.press(payloads[op.n % 4])])
            case "sticker":
                return Realized(
                    [
                        ("telegram", raw.tg_sticker(user))
                        if tg
                        else ("vk", raw.vk_sticker(actor.user_id))
                    ]
                )
            case "photo":
                return Realized(
                    [
                        ("telegram", raw.tg_photo(user, op.text))
                        if tg
                        else ("vk", raw.vk_photo(actor.user_id))
                    ]
                )
            case "document":
                return Realized(
                    [
                        ("telegram", raw.tg_document(user))
                        if tg
                        else ("vk", raw.vk_doc(actor.user_id))
                    ]
                )
            case "edited":
                return Realized(
                    [("telegram", raw.tg_edited(user, op.text)) if tg else actor.text(op.text)]
                )
            case "channel":
                return Realized([("telegram", raw.tg_channel_post(op.text))])
            case "joined":
                if tg:
                    return Realized([("telegram", raw.tg_joined(user, -100 - op.n % 3))])
                return Realized([("vk", raw.vk_invite(actor.user_id, actor.user_id, op.n % 3))])
            case "left":
                if tg:
                    return Realized([("telegram", raw.tg_left(user, -100 - op.n % 3))])
                return Realized([("vk", raw.vk_kick(actor.user_id, actor.user_id, op.n % 3))])
            case "kicked":
                if tg:
                    return Realized([("telegram", raw.tg_kicked(user, -100 - op.n % 3))])
                return Realized([("vk", raw.vk_kick(actor.user_id, -raw.VK_GROUP, op.n % 3))])
            case "group_text":
                if tg:
                    chat = raw.tg_group(-100 - op.n % 3)
                    return Realized([("telegram", raw.tg_text(user, op.text or "/help", chat))])
                peer = raw.CONVERSATION_BASE + op.n % 3
                return Realized([("vk", raw.vk_message(actor.user_id, op.text or "/help", peer))])
            case "vk_start":
                return Realized(
                    [("vk", raw.vk_start_button(actor.user_id))]
                    if not tg
                    else [actor.text("Начать")]
                )
            case "stranger":
                stranger = self._stranger(op)
                return Realized([stranger.text(op.text), stranger.press(f"m:{op.text[:8]}:")])
            case "forged":
                return await self._forged(op)
        raise AssertionError(op.kind)

    async def _forged(self, op: Op) -> Realized:
        """A press the presser has no right to: another organization's curator on this
        one's objects, a non-curator on curator buttons, an outsider on a participant's."""
        choice = op.n % 3
        if choice == 0:  # the other organization's curator, ids of this one's objects
            action = (*RESPONSE_ACTIONS, *PAIR_ACTIONS, *ORG_ACTIONS)[op.n // 3 % 19]
            pool = (
                self.ids["responses"]
                if action in RESPONSE_ACTIONS
                else self.ids["pairs"]
                if action in PAIR_ACTIONS
                else [1]
            )
            payload = f"m:{action}:{pool[op.n // 57 % len(pool)]}"
            return Realized([self.cast["cb"].press(payload)], forged=True, audited=True)
        if choice == 1:  # a participant, a parent or a newcomer on curator buttons
            pressers = [k for k in self.cast if k not in self.curators and k != "recon"]
            presser = self.cast[pressers[op.n // 3 % len(pressers)]]
            harvested = await self._harvest(curator_only(), exclude=presser)
            payload = harvested[op.n // 7 % len(harvested)] if harvested else "m:appr:1"
            audited = "curator" not in await self._roles(presser)
            return Realized([presser.press(payload)], forged=True, audited=audited)
        outsiders = [*sorted(self.unregistered), "mb", "cb"]  # nobody of this organization
        presser = self.cast[outsiders[op.n // 3 % len(outsiders)]]
        harvested = await self._harvest(PARTICIPANT_OBJECTS, exclude=presser)
        payload = harvested[op.n // 7 % len(harvested)] if harvested else "m:pagree:1"
        # Someone with no role at all is stopped by the dispatcher, which audits; a
        # participant of the other organization may just be told the button is stale.
        audited = not await self._roles(presser)
        return Realized([presser.press(payload)], forged=True, audited=audited)

    async def _roles(self, actor: Actor) -> set[str]:
        """Roles the actor holds now (a newcomer of the template may have joined since)."""
        rows = await self.world.sql(
            "SELECT p.role FROM participations p JOIN accounts a ON a.person_id = p.person_id"
            " WHERE a.platform=:p AND a.external_id=:u AND p.status='active'",
            p=actor.platform,
            u=actor.chat_id,
        )
        return {role for (role,) in rows}

    async def _harvest(self, actions: set[str] | frozenset[str], exclude: Actor) -> list[str]:
        rows = await self.world.sql(
            "SELECT platform, chat_id, buttons FROM outbox WHERE buttons IS NOT NULL"
        )
        found = set()
        for platform, chat_id, data in rows:
            if (platform, chat_id) == (exclude.platform, exclude.chat_id):
                continue
            value = (json.loads(data) if isinstance(data, str) else data) or {"rows": []}
            for row in value["rows"]:
                for _label, payload in row:
                    parts = payload.split(":")
                    if parts[0] == "m" and parts[1] in actions and parts[2]:
                        found.add(payload)
        return sorted(found)
