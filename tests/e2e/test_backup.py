"""`python -m bot backup` while the bot is busy: the copy opens with every table and the
rows committed before it; restoring it as the README says brings the bot back to it."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from tests.e2e.chat import Chat
from tests.e2e.flows import register
from tests.e2e.process import BotProcess, cli


def _tables(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        names = [
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {n: connection.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def test_a_backup_taken_while_the_bot_works_opens_with_all_tables_and_restores(
    bot: BotProcess,
    database_url: str,
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
    tmp_path: Path,
) -> None:
    chat = new_chat("Мария Орлова")
    register(chat, codes["join"], "Мария Орлова")
    busy = new_chat("Иван Петров")
    stop = threading.Event()

    def traffic() -> None:  # the bot keeps writing while the copy is taken
        while not stop.is_set():
            busy.send("/help")
            stop.wait(0.05)

    writer = threading.Thread(target=traffic)
    writer.start()
    try:
        backups = [tmp_path / f"backup-{n}.sqlite3" for n in range(3)]
        for target in backups:
            assert "backup written" in cli(bot.env, "backup", str(target))
    finally:
        stop.set()
        writer.join()

    live = Path(database_url.split(":///", 1)[1])
    for target in backups:
        with sqlite3.connect(target) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        copied = _tables(target)
        assert set(copied) == set(_tables(live))  # every table, alembic_version too
        assert copied["people"] == 1 and copied["participations"] == 1
        assert copied["inbox"] > 0 and copied["alembic_version"] == 1

    chat.send("/menu")
    chat.expect("Что делаем?")
    # Restore (README): stop the bot, copy the backup over the database, drop -wal/-shm.
    assert bot.stop() == 0
    shutil.copyfile(backups[-1], live)
    for suffix in ("-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    bot.start()
    chat.send("/menu")
    assert "Мария Орлова" in chat.expect("Что делаем?")
