"""The file clock that lets tests and demos move a running bot through time."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FileClock, SystemClock, make_clock


def _write(path: Path, text: str, bump: int) -> None:
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + bump))  # a visibly new file


def test_time_runs_on_from_the_instant_in_the_file_and_jumps_when_it_changes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clock"
    _write(path, "2026-11-25T09:00:00+03:00", 0)
    clock = FileClock(path)
    clock.RECHECK = 0.0
    first = clock.now()
    assert first.tzinfo is not None
    assert timedelta(0) <= first - datetime(2026, 11, 25, 6, tzinfo=UTC) < timedelta(seconds=5)
    assert clock.now() >= first  # runs on
    _write(path, "2026-12-01 10:00", 10**9)  # no offset: UTC
    assert clock.now() - datetime(2026, 12, 1, 10, tzinfo=UTC) < timedelta(seconds=5)


def test_a_broken_file_keeps_the_time_and_a_missing_one_means_system_time(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clock"
    _write(path, "2026-11-25T09:00:00+00:00", 0)
    clock = FileClock(path)
    clock.RECHECK = 0.0
    clock.now()
    _write(path, "not a time", 10**9)
    assert clock.now().year == 2026 and clock.now().month == 11
    path.unlink()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_setting_chooses_the_clock(tmp_path: Path) -> None:
    assert isinstance(make_clock(""), SystemClock)
    assert isinstance(make_clock(str(tmp_path / "clock")), FileClock)
