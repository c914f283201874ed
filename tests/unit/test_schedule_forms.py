"""The pulse and the diagnostics: short, on buttons, the same in both languages."""

from __future__ import annotations

import pytest

from bot import forms
from domain.questionnaire import QType


@pytest.mark.parametrize(("form_id", "size"), [("monthly_pulse", 3), ("quarterly_diagnostics", 5)])
def test_short_and_the_same_in_russian_and_english(form_id: str, size: int) -> None:
    ru, en = forms.current(form_id, "ru"), forms.current(form_id, "en")
    assert len(ru.questions) == size and ru.version == en.version
    assert [(q.id, q.type, q.required) for q in ru.questions] == [
        (q.id, q.type, q.required) for q in en.questions
    ]
    typed = [q for q in ru.questions if q.type.typed]
    assert all(not q.required for q in typed)  # every required answer is a tap


def test_diagnostics_measure_involvement_progress_satisfaction_climate() -> None:
    form = forms.current("quarterly_diagnostics", "ru")
    scales = [q.id for q in form.questions if q.type is QType.SCALE]
    assert scales == ["involvement", "progress", "satisfaction", "climate"]
