"""`settle_batch`: a year (or many) of stays for many people, vectorised with NumPy.

Same rules and same fen as `settle_stay` (see its module docstring), computed on arrays:

1. each stay gets its regime (county code prefix, admission date) and the snapshot of that
   regime's parameters in force on its admission date, hence a row of its tables (`tables.py`);
2. stays are ordered by person, admission date and input order; a person's stays of one
   calendar year form a *person-year*, whose accumulators are carried from stay to stay;
3. the tiers are settled either by one compiled loop over the stays in that order, the
   accumulators of the person-year carried from stay to stay (`kernel.py`, decision 83), or
   by NumPy in rounds: the k-th stays of all person-years form round k, settled at once, tier
   by tier (`batch_rounds.py`). Both give every stay exactly the accumulators `settle_stay`
   would have been given; which one runs is `kernel.use_compiled`'s choice (decision 84).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import kernel, kernel_order
from .batch_order import factorize, person_days, person_year_order, stable_argsort_small
from .batch_rounds import settle_rounds
from .errors import PolicyError, PolicyErrorCode
from .regimes import PolicySet, Regime
from .schema import N_CELL, N_GRADE, N_LOC
from .stay_input import Stay
from .tables import regime_tables

#: Stays settled at once (a round is cut into chunks of this size): 16 Ki × 8 bytes = 128 KiB
#: per array, so that a tier's temporaries stay in the cache.
CHUNK = 1 << 14
#: Stays per call of the compiled loop: its outputs (a few rows of this many int64) stay in
#: the cache until they are scattered into input order.
KERNEL_SLICE = 1 << 15


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
    codes, inverse = factorize(county)
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
    by_code = stable_argsort_small(inverse)
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
                 progress: Callable[[int], None] | None = None,
                 regime: np.ndarray | None = None) -> BatchResult:
    """Settle every stay; raise PolicyError(NO_REGIME) naming the first stay without a regime.
    `regime`: `assign_regimes`' index of each stay in `policies.regimes`, where the caller has
    it already (the reader of `jkfp settle` checks it)."""
    regimes, reg = (policies.regimes, regime) if regime is not None else assign_regimes(
        batch, policies)
    missing = np.flatnonzero(reg < 0)
    if len(missing):
        i = int(missing[0])
        raise PolicyError(PolicyErrorCode.NO_REGIME, what=f"{int(batch.county[i]):06d}",
                          allowed=str(batch.admission[i]), key=f"stay #{i}")
    present = set(np.flatnonzero(np.bincount(reg, minlength=len(regimes))).tolist())
    comp = [regime_tables(policies, r) if i in present else None for i, r in enumerate(regimes)]
    row = _table_rows(batch, reg, comp)

    tier_ids = policies.tier_ids()
    used = [regimes[i] for i in sorted(present)]
    funds = list(dict.fromkeys(t.fund for r in used for t in r.tiers))
    fund_of = {(t.id, t.fund) for r in used for t in r.tiers}
    one_fund = len({tid for tid, _ in fund_of}) == len(fund_of)  # each tier id, one fund
    if kernel.use_compiled(len(batch)):
        order, py = _compiled_order(batch)
        amounts, reimbursed, by_fund, py_in = _settle_compiled(
            batch, reg, row, comp, order, py, tier_ids, funds, one_fund, progress)
    else:
        order, py, rank = person_year_order(batch)
        amounts, reimbursed, by_fund, py_in = settle_rounds(
            batch, reg, row, comp, order, py, rank, tier_ids, CHUNK, progress)
    deposit, examples = _flags(reg, row, comp, len(present))
    if by_fund is None:  # a fund's amounts are those of its tiers (the same array for one tier)
        tiers_of: dict[str, list[str]] = {f: [] for f in funds}
        for tid, f in sorted(fund_of):
            tiers_of[f].append(tid)
        by_fund = {}
        for f, tids in tiers_of.items():
            by_fund[f] = amounts[tids[0]] if len(tids) == 1 else sum(
                (amounts[tid] for tid in tids[1:]), amounts[tids[0]].copy())
    return BatchResult(tier_ids, amounts, reimbursed, batch.total - reimbursed, regimes, reg,
                       deposit, examples, py_in, by_fund)


def _compiled_order(batch: StayBatch) -> tuple[np.ndarray, np.ndarray]:
    """`person_year_order`'s order and person-years by the compiled counting sort."""
    if len(batch) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    person, days, year_of_day = person_days(batch)
    return kernel_order.person_day_order(person.astype(np.int64, copy=False), days,
                                         year_of_day.astype(np.int64), int(person.max()) + 1)


