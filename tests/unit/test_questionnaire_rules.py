"""Parsing and validation of every question type, visibility and progress."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.questionnaire import (
    InvalidAnswer,
    QType,
    check_choice,
    from_data,
    parse_typed,
)

TODAY = date(2026, 11, 24)

FORM: dict[str, Any] = {
    "id": "all_types",
    "version": 3,
    "title": "All types",
    "questions": [
        {
            "id": "who",
            "type": "single",
            "text": "Who?",
            "options": [{"id": "pupil", "label": "Pupil"}, {"id": "teacher", "label": "Teacher"}],
        },
        {
            "id": "class",
            "type": "text",
            "text": "Class?",
            "min": 1,
            "max": 5,
            "show_if": {"question": "who", "in": ["pupil"]},
        },
        {
            "id": "areas",
            "type": "multi",
            "text": "Areas?",
            "min": 1,
            "max": 2,
            "options": [
                {"id": "a", "label": "A"},
                {"id": "b", "label": "B"},
                {"id": "c", "label": "C"},
            ],
        },
        {"id": "mood", "type": "scale", "text": "Mood?", "min": 1, "max": 10},
        {"id": "ok", "type": "yesno", "text": "OK?"},
        {"id": "goal", "type": "longtext", "text": "Goal?", "min": 10, "required": False},
        {"id": "hours", "type": "number", "text": "Hours?", "min": 0, "max": 60},
        {"id": "start", "type": "date", "text": "Start?"},
        {"id": "born", "type": "year", "text": "Born?", "min": 1940, "max": 2020},
    ],
}


def question(qid: str):
    q = from_data(FORM).question(qid)
    assert q is not None
    return q


@pytest.mark.parametrize(
    ("qid", "typed", "reason"),
    [
        ("class", "", "length"),
        ("class", "x" * 6, "length"),
        ("goal", "too short", "length"),
        ("hours", "ten", "number_format"),
        ("hours", "61", "range"),
        ("hours", "-1", "range"),
        ("start", "2026-11-24", "date_format"),
        ("start", "31.02.2026", "date_invalid"),
        ("born", "двадцать", "year_format"),
        ("born", "1939", "range"),
        ("born", "2021", "range"),
        ("who", "Pupil", "use_buttons"),
        ("ok", "yes", "use_buttons"),
    ],
)
def test_invalid_typed_answers_are_refused_with_their_reason(
    qid: str, typed: str, reason: str
) -> None:
    with pytest.raises(InvalidAnswer) as refused:
        parse_typed(question(qid), typed, TODAY)
    assert refused.value.key == reason


def test_valid_typed_answers_are_normalized() -> None:
    assert parse_typed(question("class"), "  7Б  ", TODAY) == "7Б"
    assert parse_typed(question("hours"), " 1 2 ", TODAY) == 12
    assert parse_typed(question("start"), "1.9.2026", TODAY) == "2026-09-01"
    assert parse_typed(question("born"), "2009", TODAY) == 2009
    assert parse_typed(question("goal"), "line one\nline two", TODAY) == "line one\nline two"


@pytest.mark.parametrize(
    ("qid", "value", "reason"),
    [
        ("who", "director", "use_buttons"),
        ("who", ["pupil"], "use_buttons"),
        ("areas", [], "choose_count"),
        ("areas", ["a", "b", "c"], "choose_count"),
        ("areas", ["a", "z"], "use_buttons"),
        ("mood", 0, "use_buttons"),
        ("mood", 11, "use_buttons"),
        ("mood", True, "use_buttons"),
        ("ok", 1, "use_buttons"),
        ("hours", 5, "use_buttons"),
    ],
)
def test_invalid_choices_are_refused(qid: str, value: Any, reason: str) -> None:
    with pytest.raises(InvalidAnswer) as refused:
        check_choice(question(qid), value)
    assert refused.value.key == reason


def test_valid_choices_pass() -> None:
    assert check_choice(question("who"), "teacher") == "teacher"
    assert check_choice(question("areas"), ["a", "c"]) == ["a", "c"]
    assert check_choice(question("mood"), 10) == 10
    assert check_choice(question("ok"), False) is False


def test_show_if_changes_what_is_asked_and_the_progress() -> None:
    form = from_data(FORM)
    assert [q.id for q in form.visible({})][:2] == ["who", "areas"]
    assert form.progress("areas", {}) == (2, 8)
    pupil = {"who": "pupil"}
    assert form.progress("areas", pupil) == (3, 9)
    assert form.next_unanswered(pupil, set()).id == "class"
    assert form.next_unanswered({"who": "teacher"}, set()).id == "areas"
    assert form.previous("areas", pupil).id == "class"
    assert form.relevant({"who": "teacher", "class": "7Б"}) == {"who": "teacher"}


def test_a_skipped_question_is_not_asked_again() -> None:
    form = from_data(FORM)
    answers = {"who": "teacher", "areas": ["a"], "mood": 5, "ok": True}
    assert form.next_unanswered(answers, set()).id == "goal"
    assert form.next_unanswered(answers, {"goal"}).id == "hours"


def test_a_broken_file_is_refused() -> None:
    broken = {**FORM, "questions": [*FORM["questions"], {"id": "who", "type": "text", "text": "?"}]}
    with pytest.raises(ValueError, match="duplicate"):
        from_data(broken)
    forward = {
        **FORM,
        "questions": [
            {"id": "x", "type": "text", "text": "?", "show_if": {"question": "later", "in": ["a"]}}
        ],
    }
    with pytest.raises(ValueError, match="earlier"):
        from_data(forward)
    with pytest.raises(ValueError, match="options"):
        from_data({**FORM, "questions": [{"id": "x", "type": "single", "text": "?"}]})


def test_every_type_is_covered_here() -> None:
    assert {q["type"] for q in FORM["questions"]} == {t.value for t in QType}
