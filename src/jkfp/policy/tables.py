"""A regime tabulated with NumPy for `settle_batch`: its values in force for every row.

Every date on which some parameter of the regime changes starts a *snapshot*; within a
snapshot every cell (category × location × grade × referred, `schema.cell_index`) has fixed
values in force, computed by `kinds.tier_in_force` exactly as `settle_stay` computes them.
Tables are flat: row = snapshot × N_CELL + cell. Each tier's columns are its kind's
(`TierKind.empty_table`, `fill`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .in_force import regime_in_force
from .kinds import kind_of, tier_in_force
from .regimes import PolicySet, Regime
from .schema import GRADES, N_CAT, N_CELL, N_LOC, Per, cell_index
from .tier_kind import TierTable


@dataclass
class RegimeTables:
    regime: Regime
    snapshot_days: np.ndarray  # datetime64[D] starts of snapshots
    tiers: list[TierTable]
    ceiling_bp: np.ndarray | None  # int64 [rows], -1 = none; None when never set
    deposit: np.ndarray  # bool [rows]
    examples: np.ndarray  # bool [rows]: some eligible tier or the ceiling uses an example value

    @property
    def tier_ids(self) -> frozenset[str]:
        return frozenset(t.id for t in self.tiers)


def regime_tables(policies: PolicySet, regime: Regime) -> RegimeTables:
    """The tables of a regime, built once and cached on the policy set."""
    cache = policies.__dict__.setdefault("_tables", {})
    key = (regime.id, regime.version)
    if key not in cache:
        cache[key] = build_tables(regime)
    return cache[key]


def build_tables(regime: Regime) -> RegimeTables:
    dates = regime.snapshot_dates()
    rows = len(dates) * N_CELL
    tables = []
    for t in regime.tiers:
        kind = kind_of(t)
        k = kind.segment_count(t)
        tables.append(TierTable(t.id, t.fund, t.kind, t.base, t.deductible_per is Per.YEAR,
                                t.segments_over is Per.YEAR, k, kind.empty_table(rows, k)))
    ceiling = np.full(rows, -1, np.int64)
    deposit = np.zeros(rows, bool)
    examples = np.zeros(rows, bool)
    for s, on in enumerate(dates):
        for cat in range(N_CAT):
            for loc in range(N_LOC):
                for grade in GRADES:
                    reg = regime_in_force(regime, on, cat, loc, grade, explain=False)
                    for referred in (False, True):
                        row = s * N_CELL + cell_index(cat, loc, grade, referred)
                        ceiling[row] = -1 if reg.ceiling_bp is None else reg.ceiling_bp
                        deposit[row] = reg.deposit_waived
                        examples[row] = reg.example
                        for tier, table in zip(regime.tiers, tables, strict=True):
                            eff = tier_in_force(regime, tier, on, cat, loc, grade, referred,
                                                explain=False)
                            examples[row] |= eff.uses_examples
                            kind_of(tier).fill(table.table, table.k, row, eff)
    for tier, table in zip(regime.tiers, tables, strict=True):
        table.has = kind_of(tier).features(table.table)
        table.pack()
    return RegimeTables(regime, np.array(dates, dtype="datetime64[D]"), tables,
                        ceiling if (ceiling >= 0).any() else None, deposit, examples)


__all__ = ["RegimeTables", "TierTable", "build_tables", "regime_tables"]
