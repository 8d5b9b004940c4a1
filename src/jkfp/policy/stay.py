"""`settle_stay`: one hospital stay, line by line, with the reason behind every amount.

The rules, for each tier in the regime's order (amounts in fen, ratios in basis points):

reimbursement tier
    base b   = the in-policy cost, or what the earlier tiers left of it, or of the total.
    deductible D = the effective deductible (see `effective.py`), × the second-stay factor for
               the 2nd and later stays of the year; per year, only what is not yet borne
               this year: max(D − deductible borne, 0).
    borne d  = min(b, D).
    line     : the stay occupies [p, p + b) where p = 0 (segments over the stay) or the tier's
               base accumulated this year (segments over the year). The first d of it is the
               deductible; the rest [p + d, p + b) is paid at the ratio of each segment it
               crosses (segment k covers [up_{k-1}, up_k), up_{-1} = 0).
    amount   = Σ ratio × length, rounded half up to the fen once, then limited by the stay
               cap, what is left of the annual cap, what is left under the ceiling, and what
               is left of the total cost (tiers never pay more than the stay cost).
guarantee tier (兜底)
    The patient's share so far s = total − paid by earlier tiers may not exceed
    min(stay_share × total, annual_limit − self-pay already borne this year); the tier pays
    max(s − that, 0), limited by the ceiling.
ceiling
    All tiers together pay at most reimbursement_ceiling × total (rounded half up).

Accumulators are per person and calendar year of admission; a stay of another year starts them
afresh. Tiers are matched by id, so a tier that continues under a new regime keeps its totals.
"""

from __future__ import annotations

from types import MappingProxyType

from .effective import EffectiveTier, base_label, effective_regime, effective_tier
from .money import INF, apply_ratio, fmt_bp, fmt_yuan, round_half_up
from .regimes import PolicySet, Regime, Tier
from .schema import FUNDS, PER_LABELS, Base, Kind, Per
from .statement import Accumulators, SegmentPart, Statement, Stay, TierAccumulator, TierLine


def settle_stay(stay: Stay, *, policies: PolicySet,
                accumulators: Accumulators | None = None) -> Statement:
    """Settle one stay under the regime in force for its county and admission date.

    `accumulators` are the person's totals for the year before this stay (None: first stay).
    Raises PolicyError(NO_REGIME) when no regime is in force.
    """
    regime = policies.regime_for(stay.county_code, stay.admission_date)
    return settle_stay_under(stay, regime, accumulators)


def settle_stay_under(stay: Stay, regime: Regime,
                      accumulators: Accumulators | None = None) -> Statement:
    year = stay.admission_date.year
    before = accumulators if accumulators is not None and accumulators.year == year \
        else Accumulators(year)
    on = stay.admission_date
    cat, loc, grade, ref = stay.category, stay.location, stay.hospital_grade, stay.referred
    reg = effective_regime(regime, on, cat, loc, grade)
    ceiling = None if reg.ceiling_bp is None else apply_ratio(stay.total_fen, reg.ceiling_bp)
    paid = 0
    lines: list[TierLine] = []
    tiers = dict(before.tiers)
    for tier in regime.tiers:
        eff = effective_tier(regime, tier, on, cat, loc, grade, ref)
        acc = before.tier(tier.id)
        room = INF if ceiling is None else max(ceiling - paid, 0)
        if tier.kind is Kind.GUARANTEE:
            line = _guarantee(stay, tier, eff, acc, paid, before, room)
        else:
            line = _reimbursement(stay, tier, eff, acc, paid, before.stays, room)
        paid += line.amount_fen
        lines.append(line)
        if line.eligible:
            tiers[tier.id] = line.accumulator_after
    self_pay = stay.total_fen - paid
    after = Accumulators(year, before.stays + 1, before.reimbursed_fen + paid,
                         before.self_pay_fen + self_pay, MappingProxyType(tiers))
    return Statement(stay, regime.region_id, regime.region_name, regime.id, regime.name,
                     regime.version, regime.label, regime.reform, tuple(lines), paid, self_pay,
                     ceiling, reg.uses, reg.deposit_waived, reg.deposit_note, before, after)


def _base(stay: Stay, tier: Tier, paid: int) -> int:
    if tier.base is Base.IN_POLICY:
        return stay.in_policy_fen
    if tier.base is Base.IN_POLICY_LEFT:
        return max(stay.in_policy_fen - paid, 0)
    return max(stay.total_fen - paid, 0)


def _not_eligible(tier: Tier, eff: EffectiveTier, acc: TierAccumulator) -> TierLine:
    return TierLine(tier.id, tier.name, tier.fund, FUNDS[tier.fund], tier.kind.value, False,
                    base_label(tier), 0, 0, (), 0, 0, None, (), eff.uses,
                    (f"不适用：{eff.why_not}",), acc)


