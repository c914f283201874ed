"""/start → consent → role → name → organization → menu, on Telegram and on VK."""

from __future__ import annotations

from collections.abc import Callable

from tests.e2e.chat import Chat
from tests.e2e.process import BotProcess


def register(chat: Chat, join_code: str, name: str = "Анна Смирнова") -> None:
    chat.send(f"/start {join_code}")
    chat.expect("Вы согласны на обработку персональных данных?")
    chat.press("Даю согласие")
    chat.expect("Кем вы будете в программе?")
    chat.press("Ищу наставника")
    chat.expect("Как вас зовут?")
    chat.send(name)
    chat.expect(f"Готово, {name}!")


def test_start_to_menu(
    bot: BotProcess, codes: dict[str, str], new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat()
    register(chat, codes["join"])
    menu = chat.expect("Что делаем?")
    assert "Анна Смирнова · наставляемый · Школа № 1" in menu
    assert "Мой профиль" in chat.buttons()


def test_back_and_the_profile_name_button(
    bot: BotProcess, codes: dict[str, str], new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat("Пётр Иванов")
    chat.send("/start")
    chat.press("Даю согласие")
    chat.expect("Кем вы будете")
    chat.press("Хочу быть наставником")
    chat.expect("Как вас зовут?")
    chat.press("Назад")
    chat.expect("Кем вы будете")
    chat.press("Ищу наставника")
    chat.expect("Как вас зовут?")
    if chat.platform == "telegram":  # VK long poll events carry no name; users.get does
        assert "Это я: Пётр Иванов" in chat.buttons()
    chat.press("Это я")
    chat.expect("Выберите вашу организацию")
    chat.press("Школа № 1")
    chat.expect("Готово, Пётр Иванов! Вы в программе как наставляемый.")


def test_curator_only_through_the_curator_code(
    bot: BotProcess, codes: dict[str, str], new_chat: Callable[..., Chat]
) -> None:
    curator = new_chat("Ольга Кузнецова")
    curator.send(f"/start {codes['curator']}")
    curator.press("Даю согласие")
    curator.expect("Как вас зовут?")  # the code fixed the role: no role question
    curator.send("Ольга Кузнецова")
    curator.expect("Вы в программе как куратор")
    assert "Коды приглашения" in curator.buttons()
    curator.press("Коды приглашения")
    curator.expect(codes["join"])

    second = new_chat("Иван Петров")  # the curator code was for one person only
    second.send(f"/start {codes['curator']}")
    second.expect("Такого кода нет, или он уже использован")


def test_declining_consent_stores_only_the_refusal(
    bot: BotProcess, codes: dict[str, str], new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat()
    chat.send("/start")
    chat.press("Не согласен")
    chat.expect("ничего о вас не сохранили")
    chat.send("Привет")  # a newcomer who writes anything is offered the start again
    chat.expect("Вы согласны на обработку")


def test_help_and_cancel_at_any_step(
    bot: BotProcess, codes: dict[str, str], new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat()
    chat.send(f"/start {codes['join']}")
    chat.press("Даю согласие")
    chat.expect("Кем вы будете")
    chat.send("/help")
    helped = chat.expect("Сейчас идёт регистрация")
    assert helped.endswith("Кем вы будете в программе?")  # the question is asked again, last
    chat.send("/cancel")
    chat.expect("Отменено")
    chat.send("/cancel")
    chat.expect("Отменять нечего")
    chat.send(f"/start {codes['join']}")  # consent is kept: straight to the role
    chat.expect("Кем вы будете")
