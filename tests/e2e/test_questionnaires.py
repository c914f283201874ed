"""The mentee request and the mentor nomination through the emulators, with the
curator's card on the other messenger, parent consent for minors, crash recovery."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from tests.e2e import db
from tests.e2e.chat import Chat
from tests.e2e.flows import MENTOR, fill_mentee_request, fill_mentor_nomination, register
from tests.e2e.process import BotProcess
from tests.e2e.test_bad_input import press_raw

OTHER = {"telegram": "vk", "vk": "telegram"}


def test_mentee_request_back_skip_change_and_curator_on_the_other_messenger(
    bot: BotProcess, codes: dict[str, str], new_chat: Callable[..., Chat], platform: str
) -> None:
    curator = new_chat("Ольга Кузнецова", on=OTHER[platform])
    register(curator, codes["curator"], "Ольга Кузнецова", role=None)
    mentee = new_chat("Пётр Сидоров")
    register(mentee, codes["join"], "Пётр Сидоров")

    mentee.press("Заявка на наставника")
    assert "Вопрос 1 из 9" in mentee.expect("Кто вы?")  # one more once «who» is known
    mentee.press("Студент колледжа")
    mentee.expect("В каком вы классе или группе?")
    mentee.send("ТМ-21")
    mentee.expect("Вопрос 3 из 10")
    mentee.send("двадцать")
    mentee.expect("Нужен год цифрами")
    mentee.send("1900")
    mentee.expect("Нужно число от 1940 до 2020")
    mentee.send("2008")
    mentee.expect("С чем вам нужна помощь?")
    mentee.press("Готово")
    mentee.expect("Можно выбрать от 1 до 3 пунктов")
    mentee.press("Учебные предметы")
    mentee.expect("✅ Учебные предметы")
    mentee.press("Цифровые инструменты")
    mentee.expect("✅ Цифровые инструменты")
    mentee.press("Готово")
    mentee.expect("Напишите своими словами")
    mentee.send("ok")
    mentee.expect("Нужно от 10 до 1000 символов")
    mentee.send("Хочу научиться программировать")
    mentee.expect("Какая форма")
    mentee.press("Назад")
    assert "Сейчас: Хочу научиться программировать" in mentee.expect("Напишите своими словами")
    mentee.send("Хочу научиться программировать и сделать проект")
    mentee.expect("Какая форма")
    mentee.send("Онлайн")  # typed where a button is expected
    mentee.expect("Выберите ответ кнопкой")
    mentee.press("Без предпочтений")
    mentee.expect("Как вам удобнее")
    mentee.press("Онлайн")
    mentee.expect("Сколько времени")
    mentee.press("3–4 часа")
    mentee.expect("Что для вас важно")
    mentee.press("Пропустить")
    mentee.expect("Как с вами связаться")
    mentee.send("petr@example.com")
    summary = mentee.expect("Проверьте ответы")
    assert "Что для вас важно в наставнике? — пропущено" in summary
    assert "Учебные предметы, Цифровые инструменты" in summary

    mentee.press("Изменить ответ")
    mentee.expect("Какой ответ изменить?")
    mentee.press("Сколько времени")
    mentee.expect("Сколько времени")
    mentee.press("5–8 часов")
    assert "5–8 часов" in mentee.expect("Проверьте ответы")
    mentee.press("Отправить")
    mentee.expect("Спасибо, заявка отправлена")

    card = curator.expect("Новая заявка наставляемого")
    assert "Пётр Сидоров" in card and "ТМ-21" in card and "2008" in card
    curator.press("Одобрить")
    curator.expect("Одобрено: Пётр Сидоров")
    mentee.expect("Куратор одобрил вашу заявку наставляемого")


def test_mentor_nomination_clarify_reply_and_capacity_never_over_three(
    bot: BotProcess,
    database_url: str,
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
    platform: str,
) -> None:
    curator = new_chat("Ольга Кузнецова")
    register(curator, codes["curator"], "Ольга Кузнецова", role=None)
    mentor = new_chat("Ирина Волкова")
    register(mentor, codes["join"], "Ирина Волкова", role=MENTOR)

    summary = fill_mentor_nomination(mentor, capacity="Троих")
    assert "Сколько наставляемых вы готовы вести одновременно? — Троих" in summary
    mentor.press("Изменить ответ")
    mentor.press("Сколько наставляемых")
    mentor.expect("Сколько наставляемых")
    revision = db.dialog(database_url, platform, mentor.user_id)[2]
    press_raw(mentor, f"{revision}:opt:3")  # a forged 4th option
    mentor.expect("Выберите ответ кнопкой")
    press_raw(mentor, f"{revision}:opt:9")
    mentor.expect("Выберите ответ кнопкой")
    mentor.press("Двоих")
    mentor.expect("Проверьте ответы")
    mentor.press("Отправить")
    mentor.expect("Спасибо")
    answers = db.query(
        database_url, "SELECT answers FROM responses WHERE questionnaire=?", "mentor_nomination"
    )
    assert json.loads(answers[0][0])["capacity"] == "2"

    curator.expect("Новая анкета наставника")
    curator.press("Запросить уточнение")
    curator.expect("Что уточнить у заявителя?")
    curator.send("Какие проекты вы уже вели?")
    curator.expect("Вопрос отправлен: Ирина Волкова")
    mentor.expect("Куратор просит уточнить вашу анкету наставника:\nКакие проекты вы уже вели?")
    mentor.press("Ответить куратору")
    mentor.expect("Напишите ответ куратору")
    mentor.send("Школьный хакатон и два проекта по робототехнике")
    mentor.expect("Ответ отправлен куратору")
    reply_card = curator.expect("Ответ на уточнение")
    assert "Школьный хакатон" in reply_card
    curator.press("Отклонить")
    curator.expect("Напишите причину отказа")
    curator.send("Пока набор наставников закрыт")
    curator.expect("Отклонено: Ирина Волкова")
    mentor.expect("Причина: Пока набор наставников закрыт")


def test_sigkill_mid_questionnaire_asks_the_same_question(
    bot: BotProcess, codes: dict[str, str], new_chat: Callable[..., Chat]
) -> None:
    mentee = new_chat("Пётр Сидоров")
    register(mentee, codes["join"], "Пётр Сидоров")
    mentee.press("Заявка на наставника")
    mentee.press("Студент колледжа")
    mentee.expect("В каком вы классе")
    mentee.send("ТМ-21")
    mentee.expect("В каком году вы родились?")
    bot.kill()
    mentee.send("2008")  # arrives while the bot is down
    bot.start()
    mentee.expect("С чем вам нужна помощь?")
    bot.kill()
    bot.start()
    mentee.send("/menu")
    mentee.expect("Что делаем?")
    mentee.press("Заявка на наставника")
    resumed = mentee.expect("Продолжаем «Заявка на наставника»")
    assert "Вопрос 4 из 10" in resumed and "С чем вам нужна помощь?" in resumed
    mentee.press("Цифровые инструменты")
    mentee.press("Готово")
    mentee.expect("Напишите своими словами")


def test_under_14_waits_for_a_parent_on_another_messenger(
    bot: BotProcess,
    database_url: str,
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
    platform: str,
) -> None:
    curator = new_chat("Ольга Кузнецова")
    register(curator, codes["curator"], "Ольга Кузнецова", role=None)
    child = new_chat("Миша Зайцев")
    register(child, codes["join"], "Миша Зайцев")
    fill_mentee_request(child, birth_year=2013)
    child.press("Отправить")
    told = child.expect("Передайте родителю код")
    code = told.split("код: ", 1)[1].split()[0]
    card = curator.expect("Новая заявка наставляемого")
    assert "ожидает согласия родителя" in card
    curator.send("/menu")
    curator.press("Заявки")
    assert "⏳ Миша Зайцев" in " ".join(curator.buttons())

    parent = new_chat("Елена Зайцева", on=OTHER[platform])
    parent.send(f"/start {code}")
    assert "Миша Зайцев" in parent.expect("Согласие законного представителя")
    parent.press("Подтверждаю согласие")
    parent.expect("Как вас зовут?")
    parent.send("Елена Зайцева")
    parent.expect("Согласие записано")
    child.expect("Родитель подтвердил согласие")
    curator.expect("Родитель дал согласие")
    statuses = db.query(database_url, "SELECT status FROM responses")
    assert statuses == [("submitted",)]

    again = new_chat("Кто-то Другой", on=OTHER[platform])
    again.send(f"/start {code}")
    again.expect("Этот код уже использован")


def test_an_expired_parent_code_is_refused(
    bot: BotProcess, database_url: str, codes: dict[str, str], new_chat: Callable[..., Chat]
) -> None:
    child = new_chat("Миша Зайцев")
    register(child, codes["join"], "Миша Зайцев")
    fill_mentee_request(child, birth_year=2014)
    child.press("Отправить")
    code = child.expect("Передайте родителю код").split("код: ", 1)[1].split()[0]
    path = database_url.split(":///", 1)[1]
    import sqlite3

    with sqlite3.connect(path, timeout=10) as connection:
        connection.execute("UPDATE parent_codes SET expires_at = '2000-01-01 00:00:00'")
    parent = new_chat("Елена Зайцева")
    parent.send(f"/start {code}")
    parent.expect("Срок действия кода истёк")
    time.sleep(0.2)
    assert db.query(database_url, "SELECT status FROM responses") == [("pending_parent",)]


def test_paper_consent_and_withdrawal(
    bot: BotProcess, database_url: str, codes: dict[str, str], new_chat: Callable[..., Chat]
) -> None:
    curator = new_chat("Ольга Кузнецова")
    register(curator, codes["curator"], "Ольга Кузнецова", role=None)
    child = new_chat("Миша Зайцев")
    register(child, codes["join"], "Миша Зайцев")
    fill_mentee_request(child, birth_year=2013)
    child.press("Отправить")
    child.expect("Передайте родителю код")
    curator.expect("ожидает согласия родителя")
    curator.press("Согласие на бумаге")
    assert "на рассмотрении" in curator.expect("Новая заявка наставляемого")
    child.expect("Куратор отметил согласие родителя на бумаге")

    child.send("/menu")
    child.press("Заявка на наставника")
    child.expect("на рассмотрении у куратора")
    child.press("Посмотреть и изменить")
    child.expect("Проверьте ответы")
    child.press("Отозвать заявку")
    child.expect("Заявка отозвана")
    curator.expect("Отозвана заявка наставляемого")
    assert db.query(database_url, "SELECT status FROM responses") == [("withdrawn",)]
    curator.send("/menu")
    curator.press("Заявки")
    curator.expect("Новых заявок нет")
