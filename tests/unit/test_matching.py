"""The matching engine: profiles, points and reasons, best mentors, the exact assignment."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from domain import matching_score as weights
from domain.matching import (
    MenteeProfile,
    MentorProfile,
    Preferences,
    Reason,
    assign,
    best_mentors,
    free_place_counts,
    score,
)
from domain.matching_matrix import points_matrix
from domain.matching_profiles import AGE_GROUPS, AREAS, FORMATS, FORMS, INTERESTS, TIMES
from domain.matching_solve import max_weight_assignment
from domain.rules import MAX_MENTEES_PER_MENTOR

YEAR = 2026


def mentee(person_id: int, **answers: object) -> MenteeProfile:
    base: dict[str, object] = {
        "who": "pupil",
        "birth_year": 2011,  # 15 in 2026: age_14_15
        "areas": ["digital_tools"],
        "form": "no_preference",
        "format": "online",
        "time_per_month": "h3_4",
    }
    return MenteeProfile.from_answers(person_id, base | answers, YEAR)


def mentor(person_id: int, **answers: object) -> MentorProfile:
    base: dict[str, object] = {
        "competencies": ["digital_tools"],
        "help_areas": ["exams"],
        "interests": ["innovation"],
        "time_per_month": "h3_4",
        "mentee_age": ["age_14_15"],
        "capacity": "1",
        "forms": ["student_pupil"],
        "format": "mixed",
    }
    return MentorProfile.from_answers(person_id, base | answers)


def random_mentee(rng: random.Random, person_id: int) -> MenteeProfile:
    return MenteeProfile.from_answers(
        person_id,
        {
            "who": rng.choice(["pupil", "student", "teacher", "young_specialist", "other"]),
            "birth_year": rng.choice([None, *range(1980, 2020)]),
            "areas": rng.sample(AREAS[:6], rng.randint(1, 3)),  # few areas: many overlaps
            "form": rng.choice([*FORMS, "no_preference"]),
            "format": rng.choice(FORMATS),
            "time_per_month": rng.choice(TIMES),
        },
        YEAR,
    )


def random_mentor(rng: random.Random, person_id: int) -> MentorProfile:
    return MentorProfile.from_answers(
        person_id,
        {
            "competencies": rng.sample(AREAS[:6], rng.randint(1, 4)),
            "help_areas": rng.sample(AREAS, rng.randint(1, 4)),
            "interests": rng.sample(INTERESTS, rng.randint(1, 3)),
            "time_per_month": rng.choice(TIMES),
            "mentee_age": rng.sample(AGE_GROUPS, rng.randint(1, 4)),
            "capacity": rng.choice("123"),
            "forms": rng.sample(FORMS, rng.randint(1, 3)),
            "format": rng.choice(FORMATS),
        },
    )


def random_choices(rng: random.Random, ids: Sequence[int], count: int) -> Preferences:
    pairs = {tuple(rng.sample(ids, 2)) for _ in range(count)}
    return Preferences.of((a, b) for a, b in pairs)


def brute_force_total(
    mentees: Sequence[MenteeProfile],
    mentors: Sequence[MentorProfile],
    places: Sequence[int],
    preferences: Preferences,
) -> int:
    """The best total over every feasible assignment, by exhaustive search with score()."""
    points = [[score(e, r, preferences) for r in mentors] for e in mentees]
    left = list(places)

    def best(i: int) -> int:
        if i == len(mentees):
            return 0
        result = best(i + 1)  # mentee i stays unassigned
        for j, match in enumerate(points[i]):
            if match.allowed and left[j] > 0:
                left[j] -= 1
                result = max(result, match.points + best(i + 1))
                left[j] += 1
        return result

    return best(0)


def check_feasible(
    result_pairs: Mapping[int, int],
    mentees: Sequence[MenteeProfile],
    mentors: Sequence[MentorProfile],
    places: Mapping[int, int],
    preferences: Preferences,
) -> int:
    """Every pair allowed, no mentor over their places; returns the pairs' total."""
    by_id = {m.person_id: m for m in mentors}
    taken: dict[int, int] = {}
    total = 0
    for mentee_profile in mentees:
        chosen = result_pairs.get(mentee_profile.person_id)
        if chosen is None:
            continue
        match = score(mentee_profile, by_id[chosen], preferences)
        assert match.allowed
        total += match.points
        taken[chosen] = taken.get(chosen, 0) + 1
    for mentor_id, count in taken.items():
        assert count <= places[mentor_id] <= MAX_MENTEES_PER_MENTOR
    return total


