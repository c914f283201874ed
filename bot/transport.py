"""The contract between the core and a messenger: receive into the engine, deliver rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.events import Platform
from storage.outbox import Outbound

if TYPE_CHECKING:
    from bot.engine import Engine


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: str | None


@dataclass(frozen=True, slots=True)
class RetryAfter:
    seconds: float


@dataclass(frozen=True, slots=True)
class Unreachable:
    """The person blocked the bot or never allowed it to write."""

    reason: str


@dataclass(frozen=True, slots=True)
class TemporaryFailure:
    """5xx or a network error: worth retrying with backoff."""

    reason: str


@dataclass(frozen=True, slots=True)
class PermanentFailure:
    """The platform refused the message itself; retrying cannot help."""

    reason: str


Delivery = Sent | RetryAfter | Unreachable | TemporaryFailure | PermanentFailure


class Transport(Protocol):
    platform: Platform

    async def receive(self, engine: Engine) -> None:
        """Store incoming updates via `engine.accept` until `stop()`; acknowledge after."""

    async def deliver(self, message: Outbound) -> Delivery: ...

    async def stop(self) -> None: ...
