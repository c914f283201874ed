"""Dual prices proving an assignment optimal over the candidate pairs (see matching_solve).

For an optimal assignment the smallest duals are longest paths between mentors. v_j, the
price of a place with mentor j, must cover:
- any unassigned candidate i of j (u_i = 0):       v_j ≥ w_ij, and v_j ≥ 0;
- any candidate i of j now with mentor a, since u_i = w_ia - v_a:   v_j ≥ v_a + w_ij - w_ia.
That is a longest path from a source (edges to j of length max(0, w_ij of unassigned i)) over
edges a → j of length w_ij - w_ia. A cycle of positive length, a place left free with a
positive price, or a negative u would each be a better assignment, so finding one means the
assignment was not optimal: NoCertificate.
"""

from __future__ import annotations

import numpy as np

MAX_DUAL = 10_000  # |weights| and duals stay below this, so int16 sums cannot overflow


class NoCertificate(ArithmeticError):
    """The assignment could not be proven optimal; it means a bug, not bad input."""


def duals(
    weights: np.ndarray, places: np.ndarray, keys: np.ndarray, column: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(u per row, v per column), integers ≥ 0, with u_i + v_j ≥ w_ij on every candidate pair
    and u_i + v_j = w_ij on every assigned one."""
    m, n = weights.shape
    rows, columns = np.divmod(keys, n)
    w = weights[rows, columns].astype(np.int64)
    assigned = column >= 0
    value = np.zeros(m, np.int64)
    value[assigned] = weights[np.flatnonzero(assigned), column[assigned]]
    at = column[rows]
    unassigned = at < 0
    base = np.zeros(n, np.int64)
    np.maximum.at(base, columns[unassigned], w[unassigned])
    moves = ~unassigned & (at != columns)
    v = _longest_paths(base, at[moves], columns[moves], w[moves] - value[rows[moves]])
    u = np.where(assigned, value - v[np.maximum(column, 0)], 0)
    taken = np.bincount(column[assigned], minlength=n)
    if (u < 0).any() or (v[taken < places] != 0).any():
        raise NoCertificate("the assignment is not optimal over its candidates")
    if max(int(u.max(initial=0)), int(v.max(initial=0))) >= MAX_DUAL:
        raise NoCertificate("duals out of range")
    return u, v


def _longest_paths(
    base: np.ndarray, start: np.ndarray, end: np.ndarray, length: np.ndarray
) -> np.ndarray:
    """The longest path to each node from a source with an edge of length base_j to node j:
    Bellman-Ford, all edges at once per pass. Without a cycle of positive length it settles
    within n passes (a longest path has fewer than n edges); otherwise there is none."""
    n = base.size
    order = np.argsort(end, kind="stable")
    start, end, length = start[order], end[order], length[order]
    groups = np.flatnonzero(np.r_[True, end[1:] != end[:-1]]) if end.size else end
    reached = end[groups]
    v = base.copy()
    for _ in range(n + 1):
        if not end.size:
            return v
        best = np.maximum.reduceat(v[start] + length, groups)
        better = best > v[reached]
        if not better.any():
            return v
        v[reached[better]] = best[better]
    raise NoCertificate("a cycle of moves with a gain: not optimal")
