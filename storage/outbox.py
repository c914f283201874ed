"""The outbox: every outgoing message is a row before any platform sees it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Address, Attachment, Button, Reply
from storage.models import Account, OutboxMessage
from storage.upsert import insert_rows

if TYPE_CHECKING:
    from bot.context import Envelope

PENDING, SENT, FAILED, UNREACHABLE = "pending", "sent", "failed", "unreachable"


@dataclass(frozen=True, slots=True)
class Outbound:
    """What a transport needs to deliver one row."""

    id: int
    chat_id: str
    is_group: bool
    text: str
    buttons: list[list[Button]]
    attachment: Attachment | None
    edit_ref: str | None
    attempts: int


def _buttons_json(buttons: list[list[Button]]) -> dict[str, Any] | None:
    if not buttons:
        return None
    return {"rows": [[[b.label, b.payload] for b in row] for row in buttons]}


def _buttons_from_json(data: dict[str, Any] | None) -> list[list[Button]]:
    if not data:
        return []
    return [[Button(label, payload) for label, payload in row] for row in data["rows"]]


def _row(
    to: Address, reply: Reply, now: datetime, dedupe_key: str | None, edit_ref: str | None
) -> dict[str, Any]:
    att = reply.attachment
    return {
        "platform": to.platform.value,
        "chat_id": to.chat_id,
        "is_group": to.is_group,
        "dedupe_key": dedupe_key,
        "text": reply.text,
        "buttons": _buttons_json(reply.buttons),
        "edit_ref": edit_ref,
        "attachment_name": att.filename if att else None,
        "attachment_mime": att.mime if att else None,
        "attachment": att.data if att else None,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


async def enqueue(
    session: AsyncSession,
    to: Address,
    reply: Reply,
    now: datetime,
    dedupe_key: str | None = None,
    edit_ref: str | None = None,
) -> None:
    """Add a message; with a dedupe key, a second message for the same reason is ignored."""
    await insert_rows(session, _OUTBOX, [_row(to, reply, now, dedupe_key, edit_ref)])


async def enqueue_many(
    session: AsyncSession, envelopes: Sequence[tuple[Envelope, str | None]], now: datetime
) -> None:
    """Several messages in one statement, in order (ids keep each chat's order)."""
    rows = [_row(e.to, e.reply, now, e.dedupe_key, edit_ref) for e, edit_ref in envelopes]
    await insert_rows(session, _OUTBOX, rows)


# The sender's statements, built once and run on the connection (Core, no ORM layer):
# they run for every message sent.
_OUTBOX = OutboxMessage.__table__
_HEAD_COLUMNS = "id chat_id is_group text buttons edit_ref attempts next_attempt_at"
_HEAD_COLUMNS += " attachment_name attachment_mime"  # not the file: loaded when sent
_HEADS = (
    select(*(_OUTBOX.c[name] for name in _HEAD_COLUMNS.split()))
    .where(_OUTBOX.c.platform == bindparam("platform"), _OUTBOX.c.status == PENDING)
    .order_by(_OUTBOX.c.id)
    .limit(bindparam("limit"))
)
_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"))
    .values(
        status=SENT,
        sent_at=bindparam("now"),
        platform_message_id=bindparam("message_id"),
        attachment=None,
    )
)


def to_outbound(row: Row[Any], attachment: bytes | None = None) -> Outbound:
    """A row of `pending_heads` as the transport gets it (file bytes loaded apart)."""
    file = None
    if row.attachment_name is not None and attachment is not None:
        file = Attachment(row.attachment_name, attachment, row.attachment_mime or "")
    return Outbound(
        id=row.id,
        chat_id=row.chat_id,
        is_group=row.is_group,
        text=row.text,
        buttons=_buttons_from_json(row.buttons),
        attachment=file,
        edit_ref=row.edit_ref,
        attempts=row.attempts,
    )


async def attachment_of(session: AsyncSession, row_id: int) -> bytes | None:
    query = select(OutboxMessage.attachment).where(OutboxMessage.id == row_id)
    return (await session.scalars(query)).first()


async def pending_heads(
    session: AsyncSession, platform: str, skip_chats: set[str], limit: int = 300
) -> list[Row[Any]]:
    """The oldest pending row of each chat (later ones wait, so a chat's order holds).
    Plain rows without the file bytes: the sender looks at many rows and sends few."""
    connection = await session.connection()
    heads: dict[str, Row[Any]] = {}
    for row in await connection.execute(_HEADS, {"platform": platform, "limit": limit}):
        if row.chat_id not in heads and row.chat_id not in skip_chats:
            heads[row.chat_id] = row
    return list(heads.values())


async def mark_sent(
    session: AsyncSession, row_id: int, message_id: str | None, now: datetime
) -> None:
    await mark_sent_many(session, [(row_id, message_id)], now)


async def mark_sent_many(
    session: AsyncSession, sent: Sequence[tuple[int, str | None]], now: datetime
) -> None:
    """Rows delivered, as (row id, the platform's message id): one executemany."""
    if sent:
        params = [{"row_id": row_id, "message_id": ref, "now": now} for row_id, ref in sent]
        await (await session.connection()).execute(_SENT, params)


async def reschedule(
    session: AsyncSession, row_id: int, at: datetime, error: str, count_attempt: bool = True
) -> None:
    values: dict[str, Any] = {"next_attempt_at": at, "last_error": error[:1000]}
    if count_attempt:
        values["attempts"] = OutboxMessage.attempts + 1
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))


async def mark_failed(session: AsyncSession, row_id: int, status: str, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(status=status, last_error=error[:1000])
    )


async def mark_chat_unreachable(
    session: AsyncSession, platform: str, chat_id: str, now: datetime
) -> None:
    """The person blocked the bot: stop trying their chat until they write again."""
    await session.execute(
        update(Account)
        .where(Account.platform == platform, Account.chat_id == chat_id)
        .values(unreachable_at=now)
    )
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.platform == platform,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.status == PENDING,
        )
        .values(status=UNREACHABLE, last_error="blocked by the user")
    )


async def next_due(session: AsyncSession, platform: str) -> datetime | None:
    query = (
        select(OutboxMessage.next_attempt_at)
        .where(OutboxMessage.platform == platform, OutboxMessage.status == PENDING)
        .order_by(OutboxMessage.next_attempt_at)
        .limit(1)
    )
    return (await session.scalars(query)).first()
