"""Pacing of outgoing messages: an overall rate and a minimum gap per chat."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    overall_per_sec: float
    per_chat_per_sec: float | None = None
    per_group_per_min: float | None = None


LATE_OK = 0.005  # seconds


class Pacer:
    """Grants send slots evenly spaced in time overall (a burst is what draws a 429).

    A private chat may take a short burst (Telegram allows one): an answer of two
    messages should not wait a second for its second half. Over time a chat still gets
    no more than its rate; groups get no burst at all.
    """

    CHAT_BURST = 3

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._overall_gap = 1.0 / limits.overall_per_sec
        self._next_overall = 0.0
        # Per chat: the moment its burst allowance is fully back ("virtual time").
        self._next_chat: dict[str, float] = {}

    def _chat_gap(self, is_group: bool) -> float:
        if is_group and self.limits.per_group_per_min:
            return 60.0 / self.limits.per_group_per_min
        if self.limits.per_chat_per_sec:
            return 1.0 / self.limits.per_chat_per_sec
        return 0.0

    def chat_ready_in(self, chat_id: str, now: float, is_group: bool = False) -> float:
        gap = self._chat_gap(is_group)
        allowance = 0.0 if is_group else gap * (self.CHAT_BURST - 1)
        return max(0.0, self._next_chat.get(chat_id, 0.0) - allowance - now)

    def overall_ready_in(self, now: float) -> float:
        return max(0.0, self._next_overall - now)

    def take(self, chat_id: str, is_group: bool, now: float) -> None:
        # A send a few milliseconds late (the event loop's timer fires after the slot)
        # keeps its slot: restarting the schedule from `now` every time lost ~3 % of the
        # rate. Later than that (a busy loop) restarts it, so nothing is made up in a burst.
        on_time = now <= self._next_overall + LATE_OK
        self._next_overall = (self._next_overall if on_time else now) + self._overall_gap
        gap = self._chat_gap(is_group)
        if gap:
            self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), now) + gap
        if len(self._next_chat) > 50_000:  # forget chats whose gap has long passed
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}

    def pause(self, seconds: float, now: float) -> None:
        """The platform asked us to wait: nobody sends until then."""
        self._next_overall = max(self._next_overall, now + seconds)
