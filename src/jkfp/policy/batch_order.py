"""Orders for `settle_batch`: stays by person-year, small keys sorted as values."""

from __future__ import annotations

import numpy as np


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_inverse=True), by a table when the values are small
    non-negative integers (6-digit county codes)."""
    if len(values) and 0 <= values.min() and values.max() < 2**21:
        seen = np.bincount(values)
        codes = np.flatnonzero(seen)
        table = np.zeros(len(seen), np.int64)
        table[codes] = np.arange(len(codes))
        return codes, np.take(table, values)
    return np.unique(values, return_inverse=True)


def stable_argsort_small(key: np.ndarray) -> np.ndarray:
    """Stable argsort (see `stable_sort_small`)."""
    return stable_sort_small(key)[0]


def stable_sort_small(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stable argsort and the sorted keys. When key × n fits 62 bits (round keys do), the keys
    with the index in their low bits are sorted as values (NumPy's vectorised sort, a tenth of
    an argsort's time) and both read back from the sorted values."""
    n = len(key)
    if n and 0 <= key.min():
        idx_bits = max(int(n - 1).bit_length(), 1)
        if int(key.max()).bit_length() + idx_bits <= 62:
            packed = key.astype(np.int64) << idx_bits
            packed |= np.arange(n)
            packed.sort()
            order = packed & ((1 << idx_bits) - 1)
            packed >>= idx_bits
            return order, packed
    order = np.argsort(key, kind="stable")
    return order, np.take(key, order)


def person_days(batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dense person codes (int64 in [0, n), densified when outside), each stay's day counted
    from the first admission, and the year (int32) of each day from the first to the last."""
    days = batch.admission.astype(np.int64)
    days -= days.min()
    person = batch.person
    if person.min() < 0 or person.max() >= len(batch):  # densify person codes first
        person = np.unique(person, return_inverse=True)[1].astype(np.int64)
    span = np.arange(batch.admission.min(), batch.admission.max() + 1)
    return person, days, span.astype("datetime64[Y]").astype(np.int32)


def person_year_order(batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order by (person, admission, input order); person-year id and rank of each stay."""
    n = len(batch)
    if n == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    person, days, year_of_day = person_days(batch)
    idx_bits = max(int(n - 1).bit_length(), 1)
    day_bits = max(int(days.max()).bit_length(), 1)
    if idx_bits + day_bits + max(int(person.max()).bit_length(), 1) <= 62:
        # a unique key whose low bits are the index: sorting the keys themselves (NumPy's
        # vectorised sort, a tenth of an argsort's time) gives the order in those bits, and
        # the person and day in sorted order in the others (no gather)
        key = person << day_bits
        key |= days
        key <<= idx_bits
        key |= np.arange(n)
        key.sort()
        order = key & ((1 << idx_bits) - 1)
        key >>= idx_bits
        days = key & ((1 << day_bits) - 1)
        person = key
        person >>= day_bits
    else:
        order = np.lexsort((np.arange(n), days, person))
        person, days = person[order], days[order]
    year = np.take(year_of_day, days)
    new = np.empty(n, bool)
    new[0] = True
    new[1:] = (person[1:] != person[:-1]) | (year[1:] != year[:-1])
    py = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    rank = np.arange(n) - starts[py]
    return order, py, rank


__all__ = ["factorize", "person_days", "person_year_order", "stable_argsort_small", "stable_sort_small"]
