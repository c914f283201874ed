"""Steps many end-to-end tests share, written as a person would go through them."""

from __future__ import annotations

from tests.e2e.chat import Chat

MENTEE, MENTOR = "Ищу наставника", "Хочу быть наставником"


def register(chat: Chat, code: str, name: str, role: str | None = MENTEE) -> None:
    """From /start with a code to the main menu; `role` None for a curator's code."""
    chat.send(f"/start {code}")
    chat.expect("Вы согласны на обработку персональных данных?")
    chat.press("Даю согласие")
    if role is not None:
        chat.expect("Кем вы будете в программе?")
        chat.press(role)
    chat.expect("Как вас зовут?")
    chat.send(name)
    chat.expect("Что делаем?")


def fill_mentee_request(chat: Chat, birth_year: int = 2008) -> str:
    """The shortest honest way through the mentee request; returns the summary."""
    chat.press("Заявка на наставника")
    chat.expect("Вопрос 1 из")
    chat.press("Студент колледжа")
    chat.expect("В каком вы классе или группе?")
    chat.send("ТМ-21")
    chat.expect("В каком году вы родились?")
    chat.send(str(birth_year))
    chat.expect("С чем вам нужна помощь?")
    chat.press("Цифровые инструменты")
    chat.expect("✅ Цифровые инструменты")
    chat.press("Готово")
    chat.expect("Напишите своими словами")
    chat.send("Хочу научиться программировать и сделать свой проект")
    chat.expect("Какая форма")
    chat.press("Без предпочтений")
    chat.expect("Как вам удобнее")
    chat.press("Онлайн")
    chat.expect("Сколько времени")
    chat.press("3–4 часа")
    chat.expect("Что для вас важно")
    chat.press("Пропустить")
    chat.expect("Как с вами связаться")
    chat.press("Пропустить")
    return chat.expect("Проверьте ответы")


def fill_mentor_nomination(chat: Chat, capacity: str = "Двоих") -> str:
    chat.press("Анкета наставника")
    chat.expect("Вопрос 1 из")
    chat.press("Педагог")
    chat.expect("Вопрос 2 из")
    chat.send("Школа № 1, учитель информатики")
    chat.expect("Вопрос 3 из")
    chat.send("12")
    chat.expect("Вопрос 4 из")
    chat.press("Цифровые инструменты")
    chat.expect("✅ Цифровые инструменты")
    chat.press("Проекты и исследования")
    chat.expect("✅ Проекты и исследования")
    chat.press("Готово")
    chat.expect("Вопрос 5 из")
    chat.press("Пропустить")
    chat.expect("Вопрос 6 из")
    chat.press("Исследования")
    chat.expect("✅ Исследования")
    chat.press("Готово")
    chat.expect("Вопрос 7 из")
    chat.send("Хочу помогать ребятам находить своё дело")
    chat.expect("Вопрос 8 из")
    chat.press("Цифровые инструменты")
    chat.expect("✅ Цифровые инструменты")
    chat.press("Готово")
    chat.expect("Вопрос 9 из")
    chat.press("3–4 часа")
    chat.expect("Вопрос 10 из")
    chat.press("14–15 лет")
    chat.expect("✅ 14–15 лет")
    chat.press("Готово")
    chat.expect("Вопрос 11 из")
    chat.press(capacity)
    chat.expect("Вопрос 12 из")
    chat.press("Студент – ученик")
    chat.expect("✅ Студент – ученик")
    chat.press("Готово")
    chat.expect("Вопрос 13 из")
    chat.press("Очно и онлайн")
    chat.expect("Вопрос 14 из")
    chat.press("Пропустить")
    return chat.expect("Проверьте ответы")
