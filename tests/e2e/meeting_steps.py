"""Steps of the pair's work, as people go through them in chat: a working pair made from
scratch (nomination, request, proposal, agreement, approval), a meeting logged, a meeting
confirmed, a monitoring questionnaire answered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.e2e.chat import Chat
from tests.e2e.flows import MENTOR, fill_mentee_request, fill_mentor_nomination, register

CURATOR_NAME, MENTOR_NAME, MENTEE_NAME = "Ольга Кузнецова", "Ирина Волкова", "Пётр Сидоров"


@dataclass
class Pair:
    curator: Chat
    mentor: Chat
    mentee: Chat


def working_pair(
    codes: dict[str, str], new_chat: Callable[..., Chat], term: str = "3 мес."
) -> Pair:
    """A pair approved by the curator, entirely through the chat."""
    curator = new_chat(CURATOR_NAME)
    register(curator, codes["curator"], CURATOR_NAME, role=None)
    mentor = new_chat(MENTOR_NAME)
    register(mentor, codes["join"], MENTOR_NAME, role=MENTOR)
    fill_mentor_nomination(mentor, capacity="Двоих")
    mentor.press("Отправить")
    curator.expect("Новая анкета наставника")
    curator.press("Одобрить")
    curator.expect(f"Одобрено: {MENTOR_NAME}")
    mentee = new_chat(MENTEE_NAME)
    register(mentee, codes["join"], MENTEE_NAME)
    fill_mentee_request(mentee)
    mentee.press("Отправить")
    curator.expect("Новая заявка наставляемого")
    curator.press("Одобрить")
    curator.expect(f"Одобрено: {MENTEE_NAME}")

    curator.send("/menu")
    curator.expect("Что делаем?")
    curator.press("Пары и подбор")
    curator.press("Ждут наставника")
    curator.press(MENTEE_NAME)
    curator.press(f"Предложить: {MENTOR_NAME}")
    curator.expect("Предложение отправлено")
    mentee.expect(f"Куратор предлагает вам наставника: {MENTOR_NAME}")
    mentee.press("Согласен(на)")
    mentor.expect(f"наставляемого: {MENTEE_NAME}")
    mentor.press("Согласен(на)")
    card = "Обе стороны согласны"
    curator.expect(card)
    curator.press("Утвердить", under=card)
    curator.expect("Срок работы: с")
    curator.press(term)
    curator.expect("Пара утверждена")
    return Pair(curator, mentor, mentee)


def answer_monitoring(chat: Chat, value: int, achievements: str = "Пока нет") -> None:
    """The entry or the exit questionnaire, opened: every scale item `value`."""
    chat.expect("Вопрос 1 из 10")
    chat.press(str(value))
    chat.expect("Вопрос 2 из 10")
    chat.press(achievements)
    for number in range(3, 10):  # the other scale items
        chat.expect(f"Вопрос {number} из 10")
        chat.press(str(value))
    chat.expect("Вопрос 10 из 10")
    chat.press("Пропустить")
    chat.expect("Проверьте ответы")
    chat.press("Отправить")


def answer_satisfaction(chat: Chat, value: int) -> None:
    for number in range(1, 5):
        chat.expect(f"Вопрос {number} из 6")
        chat.press(str(value))
    chat.expect("Вопрос 5 из 6")
    chat.press("Да")
    chat.expect("Вопрос 6 из 6")
    chat.press("Пропустить")
    chat.expect("Проверьте ответы")
    chat.press("Отправить")


def log_meeting(chat: Chat, kind: str, when: str, duration: str = "1 ч", fmt: str = "Очно") -> str:
    """From the main menu: kind, when (a button or a typed date), duration, format; the
    notes and the next step skipped. Returns the confirmation of the save."""
    chat.send("/menu")
    chat.expect("Что делаем?")
    chat.press("Записать встречу")
    chat.expect("Какая это была встреча?")
    chat.press(kind)
    chat.expect("Когда она была?")
    if when in ("Сегодня", "Вчера"):
        chat.press(when)
    else:
        chat.send(when)
    chat.expect("Сколько она длилась?")
    chat.press(duration)
    chat.expect("Как встречались?")
    chat.press(fmt)
    saved = chat.expect("✅ Встреча записана")
    chat.press("Пропустить")
    chat.expect("Следующий шаг")
    chat.press("Пропустить")
    chat.expect("Готово")
    return saved


def confirm_meeting(chat: Chat, day: str, rating: int) -> None:
    question = f"Встреча {day} была?"
    chat.expect(question)
    chat.press("Да, была", under=question)
    chat.expect("Насколько полезной была встреча?")
    chat.press(str(rating))
    chat.expect("Комментарий")
    chat.press("Пропустить")
    chat.expect("Спасибо, записал")


def working_group(
    codes: dict[str, str], new_chat: Callable[..., Chat], mentees: tuple[str, ...]
) -> tuple[Chat, Chat, list[Chat]]:
    """A mentor with a group of `mentees`, approved by the curator through the chat."""
    curator = new_chat(CURATOR_NAME)
    register(curator, codes["curator"], CURATOR_NAME, role=None)
    mentor = new_chat(MENTOR_NAME)
    register(mentor, codes["join"], MENTOR_NAME, role=MENTOR)
    fill_mentor_nomination(mentor, capacity="Троих")
    mentor.press("Отправить")
    curator.expect("Новая анкета наставника")
    curator.press("Одобрить")
    chats = []
    for name in mentees:
        chat = new_chat(name)
        register(chat, codes["join"], name)
        fill_mentee_request(chat)
        chat.press("Отправить")
        curator.expect("Новая заявка наставляемого")
        curator.press("Одобрить")
        curator.expect(f"Одобрено: {name}")
        chats.append(chat)
    curator.send("/menu")
    curator.expect("Что делаем?")
    curator.press("Пары и подбор")
    curator.press("Свободные наставники")
    curator.press(MENTOR_NAME)
    curator.press("Собрать группу")
    for name in mentees:
        curator.expect("Выберите наставляемых для группы")
        curator.press(name)
        curator.expect(f"✅ {name}")
    curator.press("Готово")
    curator.expect("Предложение отправлено")
    for chat in chats:
        chat.expect(f"Куратор предлагает вам наставника: {MENTOR_NAME}")
        chat.press("Согласен(на)")
        chat.expect("ваше согласие записано")
    mentor.expect("группу наставляемых")
    mentor.press("Согласен(на)")
    card = "Обе стороны согласны"
    curator.expect(card)
    curator.press("Утвердить", under=card)
    curator.press("3 мес.")
    curator.expect("Пара утверждена")
    return curator, mentor, chats
