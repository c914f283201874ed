"""The points of every mentee × mentor pair at once, with numpy.

Gives exactly what matching_score.score gives pair by pair (a unit test compares them): the
per-criterion tables below are filled by the same functions. Area sets are 12-bit masks, the
small criteria (form, format, time, age) are codes looked up in one table per pair of codes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from domain.matching_profiles import (
    AGE_GROUPS,
    AREA_INTEREST,
    AREAS,
    FORMATS,
    FORMS,
    INTERESTS,
    NO_PREFERENCE,
    TIMES,
    MenteeProfile,
    MentorProfile,
    Preferences,
)
from domain.matching_score import (
    INTEREST_POINTS,
    MIN_POINTS,
    age_points,
    area_points,
    form_points,
    format_points,
    score,
    time_points,
)

NOT_ALLOWED = 0  # allowed pairs have at least MIN_POINTS ≥ 1
CHUNK = 1024  # mentees per block: bounds the temporary arrays to a few MB each
assert MIN_POINTS > NOT_ALLOWED

_FORMS = (*FORMS, NO_PREFERENCE)
_FORMATS = (*FORMATS, None)
_TIMES = (*TIMES, None)
_AGES = (*AGE_GROUPS, None)


def _subset(mask: int, names: Sequence[str]) -> frozenset[str]:
    return frozenset(name for bit, name in enumerate(names) if mask >> bit & 1)


def _mask(names: frozenset[str], vocabulary: Sequence[str]) -> int:
    return sum(1 << vocabulary.index(name) for name in names)


_AREA_TABLE = np.array([area_points(m.bit_count()) for m in range(1 << len(AREAS))], np.int16)
_FORM_TABLE = np.array(
    [[form_points(f, _subset(m, FORMS)) for m in range(1 << len(FORMS))] for f in _FORMS], np.int16
)
_FORMAT_TABLE = np.array([[format_points(a, b) for b in _FORMATS] for a in _FORMATS], np.int16)
_TIME_TABLE = np.array([[time_points(a, b) for b in _TIMES] for a in _TIMES], np.int16)
_AGE_TABLE = np.array(
    [[age_points(g, _subset(m, AGE_GROUPS)) for m in range(1 << len(AGE_GROUPS))] for g in _AGES],
    np.int16,
)


def _spoken(areas: frozenset[str]) -> int:
    """The interests a mentee's areas speak to, as a mask."""
    return _mask(frozenset(AREA_INTEREST[a] for a in areas if a in AREA_INTEREST), INTERESTS)


_SPOKEN = np.array([_spoken(_subset(m, AREAS)) for m in range(1 << len(AREAS))], np.uint8)


def points_matrix(
    mentees: Sequence[MenteeProfile], mentors: Sequence[MentorProfile], preferences: Preferences
) -> np.ndarray:
    """int16, mentees × mentors: a pair's points if it is allowed, else NOT_ALLOWED."""
    areas_e = np.array([_mask(m.areas, AREAS) for m in mentees], np.uint16)
    areas_r = np.array([_mask(m.areas, AREAS) for m in mentors], np.uint16)
    interests_r = np.array([_mask(m.interests, INTERESTS) for m in mentors], np.uint8)
    small_e, small_r, small = _small_criteria(mentees, mentors)
    spoken_e = _SPOKEN[areas_e]
    out = np.empty((len(mentees), len(mentors)), np.int16)
    for start in range(0, len(mentees), CHUNK):
        rows = slice(start, start + CHUNK)
        shared = areas_e[rows, None] & areas_r[None, :]
        points = _AREA_TABLE[shared]
        points += small[small_e[rows]][:, small_r]
        spoken = (spoken_e[rows, None] & interests_r[None, :]) != 0
        points += np.multiply(spoken, INTEREST_POINTS, dtype=np.int16)
        allowed = (shared != 0) & (points >= MIN_POINTS)
        out[rows] = np.where(allowed, points, NOT_ALLOWED)
    _patch_choices(out, mentees, mentors, preferences)
    return out


def _small_criteria(
    mentees: Sequence[MenteeProfile], mentors: Sequence[MentorProfile]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes of (form, format, time, age) per person and the points of each pair of codes
    that occurs: there are few distinct codes, so one lookup per pair replaces four."""
    unique_e, index_e = _unique([_mentee_code(m) for m in mentees])
    unique_r, index_r = _unique([_mentor_code(m) for m in mentors])
    e = np.array(unique_e, np.intp).reshape(-1, 4)[:, None, :]
    r = np.array(unique_r, np.intp).reshape(-1, 4)[None, :, :]
    table = (
        _FORM_TABLE[e[..., 0], r[..., 0]]
        + _FORMAT_TABLE[e[..., 1], r[..., 1]]
        + _TIME_TABLE[e[..., 2], r[..., 2]]
        + _AGE_TABLE[e[..., 3], r[..., 3]]
    )
    return index_e, index_r, table


def _mentee_code(m: MenteeProfile) -> tuple[int, int, int, int]:
    form, age = _FORMS.index(m.form), _AGES.index(m.age_group)
    return form, _FORMATS.index(m.format), _TIMES.index(m.time), age


def _mentor_code(m: MentorProfile) -> tuple[int, int, int, int]:
    forms, ages = _mask(m.forms, FORMS), _mask(m.ages, AGE_GROUPS)
    return forms, _FORMATS.index(m.format), _TIMES.index(m.time), ages


def _unique(
    codes: list[tuple[int, int, int, int]],
) -> tuple[list[tuple[int, int, int, int]], np.ndarray]:
    position: dict[tuple[int, int, int, int], int] = {}
    index = np.array([position.setdefault(code, len(position)) for code in codes], np.intp)
    return list(position), index


def _patch_choices(
    out: np.ndarray,
    mentees: Sequence[MenteeProfile],
    mentors: Sequence[MentorProfile],
    preferences: Preferences,
) -> None:
    """Pairs where someone named the other, or one person on both sides: scored one by one."""
    row = {m.person_id: i for i, m in enumerate(mentees)}
    column = {m.person_id: j for j, m in enumerate(mentors)}
    cells = {(row[a], column[b]) for a, b in preferences.choices if a in row and b in column}
    cells |= {(row[b], column[a]) for a, b in preferences.choices if b in row and a in column}
    cells |= {(i, column[p]) for p, i in row.items() if p in column}
    for i, j in cells:
        match = score(mentees[i], mentors[j], preferences)
        out[i, j] = match.points if match.allowed else NOT_ALLOWED
