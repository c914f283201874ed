"""The exact maximum-weight assignment of mentees (rows) to mentors' free places (columns).

Choose pairs (i, j) of weight w_ij > 0 (≤ 0: not allowed) so that each mentee is in at most
one pair and mentor j in at most c_j, maximising the total. As a linear program

    max Σ w_ij x_ij   subject to   Σ_j x_ij ≤ 1,   Σ_i x_ij ≤ c_j,   x ≥ 0

whose dual is: min Σ u_i + Σ c_j v_j with u, v ≥ 0 and u_i + v_j ≥ w_ij for every allowed
pair. Weak duality makes any assignment and any such (u, v) with equal totals a proof that
the assignment is optimal: that is the certificate checked, in integers, before returning.

At 10 000 × 3 000 there are 30 M pairs, nearly all useless, so (column generation):
1. candidates: each mentee's best mentor, each mentor's best mentee of every block;
2. the exact optimum over the candidates: an assignment problem on the mentors' places
   (scipy's LAPJVsp, matching_places) — fast on a sparse graph;
3. duals for it, from longest paths between mentors (matching_duals);
4. every pair is checked against them at once with numpy; pairs with w_ij > u_i + v_j join
   the candidates and it repeats from 2. When none is left the certificate holds for the
   full problem, so the result is the exact optimum, never a heuristic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from domain.matching_duals import MAX_DUAL, NoCertificate, duals
from domain.matching_places import assign_places

ADDED_PER_ROW = 8  # violating pairs added per mentee and round, the most violating first
CHUNK = 1024  # rows per block of the passes over all pairs: bounds temporary memory
CLOSED = 12_000  # the dual of a mentor with no free place: no pair with it can violate


@dataclass(slots=True)
class SolveStats:
    """What the solver did, for the bench."""

    first_pairs: int = 0  # candidate pairs at the start
    last_pairs: int = 0  # ... in the last round
    rounds: int = 0
    candidates_s: float = 0.0
    solve_s: float = 0.0  # assignment over the candidates and its duals
    check_s: float = 0.0  # the duals against all pairs


def max_weight_assignment(
    weights: np.ndarray,
    places: np.ndarray,
    stats: SolveStats | None = None,
) -> np.ndarray:
    """weights: int16, rows × columns, ≤ 0 where not allowed; places: free places per
    column. Returns the column of each row, -1 for none, maximising the total weight."""
    stats = stats if stats is not None else SolveStats()
    if weights.size and max(int(weights.max()), -int(weights.min())) >= MAX_DUAL:
        raise ValueError(f"weights must lie within ±{MAX_DUAL}")
    places = np.asarray(places, np.int64)
    if not (weights > 0).any() or not (places > 0).any():
        return np.full(weights.shape[0], -1, np.intp)
    started = time.perf_counter()
    keys = _candidates(weights, places)
    stats.first_pairs, stats.candidates_s = keys.size, time.perf_counter() - started
    while True:
        started = time.perf_counter()
        column = assign_places(weights, places, keys)
        u, v = duals(weights, places, keys, column)
        checked = time.perf_counter()
        violated = _violations(weights, places, u, v)
        stats.rounds, stats.last_pairs = stats.rounds + 1, keys.size
        stats.solve_s += checked - started
        stats.check_s += time.perf_counter() - checked
        if not violated.size:
            break
        if _overlap(keys, violated):
            raise NoCertificate("the duals fail on a candidate pair")
        keys = _unique(np.concatenate([keys, violated]))
    _check_certificate(weights, places, column, u, v)
    return column


def _candidates(weights: np.ndarray, places: np.ndarray) -> np.ndarray:
    """Sorted keys (row * n + column) of a cheap start that the dual check then extends: each
    mentee's best open mentor and, from every block of CHUNK mentees, each open mentor's best
    one (so every mentor starts with mentees to fill its places). Ties are broken
    pseudo-randomly, not all towards the first mentor or mentee."""
    m, n = weights.shape
    open_columns = places > 0
    scrambled = _scramble(np.arange(n))[None, :]
    found = [np.empty(0, np.int64)]
    for start in range(0, m, CHUNK):
        block = weights[start : start + CHUNK]
        if not open_columns.all():
            block = np.where(open_columns[None, :], block, 0)
        rows = np.arange(start, start + block.shape[0], dtype=np.int64)
        ranked = (block.astype(np.int32) << 16) | (_scramble(rows)[:, None] ^ scrambled)
        for axis in (1, 0):
            top = ranked.argmax(axis=axis)
            pairs = (np.arange(top.size), top) if axis else (top, np.arange(top.size))
            (hit,) = np.nonzero(block[pairs] > 0)
            found.append(rows[pairs[0][hit]] * n + pairs[1][hit])
    return _unique(np.concatenate(found))


def _violations(
    weights: np.ndarray, places: np.ndarray, u: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """Sorted keys of pairs with w_ij > u_i + v_j (none only if there is none at all): per
    mentee the most violated ones, per mentor and block the worst violator and a scattered
    one. u, v ≥ 0, so a pair that is not allowed (w ≤ 0) never violates. In int16: weights
    and duals lie within ±MAX_DUAL and CLOSED, so w - u - v cannot overflow."""
    m, n = weights.shape
    u16 = u.astype(np.int16)
    v16 = np.where(places > 0, v, CLOSED).astype(np.int16)
    scrambled = _scramble(np.arange(n))[None, :]
    found = [np.empty(0, np.int64)]
    for start in range(0, m, CHUNK):
        block = weights[start : start + CHUNK].astype(np.int16, copy=False)
        excess = block - u16[start : start + CHUNK, None] - v16[None, :]
        violated = excess > 0
        counts = np.count_nonzero(violated, axis=1)
        rows = np.arange(start, start + excess.shape[0], dtype=np.int64)
        if counts.max(initial=0) > ADDED_PER_ROW:  # else _per_mentee takes them all
            found += _per_mentor(excess, violated, rows, scrambled)
        if counts.any():
            found += _per_mentee(excess, violated, counts, rows)
    return _unique(np.concatenate(found))


def _per_mentor(
    excess: np.ndarray, violated: np.ndarray, rows: np.ndarray, scrambled: np.ndarray
) -> list[np.ndarray]:
    """Each mentor's worst violator (it sets the price of the mentor's places) and one picked
    pseudo-randomly: when all mentors rank mentees alike, the worst is the same mentee for
    all of them, and the places would fill a few per round."""
    n = excess.shape[1]
    columns = np.arange(n)
    keys = []
    scatter = np.where(violated, _scramble(rows)[:, None] ^ scrambled, -1)
    for top in (excess.argmax(axis=0), scatter.argmax(axis=0)):
        (hit,) = np.nonzero(violated[top, columns])
        keys.append(rows[top[hit]] * n + hit)
    return keys


def _per_mentee(
    excess: np.ndarray, violated: np.ndarray, counts: np.ndarray, rows: np.ndarray
) -> list[np.ndarray]:
    """Up to ADDED_PER_ROW violations of each mentee, the largest excess first, ties spread."""
    n = excess.shape[1]
    few = np.flatnonzero((counts > 0) & (counts <= ADDED_PER_ROW))
    hit_rows, hit_columns = np.nonzero(violated[few])
    keys = [rows[few[hit_rows]] * n + hit_columns]
    many = np.flatnonzero(counts > ADDED_PER_ROW)
    if many.size:  # a violation ranks ≥ 2**16, above any pair that is none
        tie = _scramble(rows[many])[:, None] ^ _scramble(np.arange(n))[None, :]
        ranked = (excess[many].astype(np.int64) << 16) | tie
        top = np.argpartition(ranked, n - ADDED_PER_ROW, axis=1)[:, -ADDED_PER_ROW:]
        keys.append((rows[many, None] * n + top).ravel())
    return keys


def _scramble(numbers: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random 16-bit value per number (Knuth's multiplicative hash); XORed for
    a row and a column, a tie-breaker that differs from row to row."""
    return ((numbers.astype(np.uint64) * 2654435761) >> 8 & 0xFFFF).astype(np.int32)


def _overlap(sorted_keys: np.ndarray, keys: np.ndarray) -> bool:
    if not sorted_keys.size:
        return False
    position = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    return bool((sorted_keys[position] == keys).any())


def _unique(keys: np.ndarray) -> np.ndarray:
    """Sorted and without repeats, like np.unique, whose hashing is far slower here."""
    keys = np.sort(keys)
    return keys[np.r_[True, keys[1:] != keys[:-1]]] if keys.size else keys


def _check_certificate(
    weights: np.ndarray, places: np.ndarray, column: np.ndarray, u: np.ndarray, v: np.ndarray
) -> None:
    """The assignment is feasible, the duals are (on every pair: _violations found none, and
    they are ≥ 0), and the two totals are equal: exact integers throughout."""
    assigned = np.flatnonzero(column >= 0)
    picked = weights[assigned, column[assigned]].astype(np.int64)
    taken = np.bincount(column[assigned], minlength=places.size)
    if (picked <= 0).any() or (taken > places).any() or (u < 0).any() or (v < 0).any():
        raise NoCertificate("the assignment or its duals break a constraint")
    if int(picked.sum()) != int(u.sum()) + int(places @ v):
        raise NoCertificate(f"total {int(picked.sum())} differs from the dual bound")
