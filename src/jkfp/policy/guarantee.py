"""Guarantee tiers (`kind: guarantee`, 兜底): a cap on what the patient pays.

A guarantee works on what the earlier tiers left of the total. The patient's share so far
s = total − paid by earlier tiers may not exceed min(stay_share × total, annual_limit −
self-pay already borne this year); the tier pays max(s − that, 0), limited by the ceiling.
Either limit may be absent (no `stay_share`: no per-stay limit). `settle_rows` computes the
same on arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .in_force import Cell, Uses, lookup, not_covered, not_covered_why
from .money import INF, apply_ratio, fmt_bp, fmt_yuan, round_half_up
from .parameters import Parameter
from .regimes import Regime, Tier
from .schema import FUNDS, Base, Kind, ParamSpec, Per, Unit
from .statement import Accumulators, TierAccumulator, TierLine
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
)

PARAMS: dict[str, ParamSpec] = {
    "stay_share": ParamSpec(Unit.RATIO, "每次住院个人自付不超过总费用的比例",
                            not_covered=True),
    "annual_limit": ParamSpec(Unit.YUAN, "年度个人自付上限", not_covered=True),
}
KEYS = ({"id", "name", "kind", "fund", "parameters"}, {"description", "eligibility"})

# Columns of the table: eligible (0/1), stay share bp (-1 = none), annual limit fen (INF = none).
SHARE, LIMIT = 1, 2


@dataclass(frozen=True)
class InForceGuarantee(InForceTier):
    stay_share_bp: int | None = None
    annual_limit_fen: int = INF  # INF = none


class Guarantee(TierKind):
    kind = Kind.GUARANTEE
    params = PARAMS
    keys = KEYS
    shape = (Base.TOTAL_LEFT, Per.STAY, Per.STAY)

    def parameters_problem(self, params: dict[str, Parameter]) -> str | None:
        return None if params else "stay_share 或 annual_limit"

    def required_parameters(self, tier: Tier) -> list[Parameter]:
        return list(tier.parameters.values())

    def describe(self, tier: Tier) -> str:
        return "兜底：限定个人自付，支付超出部分"

    def in_force(self, regime: Regime, tier: Tier, on: date, cell: Cell, referred: bool, *,
                 why_not: str | None, explain: bool) -> InForceGuarantee:
        nc = not_covered(tier, on, cell)
        if nc is not None:  # the source gives no value for such a stay: the tier does not apply
            return InForceGuarantee(tier, False, why_not or not_covered_why(nc), (), False)
        uses = Uses(explain=explain)
        share = lookup(tier.parameters.get("stay_share"), on, cell)
        limit = lookup(tier.parameters.get("annual_limit"), on, cell)
        if share is not None:
            uses.add(share, lambda: fmt_bp(share.value))
        if limit is not None:
            uses.add(limit, lambda: fmt_yuan(limit.value))
        return InForceGuarantee(tier, why_not is None, why_not, tuple(uses.items), uses.example,
                                None if share is None else share.value,
                                INF if limit is None else limit.value)

    def settle(self, stay: Stay, eff: InForceTier, acc: TierAccumulator, *, paid: int,
               before: Accumulators, room: int, ceiling: int | None = None) -> TierLine:
        assert isinstance(eff, InForceGuarantee)
        if not eff.eligible:
            return not_eligible(eff, acc)
        tier = eff.tier
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
        elif ceiling is not None:
            why.append(f"各项合计报销上限 {fmt_yuan(ceiling)}，前面各层已报销 "
                       f"{fmt_yuan(paid)}，尚余 {fmt_yuan(room)}，未超过")
        why.append(f"{tier.name}支付 {fmt_yuan(amount)}，个人自付 {fmt_yuan(share - amount)}")
        after = TierAccumulator(acc.base_fen + share, acc.deductible_fen, acc.paid_fen + amount)
        return TierLine(tier.id, tier.name, tier.fund, FUNDS[tier.fund], tier.kind.value, True,
                        base_label(tier), share, 0, (), computed, amount, limited, (), eff.uses,
                        tuple(why), after)

    def segment_count(self, tier: Tier) -> int:
        return 0

    def empty_table(self, rows: int, k: int) -> np.ndarray:
        table = np.zeros((3, rows), np.int64)
        table[SHARE] = -1
        table[LIMIT] = INF
        return table

    def fill(self, table: np.ndarray, k: int, row: int, eff: InForceTier) -> None:
        assert isinstance(eff, InForceGuarantee)
        table[ELIG, row] = eff.eligible
        table[SHARE, row] = -1 if eff.stay_share_bp is None else eff.stay_share_bp
        table[LIMIT, row] = eff.annual_limit_fen

    def features(self, table: np.ndarray) -> dict[str, bool]:
        return {"share": bool((table[SHARE] >= 0).any()),
                "limit": bool((table[LIMIT] < INF).any())}

    def accumulators_read(self, t: TierTable) -> tuple[bool, bool, bool]:
        return False, False, False  # only the batch's self_paid

    def settle_rows(self, t: TierTable, x: Gathered, r: RoundRows) -> np.ndarray:
        p = r.person_year
        elig = x[ELIG]
        share = r.total - r.paid
        allowed = np.full(len(p), INF, np.int64)
        if t.has["share"]:
            sbp = x[SHARE]
            allowed = np.where(sbp >= 0, round_half_up(r.total * sbp), INF)
        if t.has["limit"]:
            before = 0 if r.first else np.take(r.self_paid, p)  # nothing self-paid yet
            allowed = np.minimum(allowed, np.maximum(x[LIMIT] - before, 0))
        pay = np.maximum(share - allowed, 0) * elig
        if r.room is not None:
            np.minimum(pay, np.maximum(r.room - r.paid, 0), out=pay)
        return pay  # a guarantee reads no accumulator of its own (self_paid is the batch's)


GUARANTEE = Guarantee()

__all__ = ["GUARANTEE", "KEYS", "PARAMS", "Guarantee", "InForceGuarantee"]
