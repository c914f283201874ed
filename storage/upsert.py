"""INSERT ... ON CONFLICT DO NOTHING for both supported dialects."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert


def insert_ignoring_duplicates(
    session: AsyncSession, table: Any, rows: list[dict[str, Any]]
) -> Insert:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).values(rows).on_conflict_do_nothing()
