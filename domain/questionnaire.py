"""Questionnaires as data: the schema, answer parsing and the order of questions.

A questionnaire file (locales/<lang>/questionnaires/<id>.yaml) becomes a `Questionnaire`;
the runner asks its visible questions one at a time and stores each parsed answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

Answer = str | int | bool | list[str]
Answers = dict[str, Answer]

LIMITS = {"text": (1, 200), "longtext": (1, 1000)}
_DATE = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")


class QType(StrEnum):
    SINGLE = "single"
    MULTI = "multi"
    SCALE = "scale"
    YESNO = "yesno"
    TEXT = "text"
    LONGTEXT = "longtext"
    NUMBER = "number"
    DATE = "date"
    YEAR = "year"

    @property
    def typed(self) -> bool:
        """Answered by typing, not by buttons."""
        return self in (QType.TEXT, QType.LONGTEXT, QType.NUMBER, QType.DATE, QType.YEAR)


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class Condition:
    question: str
    any_of: frozenset[str]

    def holds(self, answers: Answers) -> bool:
        given = answers.get(self.question)
        if isinstance(given, list):
            return bool(self.any_of.intersection(given))
        return given is not None and str(given) in self.any_of


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    type: QType
    text: str
    hint: str = ""
    required: bool = True
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    labels: dict[int, str] = field(default_factory=dict)
    show_if: Condition | None = None
    registry: str | None = None

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    def bounds(self) -> tuple[int, int]:
        default = {
            QType.SCALE: (1, 5),
            QType.NUMBER: (0, 1_000_000),
            QType.YEAR: (1900, 2100),
            QType.MULTI: (1, len(self.options)),
        }.get(self.type, LIMITS.get(self.type, (0, 0)))
        low = self.min if self.min is not None else default[0]
        high = self.max if self.max is not None else default[1]
        return low, high


@dataclass(frozen=True, slots=True)
class Questionnaire:
    id: str
    version: int
    title: str
    intro: str
    outro: str
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def visible(self, answers: Answers) -> list[Question]:
        """Questions that apply given the answers so far, in order."""
        return [q for q in self.questions if q.show_if is None or q.show_if.holds(answers)]

    def next_unanswered(self, answers: Answers, skipped: set[str]) -> Question | None:
        for q in self.visible(answers):
            if q.id not in answers and q.id not in skipped:
                return q
        return None

    def previous(self, question_id: str, answers: Answers) -> Question | None:
        visible = self.visible(answers)
        ids = [q.id for q in visible]
        if question_id not in ids:
            return None
        index = ids.index(question_id)
        return visible[index - 1] if index > 0 else None

    def progress(self, question_id: str, answers: Answers) -> tuple[int, int]:
        ids = [q.id for q in self.visible(answers)]
        return (ids.index(question_id) + 1 if question_id in ids else len(ids)), len(ids)

    def relevant(self, answers: Answers) -> Answers:
        """Only answers to questions still visible (a changed answer can hide others)."""
        ids = {q.id for q in self.visible(answers)}
        return {k: v for k, v in answers.items() if k in ids}


class InvalidAnswer(ValueError):
    """Why the answer was refused: a message key and its values for the person."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def parse_typed(question: Question, text: str, today: date) -> Answer:
    """Turn what the person typed into the stored answer, or raise InvalidAnswer."""
    low, high = question.bounds()
    raw = text.strip()
    match question.type:
        case QType.TEXT | QType.LONGTEXT:
            cleaned = raw if question.type is QType.LONGTEXT else " ".join(raw.split())
            if not low <= len(cleaned) <= high:
                raise InvalidAnswer("length", min=low, max=high, got=len(cleaned))
            return cleaned
        case QType.NUMBER | QType.YEAR:
            digits = raw.replace(" ", "").replace("\u00a0", "")
            if not re.fullmatch(r"-?\d{1,9}", digits):
                key = "year_format" if question.type is QType.YEAR else "number_format"
                raise InvalidAnswer(key)
            value = int(digits)
            if not low <= value <= high:
                raise InvalidAnswer("range", min=low, max=high)
            return value
        case QType.DATE:
            match_ = _DATE.match(raw)
            if match_ is None:
                raise InvalidAnswer("date_format")
            day, month, year = map(int, match_.groups())
            try:
                value_date = date(year, month, day)
            except ValueError:
                raise InvalidAnswer("date_invalid") from None
            if not 1900 <= value_date.year <= today.year + 10:
                raise InvalidAnswer("date_invalid")
            return value_date.isoformat()
    raise InvalidAnswer("use_buttons")


def check_choice(question: Question, value: Answer) -> Answer:
    """Validate a button answer against the question (payloads are never trusted)."""
    match question.type:
        case QType.SINGLE:
            if not isinstance(value, str) or question.option(value) is None:
                raise InvalidAnswer("use_buttons")
        case QType.MULTI:
            low, high = question.bounds()
            if not isinstance(value, list) or any(question.option(v) is None for v in value):
                raise InvalidAnswer("use_buttons")
            if not low <= len(value) <= high:
                raise InvalidAnswer("choose_count", min=low, max=high)
        case QType.SCALE:
            low, high = question.bounds()
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise InvalidAnswer("use_buttons")
        case QType.YESNO:
            if not isinstance(value, bool):
                raise InvalidAnswer("use_buttons")
        case _:
            raise InvalidAnswer("use_buttons")
    return value


def _question(raw: dict[str, Any]) -> Question:
    qtype = QType(raw["type"])
    condition = None
    if raw.get("show_if"):
        cond = raw["show_if"]
        condition = Condition(str(cond["question"]), frozenset(map(str, cond["in"])))
    options = tuple(Option(str(o["id"]), str(o["label"])) for o in raw.get("options", []))
    if qtype in (QType.SINGLE, QType.MULTI) and not options:
        raise ValueError(f"question {raw['id']}: {qtype} needs options")
    return Question(
        id=str(raw["id"]),
        type=qtype,
        text=str(raw["text"]),
        hint=str(raw.get("hint", "")),
        required=bool(raw.get("required", True)),
        options=options,
        min=raw.get("min"),
        max=raw.get("max"),
        labels={int(k): str(v) for k, v in (raw.get("labels") or {}).items()},
        show_if=condition,
        registry=raw.get("registry"),
    )


def from_data(raw: dict[str, Any]) -> Questionnaire:
    questions = tuple(_question(q) for q in raw["questions"])
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise ValueError(f"questionnaire {raw['id']}: duplicate question id {q.id}")
        if q.show_if and q.show_if.question not in seen:
            raise ValueError(f"question {q.id}: show_if must refer to an earlier question")
        seen.add(q.id)
    return Questionnaire(
        id=str(raw["id"]),
        version=int(raw["version"]),
        title=str(raw["title"]),
        intro=str(raw.get("intro", "")),
        outro=str(raw.get("outro", "")),
        questions=questions,
    )
