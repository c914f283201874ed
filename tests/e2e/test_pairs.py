"""From nominations to working pairs, entirely in chat: approvals, matching for the whole
program, each side's agreement, the curator's approval with a term, extension and early
end; the registries and the draft order as files; the last place taken by one of two
racing approvals; forged and replayed curator buttons."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import docx
import openpyxl

from tests.e2e import db
from tests.e2e.chat import Chat
from tests.e2e.flows import MENTOR, fill_mentee_request, fill_mentor_nomination, register
from tests.e2e.process import BotProcess, cli, create_org
from tests.e2e.test_bad_input import press_raw

MENTOR_NAME = "Ирина Волкова"
MENTEES = ("Пётр Сидоров", "Анна Морозова")


def _program(
    codes: dict[str, str], new_chat: Callable[..., Chat], capacity: str
) -> tuple[Chat, Chat, list[Chat]]:
    """A curator, an approved mentor and two approved mentees."""
    curator = new_chat("Ольга Кузнецова")
    register(curator, codes["curator"], "Ольга Кузнецова", role=None)
    mentor = new_chat(MENTOR_NAME)
    register(mentor, codes["join"], MENTOR_NAME, role=MENTOR)
    fill_mentor_nomination(mentor, capacity=capacity)
    mentor.press("Отправить")
    curator.expect("Новая анкета наставника")
    curator.press("Одобрить")
    curator.expect(f"Одобрено: {MENTOR_NAME}")
    mentees = []
    for name in MENTEES:
        mentee = new_chat(name)
        register(mentee, codes["join"], name)
        fill_mentee_request(mentee)
        mentee.press("Отправить")
        curator.expect("Новая заявка наставляемого")
        curator.press("Одобрить")
        curator.expect(f"Одобрено: {name}")
        mentees.append(mentee)
    return curator, mentor, mentees


def _propose_everyone(curator: Chat) -> None:
    curator.send("/menu")
    curator.press("Пары и подбор")
    overview = curator.expect("Ждут наставника: 2")
    assert "осталось" not in overview  # days are on the list, not the overview
    curator.press("Ждут наставника")
    curator.expect("Ждут наставника, дольше всех")
    assert f"{MENTEES[0]} · осталось 30 дн." in curator.buttons()
    curator.press("« К парам")
    curator.press("Подобрать всем")
    draft = curator.expect("Подбор для всей программы: 2 пар")
    assert f"{MENTOR_NAME} ← {MENTEES[0]}" in draft and "цифровые инструменты" in draft
    curator.press("Отправить предложения")
    curator.expect("Предложения отправлены: 2")


def _everyone_agrees(mentor: Chat, mentees: list[Chat]) -> None:
    for mentee in mentees:
        mentee.expect(f"Куратор предлагает вам наставника: {MENTOR_NAME}")
        mentee.press("Согласен(на)")
        mentee.expect("ваше согласие записано")
    for name in MENTEES:
        mentor.expect(f"наставляемого: {name}")
    for name in MENTEES:
        mentor.press("Согласен(на)", under=f"наставляемого: {name}")
        mentor.expect("ваше согласие записано")


def test_a_program_goes_from_nominations_to_active_pairs_in_chat(
    bot: BotProcess, codes: dict[str, str], new_chat: Callable[..., Chat], database_url: str
) -> None:
    curator, mentor, mentees = _program(codes, new_chat, capacity="Двоих")
    _propose_everyone(curator)
    _everyone_agrees(mentor, mentees)

    first = f"Обе стороны согласны: Пара №1: {MENTOR_NAME} → {MENTEES[0]}"
    curator.expect(first)
    curator.press("Утвердить", under=first)
    curator.expect("Срок работы: с")
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    curator.send(today.strftime("%d.%m.%Y"))
    curator.expect("Слишком короткий срок")
    curator.send(today.replace(year=today.year + 2).strftime("%d.%m.%Y"))
    curator.expect("Слишком долгий срок")
    curator.send("31.02.2027")
    curator.expect("Не понял дату")
    curator.press("9 мес.")
    curator.expect("Пара утверждена: Пара №1")
    mentees[0].expect(f"Ваша пара утверждена! Наставник: {MENTOR_NAME}")

    second = f"Обе стороны согласны: Пара №2: {MENTOR_NAME} → {MENTEES[1]}"
    curator.press("Утвердить", under=second)
    curator.press("6 мес.")
    curator.expect("Пара утверждена: Пара №2")
    rows = db.query(database_url, "SELECT status, starts_on, ends_on FROM pairs ORDER BY id")
    assert [r[0] for r in rows] == ["active", "active"]
    assert db.query(
        database_url, "SELECT active_mentees FROM participations WHERE role='mentor'"
    ) == [(2,)]

    curator.press("« К парам")
    curator.press("Реестры")
    curator.expect("Готово — файлы отправлены")
    files = curator.files()
    mentees_file = next(data for name, data in files.items() if name.startswith("mentees_"))
    sheet = openpyxl.load_workbook(io.BytesIO(mentees_file)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(MENTEES[0] in c for c in cells) and any(MENTOR_NAME in c for c in cells)
    curator.press("« К парам")
    curator.press("Проект приказа")
    curator.expect("Готово — файлы отправлены")
    order = next(data for name, data in curator.files().items() if name.startswith("order"))
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(order)).paragraphs)
    tables = " ".join(c.text for t in docx.Document(io.BytesIO(order)).tables for c in t._cells)
    assert MENTOR_NAME in text + tables and "Школа № 1" in text + tables

    curator.press("« К парам")
    curator.press("Работают")
    curator.press("Пара №1")
    curator.expect("Срок:")
    curator.press("Продлить")
    curator.expect("Почему продлеваем срок?")
    curator.press("Болезнь")
    curator.expect("До какой даты продлить?")
    curator.press("+1 мес.")
    curator.expect("Срок продлён до")
    mentees[0].expect("Причина: Болезнь")

    curator.press("« К парам")
    curator.press("Работают")
    curator.press("Пара №2")
    curator.press("Завершить досрочно")
    curator.press("По просьбе наставляемого")
    curator.expect("Пара завершена досрочно")
    mentees[1].expect("Работа вашей пары завершена досрочно")
    assert db.query(
        database_url, "SELECT active_mentees FROM participations WHERE role='mentor'"
    ) == [(1,)]
    kinds = db.query(database_url, "SELECT kind FROM pair_events ORDER BY id")
    assert {"proposed", "agreed", "approved", "extended", "ended_early"} <= {k[0] for k in kinds}


def test_two_approvals_racing_for_the_last_place_exactly_one_refused(
    bot: BotProcess, codes: dict[str, str], new_chat: Callable[..., Chat], database_url: str
) -> None:
    curator, mentor, mentees = _program(codes, new_chat, capacity="Одного")
    second_curator = new_chat("Мария Лебедева")
    register(second_curator, _second_curator_code(bot), "Мария Лебедева", role=None)
    # Both mentees are proposed to the one mentor by hand, one place between them.
    for curator_chat, name in ((curator, MENTEES[0]), (second_curator, MENTEES[1])):
        curator_chat.send("/menu")
        curator_chat.press("Пары и подбор")
        curator_chat.press("Ждут наставника")
        curator_chat.press(name)
        curator_chat.press(f"Предложить: {MENTOR_NAME}")
        curator_chat.expect("Предложение отправлено")
    _everyone_agrees(mentor, mentees)
    for curator_chat, name in ((curator, MENTEES[0]), (second_curator, MENTEES[1])):
        card = f"→ {name}. Утвердите"
        curator_chat.expect(card)
        curator_chat.press("Утвердить", under=card)
        curator_chat.expect("Срок работы: с")
    curator.press("9 мес.")  # both press at the same moment
    second_curator.press("9 мес.")
    outcomes = []
    for curator_chat in (curator, second_curator):
        outcomes.append(curator_chat.expect("утвержден"))
    refused = [o for o in outcomes if "Не утверждено" in o]
    assert len(refused) == 1, outcomes
    assert "уже заняты все места (1 из 1)" in refused[0]
    statuses = sorted(r[0] for r in db.query(database_url, "SELECT status FROM pairs"))
    assert statuses == ["active", "agreed"]
    assert db.query(
        database_url, "SELECT active_mentees FROM participations WHERE role='mentor'"
    ) == [(1,)]


def _second_curator_code(bot: BotProcess) -> str:
    """A second curator of the same organization: a fresh one-time curator code."""
    rows = db.query(
        bot.env["DATABASE_URL"],
        "SELECT organization_id FROM invite_codes WHERE role='curator' LIMIT 1",
    )
    out = cli(bot.env, "curator-code", str(rows[0][0]))
    return out.strip().split(": ", 1)[1]


def test_forged_and_replayed_curator_buttons_are_refused_and_audited(
    bot: BotProcess,
    codes: dict[str, str],
    new_chat: Callable[..., Chat],
    database_url: str,
    bot_env: dict[str, str],
) -> None:
    curator, mentor, mentees = _program(codes, new_chat, capacity="Двоих")
    _propose_everyone(curator)
    _everyone_agrees(mentor, mentees)
    card = f"Обе стороны согласны: Пара №1: {MENTOR_NAME} → {MENTEES[0]}"
    curator.expect(f"Пара №2: {MENTOR_NAME} → {MENTEES[1]}")
    curator.press("Утвердить", under=card)
    curator.expect("Срок работы: с")
    curator.press("9 мес.")
    curator.expect("Пара утверждена")
    before = db.query(database_url, "SELECT id, status, ends_on FROM pairs ORDER BY id")
    audit_before = db.query(database_url, "SELECT count(*) FROM audit_log")[0][0]

    other = create_org(bot_env, "Лицей № 2")
    stranger = new_chat("Сергей Орлов")
    register(stranger, other["curator"], "Сергей Орлов", role=None)
    forgeries = [
        (mentees[0], "m:pappr:2"),  # a mentee approving
        (mentor, "m:pfin:1"),  # a mentor finishing their own pair
        (stranger, "m:pappr:2"),  # another organization's curator
        (stranger, "m:pend:1"),
        (stranger, "m:registry:1"),
        (stranger, "m:prop:1.3.2"),
    ]
    for chat, data in forgeries:
        press_raw(chat, data)
        chat.expect("Это действие вам недоступно")
    press_raw(curator, "m:pappr:1")  # a replay of an approval already made
    curator.expect("Это уже сделано")
    assert db.query(database_url, "SELECT id, status, ends_on FROM pairs ORDER BY id") == before
    audit = db.query(
        database_url, "SELECT action FROM audit_log WHERE id > ? ORDER BY id", audit_before
    )
    actions = [a[0] for a in audit]
    assert actions.count("forbidden") == len(forgeries) and "refused" in actions
    assert not stranger.files()


def test_a_mutual_choice_after_the_candidates_meeting_wins_the_only_place(
    bot: BotProcess, codes: dict[str, str], new_chat: Callable[..., Chat]
) -> None:
    curator, mentor, mentees = _program(codes, new_chat, capacity="Одного")
    chooser = mentees[1]  # without choices the tie would go to the first mentee
    chooser.expect("Куратор одобрил вашу заявку")
    chooser.send("/menu")
    chooser.expect("Что делаем?")
    chooser.press("С кем хочу работать")
    chooser.expect("отметьте, с кем вы хотели бы работать")
    chooser.press(MENTOR_NAME)
    chooser.expect(f"✅ {MENTOR_NAME}")
    mentor.send("/menu")
    mentor.expect("Что делаем?")
    mentor.press("С кем хочу работать")
    mentor.press(MENTEES[1])
    mentor.expect(f"✅ {MENTEES[1]}")
    mentor.press(MENTEES[1])  # changed their mind, then back again
    mentor.expect(MENTEES[1])
    assert f"✅ {MENTEES[1]}" not in mentor.buttons()
    mentor.press(MENTEES[1])
    mentor.expect(f"✅ {MENTEES[1]}")

    curator.send("/menu")
    curator.expect("Что делаем?")
    curator.press("Пары и подбор")
    curator.press("Подобрать всем")
    draft = curator.expect("Подбор для всей программы: 1 пар")
    assert f"{MENTOR_NAME} ← {MENTEES[1]}" in draft and "выбрали друг друга" in draft
    assert f"Без наставника остаются: {MENTEES[0]}" in draft