def _reimbursement(stay: Stay, tier: Tier, eff: EffectiveTier, acc: TierAccumulator, paid: int,
                   stays_before: int, room: int) -> TierLine:
    if not eff.eligible:
        return _not_eligible(tier, eff, acc)
    b = _base(stay, tier, paid)
    why = [f"计算基数：{base_label(tier)} {fmt_yuan(b)}"]
    if eff.adjustments:
        why.append(f"适用调整：{'、'.join(eff.adjustments)}")
    deductible = eff.deductible_fen
    if eff.second_stay_bp is not None and stays_before >= 1:
        deductible = apply_ratio(deductible, eff.second_stay_bp)
        why.append(f"年内第{stays_before + 1}次住院，起付线按{fmt_bp(eff.second_stay_bp)}计为"
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
            why.append(f"{fmt_yuan(a)}至{fmt_yuan(z)}部分 {fmt_yuan(z - a)} × {fmt_bp(bp)}")
        prev = up
    computed = round_half_up(numerator)
    why.append(f"计算支付 {fmt_yuan(computed)}（四舍五入到分）")
    amount, limited = computed, None
    if amount > eff.stay_cap_fen:
        amount, limited = eff.stay_cap_fen, "stay_cap"
        why.append(f"超过单次支付上限 {fmt_yuan(eff.stay_cap_fen)}，按上限支付")
    year_room = max(eff.annual_cap_fen - acc.paid_fen, 0)
    if amount > year_room:
        amount, limited = year_room, "annual_cap"
        why.append(f"年度限额 {fmt_yuan(eff.annual_cap_fen)}，本年已支付 "
                   f"{fmt_yuan(acc.paid_fen)}，本次只能支付 {fmt_yuan(year_room)}")
    if amount > room:
        amount, limited = room, "ceiling"
        why.append(f"各项合计报销不得超过总费用的上限，本层只能支付 {fmt_yuan(room)}")
    if amount > stay.total_fen - paid:
        amount, limited = stay.total_fen - paid, "total"
        why.append(f"报销不能超过尚未报销的费用，本层只能支付 {fmt_yuan(amount)}")
    why.append(f"{tier.name}支付 {fmt_yuan(amount)}")
    after = TierAccumulator(acc.base_fen + b, acc.deductible_fen + borne, acc.paid_fen + amount)
    why.append(f"本年累计：基数 {fmt_yuan(after.base_fen)}，起付线 {fmt_yuan(after.deductible_fen)}"
               f"，已支付 {fmt_yuan(after.paid_fen)}")
    return TierLine(tier.id, tier.name, tier.fund, FUNDS[tier.fund], tier.kind.value, True,
                    base_label(tier), b, borne, tuple(parts), computed, amount, limited,
                    eff.adjustments, eff.uses, tuple(why), after)


def _guarantee(stay: Stay, tier: Tier, eff: EffectiveTier, acc: TierAccumulator, paid: int,
               before: Accumulators, room: int) -> TierLine:
    if not eff.eligible:
        return _not_eligible(tier, eff, acc)
    share = stay.total_fen - paid
    why = [f"各项报销后个人负担 {fmt_yuan(share)}"]
    allowed = INF
    if eff.stay_share_bp is not None:
        allowed = apply_ratio(stay.total_fen, eff.stay_share_bp)
        why.append(f"每次住院个人自付不超过总费用的{fmt_bp(eff.stay_share_bp)}，即 "
                   f"{fmt_yuan(allowed)}")
    if eff.annual_limit_fen < INF:
        year_left = max(eff.annual_limit_fen - before.self_pay_fen, 0)
        why.append(f"年度个人自付不超过 {fmt_yuan(eff.annual_limit_fen)}，本年已自付 "
                   f"{fmt_yuan(before.self_pay_fen)}，尚余 {fmt_yuan(year_left)}")
        allowed = min(allowed, year_left)
    computed = max(share - allowed, 0)
    amount, limited = computed, "guarantee" if computed else None
    if amount > room:
        amount, limited = room, "ceiling"
        why.append(f"各项合计报销不得超过总费用的上限，兜底只能支付 {fmt_yuan(room)}")
    why.append(f"{tier.name}支付 {fmt_yuan(amount)}，个人自付 {fmt_yuan(share - amount)}")
    after = TierAccumulator(acc.base_fen + share, acc.deductible_fen, acc.paid_fen + amount)
    return TierLine(tier.id, tier.name, tier.fund, FUNDS[tier.fund], tier.kind.value, True,
                    base_label(tier), share, 0, (), computed, amount, limited, (), eff.uses,
                    tuple(why), after)
