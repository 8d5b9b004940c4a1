"""`settle_batch`'s tiers as one compiled loop (Numba), stay by stay in person-year order.

The NumPy path (`batch_rounds.py`) settles the k-th stays of all person-years at once, tier
by tier, with about 25 array passes per tier and chunk and a gather and a scatter of every
accumulator (issue 8, decision 83). Compiled, the same arithmetic runs in one pass over the
stays ordered by (person, admission, input order): a person-year's accumulators are a few
integers carried from one stay to the next and reset at the next person-year, so there are
no rounds, no round sort and no accumulator arrays. The formulas are those of
`Reimbursement.settle_rows` and `Guarantee.settle_rows` (which are `settle_stay`'s), in
int64, to the fen; tests/policy/test_kernel.py keeps both paths equal.

The regimes' tables are handed to the loop flattened (`pack_tables`): every tier table of
every regime used end to end in one int64 array, and one row of integers per tier saying
its kind, base, accumulation, segments, where its table starts, its tier slot (index among
the used ids of `PolicySet.tier_ids()`, so that accumulators carry across regimes as in the
NumPy path) and its fund slot. Compiled ahead of time by `jkfp policy compile` where it has
run (`native.py`, decision 106: no Numba in the process), else `njit(cache=True)`: compiled
on first use into __pycache__ (or Numba's user cache when that folder cannot be written) and
read from there by later processes; Numba itself is imported on the first call only, because
its import costs a process 0.7-1.8 s of CPU (decision 84: when the loop is used).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from . import native
from .money import BP, INF
from .schema import Base, Kind

#: Stays from which `settle_batch` takes the compiled loop on its own (`JKFP_POLICY_KERNEL`
#: unset or `auto`): importing Numba costs a process 0.7-1 s of CPU, paid back by the loop
#: only on batches of about this size (docs/benchmarks.md, decision 83).
AUTO_MIN_STAYS = 10_000_000
#: Stays from which `auto` takes the compiled paths in a process where a compiled function has
#: run already (`warm`): Numba's import and the start of its code generator are paid, and
#: each other function's first call reads it from the cache in 0.01-0.05 s (decision 101).
WARM_MIN_STAYS = 100_000
_warm = False

# columns of a tier's spec row
KIND, BASE, PER_YEAR_DED, SEG_YEAR, ANNUAL, K, OFFSET, ROWS, SLOT, FUND = range(10)
SPEC_WIDTH = 10
_BASES = {Base.IN_POLICY: 0, Base.IN_POLICY_LEFT: 1, Base.TOTAL_LEFT: 2}
_KINDS = {Kind.REIMBURSEMENT: 0, Kind.GUARANTEE: 1}


def use_compiled(n: int, cold_min: int = AUTO_MIN_STAYS) -> bool:
    """Whether the compiled paths take `n` stays (`settle_batch`'s loop, the writer; the
    reader with its own `cold_min`): `JKFP_POLICY_KERNEL` `numba` always, `numpy` never, else
    (`auto`) from `cold_min` stays, or from `WARM_MIN_STAYS` where they cost no start: once a
    compiled function has run in the process (`warm`), or where they are compiled ahead of
    time (`native.py`, decision 106); never where neither Numba nor that module is there."""
    mode = os.environ.get("JKFP_POLICY_KERNEL", "auto").strip().lower()
    if mode == "numpy" or (mode != "numba" and n < cold_min and not (
            n >= WARM_MIN_STAYS and (_warm or native.ahead_of_time()))):
        return False
    return _warm or native.available()


def mark_warm() -> None:
    """A compiled function is loaded in this process (called by each of their loaders)."""
    global _warm
    _warm = True


def is_warm() -> bool:
    """Whether a compiled function has been loaded in this process (Numba's start paid)."""
    return _warm


def compiled(name: str):
    """`native.function(name)`, the process marked warm."""
    fn = native.function(name)
    mark_warm()
    return fn


def settle_loop(*args) -> None:
    """`_settle_loop` compiled (ahead of time, or by Numba on the first call of the process)."""
    compiled("settle_loop")(*args)


def write_rows(*args) -> tuple[int, int]:
    """`kernel_write.write_rows` compiled, as `settle_loop`."""
    # the two tables as arguments, not as defaults: a function with array defaults is never
    # found in Numba's cache (compiled again by every process: 0.4 s, decision 101)
    done, size = compiled("write_rows")(*args, _PAIRS, _POW10)
    return int(done), int(size)


@dataclass
class Packed:
    """The regimes' tables flattened for the loop (see the module docstring)."""

    slots: list[str]  # the tier ids of the slots
    data: np.ndarray  # int64: every tier table, [columns, rows] each, end to end
    spec: np.ndarray  # int64 [tiers, SPEC_WIDTH]
    first: np.ndarray  # int64 [regimes]: the regime's first spec row
    count: np.ndarray  # int64 [regimes]: its number of tiers (0 for a regime not used)
    ceiling: np.ndarray  # int64: the regimes' ceiling columns end to end
    ceiling_at: np.ndarray  # int64 [regimes]: where its column starts, -1 = no ceiling


def pack_tables(comp: list, tier_ids: list[str], funds: list[str]) -> Packed:
    """`comp[r]`: regime r's `RegimeTables`, or None when no stay uses it. A tier's slot is
    the index of its id among those of `tier_ids` that some regime used has (`Packed.slots`)."""
    have = {t.id for c in comp if c is not None for t in c.tiers}
    slots = [tid for tid in tier_ids if tid in have]
    slot = {tid: j for j, tid in enumerate(slots)}
    fund = {f: j for j, f in enumerate(funds)}
    data, spec, ceiling = [], [], []
    n_reg = len(comp)
    first, count = np.zeros(n_reg, np.int64), np.zeros(n_reg, np.int64)
    ceiling_at = np.full(n_reg, -1, np.int64)
    at = c_at = 0
    for r, c in enumerate(comp):
        first[r] = len(spec)
        if c is None:
            continue
        count[r] = len(c.tiers)
        for t in c.tiers:
            table = np.ascontiguousarray(t.table, np.int64)
            spec.append((_KINDS[t.kind], _BASES[t.base], t.per_year_deductible,
                         t.segments_over_year, bool(t.has.get("annual_cap")), t.k, at,
                         table.shape[1], slot[t.id], fund[t.fund]))
            data.append(table.ravel())
            at += table.size
        if c.ceiling_bp is not None:
            ceiling.append(np.asarray(c.ceiling_bp, np.int64))
            ceiling_at[r] = c_at
            c_at += len(c.ceiling_bp)

    def cat(parts, dtype):
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(1, dtype)

    return Packed(slots, cat(data, np.int64),
                  np.array(spec, np.int64).reshape(-1, SPEC_WIDTH), first, count,
                  cat(ceiling, np.int64), ceiling_at)


def _settle_loop(start, end, py, cell, total, in_policy, data, spec, first, count, ceiling,
                 ceiling_at, amounts, by_fund, reimbursed, acc, state):
    """Settle stays start to end - 1 of the stays sorted by person-year, then admission and
    input order; `cell` is each stay's regime << 32 | row of its tables. Every array is in that
    order (gathered into it beforehand by `np.take`, whose tight loop overlaps the cache misses
    far better than random reads in this loop: 0.33 s against 0.10 s on 1,000,000 stays), read
    and written sequentially; `reimbursed` gets each stay's sum of the amounts. `acc[3, slots]`
    (base, deductible borne, paid) and `state` (self-pay of the year so far, current
    person-year) carry over between calls on consecutive slices."""
    n_slots = acc.shape[1]
    inf = np.int64(INF)  # a variable, not the global's literal: typed alike compiled ahead
    self_paid = state[0]
    current = state[1]
    fund_out = by_fund.shape[0] > 0
    for i in range(start, end):
        p = py[i]
        later = p == current  # not the person-year's first stay
        if not later:
            current = p
            self_paid = 0
            for s in range(n_slots):
                acc[0, s] = 0
                acc[1, s] = 0
                acc[2, s] = 0
        r = cell[i] >> 32
        f = cell[i] & 0xFFFFFFFF
        tot = total[i]
        inp = in_policy[i]
        room = inf
        c_at = ceiling_at[r]
        if c_at >= 0:
            cbp = ceiling[c_at + f]
            if cbp >= 0:
                room = (tot * cbp + BP // 2) // BP
        paid = 0
        for q in range(first[r], first[r] + count[r]):
            base = spec[q, OFFSET]
            rows = spec[q, ROWS]
            s = spec[q, SLOT]
            elig = data[base + f]
            if spec[q, KIND] == 0:  # reimbursement
                kb = spec[q, BASE]
                if kb == 0:
                    b = inp
                elif kb == 1:
                    b = max(inp - paid, 0)
                else:
                    b = max(tot - paid, 0)
                b *= elig
                ded = data[base + rows + f]
                sb = data[base + 2 * rows + f]
                # selects rather than branches on the stays' values (mispredicted)
                ded2 = (ded * max(sb, 0) + BP // 2) // BP
                ded = ded2 if (sb >= 0) & later else ded
                ded_before = acc[1, s]
                if spec[q, PER_YEAR_DED]:
                    ded = max(ded - ded_before, 0)
                borne = min(b, ded)
                at0 = acc[0, s] if spec[q, SEG_YEAR] else 0
                lo = at0 + borne
                hi = at0 + b
                k = spec[q, K]
                num = 0
                prev = 0
                for m in range(k):
                    up = data[base + (5 + m) * rows + f]
                    part = max(min(hi, up) - max(lo, prev), 0)
                    num += part * data[base + (5 + k + m) * rows + f]
                    prev = up
                pay = (num + BP // 2) // BP
                pay = min(pay, data[base + 3 * rows + f])  # stay cap
                if spec[q, ANNUAL]:
                    pay = min(pay, max(data[base + 4 * rows + f] - acc[2, s], 0))
                pay = min(pay, max(room - paid, 0))
                pay = min(pay, tot - paid)
                # only the accumulators the NumPy path keeps (`accumulators_read`)
                if spec[q, SEG_YEAR]:
                    acc[0, s] = hi
                if spec[q, PER_YEAR_DED]:
                    acc[1, s] = ded_before + borne
                if spec[q, ANNUAL]:
                    acc[2, s] += pay
            else:  # guarantee
                share = tot - paid
                allowed = inf
                sbp = data[base + rows + f]
                if sbp >= 0:
                    allowed = (tot * sbp + BP // 2) // BP
                allowed = min(allowed, max(data[base + 2 * rows + f] - self_paid, 0))
                pay = max(share - allowed, 0) * elig
                pay = min(pay, max(room - paid, 0))
            paid += pay
            amounts[s, i] = pay
            if fund_out:
                by_fund[spec[q, FUND], i] += pay
        reimbursed[i] = paid
        self_paid += tot - paid
    state[0] = self_paid
    state[1] = current


#: "00" to "99" as bytes: two digits of an amount per division.
_PAIRS = np.frombuffer("".join(f"{i:02d}" for i in range(100)).encode(), np.uint8).copy()
#: 10**d, d = 0..19 (unsigned): the number of digits of an amount by comparisons.
_POW10 = np.array([10**d for d in range(20)], np.uint64)


__all__ = ["AUTO_MIN_STAYS", "WARM_MIN_STAYS", "Packed", "is_warm", "mark_warm", "pack_tables",
           "settle_loop", "use_compiled", "write_rows"]
