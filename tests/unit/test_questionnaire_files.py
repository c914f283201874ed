"""The shipped questionnaire files load, agree across languages, and keep old versions
readable."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot import forms
from domain.questionnaire import QType

FORMS = ("mentee_request", "mentor_nomination")


@pytest.mark.parametrize("form_id", FORMS)
def test_russian_and_english_files_have_the_same_questions(form_id: str) -> None:
    ru, en = forms.current(form_id, "ru"), forms.current(form_id, "en")
    assert ru.version == en.version
    assert [(q.id, q.type, [o.id for o in q.options]) for q in ru.questions] == [
        (q.id, q.type, [o.id for o in q.options]) for q in en.questions
    ]
    for q in ru.questions + en.questions:
        assert all(len(o.label) <= 30 for o in q.options), q.id


def test_matching_vocabularies_are_shared() -> None:
    mentee, mentor = forms.current(FORMS[0], "ru"), forms.current(FORMS[1], "ru")

    def ids(form: object, qid: str) -> list[str]:
        question = form.question(qid)  # type: ignore[attr-defined]
        return [o.id for o in question.options]

    assert ids(mentee, "areas") == ids(mentor, "competencies") == ids(mentor, "help_areas")
    assert ids(mentee, "format") == ids(mentor, "format")
    assert ids(mentee, "time_per_month") == ids(mentor, "time_per_month")
    assert ids(mentor, "capacity") == ["1", "2", "3"]
    assert mentor.question("capacity").type is QType.SINGLE  # type: ignore[union-attr]


def test_an_old_version_stays_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ru" / "questionnaires"
    folder.mkdir(parents=True)
    old = {
        "id": "pulse",
        "version": 1,
        "title": "Pulse",
        "questions": [{"id": "mood", "type": "scale", "text": "Mood?"}],
    }
    new = {**old, "version": 2, "questions": [{"id": "energy", "type": "yesno", "text": "Energy?"}]}
    (folder / "pulse.v1.yaml").write_text(yaml.safe_dump(old), encoding="utf-8")
    (folder / "pulse.yaml").write_text(yaml.safe_dump(new), encoding="utf-8")
    monkeypatch.setattr(forms, "LOCALES_DIR", tmp_path)
    assert forms.current("pulse", "ru").version == 2  # new respondents get version 2
    assert forms.version("pulse", "ru", 1).question("mood") is not None  # old answers
    assert forms.version("pulse", "ru", 2).question("energy") is not None