def _settle_compiled(batch: StayBatch, reg, row, comp, order, py, tier_ids, funds, one_fund,
                     progress):
    """`settle_rounds`' results from `kernel.settle_loop` on the stays in person-year order
    (`kernel_order.person_day_order`), in slices of `KERNEL_SLICE` stays. The stays' columns
    are gathered into that order first (regime and row packed in one integer: one gather for
    the two), so that the loop reads them sequentially; each slice's outputs (rows of one small
    array, still in the cache) are scattered into a stay-major array in input order
    (`kernel_order.scatter_into`), whose columns are the results. Reimbursed is the loop's sum
    of the amounts."""
    n = len(batch)
    packed = kernel.pack_tables(comp, tier_ids, funds)
    n_slot, n_fund = len(packed.slots), 0 if one_fund else len(funds)
    # rows: the amounts of each slot, the person-year, the sum of the amounts, the funds'
    width = n_slot + 2 + n_fund
    result = np.empty((n, width), np.int64)  # stay-major, in input order
    acc = np.zeros((3, max(n_slot, 1)), np.int64)
    state = np.array([0, -1], np.int64)
    cell = reg << 32
    cell |= row
    # one type for every argument: one compiled specialisation
    args = [np.take(a, order).astype(np.int64, copy=False)
            for a in (cell, batch.total, batch.in_policy)]
    del cell
    for s in range(0, n, KERNEL_SLICE):
        e = min(s + KERNEL_SLICE, n)
        out = np.zeros((width, e - s), np.int64)
        out[n_slot] = py[s:e]
        kernel.settle_loop(0, e - s, out[n_slot], *(a[s:e] for a in args), packed.data,
                           packed.spec, packed.first, packed.count, packed.ceiling,
                           packed.ceiling_at, out[:n_slot], out[n_slot + 2:], out[n_slot + 1],
                           acc, state)
        kernel_order.scatter_into(out, order[s:e], result)
        if progress is not None:
            progress(e - s)
    del args
    result = result.T  # rows as strided views (a transposing copy costs a pass and 40 MB)
    at = {tid: q for q, tid in enumerate(packed.slots)}
    amounts = {tid: result[at[tid]] if tid in at else np.zeros(n, np.int64) for tid in tier_ids}
    reimbursed = result[n_slot + 1]
    by_fund = None if one_fund else dict(zip(funds, result[n_slot + 2:], strict=True))
    return amounts, reimbursed, by_fund, result[n_slot]


def _flags(reg: np.ndarray, row: np.ndarray, comp: list, n_present: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """Deposit waived and example used per stay: the regimes' tables end to end, one gather
    per column."""
    offsets = np.zeros(len(comp), np.int64)
    deposits, uses = [], []
    for r_i, c in enumerate(comp):
        offsets[r_i] = sum(len(d) for d in deposits)
        if c is not None:
            deposits.append(c.deposit)
            uses.append(c.examples)
    if not len(row):
        return np.zeros(0, bool), np.zeros(0, bool)
    at = np.take(offsets, reg) + row if n_present > 1 else row
    return np.take(np.concatenate(deposits), at), np.take(np.concatenate(uses), at)


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


