"""Person codes and the duplicate-id check of `csvfast.py` (Numba), after `kernel_csv.parse_rows`.

`parse_rows` leaves each row's person id as its offset and length in the file's buffer and
its stay id as offsets. Here the person ids become dense codes (their bytes compared in full:
equal codes exactly for equal ids) and the stay ids are hashed to find any two alike (only
suspects: `csvfast` then hands the file to the columnar path, which names real duplicates).
This module imports Numba, like kernel_csv; `cache=True`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .kernel_bytes import _hash_bytes, _mix, _words

#: Rows per bucket aimed at when `codes_and_ids` partitions the rows (its tables then sit
#: in the first-level cache).
BUCKET_ROWS = 512


@njit(cache=True, nogil=True)
def codes_and_ids(buf, person, id_start, id_end):
    """Dense codes of the person ids whose offset << 8 | length `parse_rows` left in
    `person` (in place: equal codes exactly for equal ids, their bytes compared in full), and
    whether two stay ids hash alike (then they may be equal: the caller's other path decides).

    By partitions rather than one large table, whose cache misses (one or two a row, random
    over 10-20 MB) cost 0.1-0.2 s per 1,000,000 rows: the rows are counted, then scattered by
    the top bits of their hashes into about n / BUCKET_ROWS buckets (the person's words and
    row; the stay id's hash), and each bucket is settled with a table small enough for the
    first-level cache. Person codes are numbered bucket by bucket (dense, not in order of
    first appearance: nothing downstream reads their order)."""
    n = len(person)
    bits = 0
    while (n >> bits) > BUCKET_ROWS and bits < 14:
        bits += 1
    nb = 1 << bits
    top = nb - 1
    shift = 64 - max(bits, 1)
    where_p = np.zeros(nb + 1, np.int64)
    where_s = np.zeros(nb + 1, np.int64)
    bucket = np.empty(n, np.int32)
    hs = np.empty(n, np.int64)
    for i in range(n):  # count
        a = person[i] >> 8
        size = person[i] & 0xFF
        w0, w1, w2 = _words(buf, a, a + size)
        b = (_mix(w0, w1, w2, size) >> shift) & top if bits else 0
        bucket[i] = b
        where_p[b + 1] += 1
        h = _hash_bytes(buf, id_start[i], id_end[i])
        hs[i] = h
        where_s[((h >> shift) & top if bits else 0) + 1] += 1
    for b in range(nb):
        where_p[b + 1] += where_p[b]
        where_s[b + 1] += where_s[b]
    recs = np.empty((n, 4), np.int64)  # words, size | row << 8
    ids = np.empty(n, np.int64)
    fill_p = where_p[:nb].copy()
    fill_s = where_s[:nb].copy()
    for i in range(n):  # scatter
        a = person[i] >> 8
        size = person[i] & 0xFF
        w0, w1, w2 = _words(buf, a, a + size)
        j = fill_p[bucket[i]]
        fill_p[bucket[i]] += 1
        recs[j, 0], recs[j, 1], recs[j, 2], recs[j, 3] = w0, w1, w2, size | (i << 8)
        h = hs[i]
        b = (h >> shift) & top if bits else 0
        ids[fill_s[b]] = h
        fill_s[b] += 1
    largest = 1
    for b in range(nb):
        largest = max(largest, where_p[b + 1] - where_p[b], where_s[b + 1] - where_s[b])
    size_t = 16
    while size_t < 2 * largest:
        size_t *= 2
    table = np.zeros(size_t, np.int64)
    n_person = 0
    suspect = False
    for b in range(nb):  # each bucket: persons
        lo, hi, mask = _bucket(table, where_p, b)
        for j in range(lo, hi):
            w0, w1, w2, meta = recs[j, 0], recs[j, 1], recs[j, 2], recs[j, 3]
            size = meta & 0xFF
            s = _mix(w0, w1, w2, size) & mask
            while True:
                t = table[s]
                if t == 0:
                    code = n_person
                    n_person += 1
                    table[s] = (j << 32) | (code + 1)
                    break
                q = t >> 32
                if (recs[q, 3] & 0xFF) == size and recs[q, 0] == w0 and recs[q, 1] == w1 \
                        and recs[q, 2] == w2:
                    code = (t & 0xFFFFFFFF) - 1
                    break
                s = (s + 1) & mask
            person[meta >> 8] = code
    for b in range(nb):  # each bucket: stay ids
        lo, hi, mask = _bucket(table, where_s, b)
        for j in range(lo, hi):
            h = ids[j] | 1  # never 0, the empty slot
            s = h & mask
            while table[s] != 0:
                if table[s] == h:
                    suspect = True
                s = (s + 1) & mask
            table[s] = h
    return n_person, suspect


@njit(cache=True, nogil=True, inline="always")
def _bucket(table, where, b):
    """Bucket b's rows (lo, hi) and the mask of a table of twice as many slots, cleared."""
    lo, hi = where[b], where[b + 1]
    mask = 1
    while mask < 2 * (hi - lo):
        mask *= 2
    mask -= 1
    table[:mask + 1] = 0
    return lo, hi, mask
