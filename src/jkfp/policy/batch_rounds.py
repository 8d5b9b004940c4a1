"""`settle_batch`'s tiers with NumPy, round by round (the path without the compiled loop).

The k-th stays of all person-years form round k: within a round no person-year appears
twice, so a round is settled for all its stays at once, tier by tier (`TierKind.settle_rows`),
reading and updating the accumulators by person-year index. Rounds run in order, so every
stay sees exactly the accumulators `settle_stay` would have been given. `kernel.py` computes
the same in one compiled pass; this path is its reference (tests/policy/test_kernel.py) and
the fallback where Numba is missing or `JKFP_POLICY_KERNEL=numpy`.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import numpy as np

from .batch_order import stable_sort_small
from .kinds import KINDS
from .money import INF, apply_ratio
from .tier_kind import Gathered, RoundRows


def settle_rounds(batch, reg: np.ndarray, row: np.ndarray, comp: list, order: np.ndarray,
                  py: np.ndarray, rank: np.ndarray, tier_ids: list[str], chunk: int,
                  progress: Callable[[int], None] | None):
    """Amounts per tier id and reimbursed per stay in input order, the amounts by fund when a
    tier id has two funds (else None), and the person-year of each stay in input order.
    `order`, `py`, `rank`: `batch_order.person_year_order`."""
    n = len(batch)
    n_reg = max(len(comp), 1)
    # rounds: the k-th stays of every person-year; within a round, stays grouped by regime
    key = rank * n_reg
    key += np.take(reg, order)
    order2, key = stable_sort_small(key)
    perm = np.take(order, order2)
    py, rank = np.take(py, order2), key // n_reg
    del order, order2  # freed now, reused by the next arrays (fewer fresh pages to fault in)
    rows, tot, inp = np.take(row, perm), np.take(batch.total, perm), np.take(batch.in_policy, perm)
    n_py = int(py.max()) + 1 if n else 0

    used = [c.regime for c in comp if c is not None]
    funds = list(dict.fromkeys(t.fund for r in used for t in r.tiers))
    present_tiers = {t.id for r in used for t in r.tiers}  # the others stay all zero
    # amounts in round order (a slice per chunk, zero where the chunk's regime lacks the tier),
    # gathered into input order at the end; a tier of no regime used stays all zero
    amounts = {tid: np.empty(n, np.int64) if tid in present_tiers else np.zeros(n, np.int64)
               for tid in tier_ids}
    reimbursed = np.empty(n, np.int64)
    fund_of = {(t.id, t.fund) for r in used for t in r.tiers}
    one_fund = len({tid for tid, _ in fund_of}) == len(fund_of)  # each tier id, one fund
    by_fund = {f: np.zeros(n, np.int64) for f in funds} if not one_fund else {}
    acc: dict = {}
    self_paid = np.zeros(n_py, np.int64)
    # where each round key starts (the keys are sorted and small: counted, not compared)
    bounds = np.concatenate(([0], np.cumsum(np.bincount(key)))) if n else [0]
    # a round's stays are independent of one another: settled in chunks whose temporaries
    # stay in the processor's cache
    bounds = sorted({*np.asarray(bounds).tolist(), *range(0, n, chunk)})
    for s, e in pairwise(bounds):
        c = comp[int(reg[perm[s]])]
        f, p, total, in_pol = rows[s:e], py[s:e], tot[s:e], inp[s:e]
        paid = np.zeros(e - s, np.int64)
        first = bool(rank[s] == 0)  # a chunk is of one round
        room = None
        if c.ceiling_bp is not None:
            cbp = np.take(c.ceiling_bp, f)
            room = apply_ratio(total, cbp)
            if c.ceiling_bp.min() < 0:  # some rows have no ceiling
                room[cbp < 0] = INF
        for t in c.tiers:
            a = _accumulators(acc, t, n_py)
            pay = KINDS[t.kind].settle_rows(t, Gathered(t, f), RoundRows(
                p, total, in_pol, paid, room, rank[s:e], self_paid, *a, first=first))
            paid += pay
            amounts[t.id][s:e] = pay
            if not one_fund:
                by_fund[t.fund][s:e] += pay
        for tid in present_tiers - c.tier_ids:
            amounts[tid][s:e] = 0
        reimbursed[s:e] = paid
        total -= paid  # `tot` is this function's own copy
        if first:
            np.put(self_paid, p, total)
        else:
            self_paid[p] += total
        if progress is not None:
            progress(int(e - s))

    inverse = np.empty(n, np.int64)
    inverse[perm] = np.arange(n)
    amounts = {tid: np.take(a, inverse) if tid in present_tiers else a
               for tid, a in amounts.items()}
    funds_out = None if one_fund else {f: np.take(a, inverse) for f, a in by_fund.items()}
    return amounts, np.take(reimbursed, inverse), funds_out, np.take(py, inverse)


def _accumulators(acc: dict, t, n_py: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tier's accumulators per person-year (base, deductible, paid): each allocated when
    first needed by a tier table that reads it (`TierKind.accumulators_read`); an accumulator
    no table of the tier reads is a shared array of zeros that nothing writes."""
    have = acc.get(t.id)
    if have is None:
        have = acc[t.id] = [None, None, None]
    out = []
    for j, needed in enumerate(KINDS[t.kind].accumulators_read(t)):
        if have[j] is None and needed:
            have[j] = np.zeros(n_py, np.int64)
        if have[j] is not None:
            out.append(have[j])
        else:
            zero = acc.get(None)
            if zero is None:
                zero = acc[None] = np.zeros(n_py, np.int64)
            out.append(zero)
    return out[0], out[1], out[2]



__all__ = ["settle_rounds"]
