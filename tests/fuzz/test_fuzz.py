"""Fuzzing the whole bot: over 10,000 generated updates, raw as the Bot API and the VK
Long Poll deliver them, go through the transports' translation layers into the real
Engine and Dispatcher on a real SQLite database, from people left in every flow state.

After every portion: no update ended in an error (the engine would have marked it and
apologized), every reply is one the platform accepts. Every forged press is fed alone:
nothing of the program may change, and the refusal is audited."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from handlers import consent_gate
from tests.fuzz import checks
from tests.fuzz.ops import Op, Realizer, ops
from tests.fuzz.template import build
from tests.inprocess.world import Actor, World

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
OPS_PER_EXAMPLE = 220
PORTION = 25  # updates handled together, as a transport hands over a batch


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Actor]]:
    path = tmp_path_factory.mktemp("fuzz") / "template.sqlite3"
    cast = asyncio.run(build(path))
    return path, cast


async def _ids(world: World) -> dict[str, list[int]]:
    responses = await world.sql("SELECT id FROM responses WHERE organization_id=1")
    pairs = await world.sql("SELECT id FROM pairs WHERE organization_id=1")
    return {"responses": [r for (r,) in responses], "pairs": [p for (p,) in pairs]}


async def _example(
    source: Path, cast: dict[str, Actor], steps: list[Op], tally: Counter[str]
) -> None:
    path = source.with_name(f"run-{tally['examples']}.sqlite3")
    shutil.copyfile(source, path)
    consent_gate._accepted.clear()  # the gate's memory belongs to the process, not the file
    world = await World(path).open()
    try:
        realizer = Realizer(world, cast, await _ids(world))
        portion: list = []
        for step in steps:
            made = await realizer.realize(step)
            tally["updates"] += len(made.updates)
            tally[step.kind] += 1
            if not made.forged:
                portion += made.updates
                if len(portion) >= PORTION:
                    await _feed(world, portion, tally)
                    portion = []
                continue
            await _feed(world, portion, tally)
            portion = []
            before, refused = await checks.snapshot(world), await checks.forbidden_count(world)
            await _feed(world, made.updates, tally)
            assert await checks.snapshot(world) == before, f"forged {made.updates} changed state"
            tally["forged"] += 1
            if made.audited:
                assert await checks.forbidden_count(world) > refused, f"{made.updates} not audited"
                tally["forged_audited"] += 1
        await _feed(world, portion, tally)
        for flow, step in await world.sql("SELECT DISTINCT flow, step FROM dialog_states"):
            tally[f"state {flow}/{step}"] = 1
    finally:
        await world.close()
        path.unlink()
    tally["examples"] += 1


class _Failures(logging.Handler):
    """The engine logs a failed handler with its traceback before it apologizes."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(self.format(record))


FAILURES = _Failures()
FAILURES.setFormatter(logging.Formatter("%(message)s"))


async def _feed(world: World, updates: list, tally: Counter[str]) -> None:
    if not updates:
        return
    mark = await world.last_id()
    tally["events"] += await world.feed(updates)
    problems = [p for m in await world.outbox(mark) for p in checks.reply_problems(m)]
    assert problems == [], problems[:5]
    failed = await checks.errors(world)
    assert failed == [], "\n".join([str(failed), *FAILURES.seen[-2:], repr(updates)[:3000]])
    tally["replies"] += len(await world.outbox(mark))


def test_ten_thousand_generated_updates_crash_nothing_and_forge_nothing(
    template: tuple[Path, dict[str, Actor]],
) -> None:
    source, cast = template
    tally: Counter[str] = Counter()
    started = time.monotonic()
    logging.getLogger("bot").addHandler(FAILURES)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        # A failure is reported with the handler's traceback and the updates of its
        # portion; shrinking 200 steps of a stateful run would take minutes in CI.
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
    )
    @given(st.lists(ops, min_size=OPS_PER_EXAMPLE, max_size=OPS_PER_EXAMPLE))
    def run(steps: list[Op]) -> None:
        asyncio.run(_example(source, cast, steps, tally))

    run()
    seconds = time.monotonic() - started
    print(
        f"\nfuzz: {tally['updates']} raw updates ({tally['events']} events after translation),"
        f" {tally['replies']} replies, {tally['forged']} forged presses"
        f" ({tally['forged_audited']} audited as forbidden), {tally['examples']} examples,"
        f" {seconds:.0f} s; 0 errors, 0 invalid replies, 0 accepted forgeries"
    )
    print("flow states seen:", ", ".join(sorted(k[6:] for k in tally if k.startswith("state "))))
    if EXAMPLES >= 50:
        assert tally["updates"] >= 10_000
        assert tally["forged"] >= 500
