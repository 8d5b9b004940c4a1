"""The contract of a tier kind, in the manner of django-oscar's benefit classes.

A tier file says `kind: reimbursement` or `kind: guarantee`; the kind's module
(`reimbursement.py`, `guarantee.py`) owns everything that differs between them: which
parameters a tier file may hold, what is in force for a stay, the arithmetic of one stay with
its explanation, the columns of the batch tables and the same arithmetic on arrays. The rest
of the engine asks the tier's kind (`kinds.kind_of(tier)`) and never tests the kind itself.

Adding a kind is one module implementing `TierKind` and one line in `kinds.KINDS`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from .in_force import Cell, ParameterUse
from .parameters import Parameter
from .regimes import Regime, Tier
from .schema import BASE_LABELS, FUNDS, Base, Kind, ParamSpec, Per
from .statement import Accumulators, TierAccumulator, TierLine
from .stay_input import Stay

#: Row 0 of every tier table: 1 where the tier pays for the cell (eligibility).
ELIG = 0


@dataclass(frozen=True)
class InForceTier:
    """What is in force of one tier for one cell on one date; each kind adds its values."""

    tier: Tier
    eligible: bool
    why_not: str | None
    uses: tuple[ParameterUse, ...]  # empty unless explained
    example: bool  # some value used is an example

    @property
    def uses_examples(self) -> bool:
        return self.eligible and self.example


@dataclass
class TierTable:
    """One tier's in-force values for every row (snapshot × cell): `table` is an int64 array
    of shape [columns, rows] as the kind fills it (row ELIG first); `pack` then splits it into
    constant columns and narrow ones, which `Gathered` reads for a block of stays. `has` tells
    the batch loop which optional columns some row uses, so that it skips the others' work."""

    id: str
    fund: str
    kind: Kind
    base: Base
    per_year_deductible: bool
    segments_over_year: bool
    k: int  # segment columns (reimbursement)
    table: np.ndarray
    has: dict[str, bool] = field(default_factory=dict)
    #: per column: its one value when every row has it (never gathered), else None
    constant: list[np.int64 | None] = field(default_factory=list)
    #: per column: the column alone, int32 when its values fit (narrow gathers), else int64
    columns: list[np.ndarray | None] = field(default_factory=list)

    def pack(self) -> None:
        """Split `table` into `constant` and narrow `columns` (after `fill`)."""
        self.constant, self.columns = [], []
        for col in self.table:
            lo, hi = (int(col.min()), int(col.max())) if len(col) else (0, 0)
            if lo == hi:
                self.constant.append(np.int64(lo))
                self.columns.append(None)
            else:
                self.constant.append(None)
                fits = -2**31 <= lo and hi < 2**31
                self.columns.append(np.ascontiguousarray(col, np.int32 if fits else np.int64))


class Gathered:
    """A tier table's columns for a block of stays (`rows`), each gathered on first use, only
    the columns the tier's arithmetic reads; a constant column is its value (a scalar). Int32
    columns stay int32: arithmetic between two gathered columns must ask for int64."""

    __slots__ = ("_cache", "_rows", "_t")

    def __init__(self, t: TierTable, rows: np.ndarray):
        self._t, self._rows, self._cache = t, rows, {}

    def __getitem__(self, j: int):
        v = self._cache.get(j)
        if v is None:
            c = self._t.constant[j]
            v = self._cache[j] = c if c is not None else np.take(self._t.columns[j], self._rows)
        return v


@dataclass
class RoundRows:
    """The stays of one round of a batch under one regime (at most one per person-year), as a
    tier kind needs them. Arrays are aligned with the stays but `self_paid` and the tier's
    accumulators, which are indexed by person-year (`person_year`)."""

    person_year: np.ndarray
    total: np.ndarray
    in_policy: np.ndarray
    paid: np.ndarray  # paid by the earlier tiers of this stay
    room: np.ndarray | None  # most all tiers may pay (ceiling), None when no ceiling
    rank: np.ndarray  # 0 for a person-year's first stay, 1 for its second, ...
    self_paid: np.ndarray  # per person-year: self-pay of the earlier stays of the year
    acc_base: np.ndarray  # per person-year, this tier: base, deductible borne, paid
    acc_deductible: np.ndarray
    acc_paid: np.ndarray
    #: every stay is its person-year's first (rank 0): the accumulators and `self_paid` of
    #: these person-years are still zero, so a kind may skip reading them
    first: bool = False


