"""Reimbursement tiers (`kind: reimbursement`): a share of a base above a deductible.

In force (for a cell on a date): a tier none of whose values is `not_covered` for the cell
(else it does not apply, and says why); the deductible is resolved (an amount, or a share of
the regime's reference income rounded half up to the fen), then the applying adjustments in
their order: `deductible` sets it exactly, `deductible_factor` multiplies it (rounded half up
each time), `stay_cap` and `annual_cap` set a cap exactly, `cap_removed` lifts the annual cap;
every applying `ratio_points` is added to each segment's ratio (the sum clamped to 0-100 %).
A `second_stay_deductible_factor` multiplies the deductible of the second and later stays of
the year, after the adjustments.

One stay (amounts in fen, ratios in basis points):
    base b   = the in-policy cost, or what the earlier tiers left of it, or of the total.
    deductible D = the deductible in force, × the second-stay factor for the 2nd and later
               stays of the year; per year, only what is not yet borne this year.
    borne d  = min(b, D).
    line     : the stay occupies [p, p + b) where p = 0 (segments over the stay) or the tier's
               base accumulated this year (segments over the year). The first d of it is the
               deductible; the rest [p + d, p + b) is paid at the ratio of each segment it
               crosses (segment k covers [up_{k-1}, up_k), up_{-1} = 0).
    amount   = Σ ratio × length, rounded half up to the fen once, then limited by the stay
               cap, what is left of the annual cap, what is left under the ceiling, and what
               is left of the total cost (tiers never pay more than the stay cost).
`settle_rows` computes the same on arrays; the property tests keep both equal to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .in_force import Cell, Uses, fmt_segments, lookup, not_covered, not_covered_why
from .money import BP, INF, apply_ratio, fmt_bp, fmt_exact, fmt_yuan, round_half_up
from .parameters import UNLIMITED, IncomeShare, Parameter, leaves
from .regimes import Regime, Tier
from .schema import FUNDS, PER_LABELS, Kind, ParamSpec, Per, Unit
from .statement import Accumulators, SegmentPart, TierAccumulator, TierLine
from .stay_input import Stay
from .tier_kind import (
    ELIG,
    Gathered,
    InForceTier,
    RoundRows,
    TierKind,
    TierTable,
    base_label,
    not_eligible,
    rows_base,
    tier_base,
)

PARAMS: dict[str, ParamSpec] = {
    "deductible": ParamSpec(Unit.YUAN, "起付线", required=True, income_share=True,
                            not_covered=True),
    "ratio": ParamSpec(Unit.RATIO, "支付比例", not_covered=True),
    "segments": ParamSpec(Unit.SEGMENTS, "分段支付比例", not_covered=True),
    "stay_cap": ParamSpec(Unit.YUAN, "单次住院支付上限", unlimited=True, not_covered=True),
    "annual_cap": ParamSpec(Unit.YUAN, "年度支付限额（封顶线）", unlimited=True,
                            not_covered=True),
    "second_stay_deductible_factor": ParamSpec(Unit.RATIO, "年内再次住院起付线系数",
                                               not_covered=True),
}
KEYS = ({"id", "name", "kind", "fund", "base", "deductible_per", "segments_over", "parameters"},
        {"description", "eligibility", "adjustments"})

# Columns of the table: eligible (0/1), deductible fen, second-stay factor bp (-1 = none),
# stay cap fen, annual cap fen (INF = none), then k segment upper bounds (fen, INF = open),
# then k segment ratios (bp).
DED, SECOND, STAY_CAP, ANNUAL_CAP, SEG = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class InForceReimbursement(InForceTier):
    deductible_fen: int = 0  # after adjustments, before the second-stay factor
    second_stay_bp: int | None = None
    segments: tuple[tuple[int, int], ...] = ()  # (up_to fen or INF, ratio bp), ratios adjusted
    stay_cap_fen: int = INF  # INF = none
    annual_cap_fen: int = INF  # INF = none
    adjustments: tuple[str, ...] = ()  # names of the adjustments that apply


class Reimbursement(TierKind):
    kind = Kind.REIMBURSEMENT
    params = PARAMS
    keys = KEYS
    shape = None

    def parameters_problem(self, params: dict[str, Parameter]) -> str | None:
        if ("ratio" in params) == ("segments" in params):
            return "ratio 或 segments（二者恰有一个）"
        return None

    def required_parameters(self, tier: Tier) -> list[Parameter]:
        return [p for k, p in tier.parameters.items() if k in ("deductible", "ratio", "segments")]

    def describe(self, tier: Tier) -> str:
        return (f"基数：{base_label(tier)}；起付线{PER_LABELS[tier.deductible_per]}"
                f"；分段按{PER_LABELS[tier.segments_over]}")

    def in_force(self, regime: Regime, tier: Tier, on: date, cell: Cell, referred: bool, *,
                 why_not: str | None, explain: bool) -> InForceReimbursement:
        nc = not_covered(tier, on, cell)
        if nc is not None:  # the source gives no value for such a stay: the tier does not apply
            return InForceReimbursement(tier, False, why_not or not_covered_why(nc), (), False)
        uses = Uses(explain=explain)
        p = tier.parameters
        ded = lookup(p["deductible"], on, cell)
        assert ded is not None  # required parameters cover the regime's period (coverage.py)
        if isinstance(ded.value, IncomeShare):
            income = lookup(regime.parameters["reference_income"], on, cell)
            assert income is not None
            deductible = apply_ratio(income.value, ded.value.bp)
            uses.add(income, lambda: fmt_yuan(income.value))
            uses.add(ded, lambda: f"上年收入的{fmt_bp(ded.value.bp)}，即{fmt_yuan(deductible)}")
        else:
            deductible = ded.value
            uses.add(ded, lambda: fmt_yuan(deductible))
        if "segments" in p:
            seg = lookup(p["segments"], on, cell)
            assert seg is not None
            segments = [(INF if up is None else up, bp) for up, bp in seg.value]
            uses.add(seg, lambda: fmt_segments(segments))
        else:
            ratio = lookup(p["ratio"], on, cell)
            assert ratio is not None
            segments = [(INF, ratio.value)]
            uses.add(ratio, lambda: fmt_bp(ratio.value))
        stay_cap = _cap(p.get("stay_cap"), on, cell, uses)
        annual_cap = _cap(p.get("annual_cap"), on, cell, uses)
        second = lookup(p.get("second_stay_deductible_factor"), on, cell)
        if second is not None:
            uses.add(second, lambda: fmt_bp(second.value))

        names: list[str] = []
        points = 0
        for adj in tier.adjustments:
            if not adj.when.admits(*cell, referred):
                continue
            found = {k: lookup(ap, on, cell) for k, ap in adj.parameters.items()}
            if all(v is None for v in found.values()):
                continue  # not in force on this date
            factor, pts = found.get("deductible_factor"), found.get("ratio_points")
            removed, set_ded = found.get("cap_removed"), found.get("deductible")
            set_stay, set_year = found.get("stay_cap"), found.get("annual_cap")
            names.append(adj.name)
            if set_ded is not None:
                deductible = set_ded.value
                uses.add(set_ded, lambda v=set_ded.value, n=adj.name: f"{fmt_yuan(v)}（{n}）")
            for r_cap, which in ((set_stay, "stay"), (set_year, "year")):
                if r_cap is not None:
                    value = INF if r_cap.value == UNLIMITED else r_cap.value
                    if which == "stay":
                        stay_cap = value
                    else:
                        annual_cap = value
                    uses.add(r_cap, lambda v=value, n=adj.name: f"{fmt_yuan(v)}（{n}）")
            if factor is not None:
                deductible = apply_ratio(deductible, factor.value)
                uses.add(factor, lambda f=factor.value, n=adj.name: f"×{fmt_bp(f)}（{n}）")
            if pts is not None:
                points += pts.value
                uses.add(pts, lambda p=pts.value, n=adj.name:
                         f"{'+' if p >= 0 else ''}{fmt_bp(p)[:-1]}个百分点（{n}）")
            if removed is not None and removed.value:
                annual_cap = INF
                uses.add(removed, lambda n=adj.name: f"是（{n}）")
        segments = [(up, min(BP, max(0, bp + points))) for up, bp in segments]
        return InForceReimbursement(
            tier, why_not is None, why_not, tuple(uses.items), uses.example, deductible,
            None if second is None else second.value, tuple(segments), stay_cap, annual_cap,
            tuple(names))

    def settle(self, stay: Stay, eff: InForceTier, acc: TierAccumulator, *, paid: int,
               before: Accumulators, room: int, ceiling: int | None = None) -> TierLine:
        assert isinstance(eff, InForceReimbursement)
        if not eff.eligible:
            return not_eligible(eff, acc)
        tier = eff.tier
        b = tier_base(stay, tier, paid)
        why = [f"计算基数：{base_label(tier)} {fmt_yuan(b)}"]
        rows = [f"{u.label}按“{u.row}”一行" for u in eff.uses if u.row]
        if rows:
            why.append(f"适用取值：{'，'.join(rows)}")
        if eff.adjustments:
            why.append(f"适用调整：{'、'.join(eff.adjustments)}")
        deductible = eff.deductible_fen
        if eff.second_stay_bp is not None and before.stays >= 1:
            deductible = apply_ratio(deductible, eff.second_stay_bp)
            why.append(f"年内第{before.stays + 1}次住院，起付线按{fmt_bp(eff.second_stay_bp)}计为"
                       f"{fmt_yuan(deductible)}")
        if tier.deductible_per is Per.YEAR:
            left = max(deductible - acc.deductible_fen, 0)
            why.append(f"起付线 {fmt_yuan(deductible)}（年度），本年已承担 "
                       f"{fmt_yuan(acc.deductible_fen)}，尚余 {fmt_yuan(left)}")
        else:
            left = deductible
            why.append(f"起付线 {fmt_yuan(deductible)}（每次住院）")
        borne = min(b, left)
        why.append(f"本次承担起付线 {fmt_yuan(borne)}")
        start = acc.base_fen if tier.segments_over is Per.YEAR else 0
        lo, hi = start + borne, start + b
        if tier.segments_over is Per.YEAR:
            why.append(f"分段按{PER_LABELS[Per.YEAR]}：本次费用位于本年累计 {fmt_yuan(start)} 至 "
                       f"{fmt_yuan(hi)}")
        parts: list[SegmentPart] = []
        numerator = 0
        prev = 0
        for up, bp in eff.segments:
            a, z = max(lo, prev), min(hi, up)
            if z > a:
                parts.append(SegmentPart(a, z, bp))
                numerator += (z - a) * bp
                why.append(f"{fmt_yuan(a)}至{fmt_yuan(z)}部分 {fmt_yuan(z - a)} × {fmt_bp(bp)} = "
                           f"{fmt_exact((z - a) * bp)}")
            prev = up
        computed = round_half_up(numerator)
        why.append(f"计算支付 {fmt_yuan(computed)}（四舍五入到分）")
        amount, limited = computed, None
        if amount > eff.stay_cap_fen:
            amount, limited = eff.stay_cap_fen, "stay_cap"
            why.append(f"超过单次支付上限 {fmt_yuan(eff.stay_cap_fen)}，按上限支付")
        elif eff.stay_cap_fen < INF:
            why.append(f"单次支付上限 {fmt_yuan(eff.stay_cap_fen)}，未超过")
        year_room = max(eff.annual_cap_fen - acc.paid_fen, 0)
        if amount > year_room:
            amount, limited = year_room, "annual_cap"
            why.append(f"年度限额 {fmt_yuan(eff.annual_cap_fen)}，本年已支付 "
                       f"{fmt_yuan(acc.paid_fen)}，本次只能支付 {fmt_yuan(year_room)}")
        elif eff.annual_cap_fen < INF:
            why.append(f"年度限额 {fmt_yuan(eff.annual_cap_fen)}，本年已支付 "
                       f"{fmt_yuan(acc.paid_fen)}，尚余 {fmt_yuan(year_room)}，未超过")
        if amount > room:
            amount, limited = room, "ceiling"
            why.append(f"各项合计报销不得超过总费用的上限，本层只能支付 {fmt_yuan(room)}")
        elif ceiling is not None:
            why.append(ceiling_checked(ceiling, paid, room))
        if amount > stay.total_fen - paid:
            amount, limited = stay.total_fen - paid, "total"
            why.append(f"报销不能超过尚未报销的费用，本层只能支付 {fmt_yuan(amount)}")
        why.append(f"{tier.name}支付 {fmt_yuan(amount)}")
        after = TierAccumulator(acc.base_fen + b, acc.deductible_fen + borne, acc.paid_fen + amount)
        why.append(f"本年累计：基数 {fmt_yuan(after.base_fen)}，起付线 "
                   f"{fmt_yuan(after.deductible_fen)}，已支付 {fmt_yuan(after.paid_fen)}")
        return TierLine(tier.id, tier.name, tier.fund, FUNDS[tier.fund], tier.kind.value, True,
                        base_label(tier), b, borne, tuple(parts), computed, amount, limited,
                        eff.adjustments, eff.uses, tuple(why), after)

    def segment_count(self, tier: Tier) -> int:
        """Most segments any value of the tier's segment table has (1 for a flat ratio)."""
        p = tier.parameters.get("segments")
        if p is None:
            return 1
        return max((len(leaf.value) for v in p.values for _, leaf in leaves(v.tree)
                    if isinstance(leaf.value, tuple)), default=1)

    def empty_table(self, rows: int, k: int) -> np.ndarray:
        table = np.zeros((SEG + 2 * k, rows), np.int64)
        table[SECOND] = -1
        table[STAY_CAP] = table[ANNUAL_CAP] = INF
        table[SEG:SEG + k] = INF
        return table

    def fill(self, table: np.ndarray, k: int, row: int, eff: InForceTier) -> None:
        assert isinstance(eff, InForceReimbursement)
        table[ELIG, row] = eff.eligible
        table[DED, row] = eff.deductible_fen
        table[SECOND, row] = -1 if eff.second_stay_bp is None else eff.second_stay_bp
        table[STAY_CAP, row] = eff.stay_cap_fen
        table[ANNUAL_CAP, row] = eff.annual_cap_fen
        for j, (up, bp) in enumerate(eff.segments):
            table[SEG + j, row] = up
            table[SEG + k + j, row] = bp

    def features(self, table: np.ndarray) -> dict[str, bool]:
        return {"second": bool((table[SECOND] >= 0).any()),
                "stay_cap": bool((table[STAY_CAP] < INF).any()),
                "annual_cap": bool((table[ANNUAL_CAP] < INF).any())}

    def accumulators_read(self, t: TierTable) -> tuple[bool, bool, bool]:
        return t.segments_over_year, t.per_year_deductible, t.has["annual_cap"]

    def settle_rows(self, t: TierTable, x: Gathered, r: RoundRows) -> np.ndarray:
        p = r.person_year
        b = rows_base(t, x, r)
        ded = x[DED]
        if t.has["second"]:
            sb = x[SECOND]
            ded = np.where((sb >= 0) & (r.rank >= 1),
                           round_half_up(np.multiply(ded, sb, dtype=np.int64)), ded)
        # in a first round (every person-year's first stay) the accumulators are all zero:
        # they are written, never read
        if t.per_year_deductible and not r.first:
            ded_before = np.take(r.acc_deductible, p)
            ded = np.subtract(ded, ded_before, dtype=np.int64)
            np.maximum(ded, 0, out=ded)
        borne = np.minimum(b, ded)
        if t.segments_over_year and not r.first:
            start = np.take(r.acc_base, p)
            lo, hi = start + borne, start + b
        else:
            lo, hi = borne, b
        k = t.k
        if k == 1:
            num = np.maximum(np.minimum(hi, x[SEG]) - lo, 0)
            num *= x[SEG + 1]
        else:
            num = np.zeros(len(p), np.int64)
            prev = None
            for j in range(k):
                up = x[SEG + j]
                part = np.minimum(hi, up)
                part -= lo if prev is None else np.maximum(lo, prev)
                np.maximum(part, 0, out=part)
                part *= x[SEG + k + j]
                num += part
                prev = up
        num += BP // 2  # round_half_up, in place
        pay = np.floor_divide(num, BP, out=num)
        if t.has["stay_cap"]:
            np.minimum(pay, x[STAY_CAP], out=pay)
        if t.has["annual_cap"]:
            if r.first:
                np.minimum(pay, x[ANNUAL_CAP], out=pay)
            else:
                paid_before = np.take(r.acc_paid, p)
                left = np.subtract(x[ANNUAL_CAP], paid_before, dtype=np.int64)
                np.maximum(left, 0, out=left)
                np.minimum(pay, left, out=pay)
        left = np.subtract(r.total, r.paid)
        if r.room is not None:
            np.minimum(pay, np.maximum(r.room - r.paid, 0), out=pay)
        np.minimum(pay, left, out=pay)
        # only the accumulators this tier reads again (settle_stay's statement keeps all
        # three); a person-year appears once in a round, so each is written from the values
        # read above, without reading them again
        if t.segments_over_year:
            np.put(r.acc_base, p, hi)
        if t.per_year_deductible:
            if not r.first:
                borne += ded_before
            np.put(r.acc_deductible, p, borne)
        if t.has["annual_cap"]:
            if not r.first:
                paid_before += pay
            np.put(r.acc_paid, p, pay if r.first else paid_before)
        return pay


def ceiling_checked(ceiling: int, paid: int, room: int) -> str:
    """The line of a tier whose amount the ceiling was checked against and did not limit."""
    return (f"各项合计报销上限 {fmt_yuan(ceiling)}，前面各层已报销 {fmt_yuan(paid)}，尚余 "
            f"{fmt_yuan(room)}，未超过")


def _cap(p: Parameter | None, on: date, cell: Cell, uses: Uses) -> int:
    r = lookup(p, on, cell)
    if r is None:
        return INF
    value = INF if r.value == UNLIMITED else r.value
    uses.add(r, lambda: fmt_yuan(value))
    return value


REIMBURSEMENT = Reimbursement()

__all__ = ["KEYS", "PARAMS", "REIMBURSEMENT", "InForceReimbursement", "Reimbursement"]
