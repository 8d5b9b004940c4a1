"""The compiled loop's order and scatter (Numba), beside `kernel.py`'s loop (issue 8).

`settle_batch`'s compiled path spent more on moving the stays than on settling them: on
1,000,000 stays, NumPy's sort of the (person, day, index) keys 0.06-0.08 s and the gather of
the loop's outputs back into input order (`np.take` of each output row through the inverse
permutation) 0.07-0.10 s, against 0.12 s for the loop itself. Here:

- `_person_day_order`: a stable counting sort by person (person codes are dense integers),
  writing each stay's (day, index) key into its person's run, then each run sorted by that key
  (an insertion sort: a person has a few stays a year; a run longer than `_SHORT` is sorted by
  NumPy's sort) — the order by (person, admission, input order) that `person_year_order` gives,
  with the person-year id of each position;
- `_scatter_into`: the outputs of a slice of the loop, written row by row in person-year
  order into a small array still in the cache, moved into input order in a stay-major array
  (one cache line a stay instead of one per output row), transposed into rows at the end.

Both are compiled as the loop is (`kernel.compiled`: ahead of time, or by Numba on their
first call).
"""

from __future__ import annotations

import numpy as np

from . import kernel

#: Runs of at most this many stays are sorted by insertion, longer ones by np.sort.
_SHORT = 32


def person_day_order(person: np.ndarray, days: np.ndarray, year_of_day: np.ndarray,
                     n_person: int) -> tuple[np.ndarray, np.ndarray]:
    """Order of the stays by (person, day, input order) and the person-year id of each
    position of that order. `person` int64 codes in [0, n_person), `days` int64 in
    [0, len(year_of_day)), `year_of_day` the year (any int64 label) of each day."""
    n = len(person)
    order = np.empty(n, np.int64)
    py = np.empty(n, np.int64)
    idx_bits = max(int(n - 1).bit_length(), 1)
    kernel.compiled("person_day_order")(person, days, year_of_day, n_person, idx_bits, order, py)
    return order, py


def scatter_into(rows: np.ndarray, order: np.ndarray, result: np.ndarray) -> None:
    """`result[order[i], k] = rows[k, i]` for every output row k: `rows` int64 [k, m] in
    person-year order, `result` int64 [n, k] stay-major in input order."""
    if rows.shape[0] and rows.shape[1]:
        kernel.compiled("scatter_into")(rows, order, result)


def _person_day_order(person, days, year_of_day, n_person, idx_bits, order, py):
    n = len(person)
    start = np.zeros(n_person + 1, np.int64)
    for i in range(n):
        start[person[i] + 1] += 1
    for p in range(n_person):
        start[p + 1] += start[p]
    fill = start[:n_person].copy()
    key = order  # the keys are sorted in place, then reduced to their index bits
    for i in range(n):  # stable: a person's stays keep their input order
        p = person[i]
        key[fill[p]] = (days[i] << idx_bits) | i
        fill[p] += 1
    low = (1 << idx_bits) - 1
    current = -1
    for p in range(n_person):
        a = start[p]
        b = start[p + 1]
        if b - a > _SHORT:
            key[a:b] = np.sort(key[a:b])
        elif b - a > 1:
            for j in range(a + 1, b):
                k = key[j]
                m = j - 1
                while m >= a and key[m] > k:
                    key[m + 1] = key[m]
                    m -= 1
                key[m + 1] = k
        year = -1
        for j in range(a, b):
            y = year_of_day[key[j] >> idx_bits]
            if j == a or y != year:
                current += 1
                year = y
            py[j] = current
            key[j] &= low


def _scatter_into(rows, order, result):
    width, n = rows.shape
    for i in range(n):
        o = order[i]
        for k in range(width):
            result[o, k] = rows[k, i]


__all__ = ["person_day_order", "scatter_into"]