# --- profiles ---------------------------------------------------------------------------


def test_a_pupils_age_group_comes_from_the_year_of_birth() -> None:
    groups = [mentee(1, birth_year=YEAR - age).age_group for age in (7, 10, 11, 13, 14, 15, 18)]
    assert groups == [
        "age_7_10",
        "age_7_10",
        "age_11_13",
        "age_11_13",
        "age_14_15",
        "age_14_15",
        "age_16_18",
    ]


def test_students_and_teachers_have_their_group_whatever_their_age() -> None:
    assert mentee(1, who="student", birth_year=2009).age_group == "college_students"
    assert mentee(1, who="teacher", birth_year=2003).age_group == "adults"
    assert mentee(1, who="young_specialist").age_group == "adults"
    assert mentee(1, who="other", birth_year=1990).age_group == "adults"
    assert mentee(1, birth_year=None).age_group is None


def test_mentor_capacity_is_the_declared_one_but_never_above_the_maximum() -> None:
    assert [mentor(1, capacity=c).capacity for c in ("1", "2", "3")] == [1, 2, 3]
    assert mentor(1, capacity="7").capacity == MAX_MENTEES_PER_MENTOR
    assert mentor(1, capacity="много").capacity == 1


def test_a_mentor_helps_with_competencies_and_help_areas_and_unknown_ids_are_dropped() -> None:
    profile = mentor(1, competencies=["exams", "astrology"], help_areas=["career"])
    assert profile.areas == {"exams", "career"}


# --- points and reasons -------------------------------------------------------------------


def test_reasons_list_the_shared_areas_format_and_age_wish_heaviest_first() -> None:
    pupil = mentee(1, areas=["digital_tools", "exams", "career"], format="online")
    match = score(pupil, mentor(2), Preferences())
    assert match.allowed
    kinds = [reason.kind for reason in match.reasons]
    assert kinds[:2] == ["areas", "age_wish"]
    assert match.reasons[0] == Reason("areas", ("exams", "digital_tools"), 20)
    assert Reason("format", ("online",), 2) in match.reasons  # online with a "mixed" mentor
    assert Reason("age_wish", ("age_14_15",), weights.AGE_POINTS) in match.reasons
    assert Reason("interests", ("innovation",), weights.INTEREST_POINTS) in match.reasons
    assert [r.points for r in match.reasons] == sorted(
        (r.points for r in match.reasons), reverse=True
    )
    assert match.points == sum(r.points for r in match.reasons + match.concerns)


def test_concerns_list_what_speaks_against_a_pair() -> None:
    pupil = mentee(1, format="online", time_per_month="h1_2", birth_year=YEAR - 8)
    match = score(pupil, mentor(2, format="in_person", time_per_month="h9_plus"), Preferences())
    assert match.concerns == (
        Reason("age_wish", ("age_7_10",), -weights.AGE_PENALTY),
        Reason("format", ("online", "in_person"), -weights.FORMAT_POINTS),
        Reason("time", ("h1_2", "h9_plus"), -weights.TIME_POINTS),
    )


def test_form_no_preference_is_neutral_between_a_match_and_a_mismatch() -> None:
    host = mentor(2, forms=["student_pupil"])
    points = {f: score(mentee(1, form=f), host, Preferences()).points for f in FORMS[:4]}
    neutral = score(mentee(1, form="no_preference"), host, Preferences()).points
    assert points["student_pupil"] - neutral == weights.FORM_POINTS
    assert neutral - points["pupil_pupil"] == weights.FORM_POINTS


def test_time_counts_more_the_closer_the_two_are() -> None:
    host = mentor(2, time_per_month="h1_2")
    points = [score(mentee(1, time_per_month=t), host, Preferences()).points for t in TIMES]
    assert points == sorted(points, reverse=True) and len(set(points)) == len(TIMES)


def test_a_mutual_choice_outweighs_any_combination_of_the_other_criteria() -> None:
    rng = random.Random(7)
    mentees = [random_mentee(rng, i) for i in range(60)]
    mentors = [random_mentor(rng, 100 + i) for i in range(60)]
    pairs = [(e.person_id, r.person_id) for e, r in zip(mentees, mentors, strict=True)]
    mutual = Preferences.of([*pairs, *((b, a) for a, b in pairs)])
    one_sided = Preferences.of((e.person_id, r.person_id) for e in mentees for r in mentors)
    weakest_mutual = min(score(e, r, mutual).points for e, r in zip(mentees, mentors, strict=True))
    strongest_other = max(score(e, r, one_sided).points for e in mentees for r in mentors)
    assert weakest_mutual > strongest_other
    bound = weights.MAX_FEATURE_POINTS - weights.MIN_FEATURE_POINTS + weights.ONE_SIDED_CHOICE
    assert bound < weights.MUTUAL_CHOICE


