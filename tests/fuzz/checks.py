"""What must hold after any input: replies the platform would accept, no update ended in
an error, and — after a forged press — nothing of the program changed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from storage.models import OutboxMessage
from tests.inprocess.world import World

TEXT_MAX = 4096  # Telegram and VK
CAPTION_MAX = 1024  # Telegram, under a file
TG_DATA_MAX = 64  # callback_data, bytes
TG_BUTTONS_MAX = 100
VK_BUTTONS, VK_ROWS, VK_PER_ROW, VK_LABEL, VK_PAYLOAD = 10, 6, 5, 40, 255


def reply_problems(message: OutboxMessage) -> list[str]:
    """Why the platform would refuse this message (empty when it would not)."""
    problems = []
    rows = (message.buttons or {}).get("rows", [])
    flat = [button for row in rows for button in row]
    if not message.text.strip() and message.attachment_name is None:
        problems.append("empty text")
    limit = CAPTION_MAX if message.attachment_name and message.platform == "telegram" else TEXT_MAX
    if len(message.text) > limit:
        problems.append(f"text of {len(message.text)} characters")
    for label, payload in flat:
        if not label.strip():
            problems.append("empty label")
        if message.platform == "telegram" and len(payload.encode()) > TG_DATA_MAX:
            problems.append(f"callback_data {payload!r} over 64 bytes")
        if message.platform == "vk":
            if len(label) > VK_LABEL:
                problems.append(f"label {label!r} over 40")
            if len(json.dumps(payload)) > VK_PAYLOAD:
                problems.append(f"payload {payload!r} over 255")
    if message.platform == "telegram" and len(flat) > TG_BUTTONS_MAX:
        problems.append(f"{len(flat)} buttons")
    if message.platform == "vk" and rows:
        if len(flat) > VK_BUTTONS or len(rows) > VK_ROWS:
            problems.append(f"{len(flat)} buttons in {len(rows)} rows")
        if any(len(row) > VK_PER_ROW for row in rows):
            problems.append("over 5 buttons a row")
    return [f"#{message.id} {message.platform}: {p} :: {message.text[:80]!r}" for p in problems]


# The program's state: what a forged press must never change. Dialog states, accounts
# (last seen), the audit log and the in/outboxes are the presser's own traces.
WATCHED = {
    "people": "id, full_name, locale",
    "participations": "id, person_id, organization_id, role, status, active_mentees, capacity",
    "responses": "id, person_id, status, answers, note, decided_by",
    "consents": "id, person_id, kind, given, withdrawn_at",
    "pairs": "id, status, mentor_person_id, ends_on, end_reason",
    "pair_members": "id, mentee_person_id, agreed_at, declined_at, left_on",
    "preferences": "id, chooser_person_id, chosen_person_id",
    "meetings": "id, status, confirmed",
    "plan_items": "id, text, done_at",
    "announcements": "id",
    "invite_codes": "id, uses_left",
    "parent_codes": "id, used_at",
}


async def snapshot(world: World) -> str:
    digest = hashlib.sha256()
    for table, columns in WATCHED.items():
        rows: list[Any] = await world.sql(f"SELECT {columns} FROM {table} ORDER BY id")
        digest.update(repr((table, rows)).encode())
    return digest.hexdigest()


async def errors(world: World) -> list[tuple[Any, ...]]:
    return await world.sql("SELECT id, platform, error FROM inbox WHERE error IS NOT NULL")


async def forbidden_count(world: World) -> int:
    return (await world.sql("SELECT count(*) FROM audit_log WHERE action='forbidden'"))[0][0]
