"""`settle_batch`: a year (or many) of stays for many people, vectorised with NumPy.

Same rules and same fen as `settle_stay` (see its module docstring), computed on arrays:

1. each stay gets its regime (county code prefix, admission date) and the snapshot of that
   regime's parameters in force on its admission date, hence a row of its tables (`tables.py`);
2. stays are ordered by person, admission date and input order; a person's stays of one
   calendar year form a *person-year*, whose accumulators are carried from stay to stay;
3. the k-th stays of all person-years form round k: within a round no person-year appears
   twice, so a round is settled for all its stays at once, tier by tier, reading and updating
   the accumulators by person-year index. Rounds run in order, so every stay sees exactly the
   accumulators `settle_stay` would have been given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from .errors import PolicyError, PolicyErrorCode
from .kinds import KINDS
from .money import INF, apply_ratio
from .regimes import PolicySet, Regime
from .schema import N_CELL, N_GRADE, N_LOC
from .stay_input import Stay
from .tables import regime_tables
from .tier_kind import Gathered, RoundRows

#: Stays settled at once (a round is cut into chunks of this size): 16 Ki × 8 bytes = 128 KiB
#: per array, so that a tier's temporaries stay in the cache.
CHUNK = 1 << 14


@dataclass
class StayBatch:
    """Stays as columns. `person` are integer codes (factorise string ids first)."""

    person: np.ndarray  # int64
    county: np.ndarray  # int64, 6-digit administrative code
    category: np.ndarray  # int8, index into schema.CATEGORIES
    grade: np.ndarray  # int8, 0-3
    location: np.ndarray  # int8, index into schema.LOCATIONS
    referred: np.ndarray  # bool
    admission: np.ndarray  # datetime64[D]
    total: np.ndarray  # int64 fen
    in_policy: np.ndarray  # int64 fen

    def __len__(self) -> int:
        return len(self.person)

    @classmethod
    def from_stays(cls, stays: Sequence[Stay]) -> StayBatch:
        codes: dict[str, int] = {}
        person = [codes.setdefault(s.person_id, len(codes)) for s in stays]
        return cls(
            np.array(person, np.int64), np.array([int(s.county_code) for s in stays], np.int64),
            np.array([s.category for s in stays], np.int8),
            np.array([s.hospital_grade for s in stays], np.int8),
            np.array([s.location for s in stays], np.int8),
            np.array([s.referred for s in stays], bool),
            np.array([s.admission_date for s in stays], "datetime64[D]"),
            np.array([s.total_fen for s in stays], np.int64),
            np.array([s.in_policy_fen for s in stays], np.int64))

    def take(self, index: np.ndarray) -> StayBatch:
        return StayBatch(*(getattr(self, f)[index] for f in self.__dataclass_fields__))


@dataclass
class BatchResult:
    """Amounts per stay, in input order, in fen."""

    tier_ids: list[str]
    amounts: dict[str, np.ndarray]  # tier id → int64 (0 where the tier is not in the regime)
    reimbursed: np.ndarray
    self_pay: np.ndarray
    regimes: list[Regime]
    regime_index: np.ndarray  # int64 index into `regimes`
    deposit_waived: np.ndarray  # bool
    uses_examples: np.ndarray  # bool
    person_year: np.ndarray  # int64 id of the (person, year) of each stay
    funds: dict[str, np.ndarray]  # fund code → int64 amounts of its tiers per stay

    def has_tier(self, tier_id: str) -> np.ndarray:
        having = np.array([any(t.id == tier_id for t in r.tiers) for r in self.regimes], bool)
        return having[self.regime_index]

    def fund_totals(self) -> dict[str, np.ndarray]:
        """Amounts per stay summed by fund (tiers of one fund added)."""
        return self.funds


def assign_regimes(batch: StayBatch, policies: PolicySet) -> tuple[list[Regime], np.ndarray]:
    """Index of each stay's regime in the returned list; -1 where none is in force. A table
    (distinct county × day spanned) is filled from the regimes' date ranges, then read once
    per stay; the first regime found (6-, then 4-, then 2-digit prefix) wins."""
    return policies.regimes, regime_index(batch.county, batch.admission, policies)


def regime_index(county: np.ndarray, admission: np.ndarray, policies: PolicySet
                 ) -> np.ndarray:
    """`assign_regimes` on the two columns it reads (int64 codes, datetime64[D] days)."""
    regimes = policies.regimes
    if len(county) == 0:
        return np.full(0, -1, np.int64)
    codes, inverse = _factorize(county)
    days = admission.astype(np.int64)
    lo = int(days.min())
    span = int(days.max()) - lo + 1
    if len(codes) * span > 4 * len(county) + 10**6:  # dates far apart: a table per county
        return _assign_by_county(admission, policies, codes, inverse)
    table = np.full((len(codes), span), -1, np.int16 if len(regimes) < 2**15 else np.int64)
    for j, code in enumerate(codes.tolist()):
        for regime in _regimes_of(policies, int(code)):
            start = max(int(np.datetime64(regime.start, "D").astype(np.int64)) - lo, 0)
            end = min(int(np.datetime64(regime.end, "D").astype(np.int64)) - lo + 1, span)
            if start < end:
                part = table[j, start:end]
                part[part < 0] = regimes.index(regime)
    days -= lo
    flat = inverse * span  # one gather from the flattened table (faster than table[i, j])
    flat += days
    return np.take(table.ravel(), flat).astype(np.int64)


def _regimes_of(policies: PolicySet, code: int) -> list[Regime]:
    """The regimes that may apply to a county, in the order they are tried."""
    text = f"{code:06d}"
    found: list[Regime] = []
    for n in (6, 4, 2):
        region = policies.region_by_prefix(text[:n])
        if region is not None:
            found += region.regimes
    return found


def _assign_by_county(admission: np.ndarray, policies: PolicySet, codes: np.ndarray,
                      inverse: np.ndarray) -> np.ndarray:
    regimes = policies.regimes
    index = np.full(len(admission), -1, np.int64)
    by_code = _stable_argsort_small(inverse)
    bounds = np.searchsorted(inverse[by_code], np.arange(len(codes) + 1))
    for j, code in enumerate(codes.tolist()):
        sel = by_code[bounds[j]:bounds[j + 1]]
        days = admission[sel]
        for regime in _regimes_of(policies, int(code)):
            hit = (index[sel] < 0) & (days >= np.datetime64(regime.start)) & (
                days <= np.datetime64(regime.end))
            index[sel[hit]] = regimes.index(regime)
    return index


def settle_batch(batch: StayBatch, policies: PolicySet, *,
                 progress: Callable[[int], None] | None = None) -> BatchResult:
    """Settle every stay; raise PolicyError(NO_REGIME) naming the first stay without a regime."""
    n = len(batch)
    regimes, reg = assign_regimes(batch, policies)
    missing = np.flatnonzero(reg < 0)
    if len(missing):
        i = int(missing[0])
        raise PolicyError(PolicyErrorCode.NO_REGIME, what=f"{int(batch.county[i]):06d}",
                          allowed=str(batch.admission[i]), key=f"stay #{i}")
    present = set(np.flatnonzero(np.bincount(reg, minlength=len(regimes))).tolist())
    comp = [regime_tables(policies, r) if i in present else None for i, r in enumerate(regimes)]
    row = _table_rows(batch, reg, comp)

    # rounds: the k-th stays of every person-year; within a round, stays grouped by regime
    order, py, rank = _person_year_order(batch)
    n_reg = max(len(regimes), 1)
    key = rank * n_reg
    key += np.take(reg, order)
    order2, key = _stable_sort_small(key)
    perm = np.take(order, order2)
    py, rank = np.take(py, order2), key // n_reg
    del order, order2  # freed now, reused by the next arrays (fewer fresh pages to fault in)
    rows, tot, inp = np.take(row, perm), np.take(batch.total, perm), np.take(batch.in_policy, perm)
    n_py = int(py.max()) + 1 if n else 0

    tier_ids = policies.tier_ids()
    used = [regimes[i] for i in sorted(present)]
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
    bounds = sorted({*np.asarray(bounds).tolist(), *range(0, n, CHUNK)})
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
    reimbursed = np.take(reimbursed, inverse)
    if one_fund:  # a fund's amounts are those of its tiers (the same array for one tier)
        tiers_of: dict[str, list[str]] = {f: [] for f in funds}
        for tid, f in sorted(fund_of):
            tiers_of[f].append(tid)
        by_fund = {}
        for f, tids in tiers_of.items():
            by_fund[f] = amounts[tids[0]] if len(tids) == 1 else sum(
                (amounts[tid] for tid in tids[1:]), amounts[tids[0]].copy())
    else:
        by_fund = {f: np.take(a, inverse) for f, a in by_fund.items()}
    # the regimes' deposit and example tables end to end: one gather per column
    offsets = np.zeros(len(comp), np.int64)
    deposits, uses = [], []
    for r_i, c in enumerate(comp):
        offsets[r_i] = sum(len(d) for d in deposits)
        if c is not None:
            deposits.append(c.deposit)
            uses.append(c.examples)
    if n:
        at = np.take(offsets, reg) + row if len(present) > 1 else row
        deposit = np.take(np.concatenate(deposits), at)
        examples = np.take(np.concatenate(uses), at)
    else:
        deposit, examples = np.zeros(0, bool), np.zeros(0, bool)
    return BatchResult(tier_ids, amounts, reimbursed, batch.total - reimbursed, regimes, reg,
                       deposit, examples, np.take(py, inverse), by_fund)


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


def _table_rows(batch: StayBatch, reg: np.ndarray, comp: list) -> np.ndarray:
    """Each stay's row in its regime's tables: snapshot (in force on the admission day) ×
    N_CELL + cell. The first row of each (regime, day spanned) is tabulated, then read."""
    n = len(batch)
    cell = (((batch.category.astype(np.int64) * N_LOC + batch.location) * N_GRADE + batch.grade)
            * 2 + batch.referred)
    if n == 0:
        return cell
    days = batch.admission.astype(np.int64)
    lo = int(days.min())
    span = int(days.max()) - lo + 1
    if len(comp) * span > 4 * n + 10**6:  # dates far apart: per regime
        row = np.empty(n, np.int64)
        for r_i, c in enumerate(comp):
            sel = np.flatnonzero(reg == r_i) if c is not None else ()
            if len(sel):
                snap = np.searchsorted(c.snapshot_days, batch.admission[sel], side="right") - 1
                row[sel] = snap * N_CELL + cell[sel]
        return row
    first = np.zeros((len(comp), span), np.int64)
    spanned = np.arange(lo, lo + span)
    for r_i, c in enumerate(comp):
        if c is not None:
            snap = np.searchsorted(c.snapshot_days.astype(np.int64), spanned, side="right") - 1
            first[r_i] = snap * N_CELL
    days -= lo
    flat = reg * span
    flat += days
    cell += np.take(first.ravel(), flat)
    return cell


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_inverse=True), by a table when the values are small
    non-negative integers (6-digit county codes)."""
    if len(values) and 0 <= values.min() and values.max() < 2**21:
        seen = np.bincount(values)
        codes = np.flatnonzero(seen)
        table = np.zeros(len(seen), np.int64)
        table[codes] = np.arange(len(codes))
        return codes, np.take(table, values)
    return np.unique(values, return_inverse=True)


def _stable_argsort_small(key: np.ndarray) -> np.ndarray:
    """Stable argsort (see `_stable_sort_small`)."""
    return _stable_sort_small(key)[0]


def _stable_sort_small(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _person_year_order(batch: StayBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order by (person, admission, input order); person-year id and rank of each stay."""
    n = len(batch)
    if n == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    first = batch.admission.min()
    days = batch.admission.astype(np.int64)
    days -= days.min()
    person = batch.person
    if person.min() < 0 or person.max() >= n:  # densify person codes first
        person = np.unique(person, return_inverse=True)[1].astype(np.int64)
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
    # the year of each day through a table of the days spanned (no datetime64 conversion)
    span = np.arange(first, batch.admission.max() + 1)
    year = np.take(span.astype("datetime64[Y]").astype(np.int32), days)
    new = np.empty(n, bool)
    new[0] = True
    new[1:] = (person[1:] != person[:-1]) | (year[1:] != year[:-1])
    py = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    rank = np.arange(n) - starts[py]
    return order, py, rank