def test_a_one_sided_choice_adds_some_points() -> None:
    pupil, host = mentee(1), mentor(2)
    plain = score(pupil, host, Preferences()).points
    chosen = score(pupil, host, Preferences.of([(2, 1)]))
    assert chosen.points == plain + weights.ONE_SIDED_CHOICE
    assert chosen.reasons[0] == Reason("chosen_by_mentor", (), weights.ONE_SIDED_CHOICE)


def test_pairs_with_nothing_in_common_or_too_few_points_are_not_allowed() -> None:
    stranger = mentor(2, competencies=["sport_health"], help_areas=["creativity"])
    assert not score(mentee(1), stranger, Preferences()).allowed  # no shared area
    assert score(mentee(1), stranger, Preferences.of([(1, 2)])).allowed  # ... unless chosen
    assert not score(mentee(2), mentor(2), Preferences()).allowed  # the same person
    awkward = mentor(
        2,
        forms=["pupil_pupil"],
        format="in_person",
        time_per_month="h9_plus",
        mentee_age=["adults"],
    )
    match = score(mentee(1, form="student_pupil", time_per_month="h1_2"), awkward, Preferences())
    assert match.points < weights.MIN_POINTS and not match.allowed  # one area, all else against


def test_the_points_matrix_equals_score_pair_by_pair() -> None:
    rng = random.Random(3)
    mentees = [random_mentee(rng, i) for i in range(80)]
    mentors = [random_mentor(rng, 70 + i) for i in range(40)]  # ids 70..79 on both sides
    preferences = random_choices(rng, list(range(110)), 400)
    matrix = points_matrix(mentees, mentors, preferences)
    expected = [
        [m.points if m.allowed else 0 for m in (score(e, r, preferences) for r in mentors)]
        for e in mentees
    ]
    assert matrix.tolist() == expected
    assert 0 < (matrix > 0).sum() < matrix.size


# --- best mentors ---------------------------------------------------------------------------


def test_best_mentors_skips_full_mentors_and_breaks_ties_by_id() -> None:
    pupil = mentee(1)
    mentors = [mentor(i) for i in (15, 12, 14, 13, 11)]  # all alike: a tie
    best = best_mentors(pupil, mentors, {11: 0, 14: 1}, Preferences(), k=3)
    assert [m.mentor_id for m in best] == [12, 13, 14]
    stronger = best_mentors(pupil, [*mentors, mentor(16, format="online")], {}, Preferences())
    assert [m.mentor_id for m in stronger] == [16, 11, 12]


def test_best_mentors_leaves_out_pairs_that_are_not_allowed() -> None:
    stranger = mentor(9, competencies=["sport_health"], help_areas=["creativity"])
    assert best_mentors(mentee(1), [stranger, mentor(8)], {}, Preferences()) == [
        score(mentee(1), mentor(8), Preferences())
    ]


# --- the assignment -------------------------------------------------------------------------


def test_the_assignment_equals_the_brute_force_optimum_on_small_random_cases() -> None:
    rng = random.Random(11)
    for _ in range(150):
        mentees = [random_mentee(rng, i) for i in range(rng.randint(1, 7))]
        mentors = [random_mentor(rng, 50 + j) for j in range(rng.randint(1, 4))]
        places = {m.person_id: rng.randint(0, m.capacity) for m in mentors}
        ids = [m.person_id for m in mentees] + [m.person_id for m in mentors]
        preferences = random_choices(rng, ids, rng.randint(0, 6))
        result = assign(mentees, mentors, places, preferences)
        counts = [places[m.person_id] for m in mentors]
        assert result.total == brute_force_total(mentees, mentors, counts, preferences)
        assert result.total == check_feasible(result.pairs, mentees, mentors, places, preferences)
        assigned = set(result.pairs) | set(result.unassigned)
        assert assigned == {m.person_id for m in mentees} and len(assigned) == len(mentees)


def slots_optimum(weights_matrix: np.ndarray, places: np.ndarray) -> int:
    """An independent exact optimum: each place a row (or each mentee, whichever side is
    smaller), disallowed pairs at 0, scipy's dense linear_sum_assignment."""
    slots = weights_matrix[:, np.repeat(np.arange(places.size), places)].T
    rows, columns = linear_sum_assignment(slots, maximize=True)
    return int(slots[rows, columns].clip(min=0).sum())


