"""What matching knows about a mentee and a mentor, read from their questionnaires.

The option ids are the shared vocabularies of locales/*/questionnaires/mentee_request.yaml and
mentor_nomination.yaml. An id this module does not know (a newer or a stale option) is ignored
rather than failing: matching then treats that answer as not given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.rules import MAX_MENTEES_PER_MENTOR

AREAS = (
    "study_subject",
    "exams",
    "projects_research",
    "digital_tools",
    "career",
    "self_organization",
    "communication",
    "adaptation",
    "creativity",
    "sport_health",
    "methodology",
    "classroom_management",
)
FORMS = (
    "pupil_pupil",
    "teacher_teacher",
    "student_student",
    "student_pupil",
    "lecturer_student",
    "employer_pupil",
    "employer_student",
)
NO_PREFERENCE = "no_preference"
FORMATS = ("in_person", "online", "mixed")
MIXED = "mixed"
TIMES = ("h1_2", "h3_4", "h5_8", "h9_plus")  # ordinal: closeness is the distance on this scale
AGE_GROUPS = ("age_7_10", "age_11_13", "age_14_15", "age_16_18", "college_students", "adults")
INTERESTS = ("research", "innovation", "social", "creative_sport", "other")

# Which mentor interest a mentee's area speaks to. Subjects, self-organisation and methodology
# belong to no single direction, so they match no interest; "other" matches nothing.
AREA_INTEREST = {
    "projects_research": "research",
    "exams": "research",
    "digital_tools": "innovation",
    "career": "innovation",
    "communication": "social",
    "adaptation": "social",
    "classroom_management": "social",
    "creativity": "creative_sport",
    "sport_health": "creative_sport",
}

# Upper bounds of the age groups for school pupils (the age reached in the reference year).
_PUPIL_AGES = ((10, "age_7_10"), (13, "age_11_13"), (15, "age_14_15"))
_ADULT_WHO = {"teacher": "adults", "young_specialist": "adults", "student": "college_students"}


@dataclass(frozen=True, slots=True)
class MenteeProfile:
    person_id: int
    areas: frozenset[str]
    form: str  # one of FORMS or NO_PREFERENCE
    format: str | None  # None: not given
    time: str | None
    age_group: str | None  # None: unknown (no year of birth), neutral in scoring

    @classmethod
    def from_answers(
        cls, person_id: int, answers: Mapping[str, object], reference_year: int
    ) -> MenteeProfile:
        """`reference_year`: the year the pairs are formed in; only the year of birth is
        asked, so the age is the one reached in that year."""
        form = _one(answers.get("form"), FORMS)
        return cls(
            person_id=person_id,
            areas=_many(answers.get("areas"), AREAS),
            form=form or NO_PREFERENCE,
            format=_one(answers.get("format"), FORMATS),
            time=_one(answers.get("time_per_month"), TIMES),
            age_group=age_group(answers.get("who"), answers.get("birth_year"), reference_year),
        )


@dataclass(frozen=True, slots=True)
class MentorProfile:
    person_id: int
    areas: frozenset[str]  # competencies ∪ help_areas: what the mentor can help with
    forms: frozenset[str]
    format: str | None
    time: str | None
    ages: frozenset[str]  # the mentee ages the mentor is ready to work with
    interests: frozenset[str]
    capacity: int  # 1..MAX_MENTEES_PER_MENTOR

    @classmethod
    def from_answers(cls, person_id: int, answers: Mapping[str, object]) -> MentorProfile:
        areas = _many(answers.get("competencies"), AREAS) | _many(answers.get("help_areas"), AREAS)
        return cls(
            person_id=person_id,
            areas=areas,
            forms=_many(answers.get("forms"), FORMS),
            format=_one(answers.get("format"), FORMATS),
            time=_one(answers.get("time_per_month"), TIMES),
            ages=_many(answers.get("mentee_age"), AGE_GROUPS),
            interests=_many(answers.get("interests"), INTERESTS),
            capacity=capacity(answers.get("capacity")),
        )


@dataclass(frozen=True, slots=True)
class Preferences:
    """Whom people would like to work with (stage 5), as (chooser, chosen) person ids; a
    choice returned by the other side is mutual."""

    choices: frozenset[tuple[int, int]] = frozenset()

    @classmethod
    def of(cls, pairs: Iterable[tuple[int, int]]) -> Preferences:
        return cls(frozenset((int(a), int(b)) for a, b in pairs))

    def chose(self, chooser: int, chosen: int) -> bool:
        return (chooser, chosen) in self.choices


def age_group(who: object, birth_year: object, reference_year: int) -> str | None:
    """College students and teachers by who they are; everyone else by age."""
    if who in _ADULT_WHO:
        return _ADULT_WHO[str(who)]
    if not isinstance(birth_year, int) or isinstance(birth_year, bool):
        return None
    age = reference_year - birth_year
    for upper, group in _PUPIL_AGES:
        if age <= upper:
            return group
    # a pupil is at school until 18 whatever the year says; "other" over 18 is an adult
    return "age_16_18" if age <= 18 or who == "pupil" else "adults"


def capacity(value: object) -> int:
    """The declared number of mentees, never above the program's maximum; 1 if unreadable."""
    try:
        declared = int(str(value))
    except ValueError:
        declared = 1
    return max(1, min(declared, MAX_MENTEES_PER_MENTOR))


def _one(value: object, known: tuple[str, ...]) -> str | None:
    return value if isinstance(value, str) and value in known else None


def _many(value: object, known: tuple[str, ...]) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple | set | frozenset):
        return frozenset()
    return frozenset(v for v in value if isinstance(v, str) and v in known)
