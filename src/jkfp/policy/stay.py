"""`settle_stay`: one hospital stay, line by line, with the reason behind every amount.

For each tier in the regime's order, the tier's kind settles it (amounts in fen, ratios in
basis points): `reimbursement.py` (a share of a base above a deductible, in segments, within
caps) and `guarantee.py` (兜底: what exceeds the patient's limits) state their rules in full.
Between tiers:

ceiling
    All tiers together pay at most reimbursement_ceiling × total (rounded half up); each tier
    pays at most what is left under it.

Accumulators are per person and calendar year of admission; a stay of another year starts them
afresh. Tiers are matched by id, so a tier that continues under a new regime keeps its totals.
"""

from __future__ import annotations

from types import MappingProxyType

from .in_force import regime_in_force
from .kinds import kind_of, tier_in_force
from .money import INF, apply_ratio
from .regimes import PolicySet, Regime
from .statement import Accumulators, Statement, TierLine
from .stay_input import Stay


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
    reg = regime_in_force(regime, on, cat, loc, grade)
    ceiling = None if reg.ceiling_bp is None else apply_ratio(stay.total_fen, reg.ceiling_bp)
    paid = 0
    lines: list[TierLine] = []
    tiers = dict(before.tiers)
    for tier in regime.tiers:
        eff = tier_in_force(regime, tier, on, cat, loc, grade, ref)
        room = INF if ceiling is None else max(ceiling - paid, 0)
        line = kind_of(tier).settle(stay, eff, before.tier(tier.id), paid=paid, before=before,
                                    room=room, ceiling=ceiling)
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