class TierKind(ABC):
    """One kind of tier. Subclasses set the class attributes and implement the methods."""

    kind: Kind
    params: dict[str, ParamSpec]  # the `parameters` a tier file of this kind may hold
    keys: tuple[set[str], set[str]]  # required and optional keys of the tier file
    #: (base, deductible_per, segments_over) when fixed by the kind; None: read from the file,
    #: together with its `adjustments`
    shape: tuple[Base, Per, Per] | None = None

    # ---- loading
    @abstractmethod
    def parameters_problem(self, params: dict[str, Parameter]) -> str | None:
        """What is missing from a tier's parameters (a `missing key` message), or None."""

    @abstractmethod
    def required_parameters(self, tier: Tier) -> list[Parameter]:
        """Parameters that must be in force on every day of the regime."""

    @abstractmethod
    def describe(self, tier: Tier) -> str:
        """One line for `jkfp policy show`: how the tier works."""

    # ---- one stay
    @abstractmethod
    def in_force(self, regime: Regime, tier: Tier, on: date, cell: Cell, referred: bool, *,
                 why_not: str | None, explain: bool) -> InForceTier:
        """The tier's values in force for the cell on the date."""

    @abstractmethod
    def settle(self, stay: Stay, eff: InForceTier, acc: TierAccumulator, *, paid: int,
               before: Accumulators, room: int, ceiling: int | None = None) -> TierLine:
        """The tier's line of the statement: `paid` by the earlier tiers of this stay, `room`
        left under the ceiling (`ceiling`: its amount, None when the regime sets none), `acc`
        and `before` the person's year so far."""

    # ---- many stays
    @abstractmethod
    def segment_count(self, tier: Tier) -> int:
        """Segment columns the tier's table needs (0 when the kind has none)."""

    @abstractmethod
    def empty_table(self, rows: int, k: int) -> np.ndarray:
        """A table of `rows` rows holding the "none" value of each column."""

    @abstractmethod
    def fill(self, table: np.ndarray, k: int, row: int, eff: InForceTier) -> None:
        """Write the in-force values of one row (ELIG included)."""

    @abstractmethod
    def features(self, table: np.ndarray) -> dict[str, bool]:
        """Which optional columns some row uses (`TierTable.has`)."""

    def accumulators_read(self, t: TierTable) -> tuple[bool, bool, bool]:
        """Which of its accumulators (base, deductible, paid) `settle_rows` reads and writes
        for the table; the others may be a shared array of zeros. All, unless a kind says."""
        return True, True, True

    @abstractmethod
    def settle_rows(self, t: TierTable, x: Gathered, r: RoundRows) -> np.ndarray:
        """What the tier pays for each stay of the round, in fen (the same fen as `settle`),
        updating the tier's accumulators in `r`. `x[j]` is column j of `t.table` for the
        stays (or its one value)."""


def base_label(tier: Tier) -> str:
    return BASE_LABELS[tier.base]


def tier_base(stay: Stay, tier: Tier, paid: int) -> int:
    """The amount a tier works on: in-policy cost, or what earlier tiers left of it or of all."""
    if tier.base is Base.IN_POLICY:
        return stay.in_policy_fen
    if tier.base is Base.IN_POLICY_LEFT:
        return max(stay.in_policy_fen - paid, 0)
    return max(stay.total_fen - paid, 0)


def rows_base(t: TierTable, x: Gathered, r: RoundRows) -> np.ndarray:
    """`tier_base` for every stay of a round, 0 where the tier is not eligible."""
    if t.base is Base.IN_POLICY:
        b = r.in_policy
    elif t.base is Base.IN_POLICY_LEFT:
        b = np.maximum(r.in_policy - r.paid, 0)
    else:
        b = np.maximum(r.total - r.paid, 0)
    elig = x[ELIG]
    if np.ndim(elig) == 0:  # the same for every row (never modified in place by the kinds)
        return b if elig else np.zeros_like(b)
    return b * elig


def not_eligible(eff: InForceTier, acc: TierAccumulator) -> TierLine:
    """The line of a tier that does not pay for this stay, saying why."""
    tier = eff.tier
    return TierLine(tier.id, tier.name, tier.fund, FUNDS[tier.fund], tier.kind.value, False,
                    base_label(tier), 0, 0, (), 0, 0, None, (), eff.uses,
                    (f"不适用：{eff.why_not}",), acc)


__all__ = ["ELIG", "Gathered", "InForceTier", "RoundRows", "TierKind", "TierTable", "base_label",
           "not_eligible", "rows_base", "tier_base"]
