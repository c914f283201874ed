"""The inbox: updates stored before they are acknowledged, handled once each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Incoming
from storage.models import InboxUpdate, TransportCursor
from storage.upsert import insert_rows

# The hot statements, built once and run on the connection (Core, no ORM layer).
_INBOX = InboxUpdate.__table__
_PENDING = (
    select(_INBOX.c.id, _INBOX.c.event, _INBOX.c.received_at)
    .where(_INBOX.c.processed_at.is_(None))
    .order_by(_INBOX.c.id)
    .limit(bindparam("limit"))
)
_KNOWN = select(_INBOX.c.update_key).where(
    _INBOX.c.platform == bindparam("platform"),
    _INBOX.c.update_key.in_(bindparam("keys", expanding=True)),
)
_PROCESSED = (
    update(_INBOX)
    .where(_INBOX.c.id.in_(bindparam("ids", expanding=True)))
    .values(processed_at=bindparam("now"), error=bindparam("error"))
)


def _row(event: Incoming, now: datetime, processed: bool) -> dict[str, Any]:
    return {
        "platform": event.platform.value,
        "update_key": event.update_key,
        "event": event.to_json(),
        "received_at": now,
        "processed_at": now if processed else None,
    }


async def store(
    session: AsyncSession,
    events: Sequence[Incoming],
    now: datetime,
    cursor: tuple[str, str] | None = None,
) -> None:
    """Record updates (a redelivered one is ignored) and, in the same transaction, the
    transport's new position, so the position never runs ahead of what is stored."""
    await insert_rows(session, _INBOX, [_row(e, now, processed=False) for e in events])
    await _save_cursor(session, cursor)


async def store_handled(
    session: AsyncSession,
    events: Sequence[Incoming],
    now: datetime,
    cursor: tuple[str, str] | None = None,
) -> list[Incoming]:
    """Record updates as handled, for a caller handling them in this same transaction;
    the ones not seen before, which are the ones to handle (a redelivered one is not)."""
    fresh: dict[tuple[str, str], Incoming] = {}
    for event in events:
        fresh.setdefault((event.platform.value, event.update_key), event)
    connection = await session.connection()
    for platform in {platform for platform, _ in fresh}:
        keys = [key for p, key in fresh if p == platform]
        for (known,) in await connection.execute(_KNOWN, {"platform": platform, "keys": keys}):
            fresh.pop((platform, known), None)
    await insert_rows(session, _INBOX, [_row(e, now, processed=True) for e in fresh.values()])
    await _save_cursor(session, cursor)
    return list(fresh.values())


async def _save_cursor(session: AsyncSession, cursor: tuple[str, str] | None) -> None:
    if cursor is not None:
        platform, value = cursor
        existing = await session.get(TransportCursor, platform)
        if existing is None:
            session.add(TransportCursor(platform=platform, value=value))
        else:
            existing.value = value


async def pending(session: AsyncSession, limit: int = 200) -> list[Row[Any]]:
    """Stored, unhandled updates, oldest first, as plain rows (id, event, received_at)."""
    connection = await session.connection()
    return list((await connection.execute(_PENDING, {"limit": limit})).all())


async def mark_processed(
    session: AsyncSession, row_ids: Sequence[int], now: datetime, error: str | None = None
) -> None:
    connection = await session.connection()
    await connection.execute(_PROCESSED, {"ids": list(row_ids), "now": now, "error": error})


async def cursor(session: AsyncSession, platform: str) -> str | None:
    row = await session.get(TransportCursor, platform)
    return row.value if row else None
