"""Personal data rights through the emulators: a copy of one's data, withdrawal of consent
(the pair ends, the others are told without details, the data are gone from every
table), a parent acting for a child, organizations kept apart, a new consent text."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Callable

import openpyxl

from tests.e2e import db, scan
from tests.e2e.chat import Chat
from tests.e2e.flows import MENTOR, fill_mentee_request, fill_mentor_nomination, register
from tests.e2e.process import BotProcess, create_org
from tests.e2e.test_bad_input import press_raw

OTHER = {"telegram": "vk", "vk": "telegram"}
MENTEE, MENTOR_NAME, CURATOR = "Пётр Сидоров", "Ирина Волкова", "Ольга Кузнецова"
CONTACT = "petr.sidorov@example.com"


def _request_with_contact(chat: Chat) -> None:
    fill_mentee_request(chat, birth_year=2008)
    chat.press("Изменить ответ")
    chat.press("Как с вами связаться")
    chat.expect("Как с вами связаться")
    chat.send(CONTACT)
    chat.expect("Проверьте ответы")
    chat.press("Отправить")


def _active_pair(codes: dict[str, str], new_chat: Callable[..., Chat], platform: str):
    """A curator on the other messenger, a mentor, a mentee (with a contact) in a pair."""
    curator = new_chat(CURATOR, on=OTHER[platform])
    register(curator, codes["curator"], CURATOR, role=None)
    mentor = new_chat(MENTOR_NAME, on=OTHER[platform])
    register(mentor, codes["join"], MENTOR_NAME, role=MENTOR)
    fill_mentor_nomination(mentor)
    mentor.press("Отправить")
    curator.expect("Новая анкета наставника")
    curator.press("Одобрить")
    curator.expect(f"Одобрено: {MENTOR_NAME}")
    mentee = new_chat(MENTEE)
    register(mentee, codes["join"], MENTEE)
    _request_with_contact(mentee)
    curator.expect("Новая заявка наставляемого")
    curator.press("Одобрить")
    curator.expect(f"Одобрено: {MENTEE}")
    curator.send("/menu")
    curator.press("Пары и подбор")
    curator.press("Подобрать всем")
    curator.press("Отправить предложения")
    mentee.expect("Куратор предлагает вам наставника")
    mentee.press("Согласен(на)")
    mentee.expect("ваше согласие записано")
    mentor.expect(f"наставляемого: {MENTEE}")
    mentor.press("Согласен(на)")
    card = curator.expect("Обе стороны согласны")
    curator.press("Утвердить", under=card[:40])
    curator.press("9 мес.")
    curator.expect("Пара утверждена")
    mentee.expect("Ваша пара утверждена")
    return curator, mentor, mentee


def test_my_data_then_withdrawal_ends_the_pair_and_leaves_no_trace(
    bot: BotProcess,
    database_url: str,
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
    platform: str,
) -> None:
    curator, mentor, mentee = _active_pair(codes, new_chat, platform)

    mentee.send("/mydata")
    mentee.expect("Это всё, что бот о вас хранит")
    files = mentee.files()
    copy = json.loads(next(v for k, v in files.items() if k.endswith(".json")))
    readable = next(v for k, v in files.items() if k.endswith(".txt")).decode()
    assert copy["person"]["full_name"] == MENTEE
    assert copy["participations"][0]["role"] == "mentee"
    answers = {a["question"]: a["answer"] for a in copy["responses"][0]["answers_readable"]}
    assert answers["В каком году вы родились?"] == "2008"
    assert CONTACT in answers.values()
    assert copy["pairs"][0]["mentor"] == MENTOR_NAME and copy["pairs"][0]["status"] == "active"
    assert {"participation.joined", "response.approved", "pair.approved"} <= {
        a["action"] for a in copy["audit"]
    }
    assert "В каком году вы родились? — 2008" in readable and MENTOR_NAME in readable

    mentee.send("/menu")
    mentee.press("Мой профиль")
    mentee.press("Мои данные")  # the same copy from the menu
    mentee.expect("Это всё, что бот о вас хранит")
    mentee.send("/menu")
    mentee.press("Мой профиль")
    mentee.press("Отозвать согласие")
    mentee.expect("Если отозвать согласие")
    mentee.press("Отозвать и удалить")
    mentee.expect("Согласие отозвано, ваши данные удалены")

    told = mentor.expect("Работа вашей пары завершена досрочно")
    assert "Отзыв согласия" in told and MENTEE not in told
    assert MENTEE not in curator.expect("отозвал согласие на обработку персональных данных")
    assert db.query(database_url, "SELECT status, end_reason FROM pairs") == [
        ("ended_early", "consent_withdrawn")
    ]
    assert db.query(
        database_url, "SELECT active_mentees FROM participations WHERE role='mentor'"
    ) == [(0,)]
    withdrawn = db.query(
        database_url,
        "SELECT actor_person_id, details FROM audit_log WHERE action=?",
        "consent.withdrawn",
    )
    assert withdrawn and withdrawn[0][0] is None
    assert MENTEE not in withdrawn[0][1] and "Сидоров" not in json.loads(withdrawn[0][1]).values()

    leftovers = scan.find(
        database_url.split(":///", 1)[1], [MENTEE, "Сидоров", CONTACT], words=["2008"]
    )
    assert leftovers == []
    assert db.query(database_url, "SELECT count(*) FROM people") == [(2,)]  # curator, mentor
    assert db.query(database_url, "SELECT count(*) FROM responses WHERE person_id IS NULL") == [
        (1,)
    ]  # the request stays for the figures, with choices only
    mentee.send("/start")  # after withdrawal: a newcomer
    mentee.expect("Вы согласны на обработку персональных данных?")
    assert db.query(database_url, "SELECT count(*) FROM inbox WHERE error IS NOT NULL") == [(0,)]


def test_a_parent_withdraws_for_a_child(
    bot: BotProcess,
    database_url: str,
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
    platform: str,
) -> None:
    curator = new_chat(CURATOR)
    register(curator, codes["curator"], CURATOR, role=None)
    child = new_chat("Миша Зайцев")
    register(child, codes["join"], "Миша Зайцев")
    fill_mentee_request(child, birth_year=2013)
    child.press("Отправить")
    code = child.expect("Передайте родителю код").split("код: ", 1)[1].split()[0]
    parent = new_chat("Елена Зайцева", on=OTHER[platform])
    parent.send(f"/start {code}")
    parent.press("Подтверждаю согласие")
    parent.expect("Как вас зовут?")
    parent.send("Елена Зайцева")
    assert "/privacy" in parent.expect("Согласие записано")
    curator.expect("Родитель дал согласие")
    curator.press("Одобрить")
    curator.expect("Одобрено: Миша Зайцев")

    stranger = new_chat("Кто-то Чужой", on=OTHER[platform])
    register(stranger, codes["join"], "Кто-то Чужой")
    stranger.send("/privacy")
    stranger.expect("Ваши персональные данные")
    child_id = db.query(database_url, "SELECT id FROM people WHERE full_name='Миша Зайцев'")[0][0]
    revision = db.dialog(database_url, stranger.platform, stranger.user_id)[2]
    press_raw(stranger, f"{revision}:ask:{child_id}")  # not their child
    stranger.expect("Это действие вам недоступно")
    press_raw(stranger, f"{revision}:copy:{child_id}")  # refused: nothing moved on
    stranger.expect("Это действие вам недоступно")
    assert not stranger.files()

    parent.send("/privacy")
    assert "Миша Зайцев" in parent.expect("Вы дали согласие как законный представитель")
    parent.press("Данные: Миша")
    parent.expect("Данные ребёнка (Миша Зайцев)")
    child_copy = next(v for k, v in parent.files().items() if k.endswith(".json"))
    assert json.loads(child_copy)["person"]["full_name"] == "Миша Зайцев"
    parent.expect("Отозвать за: Миша")  # the screen again, under the files
    parent.press("Отозвать за: Миша")
    parent.expect("Если отозвать согласие за ребёнка (Миша Зайцев)")
    parent.press("Отозвать и удалить")
    parent.expect("Согласие за ребёнка отозвано")
    child.expect("Ваш родитель или законный представитель отозвал согласие")
    curator.expect("участник (наставляемый) отозвал согласие")

    path = database_url.split(":///", 1)[1]
    assert scan.find(path, ["Миша Зайцев", "Миша"], words=["2013"]) == []
    assert db.query(database_url, "SELECT full_name FROM people ORDER BY id") == [
        (CURATOR,),
        ("Елена Зайцева",),
        ("Кто-то Чужой",),
    ]
    actors = db.query(
        database_url, "SELECT actor_person_id FROM audit_log WHERE action='consent.withdrawn'"
    )
    parent_id = db.query(database_url, "SELECT id FROM people WHERE full_name='Елена Зайцева'")
    assert actors == parent_id  # the representative acted; nothing names the child
    forbidden = db.query(database_url, "SELECT count(*) FROM audit_log WHERE action='forbidden'")
    assert forbidden == [(2,)]


def test_a_curator_sees_and_exports_only_their_own_organization(
    bot: BotProcess,
    database_url: str,
    bot_env: dict[str, str],
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
) -> None:
    curator = new_chat(CURATOR)
    register(curator, codes["curator"], CURATOR, role=None)
    mentee = new_chat(MENTEE)
    register(mentee, codes["join"], MENTEE)
    fill_mentee_request(mentee)
    mentee.press("Отправить")
    curator.expect("Новая заявка наставляемого")
    curator.press("Одобрить")
    curator.expect(f"Одобрено: {MENTEE}")

    other = create_org(bot_env, "Лицей № 2")
    stranger = new_chat("Сергей Орлов")
    register(stranger, other["curator"], "Сергей Орлов", role=None)
    response = db.query(database_url, "SELECT id FROM responses")[0][0]
    first_org = db.query(database_url, "SELECT id FROM organizations ORDER BY id")[0][0]
    for forged in (f"m:auditlog:{first_org}", f"m:full:{response}", f"m:registry:{first_org}"):
        press_raw(stranger, forged)
        stranger.expect("Это действие вам недоступно")
    stranger.send("/menu")
    stranger.press("Мой профиль")
    stranger.press("Журнал действий")
    stranger.expect("Журнал отправлен файлом")
    (theirs,) = stranger.files().values()
    cells = _cells(theirs)
    assert "Лицей № 2" in cells and "Школа № 1" not in cells and MENTEE not in cells
    assert "Создана организация" in cells

    curator.send("/menu")
    curator.press("Мой профиль")
    curator.press("Журнал действий")
    curator.expect("Журнал отправлен файлом")
    cells = _cells(next(v for k, v in curator.files().items() if k.startswith("audit_")))
    for action in ("Заявка или анкета одобрена", "Участник вступил в программу"):
        assert action in cells
    assert "Сергей Орлов" not in cells and "Лицей № 2" not in cells
    exported = db.query(database_url, "SELECT count(*) FROM audit_log WHERE action='export.audit'")
    assert exported == [(2,)]


def _cells(xlsx: bytes) -> str:
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    return "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)


def test_a_new_consent_text_is_accepted_at_the_next_interaction(
    bot: BotProcess, database_url: str, codes: dict[str, str], new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat(MENTEE)
    register(chat, codes["join"], MENTEE)
    chat.press("Напоминания")
    chat.press("Выключить напоминания")
    chat.expect("напоминаний больше не будет")
    bot.stop()  # a deploy with a new text: the people accepted the old one
    with sqlite3.connect(database_url.split(":///", 1)[1]) as connection:
        connection.execute(
            "UPDATE consents SET text_version='2020-01-v0' WHERE kind='personal_data'"
        )
    bot.start()
    chat.send("/menu")
    chat.expect("Мы обновили текст согласия")
    chat.expect("Принимаете новую редакцию согласия?")
    press_raw(chat, "m:profile:")  # an old menu button does not slip past
    chat.expect("Принимаете новую редакцию согласия?")
    chat.press("Принимаю")
    chat.expect("Согласие записано")
    chat.expect("Что делаем?")
    versions = db.query(
        database_url,
        "SELECT text_version FROM consents WHERE kind='personal_data' AND given=1 ORDER BY id",
    )
    assert versions[0] == ("2020-01-v0",) and versions[-1][0] != "2020-01-v0"
    mute = db.query(database_url, "SELECT given FROM consents WHERE kind='reminders'")
    assert mute == [(0,)]  # the reminders' consent is its own, untouched
    chat.send("/menu")
    chat.expect("Что делаем?")  # asked once, not again
