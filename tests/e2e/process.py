"""The bot as a real process (`python -m bot`), started, stopped and killed by tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def base_env(database_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "VK_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "INFO",
            "CONSOLE": "false",
            "PYTHONUNBUFFERED": "1",
            # Production paces a Telegram chat at one message a second after a burst of
            # three; a long flow in a test would spend minutes waiting on that. The pacing
            # itself is proven by tests/unit/test_ratelimit.py and bench/reminders.py.
            "TELEGRAM_RATE_PER_CHAT": "25",
        }
    )
    env.update(settings)
    return env


def cli(env: dict[str, str], *args: str) -> str:
    """Run `python -m bot ARGS` to completion and return its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def create_org(env: dict[str, str], name: str = "Школа № 1") -> dict[str, str]:
    codes = dict(line.split(": ", 1) for line in cli(env, "create-org", name).splitlines())
    assert set(codes) == {"curator", "join"}
    return codes


class BotProcess:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_start = 0

    def start(self) -> BotProcess:
        self._log_start = len(self.log())  # look for this run's lines only
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_for_log("bot started", 30)
        if self.env.get("VK_GROUP_TOKEN"):
            self._wait_for_log("vk long poll listening", 30)
        return self

    def _wait_for_log(self, marker: str, within: float) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if marker in self.log()[self._log_start :]:
                return
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"bot exited early:\n{self.log()[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"bot did not start:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return (
            self.log_path.read_text(encoding="utf-8", errors="replace")
            if self.log_path.exists()
            else ""
        )

    def stop(self) -> int:
        """SIGTERM: the graceful way; returns the exit code."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"bot ignored SIGTERM:\n{self.log()[-3000:]}") from None
        code = self.proc.returncode
        self.proc = None
        return code

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as in a power cut or an OOM kill."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None
