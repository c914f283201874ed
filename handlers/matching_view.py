"""Matching as the curator reads it: profiles built from the approved answers, scores with
their reasons in words («совпадают: цифровые инструменты; формат: онлайн»)."""

from __future__ import annotations

from collections.abc import Sequence

from bot import forms
from bot.context import Context
from bot.i18n import Translator
from domain import matching
from domain.matching_profiles import MenteeProfile, MentorProfile, Preferences
from domain.matching_score import Match
from handlers.pair_common import local_today
from storage import pairs
from storage.models import Organization
from storage.pairs import Candidate

MENTEE_FORM, MENTOR_FORM = "mentee_request", "mentor_nomination"
# Which question's options name a reason's values.
REASON_OPTIONS = {
    "areas": (MENTEE_FORM, "areas"),
    "format": (MENTEE_FORM, "format"),
    "form": (MENTEE_FORM, "form"),
    "time": (MENTEE_FORM, "time_per_month"),
    "age_wish": (MENTOR_FORM, "mentee_age"),
    "interests": (MENTOR_FORM, "interests"),
}
SHOWN_REASONS = 3


def option_label(locale: str, form_id: str, question_id: str, option_id: object) -> str:
    question = forms.current(form_id, locale).question(question_id)
    option = question.option(str(option_id)) if question else None
    return option.label if option else str(option_id)


def labels(t: Translator, form_id: str, question_id: str, values: object) -> str:
    if not values:
        return "—"
    items = values if isinstance(values, list | tuple) else [values]
    return ", ".join(option_label(t.locale, form_id, question_id, v).lower() for v in items)


def reasons_text(t: Translator, match: Match) -> str:
    parts = []
    for reason in match.reasons[:SHOWN_REASONS]:
        source = REASON_OPTIONS.get(reason.kind)
        values = labels(t, *source, reason.values) if source and reason.values else ""
        parts.append(t(f"pairs.reasons.{reason.kind}", values=values))
    return "; ".join(parts) or t("pairs.reasons.none")


def mentee_profile(candidate: Candidate, year: int) -> MenteeProfile:
    return MenteeProfile.from_answers(candidate.person_id, candidate.answers, year)


def mentor_profile(candidate: Candidate) -> MentorProfile:
    return MentorProfile.from_answers(candidate.person_id, candidate.answers)


async def best_mentors(
    ctx: Context, org: Organization, mentee: Candidate
) -> list[tuple[Candidate, int, str]]:
    """The best three mentors with free places, with the reasons in the curator's words."""
    mentors = await pairs.mentors_with_places(ctx.session, org.id)
    by_id = {m.person_id: m for m in mentors}
    prefs = Preferences.of(await pairs.preferences(ctx.session, org.id))
    year = local_today(org, ctx.now).year
    found = matching.best_mentors(
        mentee_profile(mentee, year),
        [mentor_profile(m) for m in mentors],
        {m.person_id: m.free_places for m in mentors},
        prefs,
    )
    return [(by_id[m.mentor_id], m.points, reasons_text(ctx.t, m)) for m in found]


def common_form(mentee: Candidate, mentor: Candidate) -> str | None:
    """The pair's form: the mentee's wish, else the first form the mentor offers."""
    wish = mentee.answers.get("form")
    if isinstance(wish, str) and wish != "no_preference":
        return wish
    offered = mentor.answers.get("forms")
    return offered[0] if isinstance(offered, list) and offered else None


def mentee_summary(t: Translator, mentee: Candidate, admitted: str, deadline: str) -> str:
    a = mentee.answers
    return t(
        "pairs.mentee_card",
        name=mentee.name,
        admitted=admitted,
        deadline=deadline,
        areas=labels(t, MENTEE_FORM, "areas", a.get("areas")),
        form=labels(t, MENTEE_FORM, "form", a.get("form")),
        format=labels(t, MENTEE_FORM, "format", a.get("format")),
        time=labels(t, MENTEE_FORM, "time_per_month", a.get("time_per_month")),
    )


def mentor_summary(t: Translator, mentor: Candidate, capacity: int) -> str:
    a = mentor.answers
    return t(
        "pairs.mentor_card",
        name=mentor.name,
        free=mentor.free_places,
        capacity=capacity,
        competencies=labels(t, MENTOR_FORM, "competencies", a.get("competencies")),
        forms=labels(t, MENTOR_FORM, "forms", a.get("forms")),
        format=labels(t, MENTOR_FORM, "format", a.get("format")),
        time=labels(t, MENTOR_FORM, "time_per_month", a.get("time_per_month")),
    )


def draft(
    mentees: Sequence[Candidate],
    mentors: Sequence[Candidate],
    choices: set[tuple[int, int]],
    year: int,
) -> matching.Assignment:
    """The optimal assignment for the whole program within every mentor's free places."""
    return matching.assign(
        [mentee_profile(m, year) for m in mentees],
        [mentor_profile(m) for m in mentors],
        {m.person_id: m.free_places for m in mentors},
        Preferences.of(choices),
    )
