"""The pair's work through the emulators, on Telegram and on VK, with the bot's clock moved
by the test: introduction → trial (planned, with a calendar file and a reminder the day
before) → planning with a plan of three items → two regular meetings → final, each
confirmed by the mentee; entry and exit questionnaires; the curator closes the pair with
a mark and the registry shows it. Wrong dates and lengths are refused with the reason."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import icalendar
import openpyxl
import pytest

from tests.e2e import db
from tests.e2e import timetravel as tt
from tests.e2e.chat import Chat
from tests.e2e.flows import register
from tests.e2e.meeting_steps import (
    MENTEE_NAME,
    MENTOR_NAME,
    answer_monitoring,
    answer_satisfaction,
    confirm_meeting,
    log_meeting,
    working_group,
    working_pair,
)
from tests.e2e.process import create_org
from tests.e2e.test_bad_input import press_raw
from tests.emulators.telegram import TelegramEmulator
from tests.emulators.vk import VkEmulator

START = tt.at("2026-11-02 10:00")  # a Monday; reminders of the 25th are far off


@pytest.fixture
def clock_file(tmp_path: Path) -> Path:
    return tmp_path / "clock"


@pytest.fixture
def bot_env(
    database_url: str, telegram: TelegramEmulator, vk: VkEmulator, clock_file: Path
) -> dict[str, str]:
    return tt.bot_env(database_url, telegram.base_url, vk.base_url, clock_file, START)


@pytest.fixture
def machine(clock_file: Path, database_url: str) -> Iterator[tt.TimeMachine]:
    yield tt.TimeMachine(clock_file, database_url)


def _calendar_event(chat: Chat) -> icalendar.Event:
    files = {n: d for n, d in chat.files().items() if n.endswith(".ics")}
    assert len(files) == 1, files.keys()
    events = icalendar.Calendar.from_ical(next(iter(files.values()))).walk("VEVENT")
    assert len(events) == 1
    return events[0]


def _plan_item(chat: Chat, text: str, due_button: str | None, due_typed: str = "") -> None:
    chat.expect("Напишите цель или задачу")
    chat.send(text)
    chat.expect("К какому сроку?")
    if due_button:
        chat.press(due_button)
    else:
        chat.send(due_typed)
    chat.expect(f"Добавлено: «{text}»")


def test_a_pair_works_from_introduction_to_closing(
    bot: object,
    machine: tt.TimeMachine,
    database_url: str,
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
) -> None:
    pair = working_pair(codes, new_chat)
    curator, mentor, mentee = pair.curator, pair.mentor, pair.mentee

    # Entry questionnaires, one for each side, asked as the pair is approved.
    for chat, value in ((mentor, 3), (mentee, 2)):
        chat.expect("Анкета на входе в программу")
        chat.press("Анкета на входе")
        answer_monitoring(chat, value)
        chat.expect("Анкета сохранена")

    # Introduction, today, in five taps from the main menu.
    mentor.send("/menu")
    mentor.expect("Что делаем?")
    assert "Записать встречу" in mentor.buttons()
    mentor.press("Записать встречу")
    kinds = mentor.expect("Какая это была встреча?")
    assert MENTEE_NAME in kinds
    assert mentor.buttons()[0] == "Знакомство"  # the expected kind first
    mentor.press("Знакомство")
    mentor.expect("Когда она была?")
    mentor.press("Сегодня")
    mentor.expect("Сколько она длилась?")
    mentor.press("1 ч")
    mentor.expect("Как встречались?")
    mentor.press("Очно")
    saved = mentor.expect("✅ Встреча записана: знакомство, 2 ноября, 1 ч, очно.")
    assert f"{MENTEE_NAME} получит просьбу подтвердить" in saved
    mentor.send("Знакомство и ожидания\nРассказали о себе, обсудили, чему хочется научиться")
    mentor.expect("Следующий шаг")
    mentor.send("Договориться о пробной встрече")
    mentor.expect("Готово, встреча записана полностью")
    confirm_meeting(mentee, "2 ноября", 5)

    # The trial meeting planned for Wednesday 16:00: a calendar file to both sides.
    mentor.press("Запланировать")
    mentor.expect("Какую встречу планируем?")
    assert mentor.buttons()[0] == "Пробная рабочая"
    mentor.press("Пробная рабочая")
    mentor.expect("В какой день?")
    mentor.press("Послезавтра, 4 ноября")
    mentor.expect("Во сколько?")
    mentor.press("16:00")
    mentor.expect("Как будете встречаться?")
    mentor.press("Онлайн")
    mentor.expect("📅 Встреча запланирована: ср, 4 ноября, 16:00 — пробная рабочая встреча")
    mentee.expect(f"📅 {MENTOR_NAME} запланировал(а) встречу: ср, 4 ноября, 16:00")
    for chat in (mentor, mentee):
        event = _calendar_event(chat)
        begins = event.decoded("dtstart")
        assert (begins.hour, begins.minute, str(begins.tzinfo)) == (16, 0, "Europe/Moscow")
        assert begins == tt.at("2026-11-04 16:00")

    # The eve: both are reminded, once.
    machine.travel(tt.at("2026-11-03 10:00"))
    for chat in (mentor, mentee):
        assert len(tt.with_text(chat, "⏰ Завтра в 16:00 — пробная рабочая встреча")) == 1

    machine.travel(tt.at("2026-11-20 12:00"))
    # Refused with the reason: a date in the future, before the pair began, a length of
    # zero or over eight hours.
    mentor.send("/menu")
    mentor.expect("Что делаем?")
    mentor.press("Записать встречу")
    mentor.expect("Какая это была встреча?")
    assert mentor.buttons()[0] == "Пробная рабочая"
    mentor.press("Пробная рабочая")
    mentor.send("25.11.2026")
    mentor.expect("Эта дата ещё не наступила")
    mentor.send("01.11.2026")
    mentor.expect("Пара начала работу 2 ноября — встреча не может быть раньше")
    mentor.send("04.11")
    mentor.expect("Сколько она длилась?")
    mentor.send("0")
    mentor.expect("Длительность должна быть больше нуля")
    mentor.send("600")
    mentor.expect("Больше 8 часов")
    mentor.send("1:30")
    mentor.expect("Как встречались?")
    mentor.press("Онлайн")
    mentor.expect("✅ Встреча записана: пробная рабочая встреча, 4 ноября, 1 ч 30 мин, онлайн.")
    mentor.press("Пропустить")
    mentor.expect("Следующий шаг")
    mentor.press("Пропустить")
    mentor.expect("Готово, встреча записана полностью")
    confirm_meeting(mentee, "4 ноября", 4)
    planned = db.query(database_url, "SELECT status FROM meetings WHERE kind='trial'")
    assert planned == [("held",)]  # the planned meeting became the held one

    # Planning, and the individual plan of three items.
    log_meeting(mentor, "Планирование", "09.11")
    mentor.press("Составить план")
    mentor.expect("Пунктов пока нет")
    mentor.press("Добавить пункт")
    _plan_item(mentor, "Освоить основы Python", "Через месяц, 20 декабря")
    mentor.press("Добавить ещё")
    _plan_item(mentor, "Сделать проект-калькулятор", None, "15.01.2027")
    mentor.press("Добавить ещё")
    _plan_item(mentor, "Выступить на школьной конференции", "К концу срока")
    mentor.press("Готово")
    mentor.expect("Выполнено 0 из 3 — 0%")
    confirm_meeting(mentee, "9 ноября", 5)

    log_meeting(mentor, "Регулярная", "12.11")
    confirm_meeting(mentee, "12 ноября", 4)
    log_meeting(mentor, "Регулярная", "16.11", duration="45 мин", fmt="Онлайн")
    confirm_meeting(mentee, "16 ноября", 5)

    # Either side ticks the plan off.
    mentee.send("/menu")
    mentee.expect("Что делаем?")
    mentee.press("Моя пара")
    card = mentee.expect("Встречи: 5")
    assert f"Наставник: {MENTOR_NAME}" in card and "Дальше: регулярная встреча" in card
    mentee.press("Индивидуальный план")
    mentee.press("⬜ 1.")
    mentee.expect("Выполнено 1 из 3 — 33%")
    mentor.send("/menu")
    mentor.expect("Что делаем?")
    mentor.press("Моя пара")
    mentor.expect("План: 1 из 3 — 33%")
    mentor.press("Индивидуальный план")
    mentor.press("⬜ 2.")
    mentor.expect("Выполнено 2 из 3 — 67%")

    # The final meeting: both are asked for the exit questionnaire.
    log_meeting(mentor, "Итоговая", "Сегодня")
    mentee.expect("Итоговая встреча записана — осталось подвести итоги")
    confirm_meeting(mentee, "20 ноября", 5)
    mentee.press("Анкета на выходе", under="Итоговая встреча записана")
    answer_monitoring(mentee, 4, achievements="В школе или колледже")
    mentee.expect("последний короткий опрос")
    answer_satisfaction(mentee, 5)
    mentee.expect("Спасибо за работу в программе")
    mentor.send("/menu")
    mentor.expect("Что делаем?")
    mentor.press("Моя пара")
    mentor.expect("Дальше: анкета на выходе")
    mentor.press("Анкета на выходе")
    answer_monitoring(mentor, 4)
    answer_satisfaction(mentor, 4)

    # The curator: both exits are in, so the pair is closed with a mark and results.
    ready = curator.expect("обе стороны заполнили анкеты на выходе")
    assert "Пара №1" in ready
    curator.press("Итоги и закрытие", under="обе стороны заполнили")
    mark = curator.expect("Какая отметка о завершении?")
    assert "выполнено 2 из 3 (67%)" in mark and "По плану подходит: «Выполнен не полностью»" in mark
    curator.press("Выполнен не полностью")
    curator.expect("Результаты пары")
    curator.send("Освоил основы Python, сделал калькулятор")
    curator.expect("Закрываем")
    curator.press("Закрыть пару")
    curator.expect("Итоги записаны в реестр")
    mentee.expect("Работа вашей пары завершена")

    rows = db.query(database_url, "SELECT kind, confirmed FROM meetings ORDER BY at, id")
    assert [r[0] for r in rows] == ["intro", "trial", "planning", "regular", "regular", "final"]
    assert all(r[1] == 1 for r in rows)
    closed = db.query(database_url, "SELECT status, completion_mark, result FROM pairs")
    assert closed == [("finished", "partly", "Освоил основы Python, сделал калькулятор")]

    # The registry row, and the curator reads both sides' answers, exit beside entry.
    curator.send("/menu")
    curator.expect("Что делаем?")
    curator.press("Пары и подбор")
    curator.press("Реестры")
    curator.expect("Готово — файлы отправлены")
    mentees_file = next(d for n, d in curator.files().items() if n.startswith("mentees_"))
    sheet = openpyxl.load_workbook(io.BytesIO(mentees_file)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "Освоил основы Python, сделал калькулятор" in cells
    assert "Индивидуальный план выполнен не в полной мере" in cells
    curator.send("/menu")
    curator.expect("Что делаем?")
    curator.press("Мониторинг")
    summary = curator.expect("Средние, вход → выход")
    assert "2,5 → 4,0" in summary  # mentor 3 → 4, mentee 2 → 4
    curator.press("SWOT-анализ")
    for answer in ("Сильные наставники", "Мало времени", "Партнёр — IT-колледж", "Нагрузка"):
        curator.expect("Вопрос")
        curator.send(answer)
    curator.expect("Общая оценка качества программы")
    curator.press("4")
    for _ in range(4):  # the program's figures are optional
        curator.expect("Вопрос")
        curator.press("Пропустить")
    curator.expect("Проверьте ответы")
    curator.press("Отправить")
    curator.expect("SWOT-анализ сохранён")


def test_a_denied_meeting_reaches_the_curator_and_answers_stay_private(
    bot: object,
    database_url: str,
    bot_env: dict[str, str],
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
) -> None:
    pair = working_pair(codes, new_chat)
    curator, mentor, mentee = pair.curator, pair.mentor, pair.mentee
    for chat, value in ((mentor, 3), (mentee, 2)):
        chat.expect("Анкета на входе в программу")
        chat.press("Анкета на входе")
        answer_monitoring(chat, value)
        chat.expect("Анкета сохранена")

    # «Встречи не было»: the curator hears at once, the digest lists it, the card shows it.
    log_meeting(mentor, "Знакомство", "Сегодня")
    question = "Встреча 2 ноября была?"
    mentee.expect(question)
    mentee.press("Нет, не было", under=question)
    mentee.expect("куратор узнает")
    mentee.send("Наставник не пришёл")
    mentee.expect("Спасибо, записал")
    alert = curator.expect("⚠️ Расхождение")
    assert f"{MENTEE_NAME} говорит, что встречи 2 ноября не было" in alert
    curator.expect(f"💬 {MENTEE_NAME} о встрече 2 ноября: «Наставник не пришёл»")
    curator.press("Открыть пару", under="Расхождение")
    curator.expect("⚠️ Не подтверждены встречи: 2 ноября («Наставник не пришёл»)")
    curator.send("/menu")
    curator.expect("Что делаем?")
    curator.press("Сводка")
    assert "наставляемый не подтвердил: 1" in curator.expect("Сводка")
    assert db.query(database_url, "SELECT confirmed, comment FROM meetings") == [
        (0, "Наставник не пришёл")
    ]
    mentee.press("Да, была", under=question)  # an answer given stays given
    mentee.expect("Вы уже ответили про эту встречу")
    assert db.query(database_url, "SELECT confirmed FROM meetings") == [(0,)]

    # A mentee logs a meeting too; then the mentor confirms it.
    mentee.send("/menu")
    mentee.expect("Что делаем?")
    assert "Записать встречу" not in mentee.buttons()  # the main menu's entry is a mentor's
    mentee.press("Моя пара")
    mentee.press("Записать встречу")
    mentee.press("Пробная рабочая")
    mentee.press("Сегодня")
    mentee.press("1 ч 30 мин")
    mentee.press("Онлайн")
    assert f"{MENTOR_NAME} получит просьбу подтвердить" in mentee.expect("✅ Встреча записана")
    mentor.expect("Пётр Сидоров записал(а): пробная рабочая встреча, 1 ч 30 мин, онлайн")
    mentor.press("Да, была", under="пробная рабочая")
    mentor.expect("Спасибо, встреча подтверждена")
    trial = db.query(database_url, "SELECT confirmed FROM meetings WHERE kind='trial'")
    assert trial == [(1,)]
    mentor.send("/menu")
    mentor.expect("Что делаем?")
    mentor.press("Моя пара")
    assert "⚠️ Не подтверждены встречи: 2 ноября\n" in mentor.expect("Встречи: 2")

    # Neither side can read the other's answers by any button, forged ones included.
    ids = dict(
        db.query(
            database_url,
            "SELECT p.full_name, r.id FROM responses r JOIN people p ON p.id = r.person_id"
            " WHERE r.questionnaire='monitoring_entry'",
        )
    )
    intro = db.query(database_url, "SELECT id FROM meetings WHERE kind='intro'")[0][0]
    other = create_org(bot_env, "Лицей № 2")
    stranger = new_chat("Сергей Орлов")
    register(stranger, other["curator"], "Сергей Орлов", role=None)
    audit_before = db.query(database_url, "SELECT count(*) FROM audit_log")[0][0]
    forgeries = [
        (mentee, f"m:mans:{ids[MENTOR_NAME]}"),
        (mentee, "m:pforms:1"),
        (mentee, "m:pwork:1"),
        (mentee, "m:pclose:1"),
        (mentor, f"m:mans:{ids[MENTEE_NAME]}"),
        (mentor, f"m:mconf:{intro}.1"),  # confirming one's own meeting
        (stranger, f"m:mans:{ids[MENTEE_NAME]}"),
        (stranger, "m:pforms:1"),
        (stranger, "m:pwork:1"),
        (stranger, "m:plan:1"),
    ]
    for chat, data in forgeries:
        press_raw(chat, data)
        chat.expect("Это действие вам недоступно")
    forbidden = db.query(
        database_url,
        "SELECT count(*) FROM audit_log WHERE id > ? AND action='forbidden'",
        audit_before,
    )
    assert forbidden == [(len(forgeries),)]
    assert not any("3 из 5" in text for text in mentee.texts())  # the mentor answered 3s
    assert not any("2 из 5" in text for text in mentor.texts())  # the mentee answered 2s
    assert not any("Наставник не пришёл" in text for text in mentor.texts())

    # The curator reads both.
    curator.send("/menu")
    curator.expect("Что делаем?")
    curator.press("Пары и подбор")
    curator.press("Работают")
    curator.press("Пара №1")
    curator.press("Встречи и план")
    curator.press("Анкеты пары")
    curator.press(f"Анкета на входе: {MENTEE_NAME}")
    assert "2 из 5" in curator.expect(f"Анкета на входе · {MENTEE_NAME}")
    curator.press("Анкеты пары")
    curator.press(f"Анкета на входе: {MENTOR_NAME}")
    assert "3 из 5" in curator.expect(f"Анкета на входе · {MENTOR_NAME}")


def test_a_group_meeting_asks_only_those_who_came(
    bot: object, database_url: str, codes: dict[str, str], new_chat: Callable[..., Chat]
) -> None:
    names = ("Пётр Сидоров", "Анна Морозова")
    _curator, mentor, (came, absent) = working_group(codes, new_chat, names)
    mentor.send("/menu")
    mentor.expect("Что делаем?")
    mentor.press("Записать встречу")
    mentor.press("Знакомство")
    mentor.press("Сегодня")
    mentor.press("2 ч")
    mentor.press("Очно")
    mentor.expect("Кто пришёл?")
    mentor.press("Анна Морозова")  # untick: she was not there
    mentor.expect("Кто пришёл?")
    assert "✅ Пётр Сидоров" in mentor.buttons() and "Анна Морозова" in mentor.buttons()
    mentor.press("Готово")
    assert "Пётр Сидоров получит просьбу подтвердить" in mentor.expect("✅ Встреча записана")
    came.expect("Вы были на встрече 2 ноября?")
    came.press("Да, была")
    came.expect("Насколько полезной была встреча?")
    came.press("4")
    came.press("Пропустить")
    came.expect("Спасибо, записал")
    assert not tt.with_text(absent, "Вы были на встрече")
    attendance = db.query(
        database_url,
        "SELECT p.full_name, a.present, a.confirmed, a.usefulness FROM meeting_attendance a"
        " JOIN people p ON p.id = a.mentee_person_id ORDER BY p.full_name",
    )
    assert attendance == [("Анна Морозова", 0, None, None), ("Пётр Сидоров", 1, 1, 4)]
    assert db.query(database_url, "SELECT confirmed, usefulness FROM meetings") == [(1, 4)]