def random_matrix(rng: np.random.Generator, m: int, n: int, kind: int) -> np.ndarray:
    """Uniform, or with the ties that make assignment hard: every mentee ranking the mentors
    alike (a_i + b_j, a_i * b_j), or nearly all pairs equal."""
    a, b = rng.integers(0, 30, (m, 1)), rng.integers(0, 30, (1, n))
    matrix = [rng.integers(-30, 40, (m, n)), a + b, a * b // 10, rng.integers(0, 2, (m, n))][kind]
    return np.asarray(matrix).clip(min=0).astype(np.int16)


def test_the_solver_equals_a_dense_assignment_on_random_matrices() -> None:
    rng = np.random.default_rng(5)
    for case in range(80):
        m, n = int(rng.integers(1, 150)), int(rng.integers(1, 50))
        matrix = random_matrix(rng, m, n, case % 4)
        places = rng.integers(0, 4, n)
        column = max_weight_assignment(matrix, places)
        assigned = np.flatnonzero(column >= 0)
        assert (matrix[assigned, column[assigned]] > 0).all()
        assert (np.bincount(column[assigned], minlength=n) <= places).all()
        assert int(matrix[assigned, column[assigned]].sum()) == slots_optimum(matrix, places)


def test_the_assignment_equals_a_dense_assignment_at_a_few_hundred_people() -> None:
    rng = random.Random(8)
    mentees = [random_mentee(rng, i) for i in range(400)]
    mentors = [random_mentor(rng, 1000 + j) for j in range(120)]
    preferences = random_choices(rng, [m.person_id for m in mentees + mentors], 150)
    result = assign(mentees, mentors, {}, preferences)
    matrix = points_matrix(mentees, mentors, preferences)
    places = free_place_counts(mentors, {})
    assert result.total == slots_optimum(matrix, places)
    assert result.total == check_feasible(
        result.pairs, mentees, mentors, {m.person_id: m.capacity for m in mentors}, preferences
    )


def test_capacities_are_never_exceeded_and_never_above_three() -> None:
    rng = random.Random(2)
    mentees = [mentee(i) for i in range(1, 30)]  # all alike, all want the same mentors
    mentors = [mentor(100 + j, capacity=str(rng.randint(1, 3))) for j in range(4)]
    places = {100: 9, 101: 1, 102: 0}  # 9 is above any capacity; 103 is missing: all free
    result = assign(mentees, mentors, places, Preferences())
    taken = [list(result.pairs.values()).count(100 + j) for j in range(4)]
    limits = free_place_counts(mentors, places).tolist()
    assert taken == limits
    assert limits == [mentors[0].capacity, 1, 0, mentors[3].capacity]
    assert len(result.unassigned) == len(mentees) - sum(limits)


def test_a_mutual_choice_is_preferred_over_a_better_featured_pair() -> None:
    weak = mentee(
        1, areas=["exams"], format="in_person", time_per_month="h9_plus", form="pupil_pupil"
    )
    strong = mentee(2, areas=["digital_tools", "exams"], form="student_pupil")
    host = mentor(3)
    mutual = Preferences.of([(1, 3), (3, 1)])
    assert score(strong, host, Preferences()).points > score(weak, host, Preferences()).points
    result = assign([strong, weak], [host], {}, mutual)
    assert result.pairs == {1: 3} and result.unassigned == (2,)


def test_the_assignment_does_not_depend_on_the_input_order() -> None:
    rng = random.Random(4)
    mentees = [random_mentee(rng, i) for i in range(300)]
    mentors = [random_mentor(rng, 1000 + j) for j in range(60)]
    preferences = random_choices(rng, [m.person_id for m in mentees + mentors], 80)
    first = assign(mentees, mentors, {}, preferences)
    rng.shuffle(mentees)
    rng.shuffle(mentors)
    again = assign(mentees, mentors, {}, preferences)
    assert first == again and first.pairs


def test_nobody_to_assign_or_nowhere_to_go() -> None:
    assert assign([], [mentor(1)], {}, Preferences()).pairs == {}
    assert assign([mentee(1)], [], {}, Preferences()).unassigned == (1,)
    result = assign([mentee(1)], [mentor(2)], {2: 0}, Preferences())
    assert result.pairs == {} and result.unassigned == (1,) and result.total == 0


def test_a_person_listed_twice_is_an_error() -> None:
    with pytest.raises(ValueError):
        assign([mentee(1), mentee(1)], [mentor(2)], {}, Preferences())
