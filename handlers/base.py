"""The shape of a conversation flow and the step history that makes «Назад» work."""

from __future__ import annotations

from typing import Protocol

from bot.context import Context


class Flow(Protocol):
    name: str

    async def prompt(self, ctx: Context) -> None:
        """Ask the current step's question again (after /help, a stale button, bad input)."""

    async def on_text(self, ctx: Context, text: str) -> None: ...

    async def on_button(self, ctx: Context, action: str, arg: str) -> None: ...

    async def on_back(self, ctx: Context) -> None: ...


# Flows of feature modules, registered at import (handlers/features.py imports them all).
FLOWS: dict[str, Flow] = {}


def register_flow(flow: Flow) -> Flow:
    FLOWS[flow.name] = flow
    return flow


def push_step(ctx: Context, flow: str, step: str) -> None:
    """Move to `step`, remembering the way back."""
    history = list(ctx.data.get("history", []))
    if ctx.state.step and ctx.state.flow == flow and ctx.state.step != step:
        history.append(ctx.state.step)
    ctx.remember("history", history)
    ctx.goto(flow, step)


def pop_step(ctx: Context) -> str | None:
    """The step before the current one, or None at the first step."""
    history = list(ctx.data.get("history", []))
    if not history:
        return None
    previous = history.pop()
    ctx.remember("history", history)
    ctx.goto(ctx.state.flow, previous)
    return previous
