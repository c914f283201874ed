"""The exact best assignment over a sparse set of candidate pairs, as an assignment problem
on the mentors' places.

Each free place of mentor j is a row that every candidate mentee of j may fill; each place
also has its own "stays empty" column of weight 0, so every place can always be matched and
a full matching of the places is exactly an assignment of mentees (an empty place is the
dummy). scipy's min_weight_full_bipartite_matching (LAPJVsp, exact) minimises
Σ (top - w), i.e. maximises Σ w over such matchings.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching


def assign_places(weights: np.ndarray, places: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The column of each row (-1: none) maximising the total weight over the candidate
    pairs `keys` (row * n + column, allowed, open columns only)."""
    m, n = weights.shape
    column = np.full(m, -1, np.intp)
    if not keys.size:
        return column
    rows, columns = np.divmod(keys, n)
    w = weights[rows, columns].astype(np.int64)
    first_place = np.concatenate([[0], np.cumsum(places)])
    owner = np.repeat(np.arange(n), places)  # the mentor of each place
    # every pair (i, j) becomes one edge per place of j
    copies = places[columns]
    offsets = np.arange(copies.sum()) - np.repeat(np.cumsum(copies) - copies, copies)
    place = np.repeat(first_place[columns], copies) + offsets
    top = int(w.max()) + 1  # every cost positive: csgraph takes explicit zeros for no edge
    count = owner.size
    costs = np.concatenate([np.repeat(top - w, copies), np.full(count, top)])
    edges_from = np.concatenate([place, np.arange(count)])
    edges_to = np.concatenate([np.repeat(rows, copies), m + np.arange(count)])
    graph = csr_matrix((costs.astype(np.float64), (edges_from, edges_to)), shape=(count, m + count))
    filled, taker = min_weight_full_bipartite_matching(graph)
    real = taker < m
    column[taker[real]] = owner[filled[real]]
    return column
