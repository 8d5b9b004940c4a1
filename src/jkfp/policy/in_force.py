"""What is in force for one kind of stay on one date: parameter values and where each comes from.

Both paths of the engine start here: `settle_stay` asks for the one cell of its stay, and
`settle_batch` tabulates every cell (category × location × grade × referred) of every date on
which a parameter changes (`tables.py`). What a tier's parameters mean is its kind's business
(`reimbursement.py`, `guarantee.py`); this module holds what every kind shares: looking a
parameter up, recording its use for the statement, eligibility, and the regime's own values
(the ceiling, the deposit waiver).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from . import money
from .money import INF
from .parameters import DIMENSIONS, OTHER, Parameter, Resolved
from .regimes import Regime, Tier
from .schema import (
    CATEGORY_INDEX,
    GRADE_LABELS,
    LOCATION_INDEX,
    LOCATION_LABELS,
    LOCATIONS,
    category_label,
)

Cell = tuple[int, int, int]  # category index, location index, grade


@dataclass(frozen=True)
class ParameterUse:
    """One parameter value behind an amount: what, how much, since when, from which source."""

    path: str  # e.g. "critical_illness.deductible"
    label: str  # e.g. "起付线"
    value: str  # shown to people, e.g. "5,000.00元", "80%"
    effective_from: date
    source: str  # the source document and the passage, or the example notice
    example: bool
    #: the row of a table by category, location or grade that applied, as people read it
    #: ("人员类别：低保对象；医院等级：二级医院"); None for a plain value
    row: str | None = None


class Uses:
    """Collects the parameter values used; builds their descriptions only when explaining."""

    def __init__(self, *, explain: bool):
        self.explain = explain
        self.items: list[ParameterUse] = []
        self.example = False

    def add(self, r: Resolved, shown: Callable[[], str]) -> None:
        self.example |= r.provenance.example
        if self.explain:
            p = r.parameter
            self.items.append(ParameterUse(p.path, p.label, shown(), r.start,
                                           r.provenance.describe(), r.provenance.example,
                                           row_text(r.row)))


def row_text(row: tuple[tuple[str, object], ...]) -> str | None:
    """The row of a value table that applied, in Chinese; None for a plain value."""
    if not row:
        return None
    parts = []
    for dimension, key in row:
        label = DIMENSIONS[dimension][0]
        if key == OTHER:
            shown = "其他（表中未单列者）"
        elif dimension == "category":
            shown = category_label(CATEGORY_INDEX[key])
        elif dimension == "location":
            shown = LOCATION_LABELS[LOCATIONS[LOCATION_INDEX[key]]]
        else:
            shown = GRADE_LABELS[key]
        parts.append(f"{label}：{shown}")
    return "；".join(parts)


def not_covered(tier: Tier, on: date, cell: Cell) -> Resolved | None:
    """The first of the tier's own parameters whose value for the cell is `not_covered`."""
    for p in tier.parameters.values():
        r = lookup(p, on, cell)
        if r is not None and r.not_covered:
            return r
    return None


def not_covered_why(r: Resolved) -> str:
    """Why a tier does not apply when a value is not_covered (the statement's line)."""
    where = f"“{row_text(r.row)}”" if r.row else "此类住院"
    source = r.provenance.describe()
    return (f"政策未规定{where}的{r.parameter.label}"
            f"{f'（依据：{source}）' if source else ''}，本层对此类住院不支付")


def lookup(p: Parameter | None, on: date, cell: Cell) -> Resolved | None:
    """The value of a parameter (None: absent or not in force) for a cell on a date."""
    return None if p is None else p.resolve(on, *cell)


def why_not(tier: Tier, cat: int, loc: int, grade: int, referred: bool) -> str | None:
    """Why a tier does not pay for this kind of stay (None: it is eligible)."""
    e = tier.eligibility
    if e.categories is not None and cat not in e.categories:
        return f"{category_label(cat)}不在{tier.name}的支付对象内"
    if e.locations is not None and loc not in e.locations:
        return f"{LOCATION_LABELS[LOCATIONS[loc]]}就医不在{tier.name}的支付范围内"
    if e.grades is not None and grade not in e.grades:
        return f"{GRADE_LABELS[grade]}不在{tier.name}的支付范围内"
    if e.referred and not referred:
        return f"未经转诊，{tier.name}不予支付"
    return None


def fmt_segments(segments: list[tuple[int, int]]) -> str:
    """A segment table [(up_to fen or INF, bp), ...] as people read it."""
    parts, lo = [], 0
    for up, bp in segments:
        hi = "以上" if up >= INF else f"至{money.fmt_yuan(up)}"
        parts.append(f"{money.fmt_yuan(lo)}{hi} {money.fmt_bp(bp)}")
        lo = up
    return "；".join(parts)


@dataclass(frozen=True)
class InForceRegime:
    """The regime's own values in force for a cell: the ceiling and the deposit waiver."""

    ceiling_bp: int | None
    deposit_waived: bool
    deposit_note: str
    uses: tuple[ParameterUse, ...]
    example: bool


def regime_in_force(regime: Regime, on: date, cat: int, loc: int, grade: int, *,
                    explain: bool = True) -> InForceRegime:
    cell = (cat, loc, grade)
    uses = Uses(explain=explain)
    ceiling = lookup(regime.parameters.get("reimbursement_ceiling"), on, cell)
    if ceiling is not None:
        uses.add(ceiling, lambda: money.fmt_bp(ceiling.value))
    w = regime.deposit_waiver
    waived = w is not None and w.when.admits(cat, loc, grade, False)
    where = LOCATION_LABELS[LOCATIONS[loc]]
    if w is None:
        note = "本政策未规定先诊疗后付费"
    elif waived:
        note = (f"{category_label(cat)}在{where}住院，先诊疗后付费，"
                f"入院免交押金（依据：{w.provenance.describe()}）")
    else:
        note = f"{category_label(cat)}在{where}住院不适用先诊疗后付费"
    return InForceRegime(None if ceiling is None else ceiling.value, waived, note,
                         tuple(uses.items), uses.example)


__all__ = ["Cell", "InForceRegime", "ParameterUse", "Uses", "fmt_segments", "lookup",
           "not_covered", "not_covered_why", "regime_in_force", "row_text", "why_not"]
