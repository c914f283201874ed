"""People going through the real flows in-process (a few ms an update): registration,
the mentee request, the mentor nomination, approvals and a working pair."""

from __future__ import annotations

from bot.clock import SystemClock
from storage import people
from tests.inprocess.world import Actor, World, texts

MENTEE, MENTOR = "Ищу наставника", "Хочу быть наставником"


async def organization(world: World, name: str) -> dict[str, str]:
    async with world.sessions.begin() as session:
        org, curator, join = await people.create_organization(
            session, name, "Europe/Moscow", SystemClock().now()
        )
    return {"id": str(org.id), "curator": curator, "join": join}


async def curator_code(world: World, org_id: str) -> str:
    async with world.sessions.begin() as session:
        invite = await people.create_invite(
            session, int(org_id), "curator", SystemClock().now(), uses=1
        )
    return invite.code


async def expect(world: World, actor: Actor, replies: list, needle: str) -> str:
    said = texts(replies)
    assert needle in said, f"{actor.name}: no {needle!r} in {said[-500:]!r}"
    return said


async def register(world: World, actor: Actor, code: str, role: str | None = MENTEE) -> None:
    await world.say(actor, f"/start {code}")
    replies = await world.press(actor, "Даю согласие")
    if role is not None:
        replies = await world.press(actor, role)
    await expect(world, actor, replies, "Как вас зовут?")
    await expect(world, actor, await world.say(actor, actor.name), "Что делаем?")


async def mentee_request(world: World, actor: Actor, year: int = 2008, submit: bool = True) -> None:
    await world.press(actor, "Заявка на наставника")
    await world.press(actor, "Студент колледжа")
    await world.say(actor, "ТМ-21")
    await world.say(actor, str(year))
    await world.press(actor, "Цифровые инструменты")
    await world.press(actor, "Готово")
    await world.say(actor, "Хочу научиться программировать и сделать свой проект")
    await world.press(actor, "Без предпочтений")
    await world.press(actor, "Онлайн")
    await world.press(actor, "3–4 часа")
    await world.press(actor, "Пропустить")
    replies = await world.say(actor, f"{actor.name.split()[0].lower()}@example.com")
    await expect(world, actor, replies, "Проверьте ответы")
    if submit:
        await world.press(actor, "Отправить")


async def mentor_nomination(world: World, actor: Actor) -> None:
    await world.press(actor, "Анкета наставника")
    await world.press(actor, "Педагог")
    await world.say(actor, "Школа № 1, учитель информатики")
    await world.say(actor, "12")
    await world.press(actor, "Цифровые инструменты")
    await world.press(actor, "Готово")
    await world.press(actor, "Пропустить")
    await world.press(actor, "Исследования")
    await world.press(actor, "Готово")
    await world.say(actor, "Хочу помогать ребятам находить своё дело")
    await world.press(actor, "Цифровые инструменты")
    await world.press(actor, "Готово")
    await world.press(actor, "3–4 часа")
    await world.press(actor, "14–15 лет")
    await world.press(actor, "Готово")
    await world.press(actor, "Двоих")
    await world.press(actor, "Студент – ученик")
    await world.press(actor, "Готово")
    await world.press(actor, "Очно и онлайн")
    replies = await world.press(actor, "Пропустить")
    await expect(world, actor, replies, "Проверьте ответы")
    await world.press(actor, "Отправить")


async def approve_newest(world: World, curator: Actor, name: str) -> None:
    await expect(world, curator, await world.press(curator, "Одобрить"), f"Одобрено: {name}")


async def working_pair(world: World, curator: Actor, mentor: Actor, mentee: Actor) -> None:
    """Both approved already: propose to everyone, both agree, approve for 9 months."""
    await world.say(curator, "/menu")
    await world.press(curator, "Пары и подбор")
    await world.press(curator, "Подобрать всем")
    await world.press(curator, "Отправить предложения")
    await world.press(mentee, "Согласен(на)")
    await world.press(mentor, "Согласен(на)")
    await world.press(curator, "Утвердить")
    await expect(world, curator, await world.press(curator, "9 мес."), "Пара утверждена")
