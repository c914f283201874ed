"""The starting world of every fuzz example: two organizations and people left in every
flow state the fuzz should start from — each registration step, a questionnaire half
done and at its summary, curators inside the term, note, extension, announcement and
matching flows, a privacy confirmation, an outdated consent, a parent at the consent
step and one who consented, pairs proposed, agreed and working."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from storage.models import Consent, Person
from tests.inprocess import script
from tests.inprocess.world import Actor, World, texts

# name: (platform, user id, full name, role in the template)
PEOPLE = {
    "ca": ("telegram", 101, "Ольга Кузнецова"),
    "ca_term": ("vk", 102, "Мария Лебедева"),
    "ca_note": ("telegram", 103, "Светлана Громова"),
    "ca_ext": ("vk", 104, "Наталья Белова"),
    "ca_ann": ("telegram", 105, "Елена Фомина"),
    "ca_assign": ("vk", 106, "Татьяна Егорова"),
    "cb": ("vk", 107, "Сергей Орлов"),
    "mentor1": ("vk", 201, "Ирина Волкова"),
    "mentor2": ("telegram", 202, "Андрей Соколов"),
    "mentee1": ("telegram", 301, "Пётр Сидоров"),
    "mentee2": ("vk", 302, "Анна Морозова"),
    "mentee3": ("telegram", 303, "Иван Петров"),
    "mentee4": ("vk", 311, "Ольга Ветрова"),
    "q_ask": ("vk", 304, "Дарья Котова"),
    "q_sum": ("telegram", 305, "Максим Жуков"),
    "priv": ("vk", 306, "Кирилл Панов"),
    "recon": ("telegram", 307, "Алина Рябова"),
    "child": ("vk", 308, "Миша Зайцев"),
    "child2": ("telegram", 309, "Лиза Зайцева"),
    "mb": ("telegram", 310, "Глеб Носов"),
    "parent": ("telegram", 401, "Елена Зайцева"),
    "parent_done": ("vk", 402, "Олег Зайцев"),
    "reg_consent": ("telegram", 501, "Роман Юдин"),
    "reg_role": ("vk", 502, "Вера Лосева"),
    "reg_name": ("telegram", 503, "Павел Титов"),
    "reg_org": ("vk", 504, "Инна Щукина"),
}
CURATORS_A = ("ca", "ca_term", "ca_note", "ca_ext", "ca_ann", "ca_assign")


async def _parent_code(world: World, child: Actor, year: int) -> str:
    await script.mentee_request(world, child, year=year, submit=False)
    told = texts(await world.press(child, "Отправить"))
    return told.split("код: ", 1)[1].split()[0]


async def build(path: Path) -> dict[str, Actor]:
    world = await World(path).open(migrate=True)
    who = {key: world.actor(*spec) for key, spec in PEOPLE.items()}
    try:
        a = await script.organization(world, "Школа № 1")
        b = await script.organization(world, "Лицей № 2")
        await script.register(world, who["ca"], a["curator"], role=None)
        for key in CURATORS_A[1:]:
            await script.register(world, who[key], await script.curator_code(world, a["id"]), None)
        await script.register(world, who["cb"], b["curator"], role=None)
        for key in ("mentor1", "mentor2"):
            await script.register(world, who[key], a["join"], role=script.MENTOR)
            await script.mentor_nomination(world, who[key])
            await script.approve_newest(world, who["ca"], who[key].name)
        for key in ("mentee1", "mentee2"):
            await script.register(world, who[key], a["join"])
            await script.mentee_request(world, who[key])
            await script.approve_newest(world, who["ca"], who[key].name)
        await _pairs(world, who)
        for key in ("mentee3", "mentee4"):
            await script.register(world, who[key], a["join"])
            await script.mentee_request(world, who[key])
        await script.approve_newest(world, who["ca"], who["mentee4"].name)
        await _flows(world, who, a, b)
    finally:
        await world.close()
    return who


async def _pairs(world: World, who: dict[str, Actor]) -> None:
    """Everyone proposed; all agree; one pair approved (active), one left agreed."""
    ca = who["ca"]
    await world.say(ca, "/menu")
    await world.press(ca, "Пары и подбор")
    await world.press(ca, "Подобрать всем")
    await world.press(ca, "Отправить предложения")
    for key in ("mentee1", "mentee2", "mentor1", "mentor2"):
        await world.press(who[key], "Согласен(на)")
    await world.press(ca, "Утвердить")
    await world.press(ca, "9 мес.")
    statuses = sorted(s for (s,) in await world.sql("SELECT status FROM pairs"))
    assert statuses == ["active", "agreed"], statuses


async def _flows(world: World, who: dict[str, Actor], a: dict[str, str], b: dict[str, str]) -> None:
    (agreed,) = await world.sql("SELECT id FROM pairs WHERE status='agreed'")
    (active,) = await world.sql("SELECT id FROM pairs WHERE status='active'")
    (pending,) = await world.sql("SELECT id FROM responses WHERE status='submitted'")
    await world.feed([who["ca_term"].press(f"m:pappr:{agreed[0]}")])
    await world.feed([who["ca_note"].press(f"m:rej:{pending[0]}")])
    await world.feed([who["ca_ext"].press(f"m:pext:{active[0]}")])
    await world.press(who["ca_ext"], "Болезнь")
    await world.say(who["ca_ann"], "/menu")
    await world.press(who["ca_ann"], "Объявление")
    await world.press(who["ca_ann"], "Всем участникам")
    await world.feed([who["ca_assign"].press(f"m:assign:{a['id']}")])

    await script.register(world, who["q_ask"], a["join"])
    await world.press(who["q_ask"], "Заявка на наставника")
    await world.press(who["q_ask"], "Студент колледжа")
    await script.register(world, who["q_sum"], a["join"])
    await script.mentee_request(world, who["q_sum"], submit=False)
    await script.register(world, who["priv"], a["join"], role=script.MENTOR)
    await world.say(who["priv"], "/privacy")
    await world.press(who["priv"], "Отозвать согласие")
    await script.register(world, who["recon"], a["join"])
    await script.register(world, who["mb"], b["join"])
    await script.mentee_request(world, who["mb"])

    await script.register(world, who["child"], a["join"])
    await world.say(who["parent"], f"/start {await _parent_code(world, who['child'], 2013)}")
    await script.register(world, who["child2"], a["join"])
    code = await _parent_code(world, who["child2"], 2014)
    await world.say(who["parent_done"], f"/start {code}")
    await world.press(who["parent_done"], "Подтверждаю согласие")
    await world.say(who["parent_done"], who["parent_done"].name)

    await world.say(who["reg_consent"], f"/start {a['join']}")
    await world.say(who["reg_role"], f"/start {a['join']}")
    await world.press(who["reg_role"], "Даю согласие")
    await world.say(who["reg_name"], f"/start {a['join']}")
    await world.press(who["reg_name"], "Даю согласие")
    await world.press(who["reg_name"], "Ищу наставника")
    await world.say(who["reg_org"], "/start")
    await world.press(who["reg_org"], "Даю согласие")
    await world.press(who["reg_org"], "Ищу наставника")
    await world.say(who["reg_org"], who["reg_org"].name)

    async with world.sessions.begin() as session:  # an older consent text for one person
        (recon,) = (
            await session.execute(
                Person.__table__.select().where(Person.full_name == who["recon"].name)
            )
        ).all()
        await session.execute(
            update(Consent).where(Consent.person_id == recon.id).values(text_version="2020-01")
        )
    await _check(world, who)


async def _check(world: World, who: dict[str, Actor]) -> None:
    """The template is only worth fuzzing if everyone is where they should be."""
    expected = {
        "ca_term": "term",
        "ca_note": "note",
        "ca_ext": "extend",
        "ca_ann": "announce",
        "ca_assign": "assign",
        "q_ask": "form",
        "q_sum": "form",
        "priv": "privacy",
        "parent": "parent",
        "reg_consent": "registration",
        "reg_role": "registration",
        "reg_name": "registration",
        "reg_org": "registration",
    }
    flows = dict(await world.sql("SELECT platform || ':' || user_id, flow FROM dialog_states"))
    wrong = {
        key: flows.get(f"{who[key].platform}:{who[key].user_id}")
        for key, flow in expected.items()
        if flows.get(f"{who[key].platform}:{who[key].user_id}") != flow
    }
    assert wrong == {}, wrong
    statuses = {s for (s,) in await world.sql("SELECT status FROM responses")}
    assert {"submitted", "approved", "pending_parent", "in_progress"} <= statuses
    assert await world.sql("SELECT count(*) FROM pairs") == [(2,)]
