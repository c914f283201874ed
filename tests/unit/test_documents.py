"""The registries (XLSX) and the draft order (DOCX) built from a real, migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from documents import DOCX, XLSX, order_file, registry_files
from documents.registry import mentee_registry_xlsx
from documents.rows import MenteeRow, mentee_rows, mentor_rows
from storage.db import create_engine, migrate, session_factory
from storage.models import Organization, Pair, PairMember, Participation, Person, Response

NOW = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # already the 25th in Moscow
MENTEE_COLUMNS = [
    "№",
    "ФИО наставляемого",
    "Контактные данные для связи (данные представителя)",
    "Год рождения наставляемого",
    "Основной запрос наставляемого",
    "Дата вхождения в программу",
    "ФИО наставника",
    "Форма наставничества",
    "Место работы/учебы наставника",
    "Дата завершения программы",
    "Результаты программы",
    "Ссылка на кейс/отзыв наставляемого, размещенные на сайте организации",
    "Отметка о прохождении программы",
]
MENTOR_COLUMNS = [
    "№",
    "ФИО наставника",
    "Контактные данные для связи",
    "Место работы/учебы наставника",
    "Основные компетенции наставника",
    "Важные для программы достижения наставника",
    "Интересы наставника",
    "Желаемый возраст наставляемых",
    "Ресурс времени на программу наставничества",
    "Дата вхождения в программу",
    "ФИО наставляемого (наставляемых)",
    "Форма наставничества",
    "Место работы/учебы наставляемого",
    "Дата завершения программы",
    "Результаты программы",
    "Ссылка на кейс/отзыв наставника, размещенные на сайте организации",
]


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[AsyncSession]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'documents.sqlite3'}")
    await migrate(engine)
    async with session_factory(engine)() as db:
        yield db
    await engine.dispose()


class School:
    """A small program: people with approved questionnaires, pairs in every state."""

    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def org(self, name: str) -> int:
        org = Organization(name=name, timezone="Europe/Moscow", created_at=NOW)
        self.db.add(org)
        await self.db.flush()
        return org.id

    async def person(
        self,
        org: int,
        name: str,
        role: str,
        answers: dict[str, Any] | None = None,
        *,
        status: str = "approved",
        admitted: datetime | None = None,
    ) -> int:
        person = Person(full_name=name, locale="ru", created_at=NOW)
        self.db.add(person)
        await self.db.flush()
        self.db.add(
            Participation(
                person_id=person.id,
                organization_id=org,
                role=role,
                status="active",
                created_at=NOW,
                admitted_at=admitted,
            )
        )
        if answers is not None:
            self.respond(org, person.id, role, answers, status)
        return person.id

    def respond(
        self, org: int, person: int, role: str, answers: dict[str, Any], status: str = "approved"
    ) -> None:
        form = "mentee_request" if role == "mentee" else "mentor_nomination"
        self.db.add(
            Response(
                person_id=person,
                organization_id=org,
                questionnaire=form,
                version=1,
                locale="ru",
                status=status,
                answers=answers,
                skipped={"ids": []},
                context={},
                created_at=NOW,
                updated_at=NOW,
                submitted_at=NOW,
                decided_at=datetime(2026, 9, 1, 9, tzinfo=UTC),
            )
        )

    async def pair(
        self, org: int, mentor: int, mentees: list[int], status: str = "active", **extra: Any
    ) -> int:
        pair = Pair(
            organization_id=org,
            mentor_person_id=mentor,
            status=status,
            kind="group" if len(mentees) > 1 else "pair",
            form=extra.pop("form", "pupil_pupil"),
            starts_on=extra.pop("starts_on", date(2026, 10, 1)),
            ends_on=extra.pop("ends_on", date(2027, 5, 31)),
            created_at=NOW,
            updated_at=NOW,
            **extra,
        )
        self.db.add(pair)
        await self.db.flush()
        for mentee in mentees:
            self.db.add(PairMember(pair_id=pair.id, mentee_person_id=mentee, agreed_at=NOW))
        return pair.id


def mentee(year: int, areas: list[str], goal: str, **extra: Any) -> dict[str, Any]:
    return {
        "who": "pupil",
        "class_group": "9А",
        "birth_year": year,
        "areas": areas,
        "goal": goal,
        "form": "pupil_pupil",
        "format": "in_person",
        "time_per_month": "h3_4",
        **extra,
    }


def mentor(workplace: str, **extra: Any) -> dict[str, Any]:
    return {
        "who": "teacher",
        "workplace": workplace,
        "experience_years": 10,
        "competencies": ["exams", "study_subject"],
        "interests": ["research", "social"],
        "motivation": "Хочу помогать ученикам",
        "help_areas": ["exams"],
        "time_per_month": "h5_8",
        "mentee_age": ["age_14_15", "age_16_18"],
        "capacity": "3",
        "forms": ["pupil_pupil"],
        "format": "mixed",
        **extra,
    }


@pytest.fixture
async def school(session: AsyncSession) -> dict[str, int]:
    s = School(session)
    ids = {"org": await s.org("МБОУ «СОШ № 5»"), "other": await s.org("Лицей № 2")}
    org, other = ids["org"], ids["other"]
    await s.person(org, "Смирнова Анна Петровна", "curator")
    ids["ivanov"] = await s.person(
        org,
        "Иванов Иван Иванович",
        "mentor",
        mentor(
            "школа № 5, учитель химии",
            contact="+7 900 000-00-01",
            achievements="Победитель конкурса «Учитель года»",
        ),
        admitted=datetime(2026, 9, 1, 21, 30, tzinfo=UTC),
    )
    ids["petrova"] = await s.person(
        org, "Петрова Мария Сергеевна", "mentor", mentor("школа № 5, 11Б")
    )
    ids["sidorov"] = await s.person(org, "Сидоров Павел", "mentor", mentor("школа № 5"))
    await s.person(org, "Кандидатов Кирилл", "mentor", mentor("x"), status="submitted")
    ids["oleg"] = await s.person(
        org,
        "Кузнецов Олег",
        "mentee",
        mentee(
            2011,
            ["exams"],
            "Подготовиться к ОГЭ по химии",
            contact="мама: +7 900 111-11-11",
        ),
    )
    ids["vera"] = await s.person(
        org, "Белова Вера", "mentee", mentee(2012, ["projects_research"], "Сделать проект")
    )
    ids["gleb"] = await s.person(
        org, "Волков Глеб", "mentee", mentee(2012, ["creativity"], "Научиться рисовать")
    )
    ids["dina"] = await s.person(
        org, "Орлова Дина", "mentee", mentee(2010, ["career"], "Выбрать профессию")
    )
    ids["egor"] = await s.person(
        org, "Ждущий Егор", "mentee", mentee(2013, ["adaptation"], "Освоиться в новой школе")
    )
    await s.person(
        org, "Черновиков Семён", "mentee", mentee(2011, ["exams"], "Сдать ЕГЭ"), status="submitted"
    )
    await s.pair(org, ids["ivanov"], [ids["oleg"]])
    await s.pair(org, ids["petrova"], [ids["vera"], ids["gleb"]], form="student_pupil")
    await s.pair(
        org,
        ids["sidorov"],
        [ids["dina"]],
        status="finished",
        starts_on=date(2025, 10, 1),
        ends_on=date(2026, 5, 31),
        finished_on=date(2026, 5, 25),
        result="Выбрала профиль, поступила в 10 класс",
        completion_mark="fully",
        case_link="https://school5.ru/cases/1",
    )
    # Another organization: its own mentee, paired there with a mentor who is in both and
    # whose newer nomination there names another workplace.
    stranger = await s.person(other, "Чужой Пётр", "mentee", mentee(2011, ["exams"], "ЕГЭ"))
    session.add(
        Participation(
            person_id=ids["ivanov"],
            organization_id=other,
            role="mentor",
            status="active",
            created_at=NOW,
        )
    )
    s.respond(other, ids["ivanov"], "mentor", mentor("лицей № 2"))
    s.respond(other, ids["oleg"], "mentee", mentee(2011, ["career"], "Лицейский запрос"))
    await s.pair(other, ids["ivanov"], [stranger])
    await session.commit()
    return ids


def sheet_rows(content: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(BytesIO(content)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def by_name(rows: list[list[Any]]) -> dict[str, list[list[Any]]]:
    found: dict[str, list[list[Any]]] = {}
    for row in rows[2:]:
        found.setdefault(row[1], []).append(row)
    return found


async def test_files_are_named_by_the_organizations_date(
    session: AsyncSession, school: dict[str, int]
) -> None:
    files = await registry_files(session, school["org"], "ru", now=NOW)
    assert [(name, mime) for name, mime, _ in files] == [
        ("mentees_2026-11-25.xlsx", XLSX),
        ("mentors_2026-11-25.xlsx", XLSX),
    ]
    name, mime, _ = await order_file(session, school["org"], "ru", now=NOW)
    assert (name, mime) == ("order_pairs_2026-11-25.docx", DOCX)


async def test_mentee_registry_has_the_seed_columns_and_the_data(
    session: AsyncSession, school: dict[str, int]
) -> None:
    (_, _, content), _ = await registry_files(session, school["org"], "ru", now=NOW)
    rows = sheet_rows(content)
    assert "МБОУ «СОШ № 5»" in rows[0][0] and "25.11.2026" in rows[0][0]
    assert rows[1] == MENTEE_COLUMNS
    people = by_name(rows)
    assert set(people) == {
        "Кузнецов Олег",
        "Белова Вера",
        "Волков Глеб",
        "Орлова Дина",
        "Ждущий Егор",
    }  # not a pending request, not another school's
    [oleg] = people["Кузнецов Олег"]
    assert oleg[2:5] == [
        "мама: +7 900 111-11-11",
        2011,
        "Экзамены и олимпиады\nПодготовиться к ОГЭ по химии",
    ]
    assert oleg[5] == datetime(2026, 9, 1)  # approved at 09:00 UTC, a real date
    assert oleg[6:9] == ["Иванов Иван Иванович", "Ученик – ученик", "школа № 5, учитель химии"]
    assert oleg[9:] == [None] * 4  # still working
    [vera] = people["Белова Вера"]
    assert vera[6:8] == ["Петрова Мария Сергеевна", "Студент – ученик"]
    [dina] = people["Орлова Дина"]
    assert dina[9:] == [
        datetime(2026, 5, 25),
        "Выбрала профиль, поступила в 10 класс",
        "https://school5.ru/cases/1",
        "Индивидуальный план выполнен в полной мере",
    ]
    [egor] = people["Ждущий Егор"]
    assert egor[1:6] != [None] * 5 and egor[6:] == [None] * 7
    assert [row[0] for row in rows[2:]] == [1, 2, 3, 4, 5]


async def test_mentor_registry_lists_pairs_and_groups_of_this_organization_only(
    session: AsyncSession, school: dict[str, int]
) -> None:
    _, (_, _, content) = await registry_files(session, school["org"], "ru", now=NOW)
    rows = sheet_rows(content)
    assert rows[1] == MENTOR_COLUMNS
    people = by_name(rows)
    assert set(people) == {"Иванов Иван Иванович", "Петрова Мария Сергеевна", "Сидоров Павел"}
    [ivanov] = people["Иванов Иван Иванович"]  # his pair in the other school is not here
    assert ivanov[2:10] == [
        "+7 900 000-00-01",
        "школа № 5, учитель химии",
        "Экзамены и олимпиады; Учебные предметы",
        "Победитель конкурса «Учитель года»",
        "Исследования; Социальные проекты",
        "14–15 лет; 16–18 лет",
        "5–8 часов",
        datetime(2026, 9, 2),  # 00:30 in Moscow
    ]
    assert ivanov[10:13] == ["Кузнецов Олег", "Ученик – ученик", "Ученик школы, 9А"]
    [petrova] = people["Петрова Мария Сергеевна"]
    assert petrova[10] == "Белова Вера\nВолков Глеб"
    assert petrova[12] == "Ученик школы, 9А\nУченик школы, 9А"
    text = repr(rows)
    assert "Чужой" not in text and "лицей" not in text.casefold() and "Кандидатов" not in text


async def test_a_mentor_appears_once_per_pair_latest_first(
    session: AsyncSession, school: dict[str, int]
) -> None:
    s = School(session)
    await s.pair(school["org"], school["sidorov"], [school["egor"]], starts_on=date(2026, 11, 1))
    await session.commit()
    rows = [r for r in await mentor_rows(session, school["org"]) if r.full_name == "Сидоров Павел"]
    assert [(r.mentees, r.finished_on) for r in rows] == [
        ("Ждущий Егор", None),
        ("Орлова Дина", date(2026, 5, 25)),
    ]
    egor = [r for r in await mentee_rows(session, school["org"]) if r.full_name == "Ждущий Егор"]
    assert [r.mentor_name for r in egor] == ["Сидоров Павел"]


async def test_english_registry_uses_english_labels(
    session: AsyncSession, school: dict[str, int]
) -> None:
    (_, _, content), _ = await registry_files(session, school["org"], "en", now=NOW)
    rows = sheet_rows(content)
    assert rows[1][:3] == ["No.", "Mentee's full name", "Contact details (or a representative's)"]
    oleg = by_name(rows)["Кузнецов Олег"][0]
    assert oleg[4].startswith("Exams and olympiads\n") and oleg[7] == "Pupil – pupil"


async def test_order_names_the_organization_and_the_active_pairs(
    session: AsyncSession, school: dict[str, int]
) -> None:
    _, _, content = await order_file(session, school["org"], "ru", now=NOW)
    document = docx.Document(BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "МБОУ «СОШ № 5»" in text and "ПРИКАЗ" in text and "25 ноября 2026 г." in text
    assert "Р-145" in text and "ПРИКАЗЫВАЮ:" in text
    assert "куратор программы наставничества Смирнова Анна Петровна" in text
    [table] = document.tables
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells[0][:3] == ["№ п/п", "Наставник", "Наставляемый (наставляемые)"]
    assert cells[1:] == [
        [
            "1.",
            "Иванов Иван Иванович",
            "Кузнецов Олег",
            "Ученик – ученик",
            "с 01.10.2026\nпо 31.05.2027",
        ],
        [
            "2.",
            "Петрова Мария Сергеевна",
            "Белова Вера\nВолков Глеб",
            "Студент – ученик\n(групповое наставничество)",
            "с 01.10.2026\nпо 31.05.2027",
        ],
    ]  # the finished pair and the other school's pair are not in it
    assert "Чужой" not in text + repr(cells)


def test_typed_text_never_becomes_a_formula() -> None:
    row = MenteeRow('=HYPERLINK("http://evil")', "", None, "=1+2", None)
    rows = sheet_rows(mentee_registry_xlsx([row], Translator("ru")))
    assert rows[2][1:2] == ['=HYPERLINK("http://evil")']
    sheet = openpyxl.load_workbook(BytesIO(mentee_registry_xlsx([row], Translator("ru")))).active
    assert sheet is not None and sheet["B3"].data_type == "s" and sheet["E3"].data_type == "s"


async def test_a_mentee_who_left_a_group_keeps_their_line_but_not_the_groups_result(
    session: AsyncSession, school: dict[str, int]
) -> None:
    member = await session.scalar(
        select(PairMember).where(PairMember.mentee_person_id == school["gleb"])
    )
    assert member is not None
    member.left_on = date(2026, 11, 10)
    await session.commit()
    [gleb] = [r for r in await mentee_rows(session, school["org"]) if r.full_name == "Волков Глеб"]
    assert (gleb.finished_on, gleb.completion_mark) == (date(2026, 11, 10), "")
    assert gleb.results == "Выбыл(а) из группы до окончания срока"
    [petrova] = [
        r for r in await mentor_rows(session, school["org"]) if r.full_name.startswith("Петрова")
    ]
    assert petrova.mentees == "Белова Вера\nВолков Глеб (выбыл(а) 10.11.2026)"
    _, _, content = await order_file(session, school["org"], "ru", now=NOW)
    [table] = docx.Document(BytesIO(content)).tables
    assert "Волков" not in repr([cell.text for row in table.rows for cell in row.cells])
