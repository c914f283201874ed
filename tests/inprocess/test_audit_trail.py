"""Every curator action leaves an audit row naming the curator and the organization:
decisions on requests, pairs from proposal to early end, exports, announcements."""

from __future__ import annotations

import json
from pathlib import Path

from tests.inprocess import script
from tests.inprocess.world import World, texts

CURATOR_ACTIONS = {
    "response.approved",
    "response.rejected",
    "response.clarification_asked",
    "response.viewed",
    "pair.proposed",
    "pair.approved",
    "pair.extended",
    "pair.ended_early",
    "export.registries",
    "export.order",
    "export.audit",
    "announcement.sent",
}


async def test_every_curator_action_is_audited(tmp_path: Path) -> None:
    world = await World(tmp_path / "bot.sqlite3").open(migrate=True)
    try:
        codes = await script.organization(world, "Школа № 1")
        curator = world.actor("telegram", 101, "Ольга Кузнецова")
        mentor = world.actor("vk", 201, "Ирина Волкова")
        mentees = [
            world.actor(p, i, n)
            for p, i, n in (
                ("telegram", 301, "Пётр Сидоров"),
                ("vk", 302, "Анна Морозова"),
                ("telegram", 303, "Иван Петров"),
            )
        ]
        await script.register(world, curator, codes["curator"], role=None)
        await script.register(world, mentor, codes["join"], role=script.MENTOR)
        await script.mentor_nomination(world, mentor)
        await script.approve_newest(world, curator, mentor.name)
        for mentee in mentees:
            await script.register(world, mentee, codes["join"])
            await script.mentee_request(world, mentee)
        await world.press(curator, "Все ответы")  # the newest card: the third request
        await world.press(curator, "Отклонить")
        await world.press(curator, "Без объяснения")
        await world.say(curator, "/menu")
        await world.press(curator, "Заявки")
        await world.press(curator, mentees[1].name[:12])
        await world.press(curator, "Запросить уточнение")
        await world.say(curator, "Какие проекты вам интересны?")
        await world.say(curator, "/menu")
        await world.press(curator, "Заявки")
        await world.press(curator, mentees[0].name[:12])
        await script.approve_newest(world, curator, mentees[0].name)
        await script.working_pair(world, curator, mentor, mentees[0])

        await world.press(curator, "« К парам")
        await world.press(curator, "Работают")
        await world.press(curator, "Пара №1")
        await world.press(curator, "Продлить")
        await world.press(curator, "Болезнь")
        await script.expect(world, curator, await world.press(curator, "+1 мес."), "Срок продлён")
        await world.press(curator, "« К парам")
        await world.press(curator, "Реестры")
        await world.press(curator, "« К парам")
        await world.press(curator, "Проект приказа")
        await world.say(curator, "/menu")
        await world.press(curator, "Объявление")
        await world.press(curator, "Всем участникам")
        await world.say(curator, "Встреча наставников в пятницу в 15:00")
        await world.press(curator, "Отправить")
        await world.say(curator, "/menu")
        await world.press(curator, "Пары и подбор")
        await world.press(curator, "Работают")
        await world.press(curator, "Пара №1")
        await world.press(curator, "Завершить досрочно")
        await world.press(curator, "По просьбе наставляемого")
        await world.say(curator, "/menu")
        await world.press(curator, "Мой профиль")
        replies = await world.press(curator, "Журнал действий")
        assert "Журнал отправлен файлом" in texts(replies)

        rows = await world.sql("SELECT action, actor_person_id, organization_id FROM audit_log")
        curator_id = (await world.sql("SELECT id FROM people WHERE full_name=:n", n=curator.name))[
            0
        ][0]
        by_curator = {action for action, actor, org in rows if actor == curator_id and org == 1}
        assert CURATOR_ACTIONS - by_curator == set(), rows
        errors = await world.sql("SELECT count(*) FROM inbox WHERE error IS NOT NULL")
        assert errors == [(0,)]
        details = await world.sql("SELECT details FROM audit_log WHERE action='pair.extended'")
        assert json.loads(details[0][0])["reason"] == "illness"
    finally:
        await world.close()
