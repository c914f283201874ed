"""Read-only looks into the bot's SQLite database from a test."""

from __future__ import annotations

import sqlite3
from typing import Any


def query(database_url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    path = database_url.split(":///", 1)[1]
    with sqlite3.connect(path, timeout=10) as connection:
        return connection.execute(sql, args).fetchall()


def dialog(database_url: str, platform: str, user_id: int) -> tuple[Any, ...] | None:
    rows = query(
        database_url,
        "SELECT flow, step, revision, data FROM dialog_states WHERE platform=? AND user_id=?",
        platform,
        str(user_id),
    )
    return rows[0] if rows else None
