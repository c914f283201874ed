"""Dialog state: one row per (platform, chat, user), written with every answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DialogState
from storage.upsert import insert_ignoring_duplicates


async def load(
    session: AsyncSession, platform: str, chat_id: str, user_id: str, now: datetime
) -> DialogState:
    query = select(DialogState).where(
        DialogState.platform == platform,
        DialogState.chat_id == chat_id,
        DialogState.user_id == user_id,
    )
    state = (await session.scalars(query)).first()
    if state is None:
        row = {
            "platform": platform,
            "chat_id": chat_id,
            "user_id": user_id,
            "flow": None,
            "step": None,
            "data": {},
            "revision": 0,
            "updated_at": now,
        }
        await insert_ignoring_duplicates(session, DialogState.__table__, [row])
        state = (await session.scalars(query)).one()
    return state
