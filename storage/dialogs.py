"""Dialog state: one row per (platform, chat, user), written with every answer.

The engine reads the states of a whole batch in one query and writes the changed ones
with one statement at its end, as plain `State` objects: through the ORM a state cost a
flush of its own per update (~0.15 ms), for a row nothing else in the batch touches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DialogState
from storage.upsert import insert_ignoring_duplicates, insert_rows

Key = tuple[str, str, str]  # platform, chat id, user id


@dataclass(slots=True, eq=False)
class State:
    """A `dialog_states` row as the handlers see it (`ctx.state`)."""

    platform: str
    chat_id: str
    user_id: str
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    revision: int = 0
    updated_at: datetime | None = None
    stored: bool = False  # a row exists: saved with UPDATE, else INSERT

    @property
    def key(self) -> Key:
        return (self.platform, self.chat_id, self.user_id)


_TABLE = DialogState.__table__
_COLUMNS = ("chat_id", "user_id", "flow", "step", "data", "revision", "updated_at")
_LOAD = select(*(_TABLE.c[name] for name in _COLUMNS)).where(
    _TABLE.c.platform == bindparam("platform"),
    _TABLE.c.user_id.in_(bindparam("users", expanding=True)),
)
_SAVE = (
    update(_TABLE)
    .where(
        _TABLE.c.platform == bindparam("k_platform"),
        _TABLE.c.chat_id == bindparam("k_chat"),
        _TABLE.c.user_id == bindparam("k_user"),
    )
    .values(
        flow=bindparam("flow"),
        step=bindparam("step"),
        data=bindparam("data"),
        revision=bindparam("revision"),
        updated_at=bindparam("updated_at"),
    )
)


async def load_many(
    session: AsyncSession, keys: Collection[Key], now: datetime
) -> dict[Key, State]:
    """The states of `keys`, one query per platform; a missing one is a fresh `State`."""
    users: dict[str, set[str]] = defaultdict(set)
    for platform, _, user in keys:
        users[platform].add(user)
    connection = await session.connection()
    found: dict[Key, State] = {}
    for platform, ids in users.items():
        params = {"platform": platform, "users": sorted(ids)}
        for chat, user, flow, step, data, revision, updated_at in await connection.execute(
            _LOAD, params
        ):
            state = State(platform, chat, user, flow, step, data or {}, revision, updated_at, True)
            found[state.key] = state
    for key in keys:
        if key not in found:
            found[key] = State(*key, updated_at=now)
    return {key: found[key] for key in keys}


async def save_many(session: AsyncSession, states: Iterable[State]) -> None:
    """Write states: changed rows with one UPDATE, new ones with one INSERT."""
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for state in states:
        values = {
            "flow": state.flow,
            "step": state.step,
            "data": state.data,
            "revision": state.revision,
            "updated_at": state.updated_at,
        }
        if state.stored:
            key = {"k_platform": state.platform, "k_chat": state.chat_id, "k_user": state.user_id}
            updates.append({**key, **values})
        else:
            key = {"platform": state.platform, "chat_id": state.chat_id, "user_id": state.user_id}
            inserts.append({**key, **values})
            state.stored = True
    if updates:
        await (await session.connection()).execute(_SAVE, updates)
    await insert_rows(session, _TABLE, inserts)


async def load(
    session: AsyncSession, platform: str, chat_id: str, user_id: str, now: datetime
) -> DialogState:
    """One state as an ORM object (created if missing), for code outside the engine."""
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
