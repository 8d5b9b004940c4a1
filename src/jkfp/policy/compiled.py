"""A regime compiled into NumPy tables for `settle_batch`.

Every date on which some parameter of the regime changes starts a *snapshot*; within a
snapshot every cell (category × location × grade × referred, `schema.cell_index`) has fixed
effective parameters, computed by `effective.effective_tier` exactly as `settle_stay` computes
them. Tables are flat: row = snapshot × N_CELL + cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .effective import effective_regime, effective_tier
from .money import INF
from .regimes import PolicySet, Regime
from .schema import GRADES, N_CAT, N_CELL, N_LOC, Base, Kind, Per, cell_index

# Columns of a compiled tier's table (rows of the transposed array, see CompiledTier.table).
ELIG, DED, SECOND, STAY_CAP, ANNUAL_CAP, SEG = 0, 1, 2, 3, 4, 5  # reimbursement: SEG.. up, then bp
SHARE, LIMIT = 1, 2  # guarantee


@dataclass
class CompiledTier:
    """One tier's parameters for every row, packed in one int64 array of shape [columns, rows]
    so that one `np.take(table, rows, axis=1)` gathers all of them for a block of stays.

    reimbursement columns: eligible (0/1), deductible fen, second-stay factor bp (-1 = none),
    stay cap fen, annual cap fen (INF = none), then K segment upper bounds (fen, INF = open),
    then K segment ratios (bp). guarantee columns: eligible, stay share bp (-1 = none),
    annual limit fen (INF = none).
    """

    id: str
    fund: str
    kind: Kind
    base: Base
    per_year_deductible: bool
    segments_over_year: bool
    k: int  # number of segment columns
    table: np.ndarray
    has_second: bool = True
    has_stay_cap: bool = True
    has_annual_cap: bool = True
    has_share: bool = True
    has_limit: bool = True


@dataclass
class CompiledRegime:
    regime: Regime
    snapshot_days: np.ndarray  # datetime64[D] starts of snapshots
    tiers: list[CompiledTier]
    ceiling_bp: np.ndarray | None  # int64 [rows], -1 = none; None when never set
    deposit: np.ndarray  # bool [rows]
    examples: np.ndarray  # bool [rows]: some eligible tier or the ceiling uses an example value


def compiled(policies: PolicySet, regime: Regime) -> CompiledRegime:
    """The compiled tables of a regime, cached on the policy set."""
    cache = policies.__dict__.setdefault("_compiled", {})
    key = (regime.id, regime.version)
    if key not in cache:
        cache[key] = compile_regime(regime)
    return cache[key]


def compile_regime(regime: Regime) -> CompiledRegime:
    dates = regime.snapshot_dates()
    rows = len(dates) * N_CELL
    tables = [_empty_tier(t, rows, _segment_count(t)) for t in regime.tiers]
    ceiling = np.full(rows, -1, np.int64)
    deposit = np.zeros(rows, bool)
    examples = np.zeros(rows, bool)
    for s, on in enumerate(dates):
        for cat in range(N_CAT):
            for loc in range(N_LOC):
                for grade in GRADES:
                    reg = effective_regime(regime, on, cat, loc, grade, explain=False)
                    for referred in (False, True):
                        row = s * N_CELL + cell_index(cat, loc, grade, referred)
                        ceiling[row] = -1 if reg.ceiling_bp is None else reg.ceiling_bp
                        deposit[row] = reg.deposit_waived
                        examples[row] = reg.example
                        for tier, table in zip(regime.tiers, tables, strict=True):
                            eff = effective_tier(regime, tier, on, cat, loc, grade, referred,
                                                 explain=False)
                            examples[row] |= eff.uses_examples
                            _fill(table, row, eff)
    for t in tables:
        _flags(t)
    return CompiledRegime(regime, np.array(dates, dtype="datetime64[D]"), tables,
                          ceiling if (ceiling >= 0).any() else None, deposit, examples)


def _segment_count(tier) -> int:
    """Most segments any value of the tier's segment table has (1 for a flat ratio)."""
    p = tier.parameters.get("segments")
    if p is None:
        return 1
    return max((_max_segments_len(v.tree) for v in p.values if v.tree is not None), default=1)


def _max_segments_len(tree) -> int:
    from .parameters import ByDimension, Leaf

    if isinstance(tree, Leaf):
        return len(tree.value)
    if isinstance(tree, ByDimension):
        return max(_max_segments_len(t) for t in [*tree.branches.values(), tree.other]
                   if t is not None)
    return 1


def _empty_tier(tier, rows: int, k: int) -> CompiledTier:
    if tier.kind is Kind.GUARANTEE:
        table = np.zeros((3, rows), np.int64)
        table[SHARE] = -1
        table[LIMIT] = INF
    else:
        table = np.zeros((SEG + 2 * k, rows), np.int64)
        table[SECOND] = -1
        table[STAY_CAP] = table[ANNUAL_CAP] = INF
        table[SEG:SEG + k] = INF
    return CompiledTier(tier.id, tier.fund, tier.kind, tier.base, tier.deductible_per is Per.YEAR,
                        tier.segments_over is Per.YEAR, k, table)


def _fill(t: CompiledTier, row: int, eff) -> None:
    x = t.table
    x[ELIG, row] = eff.eligible
    if eff.tier.kind is Kind.GUARANTEE:
        x[SHARE, row] = -1 if eff.stay_share_bp is None else eff.stay_share_bp
        x[LIMIT, row] = eff.annual_limit_fen
        return
    x[DED, row] = eff.deductible_fen
    x[SECOND, row] = -1 if eff.second_stay_bp is None else eff.second_stay_bp
    x[STAY_CAP, row] = eff.stay_cap_fen
    x[ANNUAL_CAP, row] = eff.annual_cap_fen
    for j, (up, bp) in enumerate(eff.segments):
        x[SEG + j, row] = up
        x[SEG + t.k + j, row] = bp


def _flags(t: CompiledTier) -> None:
    """Skip work in the batch loop for features no row uses."""
    x = t.table
    if t.kind is Kind.GUARANTEE:
        t.has_share = bool((x[SHARE] >= 0).any())
        t.has_limit = bool((x[LIMIT] < INF).any())
        t.has_second = t.has_stay_cap = t.has_annual_cap = False
    else:
        t.has_second = bool((x[SECOND] >= 0).any())
        t.has_stay_cap = bool((x[STAY_CAP] < INF).any())
        t.has_annual_cap = bool((x[ANNUAL_CAP] < INF).any())
        t.has_share = t.has_limit = False
