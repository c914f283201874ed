"""Withdrawal in the cases the end-to-end tests do not walk through: a refusal keeps no
messages, a group goes on without the mentee who left, a proposal is cancelled, a curator
leaves, a participant refusing a new consent text is led to the withdrawal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.clock import SystemClock
from domain import pairs as rules
from storage import pairs
from storage.models import Consent, Participation
from tests.e2e import scan
from tests.inprocess import script
from tests.inprocess.world import Actor, World, buttons, texts


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    opened = await World(tmp_path / "bot.sqlite3").open(migrate=True)
    yield opened
    await opened.close()


async def _withdraw(world: World, actor: Actor) -> str:
    await world.say(actor, "/privacy")
    await world.press(actor, "Отозвать согласие")
    return texts(await world.press(actor, "Отозвать и удалить"))


async def _person(world: World, name: str) -> int:
    return (await world.sql("SELECT id FROM people WHERE full_name=:n", n=name))[0][0]


async def test_a_refusal_keeps_no_messages(world: World) -> None:
    visitor = world.actor("telegram", 501, "Аркадий Незнакомов")
    await world.say(visitor, "/start")
    assert "ничего о вас не сохранили" in texts(await world.press(visitor, "Не согласен"))
    assert scan.find(str(world.path), ["Аркадий", "Незнакомов"]) == []
    assert await world.sql("SELECT given, person_id FROM consents") == [(0, None)]


async def test_a_group_goes_on_without_the_mentee_who_left(world: World) -> None:
    codes = await script.organization(world, "Школа № 1")
    curator = world.actor("vk", 101, "Ольга Кузнецова")
    mentor = world.actor("telegram", 201, "Ирина Волкова")
    kids = [
        world.actor("telegram", 300 + i, n) for i, n in enumerate(("Пётр Сидоров", "Анна Морозова"))
    ]
    await script.register(world, curator, codes["curator"], role=None)
    await script.register(world, mentor, codes["join"], role=script.MENTOR)
    for kid in kids:
        await script.register(world, kid, codes["join"])
    ids = [await _person(world, a.name) for a in (mentor, *kids)]
    async with world.sessions.begin() as session:
        now = SystemClock().now()
        group = await pairs.propose(session, 1, ids[0], ids[1:], None, None, now)
        group.status, group.starts_on, group.ends_on = rules.ACTIVE, now.date(), now.date()
        await session.execute(
            update(Participation)
            .where(Participation.person_id == ids[0])
            .values(active_mentees=2, capacity=3)
        )
    await _withdraw(world, kids[0])
    assert await world.sql("SELECT status, end_reason FROM pairs") == [("active", None)]
    members = await world.sql("SELECT mentee_person_id, left_on IS NOT NULL FROM pair_members")
    assert sorted(members, key=str) == sorted([(None, 1), (ids[2], 0)], key=str)
    active = await world.sql("SELECT active_mentees FROM participations WHERE role='mentor'")
    assert active == [(1,)]
    told = texts(await world.said(mentor))
    assert "отозвал согласие" in told and "Пётр" not in told.split("Что делаем?")[-1]
    assert "отозвал согласие" in texts(await world.said(curator))
    assert scan.find(str(world.path), ["Пётр Сидоров", "Сидоров"]) == []


async def test_a_proposal_is_cancelled_and_the_mentor_told(world: World) -> None:
    codes = await script.organization(world, "Школа № 1")
    mentor = world.actor("telegram", 201, "Ирина Волкова")
    kid = world.actor("vk", 301, "Пётр Сидоров")
    await script.register(world, mentor, codes["join"], role=script.MENTOR)
    await script.register(world, kid, codes["join"])
    ids = [await _person(world, a.name) for a in (mentor, kid)]
    async with world.sessions.begin() as session:
        await pairs.propose(session, 1, ids[0], ids[1:], None, None, SystemClock().now())
    await _withdraw(world, kid)
    assert await world.sql("SELECT status FROM pairs") == [("cancelled",)]
    assert "Предложение пары №1 отменено" in texts(await world.said(mentor))


async def test_a_curator_leaves_and_the_organization_goes_on(world: World) -> None:
    codes = await script.organization(world, "Школа № 1")
    curator = world.actor("telegram", 101, "Ольга Кузнецова")
    mentee = world.actor("vk", 301, "Пётр Сидоров")
    await script.register(world, curator, codes["curator"], role=None)
    await script.register(world, mentee, codes["join"])
    await script.mentee_request(world, mentee)
    await script.approve_newest(world, curator, mentee.name)
    done = await _withdraw(world, curator)
    assert "Согласие отозвано" in done
    actors = await world.sql(
        "SELECT DISTINCT actor_person_id FROM audit_log WHERE action LIKE 'response%'"
    )
    assert actors == [(None,)]
    assert await world.sql("SELECT status, decided_by IS NOT NULL FROM responses") == [
        ("approved", 1)
    ]
    assert scan.find(str(world.path), ["Ольга Кузнецова", "Кузнецова"]) == []
    await world.say(mentee, "/menu")
    assert "Что делаем?" in texts(await world.said(mentee))


async def test_refusing_a_new_text_in_registration_leads_to_the_withdrawal(world: World) -> None:
    codes = await script.organization(world, "Школа № 1")
    mentee = world.actor("telegram", 301, "Пётр Сидоров")
    await script.register(world, mentee, codes["join"])
    async with world.sessions.begin() as session:
        await session.execute(update(Consent).values(text_version="2020-01-v0"))
    await world.say(mentee, f"/start {codes['join']}")  # /start asks for consent itself
    replies = texts(await world.press(mentee, "Не согласен"))
    assert "Без согласия участвовать" in replies and "Если отозвать согласие" in replies
    assert await world.sql("SELECT count(*) FROM people") == [(1,)]  # nothing erased yet
    await world.press(mentee, "Отозвать и удалить")
    assert await world.sql("SELECT count(*) FROM people") == [(0,)]


async def test_replies_composed_earlier_in_the_same_batch_are_redacted(world: World) -> None:
    codes = await script.organization(world, "Школа № 1")
    curator = world.actor("telegram", 101, "Ольга Кузнецова")
    mentee = world.actor("vk", 301, "Пётр Сидоров")
    await script.register(world, curator, codes["curator"], role=None)
    await script.register(world, mentee, codes["join"])
    await script.mentee_request(world, mentee)
    await world.say(mentee, "/privacy")
    await world.press(mentee, "Отозвать согласие")
    confirm = next(
        payload
        for message in reversed(await world.said(mentee))
        for label, payload in buttons(message)
        if label == "Отозвать и удалить"
    )
    (response,) = await world.sql("SELECT id FROM responses")
    mark = await world.last_id()
    # One transport batch: the curator opens the answers, then the mentee withdraws.
    await world.feed([curator.press(f"m:full:{response[0]}"), mentee.press(confirm)])
    shown = texts(await world.said(curator, mark))
    assert "участник отозвал согласие" in shown and "Пётр" not in shown
    assert scan.find(str(world.path), ["Пётр Сидоров", "Сидоров", "пётр@example.com"]) == []
