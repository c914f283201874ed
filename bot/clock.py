"""Time is injected so tests and the scheduler can move it."""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FileClock:
    """A test and demo facility (setting `CLOCK_FILE`): the file holds an ISO instant, and
    time runs on from it at the normal pace until the file changes. A test writes a new
    instant to move a running bot to "the 25th at 10:00" without waiting a month.

    A missing or unreadable file means system time; the file is looked at no more often
    than every `RECHECK` seconds, so the hot path pays for a `stat` now and then only."""

    RECHECK = 0.02

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._stamp: tuple[int, int] | None = None  # (mtime_ns, size) of what was read
        self._anchor: datetime | None = None
        self._anchor_mono = 0.0
        self._checked = -1.0

    def now(self) -> datetime:
        mono = time.monotonic()
        if mono - self._checked >= self.RECHECK:
            self._checked = mono
            self._reload(mono)
        if self._anchor is None:
            return datetime.now(UTC)
        return self._anchor + timedelta(seconds=mono - self._anchor_mono)

    def _reload(self, mono: float) -> None:
        try:
            stat = os.stat(self.path)
        except OSError:
            self._stamp, self._anchor = None, None
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            instant = parse_instant(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("CLOCK_FILE %s unreadable (%s); keeping the time as it was", self.path, exc)
            return
        self._anchor, self._anchor_mono = instant, mono
        log.info("clock set from %s: %s", self.path, instant.isoformat())


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant; one without an offset is taken as UTC."""
    instant = datetime.fromisoformat(text.strip())
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def make_clock(clock_file: str) -> Clock:
    return FileClock(clock_file) if clock_file else SystemClock()
