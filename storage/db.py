"""The database engine, SQLite tuning and migrations on start."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool

from storage import sqlite_inline

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work beside the one writer; busy_timeout waits instead of failing
    # when another connection (a backup, a second process) holds the write lock;
    # synchronous=NORMAL is durable across process crashes in WAL mode.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        target = path or ":memory:"
        # One connection: the calls run on the event loop, so a second connection waiting
        # for the first one's write lock would block the very loop that must release it.
        # SQLite has one writer anyway; sessions queue for the connection instead.
        engine = create_async_engine(
            url,
            async_creator=sqlite_inline.creator(target, 10.0),
            poolclass=AsyncAdaptedQueuePool,
            pool_size=1,
            max_overflow=0,
        )
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@contextlib.asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """`sessions.begin()` for the hot loops (the engine, the senders, a batch handled on
    arrival). SQLAlchemy's own context runs the commit and the close in tasks shielded
    from cancellation: ~30 µs and several turns of the event loop per transaction. Only
    the receivers are ever cancelled, at shutdown; a cancellation there ends the batch
    like a crash would (not acknowledged, so delivered again and recognized)."""
    session = sessions()
    try:
        async with session.begin():
            yield session
    finally:
        await session.close()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; a no-op when it is current."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)
