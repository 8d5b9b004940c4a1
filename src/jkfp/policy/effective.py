"""The parameters that apply to one kind of stay on one date, with where each comes from.

Both paths of the engine start here: `settle_stay` asks for the one cell of its stay, and
`settle_batch` compiles every cell (category × location × grade × referred) of every date on
which a parameter changes into NumPy tables. The arithmetic that follows is written twice
(`stay.py` and `batch.py`) and kept equal by the property tests.

Order of adjustments: the deductible is resolved (an amount, or a share of the reference income
rounded half up to the fen), then each applying adjustment's `deductible_factor` multiplies it
(rounded half up each time); every applying `ratio_points` is added to each segment's ratio
(the sum clamped to 0-100 %); `cap_removed` lifts the annual cap. A `second_stay_deductible_factor`
multiplies the deductible of the second and later stays of the year, after the adjustments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from . import money
from .money import BP, INF
from .parameters import UNLIMITED, IncomeShare, Parameter, Resolved
from .regimes import Regime, Tier
from .schema import (
    BASE_LABELS,
    CATEGORIES,
    GRADE_LABELS,
    LOCATION_LABELS,
    LOCATIONS,
    Kind,
    category_label,
)


@dataclass(frozen=True)
class ParameterUse:
    """One parameter value behind an amount: what, how much, since when, from which source."""

    path: str  # e.g. "critical_illness.deductible"
    label: str  # e.g. "起付线"
    value: str  # shown to people, e.g. "5,000.00元", "80%"
    effective_from: date
    source: str  # the source document and the passage, or the example notice
    example: bool


@dataclass(frozen=True)
class EffectiveTier:
    tier: Tier
    eligible: bool
    why_not: str | None
    deductible_fen: int  # after category adjustments, before the second-stay factor
    second_stay_bp: int | None
    segments: tuple[tuple[int, int], ...]  # (up_to fen or INF, ratio bp), ratios adjusted
    stay_cap_fen: int  # INF = none
    annual_cap_fen: int  # INF = none
    stay_share_bp: int | None  # guarantee
    annual_limit_fen: int  # guarantee, INF = none
    adjustments: tuple[str, ...]  # names of the adjustments that apply
    uses: tuple[ParameterUse, ...]  # empty unless explained
    example: bool  # some value used is an example

    @property
    def uses_examples(self) -> bool:
        return self.eligible and self.example


@dataclass(frozen=True)
class EffectiveRegime:
    ceiling_bp: int | None
    deposit_waived: bool
    deposit_note: str
    uses: tuple[ParameterUse, ...]
    example: bool


def _use(r: Resolved, shown: str) -> ParameterUse:
    return ParameterUse(r.parameter.path, r.parameter.label, shown, r.start,
                        r.provenance.describe(), r.provenance.example)


class _Uses:
    """Collects the parameter values used; builds their descriptions only when explaining."""

    def __init__(self, explain: bool):
        self.explain = explain
        self.items: list[ParameterUse] = []
        self.example = False

    def add(self, r: Resolved, shown: Callable[[], str]) -> None:
        self.example |= r.provenance.example
        if self.explain:
            self.items.append(_use(r, shown()))


def _get(p: Parameter | None, on: date, cell: tuple[int, int, int]) -> Resolved | None:
    return None if p is None else p.resolve(on, *cell)


def effective_tier(regime: Regime, tier: Tier, on: date, cat: int, loc: int, grade: int,
                   referred: bool, *, explain: bool = True) -> EffectiveTier:
    cell = (cat, loc, grade)
    uses = _Uses(explain)
    why_not = _why_not(tier, cat, loc, grade, referred)
    p = tier.parameters
    if tier.kind is Kind.GUARANTEE:
        share = _get(p.get("stay_share"), on, cell)
        limit = _get(p.get("annual_limit"), on, cell)
        if share is not None:
            uses.add(share, lambda: money.fmt_bp(share.value))
        if limit is not None:
            uses.add(limit, lambda: money.fmt_yuan(limit.value))
        return EffectiveTier(tier, why_not is None, why_not, 0, None, (), INF, INF,
                             None if share is None else share.value,
                             INF if limit is None else limit.value, (), tuple(uses.items),
                             uses.example)

    ded = _get(p["deductible"], on, cell)
    assert ded is not None  # required parameters cover the regime's period (loader)
    if isinstance(ded.value, IncomeShare):
        income = _get(regime.parameters["reference_income"], on, cell)
        assert income is not None
        deductible = money.apply_ratio(income.value, ded.value.bp)
        uses.add(income, lambda: money.fmt_yuan(income.value))
        uses.add(ded, lambda: f"上年收入的{money.fmt_bp(ded.value.bp)}，"
                              f"即{money.fmt_yuan(deductible)}")
    else:
        deductible = ded.value
        uses.add(ded, lambda: money.fmt_yuan(deductible))
    if "segments" in p:
        seg = _get(p["segments"], on, cell)
        assert seg is not None
        segments = [(INF if up is None else up, bp) for up, bp in seg.value]
        uses.add(seg, lambda: fmt_segments(segments))
    else:
        ratio = _get(p["ratio"], on, cell)
        assert ratio is not None
        segments = [(INF, ratio.value)]
        uses.add(ratio, lambda: money.fmt_bp(ratio.value))
    stay_cap = _cap(p.get("stay_cap"), on, cell, uses)
    annual_cap = _cap(p.get("annual_cap"), on, cell, uses)
    second = _get(p.get("second_stay_deductible_factor"), on, cell)
    if second is not None:
        uses.add(second, lambda: money.fmt_bp(second.value))

    names: list[str] = []
    points = 0
    for adj in tier.adjustments:
        if not adj.when.admits(cat, loc, grade, referred):
            continue
        factor = _get(adj.parameters.get("deductible_factor"), on, cell)
        pts = _get(adj.parameters.get("ratio_points"), on, cell)
        removed = _get(adj.parameters.get("cap_removed"), on, cell)
        if factor is None and pts is None and removed is None:
            continue  # not in force on this date
        names.append(adj.name)
        if factor is not None:
            deductible = money.apply_ratio(deductible, factor.value)
            uses.add(factor, lambda f=factor.value, n=adj.name: f"×{money.fmt_bp(f)}（{n}）")
        if pts is not None:
            points += pts.value
            uses.add(pts, lambda p=pts.value, n=adj.name:
                     f"{'+' if p >= 0 else ''}{money.fmt_bp(p)[:-1]}个百分点（{n}）")
        if removed is not None and removed.value:
            annual_cap = INF
            uses.add(removed, lambda n=adj.name: f"是（{n}）")
    segments = [(up, min(BP, max(0, bp + points))) for up, bp in segments]
    return EffectiveTier(tier, why_not is None, why_not, deductible,
                         None if second is None else second.value, tuple(segments), stay_cap,
                         annual_cap, None, INF, tuple(names), tuple(uses.items), uses.example)


def _cap(p: Parameter | None, on: date, cell: tuple[int, int, int],
         uses: _Uses) -> int:
    r = _get(p, on, cell)
    if r is None:
        return INF
    value = INF if r.value == UNLIMITED else r.value
    uses.add(r, lambda: money.fmt_yuan(value))
    return value


def fmt_segments(segments: list[tuple[int, int]]) -> str:
    parts, lo = [], 0
    for up, bp in segments:
        hi = "以上" if up >= INF else f"至{money.fmt_yuan(up)}"
        parts.append(f"{money.fmt_yuan(lo)}{hi} {money.fmt_bp(bp)}")
        lo = up
    return "；".join(parts)


def _why_not(tier: Tier, cat: int, loc: int, grade: int, referred: bool) -> str | None:
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


def effective_regime(regime: Regime, on: date, cat: int, loc: int, grade: int, *,
                     explain: bool = True) -> EffectiveRegime:
    cell = (cat, loc, grade)
    uses = _Uses(explain)
    ceiling = _get(regime.parameters.get("reimbursement_ceiling"), on, cell)
    if ceiling is not None:
        uses.add(ceiling, lambda: money.fmt_bp(ceiling.value))
    w = regime.deposit_waiver
    waived = w is not None and w.when.admits(cat, loc, grade, False)
    if w is None:
        note = "本政策未规定先诊疗后付费"
    elif waived:
        note = (f"{category_label(cat)}在{LOCATION_LABELS[LOCATIONS[loc]]}住院，先诊疗后付费，"
                f"入院免交押金（依据：{w.provenance.describe()}）")
    else:
        note = f"{category_label(cat)}在{LOCATION_LABELS[LOCATIONS[loc]]}住院不适用先诊疗后付费"
    return EffectiveRegime(None if ceiling is None else ceiling.value, waived, note,
                           tuple(uses.items), uses.example)


def base_label(tier: Tier) -> str:
    return BASE_LABELS[tier.base]


__all__ = ["CATEGORIES", "EffectiveRegime", "EffectiveTier", "ParameterUse", "base_label",
           "effective_regime", "effective_tier"]
