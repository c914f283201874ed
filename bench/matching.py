"""The matching engine at scale: score every mentee × mentor pair, then the exact assignment.

Generates random but realistic questionnaire answers from the real option ids (mostly pupils
asking for help, mostly teachers mentoring, capacity 1–3), some stage-5 choices (~5 % of the
mentees in a mutual choice, ~10 % of either side naming someone alone), then times each phase
in this process (no bot, no database):

    python bench/matching.py                       # 10 000 mentees × 3 000 mentors, seed 1
    python bench/matching.py --mentees 2000 --mentors 600 --seed 2
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root

from domain.matching import (
    MenteeProfile,
    MentorProfile,
    Preferences,
    assign,
    free_place_counts,
)
from domain.matching_matrix import points_matrix
from domain.matching_profiles import AREAS
from domain.matching_solve import SolveStats, max_weight_assignment

YEAR = 2026
TEACHER_AREAS = ("methodology", "classroom_management", "digital_tools", "communication",
                 "adaptation", "projects_research", "self_organization")  # fmt: skip
YOUTH_AREAS = AREAS[:10]
MENTEE_KINDS = {  # who: (share, ages, forms asked for, areas)
    "pupil": (70, (7, 18), ("pupil_pupil", "student_pupil", "employer_pupil"), YOUTH_AREAS),
    "student": (15, (16, 22), ("student_student", "lecturer_student", "employer_student"),
                YOUTH_AREAS),
    "teacher": (5, (25, 60), ("teacher_teacher",), TEACHER_AREAS),
    "young_specialist": (7, (22, 28), ("teacher_teacher",), TEACHER_AREAS),
    "other": (3, (18, 40), (), AREAS),
}  # fmt: skip
MENTOR_KINDS = {  # who: (share, forms offered, mentee ages, areas)
    "teacher": (60, ("teacher_teacher", "lecturer_student", "student_pupil"),
                ("age_7_10", "age_11_13", "age_14_15", "age_16_18", "adults"), AREAS),
    "student": (15, ("student_student", "student_pupil"),
                ("age_11_13", "age_14_15", "age_16_18", "college_students"), YOUTH_AREAS),
    "pupil": (10, ("pupil_pupil",), ("age_7_10", "age_11_13", "age_14_15"), YOUTH_AREAS),
    "employer": (15, ("employer_pupil", "employer_student"),
                 ("age_14_15", "age_16_18", "college_students", "adults"), YOUTH_AREAS),
}  # fmt: skip
FORMATS = {"in_person": 50, "online": 20, "mixed": 30}
TIMES = {"h1_2": 30, "h3_4": 40, "h5_8": 20, "h9_plus": 10}
INTERESTS = ("research", "innovation", "social", "creative_sport", "other")


def pick(rng: random.Random, weighted: dict[str, int]) -> str:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def some(rng: random.Random, options: tuple[str, ...], low: int, high: int) -> list[str]:
    return rng.sample(options, min(len(options), rng.randint(low, high)))


def mentee_answers(rng: random.Random) -> dict[str, object]:
    who = pick(rng, {kind: spec[0] for kind, spec in MENTEE_KINDS.items()})
    _, (young, old), forms, areas = MENTEE_KINDS[who]
    return {
        "who": who,
        "birth_year": YEAR - rng.randint(young, old),
        "areas": some(rng, areas, 1, 3),
        "form": rng.choice((*forms, "no_preference")) if forms else "no_preference",
        "format": pick(rng, FORMATS),
        "time_per_month": pick(rng, TIMES),
    }


def mentor_answers(rng: random.Random) -> dict[str, object]:
    who = pick(rng, {kind: spec[0] for kind, spec in MENTOR_KINDS.items()})
    _, forms, ages, areas = MENTOR_KINDS[who]
    competencies = some(rng, areas, 1, 4)
    return {
        "who": who,
        "competencies": competencies,
        "help_areas": sorted({*some(rng, competencies, 1, 2), *some(rng, areas, 0, 2)}),
        "interests": some(rng, INTERESTS, 1, 3),
        "time_per_month": pick(rng, TIMES),
        "mentee_age": some(rng, ages, 1, 3),
        "capacity": pick(rng, {"1": 30, "2": 40, "3": 30}),
        "forms": some(rng, forms, 1, 2),
        "format": pick(rng, FORMATS),
    }


def choices(rng: random.Random, mentees: list[int], mentors: list[int]) -> Preferences:
    """~5 % of the mentees in a mutual choice; ~10 % of either side naming 1–2 alone."""
    pairs: set[tuple[int, int]] = set()
    for mentee in rng.sample(mentees, len(mentees) // 20):
        mentor = rng.choice(mentors)
        pairs |= {(mentee, mentor), (mentor, mentee)}
    for mentee in rng.sample(mentees, len(mentees) // 10):
        pairs |= {(mentee, mentor) for mentor in rng.sample(mentors, rng.randint(1, 2))}
    for mentor in rng.sample(mentors, len(mentors) // 10):
        pairs |= {(mentor, mentee) for mentee in rng.sample(mentees, rng.randint(1, 2))}
    return Preferences(frozenset(pairs))


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentees", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    mentee_ids = list(range(1, args.mentees + 1))
    mentor_ids = list(range(1_000_001, 1_000_001 + args.mentors))
    raw_mentees = [(i, mentee_answers(rng)) for i in mentee_ids]
    raw_mentors = [(i, mentor_answers(rng)) for i in mentor_ids]
    preferences = choices(rng, mentee_ids, mentor_ids)
    before = peak_rss_mib()

    phases: list[tuple[str, float]] = []
    started = time.perf_counter()
    mentees = [MenteeProfile.from_answers(i, a, YEAR) for i, a in raw_mentees]
    mentors = [MentorProfile.from_answers(i, a) for i, a in raw_mentors]
    phases.append(("profiles", time.perf_counter() - started))
    started = time.perf_counter()
    weights = points_matrix(mentees, mentors, preferences)
    phases.append(("scores (all pairs)", time.perf_counter() - started))
    allowed = int(np.count_nonzero(weights))
    started = time.perf_counter()
    places = free_place_counts(mentors, {})
    stats = SolveStats()
    column = max_weight_assignment(weights, places, stats=stats)
    phases.append(("assignment (exact)", time.perf_counter() - started))

    assigned = column >= 0
    total = int(weights[assigned.nonzero()[0], column[assigned]].astype("int64").sum())
    after_phases = peak_rss_mib()
    del weights  # as a caller of assign() would not hold it
    started = time.perf_counter()
    public = assign(mentees, mentors, {}, preferences)
    end_to_end = time.perf_counter() - started
    if public.total != total:
        raise SystemExit(f"assign() found {public.total}, the phases {total}")
    mutual = sum(1 for (a, b) in preferences.choices if a < b and (b, a) in preferences.choices)
    print(f"== matching: {args.mentees} mentees × {args.mentors} mentors, seed {args.seed} ==")
    print(f"  {'places':<22} {int(places.sum())} (capacity 1–3)")
    print(f"  {'choices':<22} {len(preferences.choices)} ({mutual} mutual pairs)")
    print(f"  {'allowed pairs':<22} {allowed} of {args.mentees * args.mentors}")
    for name, seconds in phases:
        print(f"  {name:<22} {seconds:.2f} s")
    print(f"  {'total':<22} {sum(s for _, s in phases):.2f} s")
    print(
        f"  {'  of the assignment':<22} candidates {stats.candidates_s:.2f} s, "
        f"solve+duals {stats.solve_s:.2f} s, check {stats.check_s:.2f} s; {stats.rounds} round(s), "
        f"{stats.first_pairs} → {stats.last_pairs} candidate pairs"
    )
    print(f"  {'assign() end to end':<22} {end_to_end:.2f} s (the public call: all of it again)")
    print(
        f"  {'peak RSS':<22} {after_phases:.0f} MiB after the phases, {peak_rss_mib():.0f} MiB "
        f"after assign() ({before:.0f} MiB before matching: the generated answers)"
    )
    print(f"  {'assigned':<22} {int(assigned.sum())} of {args.mentees}")
    print(f"  {'total score':<22} {total}")


if __name__ == "__main__":
    main()
