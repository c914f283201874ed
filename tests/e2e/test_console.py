"""The console demo: what a newcomer runs first, with several people in one terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e.process import ROOT, base_env, create_org


def test_console_registration_as_two_people(tmp_path: Path) -> None:
    env = base_env(f"sqlite+aiosqlite:///{tmp_path / 'console.sqlite3'}", CONSOLE="true")
    codes = create_org(env)
    script = (
        "\n".join(
            [
                f"/start {codes['join']}",
                "1",  # «Даю согласие»
                "1",  # «Ищу наставника»
                "Анна Смирнова",
                "/as Ольга",
                f"/start {codes['curator']}",
                "1",
                "Ольга Кузнецова",
                "1",  # the curator's first menu item: the applications waiting
                "/quit",
            ]
        )
        + "\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=env,
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "[бот → Гость] Здравствуйте!" in out
    assert "Готово, Анна Смирнова! Вы в программе как наставляемый." in out
    assert "— теперь вы: Ольга" in out
    assert "Готово, Ольга Кузнецова! Вы в программе как куратор." in out
    assert "[1] Заявки" in out and "[2] Пары и подбор" in out
    assert "Новых заявок нет." in out
    assert "Traceback" not in done.stderr


def test_a_wrong_setting_is_one_clear_line(tmp_path: Path) -> None:
    env = base_env(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}", DEFAULT_TIMEZONE="Moon/Base")
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "setting DEFAULT_TIMEZONE: Value error, unknown timezone 'Moon/Base', e.g. Europe/Moscow"
    ]
