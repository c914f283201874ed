"""The Telegram emulator's limits are Telegram's broadcast limits, exactly: 30 sends in any
second overall, 1 a second in one chat, 20 a minute in a group; beyond them a 429 whose
retry_after is when a send would be allowed again, and a refused send does not count."""

from __future__ import annotations

from tests.emulators.telegram_state import RateLimiter


def test_thirty_a_second_overall_in_a_sliding_window() -> None:
    limiter = RateLimiter(30, 1, 20)
    for n in range(30):
        assert limiter.acquire(n, False, n / 100) is None  # 30 sends within 0.29 s
    assert limiter.acquire(99, False, 0.5) == 1  # the 31st in the same second
    assert limiter.acquire(99, False, 0.999) == 1
    assert limiter.acquire(99, False, 1.0) is None  # the first send has left the window
    assert limiter.acquire(98, False, 1.005) == 1  # the second (at 0.01) has not yet
    assert limiter.acquire(98, False, 1.01) is None


def test_one_a_second_in_a_chat_and_a_refusal_does_not_count() -> None:
    limiter = RateLimiter(30, 1, 20)
    assert limiter.acquire(7, False, 10.0) is None
    assert limiter.acquire(7, False, 10.5) == 1
    assert limiter.acquire(7, False, 11.0) is None  # the refused one did not move the window
    assert limiter.acquire(8, False, 11.0) is None  # other chats are free


def test_twenty_a_minute_in_a_group() -> None:
    limiter = RateLimiter(30, None, 20)
    for n in range(20):
        assert limiter.acquire(-100, True, n * 1.0) is None
    assert limiter.acquire(-100, True, 20.0) == 40  # until the first leaves the minute
    assert limiter.acquire(-100, True, 60.0) is None
