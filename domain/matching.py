"""The matching engine: who fits whom, the best mentors for one mentee, and the assignment of
all mentees to mentors' free places with the largest total score.

Pure domain code: profiles come from questionnaire answers (matching_profiles), a pair's
points and reasons from matching_score, all pairs at once from matching_matrix, the exact
optimum from matching_solve. Free places: `free_places[mentor_id]` is what a mentor has left;
a mentor missing from it has their whole capacity free; never more than the capacity (≤ 3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from domain.matching_duals import NoCertificate
from domain.matching_matrix import points_matrix
from domain.matching_profiles import MenteeProfile, MentorProfile, Preferences
from domain.matching_score import Match, Reason, score
from domain.matching_solve import max_weight_assignment

__all__ = [
    "Assignment",
    "Match",
    "MenteeProfile",
    "MentorProfile",
    "NoCertificate",
    "Preferences",
    "Reason",
    "assign",
    "best_mentors",
    "free_place_counts",
    "score",
]


@dataclass(frozen=True, slots=True)
class Assignment:
    pairs: dict[int, int]  # mentee id -> mentor id
    total: int  # the sum of the pairs' points: the largest any assignment reaches
    unassigned: tuple[int, ...]  # mentee ids without a mentor, ascending


def free_place_counts(
    mentors: Sequence[MentorProfile], free_places: Mapping[int, int]
) -> np.ndarray:
    """Places each mentor can still take, clamped to 0..capacity."""
    counts = [min(free_places.get(m.person_id, m.capacity), m.capacity) for m in mentors]
    return np.maximum(np.array(counts, np.int64), 0)


def best_mentors(
    mentee: MenteeProfile,
    mentors: Sequence[MentorProfile],
    free_places: Mapping[int, int],
    preferences: Preferences,
    k: int = 3,
) -> list[Match]:
    """The k allowed mentors with a free place and the most points; ties by mentor id."""
    points = points_matrix([mentee], mentors, preferences)[0].astype(np.int64)
    ids = np.array([m.person_id for m in mentors], np.int64)
    eligible = np.flatnonzero((points > 0) & (free_place_counts(mentors, free_places) > 0))
    order = eligible[np.lexsort((ids[eligible], -points[eligible]))][:k]
    return [score(mentee, mentors[j], preferences) for j in order]


def assign(
    mentees: Sequence[MenteeProfile],
    mentors: Sequence[MentorProfile],
    free_places: Mapping[int, int],
    preferences: Preferences,
) -> Assignment:
    """Mentees to mentors' free places, maximising the total points (exact). The input order
    does not matter: people are taken by id, so equal optima resolve the same way each time."""
    mentees = sorted(mentees, key=lambda m: m.person_id)
    mentors = sorted(mentors, key=lambda m: m.person_id)
    for people in (mentees, mentors):
        if len({p.person_id for p in people}) != len(people):
            raise ValueError("a person appears twice")
    weights = points_matrix(mentees, mentors, preferences)
    column = max_weight_assignment(weights, free_place_counts(mentors, free_places))
    pairs = {mentees[i].person_id: mentors[j].person_id for i, j in enumerate(column) if j >= 0}
    total = sum(int(weights[i, j]) for i, j in enumerate(column) if j >= 0)
    unassigned = tuple(m.person_id for m in mentees if m.person_id not in pairs)
    return Assignment(pairs, total, unassigned)
