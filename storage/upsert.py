"""INSERT ... ON CONFLICT DO NOTHING for both supported dialects."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_ignoring_duplicates(
    session: AsyncSession, table: Any, rows: list[dict[str, Any]]
) -> None:
    """Insert rows, skipping any that would break a unique constraint. The rows go as
    parameters of one cached statement, not as a freshly compiled VALUES list."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    await session.execute(module.insert(table).on_conflict_do_nothing(), rows)
