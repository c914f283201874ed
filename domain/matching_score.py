"""How well a mentee and a mentor fit: integer points and the reasons behind them.

Reasons are data, not text: handlers render them («совпадают: цифровые инструменты, онлайн;
наставник хочет 14–15 лет»). `reasons` are the criteria that add points, `concerns` the ones
that take points away, each ordered by weight.

A pair is NOT ALLOWED (never proposed, never assigned) when any of these holds:
- mentee and mentor are the same person;
- they have nothing in common: no shared area and neither named the other (stage 5);
- its points are below MIN_POINTS, i.e. the penalties eat up everything they share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.matching_profiles import (
    AREA_INTEREST,
    AREAS,
    INTERESTS,
    MIXED,
    NO_PREFERENCE,
    TIMES,
    MenteeProfile,
    MentorProfile,
    Preferences,
)

# Weights. A shared area is the substance of mentoring, so it weighs most; the mentor's age
# wish and the form say who the mentor is ready to work with; format and time are about
# logistics and can be negotiated; interests only break near-ties.
AREA_POINTS = 10  # per area of the mentee's request the mentor can help with
MAX_COUNTED_AREAS = 3  # the request names at most 3; keeps the bound below exact
FORM_POINTS = 6  # +6 the mentee's form is among the mentor's, -6 it is not, 0 "no preference"
FORMAT_POINTS = 4  # +4 same format, +2 one side "mixed", -4 in person vs online
TIME_POINTS = 2  # per step of closeness on h1_2 < h3_4 < h5_8 < h9_plus: +4 +2 0 -2
AGE_POINTS = 6  # the mentee's age group is one the mentor wants
AGE_PENALTY = 10  # ... or it is not: nearly cancels one shared area
INTEREST_POINTS = 3  # the mentee's areas speak to one of the mentor's interests
MIN_POINTS = 1  # below this a pair is not allowed: leaving the mentee unassigned is as good

# The widest the criteria above can differ between two pairs.
MAX_FEATURE_POINTS = (
    AREA_POINTS * MAX_COUNTED_AREAS
    + FORM_POINTS
    + FORMAT_POINTS
    + 2 * TIME_POINTS
    + AGE_POINTS
    + INTEREST_POINTS
)
MIN_FEATURE_POINTS = -FORM_POINTS - FORMAT_POINTS - TIME_POINTS - AGE_PENALTY
# Stage 5 choices. One side naming the other counts about as much as a shared area; a mutual
# choice outweighs any difference in the criteria plus a one-sided choice, so a mutual pair
# always scores more than any pair that is not mutual.
ONE_SIDED_CHOICE = 12
MUTUAL_CHOICE = MAX_FEATURE_POINTS - MIN_FEATURE_POINTS + ONE_SIDED_CHOICE + 1  # = 88

# Equal weights list in this order.
_KIND_ORDER = (
    "mutual",
    "chosen_by_mentee",
    "chosen_by_mentor",
    "areas",
    "age_wish",
    "form",
    "format",
    "time",
    "interests",
)


@dataclass(frozen=True, slots=True)
class Reason:
    kind: str  # one of _KIND_ORDER
    values: tuple[str, ...]  # option ids: areas, the form, format(s), time(s), age group...
    points: int


@dataclass(frozen=True, slots=True)
class Match:
    mentee_id: int
    mentor_id: int
    points: int
    allowed: bool
    reasons: tuple[Reason, ...]  # adding points, the heaviest first
    concerns: tuple[Reason, ...]  # taking points away, the heaviest first


def score(mentee: MenteeProfile, mentor: MentorProfile, preferences: Preferences) -> Match:
    shared = tuple(area for area in AREAS if area in mentee.areas and area in mentor.areas)
    interests = matched_interests(mentee.areas, mentor.interests)
    parts = [
        Reason("areas", shared, area_points(len(shared))),
        Reason("form", (mentee.form,), form_points(mentee.form, mentor.forms)),
        Reason(
            "format",
            _formats(mentee.format, mentor.format),
            format_points(mentee.format, mentor.format),
        ),
        Reason("time", _times(mentee.time, mentor.time), time_points(mentee.time, mentor.time)),
        Reason("age_wish", (mentee.age_group or "",), age_points(mentee.age_group, mentor.ages)),
        Reason("interests", interests, INTEREST_POINTS if interests else 0),
    ]
    by_mentee = preferences.chose(mentee.person_id, mentor.person_id)
    by_mentor = preferences.chose(mentor.person_id, mentee.person_id)
    if by_mentee and by_mentor:
        parts.append(Reason("mutual", (), MUTUAL_CHOICE))
    elif by_mentee or by_mentor:
        kind = "chosen_by_mentee" if by_mentee else "chosen_by_mentor"
        parts.append(Reason(kind, (), ONE_SIDED_CHOICE))
    points = sum(part.points for part in parts)
    in_common = bool(shared) or by_mentee or by_mentor
    allowed = in_common and points >= MIN_POINTS and mentee.person_id != mentor.person_id
    return Match(
        mentee.person_id,
        mentor.person_id,
        points,
        allowed,
        _ordered(part for part in parts if part.points > 0),
        _ordered(part for part in parts if part.points < 0),
    )


def area_points(shared: int) -> int:
    return AREA_POINTS * min(shared, MAX_COUNTED_AREAS)


def form_points(form: str, forms: frozenset[str]) -> int:
    """Neutral when the mentee has no preference or the mentor named no form."""
    if form == NO_PREFERENCE or not forms:
        return 0
    return FORM_POINTS if form in forms else -FORM_POINTS


def format_points(mentee: str | None, mentor: str | None) -> int:
    if mentee is None or mentor is None:
        return 0
    if mentee == mentor:
        return FORMAT_POINTS
    return FORMAT_POINTS // 2 if MIXED in (mentee, mentor) else -FORMAT_POINTS


def time_points(mentee: str | None, mentor: str | None) -> int:
    if mentee is None or mentor is None:
        return 0
    return TIME_POINTS * (2 - abs(TIMES.index(mentee) - TIMES.index(mentor)))


def age_points(group: str | None, ages: frozenset[str]) -> int:
    if group is None or not ages:
        return 0
    return AGE_POINTS if group in ages else -AGE_PENALTY


def matched_interests(areas: frozenset[str], interests: frozenset[str]) -> tuple[str, ...]:
    spoken = {AREA_INTEREST[area] for area in areas if area in AREA_INTEREST}
    return tuple(interest for interest in INTERESTS if interest in spoken & interests)


def _formats(mentee: str | None, mentor: str | None) -> tuple[str, ...]:
    """The format they would meet in when compatible, else both wishes."""
    if mentee is None or mentor is None:
        return ()
    if mentee == mentor or MIXED in (mentee, mentor):
        return (mentor if mentee == MIXED else mentee,)
    return (mentee, mentor)


def _times(mentee: str | None, mentor: str | None) -> tuple[str, ...]:
    if mentee is None or mentor is None:
        return ()
    return (mentee,) if mentee == mentor else (mentee, mentor)


def _ordered(parts: Iterable[Reason]) -> tuple[Reason, ...]:
    return tuple(sorted(parts, key=lambda r: (-abs(r.points), _KIND_ORDER.index(r.kind))))
