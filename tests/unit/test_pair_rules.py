"""The program's rules for pairs, each test named after the rule it proves."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain import pairs as rules
from storage import db
from storage import pairs as store
from storage.models import Organization, Participation, Person

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_approval_within_30_calendar_days_of_admission() -> None:
    admitted = date(2026, 11, 1)
    assert rules.approval_days_left(admitted, date(2026, 11, 1)) == 30
    assert rules.approval_days_left(admitted, date(2026, 11, 30)) == 1
    assert rules.approval_days_left(admitted, date(2026, 12, 1)) == 0  # the last day
    assert rules.approval_days_left(admitted, date(2026, 12, 5)) == -4  # overdue
    assert rules.days_waiting(admitted, date(2026, 12, 5)) == 34


def test_terms_outside_1_month_to_1_year_refused() -> None:
    start = date(2026, 11, 24)
    assert rules.term_error(start, date(2026, 12, 23)) == "term_too_short"
    assert rules.term_error(start, date(2026, 12, 24)) is None  # exactly one month
    assert rules.term_error(start, date(2027, 11, 24)) is None  # exactly one year
    assert rules.term_error(start, date(2027, 11, 25)) == "term_too_long"
    assert rules.term_error(start, start) == "term_too_short"


def test_a_month_later_is_clamped_to_the_end_of_a_shorter_month() -> None:
    assert rules.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert rules.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert rules.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert rules.add_months(date(2026, 12, 15), 12) == date(2027, 12, 15)


def test_an_extension_moves_the_end_later_by_at_most_a_year() -> None:
    end = date(2027, 5, 31)
    assert rules.extension_error(end, end) == "extension_not_later"
    assert rules.extension_error(end, date(2027, 6, 30)) is None
    assert rules.extension_error(end, date(2028, 6, 1)) == "extension_too_long"


def test_only_the_next_step_of_a_pair_is_allowed() -> None:
    assert rules.may("approve", rules.AGREED)
    assert not rules.may("approve", rules.PROPOSED)  # both sides must agree first
    assert not rules.may("approve", rules.ACTIVE)  # a replayed approval
    assert not rules.may("extend", rules.FINISHED)
    assert rules.may("end_early", rules.ACTIVE)


async def _program(path: Path, capacity: int, taken: int) -> tuple[int, int]:
    engine = db.create_engine(f"sqlite+aiosqlite:///{path}")
    await db.migrate(engine)
    async with db.session_factory(engine).begin() as session:
        org = Organization(name="Школа", timezone="Europe/Moscow", created_at=NOW)
        mentor = Person(full_name="Наставник", locale="ru", created_at=NOW)
        session.add_all([org, mentor])
        await session.flush()
        session.add(
            Participation(
                person_id=mentor.id,
                organization_id=org.id,
                role="mentor",
                created_at=NOW,
                admitted_at=NOW,
                capacity=capacity,
                active_mentees=taken,
            )
        )
    await engine.dispose()
    return org.id, mentor.id


async def test_at_most_3_mentees_per_mentor_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "rules.sqlite3"
    org_id, mentor_id = await _program(path, capacity=3, taken=0)
    engine = db.create_engine(f"sqlite+aiosqlite:///{path}")
    sessions = db.session_factory(engine)
    async with sessions.begin() as session:
        assert await store.take_places(session, org_id, mentor_id, 2)
        assert not await store.take_places(session, org_id, mentor_id, 2)  # a group of two
        assert await store.take_places(session, org_id, mentor_id, 1)
        assert not await store.take_places(session, org_id, mentor_id, 1)  # a 4th mentee
        assert await store.free_places(session, org_id, mentor_id) == 0
        await store.release_places(session, org_id, mentor_id, 1)
        assert await store.free_places(session, org_id, mentor_id) == 1
    await engine.dispose()


@pytest.mark.parametrize("declared", [3, 7])
async def test_a_mentor_never_has_more_than_3_places_whatever_was_declared(
    tmp_path: Path, declared: int
) -> None:
    path = tmp_path / "cap.sqlite3"
    org_id, mentor_id = await _program(path, capacity=declared, taken=0)
    engine = db.create_engine(f"sqlite+aiosqlite:///{path}")
    async with db.session_factory(engine).begin() as session:
        assert await store.free_places(session, org_id, mentor_id) == 3
        for _ in range(3):
            assert await store.take_places(session, org_id, mentor_id, 1)
        assert not await store.take_places(session, org_id, mentor_id, 1)
    await engine.dispose()


def test_a_nomination_declaring_more_than_3_is_admitted_with_3_places() -> None:
    assert store.places_declared({"capacity": "9"}) == 3
    assert store.places_declared({"capacity": "2"}) == 2
    assert store.places_declared({}) == 3
    assert store.places_declared({"capacity": "x"}) == 3


def test_two_approvals_racing_for_the_last_place_one_wins(tmp_path: Path) -> None:
    """Two processes' transactions at the same moment, each on its own connection: the
    conditional UPDATE lets exactly one take the 3rd mentor's last place."""
    path = tmp_path / "race.sqlite3"
    org_id, mentor_id = asyncio.run(_program(path, capacity=3, taken=2))
    start = threading.Barrier(2)
    results: list[bool] = []

    async def approve() -> None:
        engine = db.create_engine(f"sqlite+aiosqlite:///{path}")
        async with db.session_factory(engine).begin() as session:
            start.wait()
            results.append(await store.take_places(session, org_id, mentor_id, 1))
            await asyncio.sleep(0.2)  # hold the transaction open while the other tries
        await engine.dispose()

    threads = [threading.Thread(target=asyncio.run, args=(approve(),)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, True]
    taken = asyncio.run(_taken(path, org_id, mentor_id))
    assert taken == 3


async def _taken(path: Path, org_id: int, mentor_id: int) -> int:
    engine = db.create_engine(f"sqlite+aiosqlite:///{path}")
    async with db.session_factory(engine).begin() as session:
        free = await store.free_places(session, org_id, mentor_id)
    await engine.dispose()
    return 3 - free


@pytest.mark.parametrize(("status", "searched"), [("finished", False), ("ended_early", True)])
async def test_a_mentee_is_searched_for_again_only_after_an_early_end(
    tmp_path: Path, status: str, searched: bool
) -> None:
    path = tmp_path / "wait.sqlite3"
    org_id, mentor_id = await _program(path, capacity=3, taken=0)
    engine = db.create_engine(f"sqlite+aiosqlite:///{path}")
    async with db.session_factory(engine).begin() as session:
        mentee = Person(full_name="Наставляемый", locale="ru", created_at=NOW)
        session.add(mentee)
        await session.flush()
        session.add(
            Participation(
                person_id=mentee.id,
                organization_id=org_id,
                role="mentee",
                created_at=NOW,
                admitted_at=NOW,
            )
        )
        assert [c.person_id for c in await store.waiting_mentees(session, org_id)] == [mentee.id]
        pair = await store.propose(session, org_id, mentor_id, [mentee.id], None, None, NOW)
        assert await store.waiting_mentees(session, org_id) == []
        pair.status = status
        await session.flush()
        waiting = [c.person_id for c in await store.waiting_mentees(session, org_id)]
        assert waiting == ([mentee.id] if searched else [])
    await engine.dispose()
