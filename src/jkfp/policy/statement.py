"""What the engine carries and gives: the person's accumulators and the statement of a stay.

The stay itself is `stay_input.Stay`.

Amounts are `int` fen; `yuan(...)` properties give Decimal at the edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from .in_force import ParameterUse
from .money import BP, fen_to_yuan, fmt_bp, fmt_yuan, round_half_up
from .stay_input import Stay


@dataclass(frozen=True, slots=True)
class TierAccumulator:
    """A person's running totals for one tier in one year."""

    base_fen: int = 0  # bases of the stays (positions on the year's segment line)
    deductible_fen: int = 0  # deductible borne
    paid_fen: int = 0  # paid by the tier


_EMPTY: Mapping[str, TierAccumulator] = MappingProxyType({})


@dataclass(frozen=True)
class Accumulators:
    """A person's running totals for a calendar year (of admission). Immutable: settling a stay
    returns new ones in the statement. Passing accumulators of another year starts afresh."""

    year: int
    stays: int = 0
    reimbursed_fen: int = 0
    self_pay_fen: int = 0
    tiers: Mapping[str, TierAccumulator] = field(default_factory=lambda: _EMPTY)

    def tier(self, tier_id: str) -> TierAccumulator:
        return self.tiers.get(tier_id, TierAccumulator())

    def as_dict(self) -> dict:
        return {"year": self.year, "stays": self.stays,
                "reimbursed": str(fen_to_yuan(self.reimbursed_fen)),
                "self_pay": str(fen_to_yuan(self.self_pay_fen)),
                "tiers": {k: {"base": str(fen_to_yuan(v.base_fen)),
                              "deductible": str(fen_to_yuan(v.deductible_fen)),
                              "paid": str(fen_to_yuan(v.paid_fen))} for k, v in self.tiers.items()}}


@dataclass(frozen=True)
class SegmentPart:
    """A slice of the base paid at one ratio: [from, to) on the tier's line."""

    from_fen: int
    to_fen: int
    ratio_bp: int

    @property
    def exact_amount(self) -> Fraction:
        return Fraction((self.to_fen - self.from_fen) * self.ratio_bp, BP)


@dataclass(frozen=True)
class TierLine:
    """One tier of the statement: its amount and everything behind it."""

    tier_id: str
    name: str
    fund: str
    fund_name: str
    kind: str
    eligible: bool
    base_label: str
    base_fen: int
    deductible_fen: int  # deductible borne in this stay
    segments: tuple[SegmentPart, ...]
    computed_fen: int  # before caps and the ceiling (rounded half up)
    amount_fen: int  # what the tier pays
    limited_by: str | None  # "stay_cap" | "annual_cap" | "ceiling" | "total" | "guarantee"
    adjustments: tuple[str, ...]
    parameters: tuple[ParameterUse, ...]
    explanation: tuple[str, ...]  # Chinese, one line each
    accumulator_after: TierAccumulator

    @property
    def amount(self) -> Decimal:
        return fen_to_yuan(self.amount_fen)

    @property
    def uses_examples(self) -> bool:
        return self.eligible and any(p.example for p in self.parameters)


@dataclass(frozen=True)
class Statement:
    """The explained settlement of one stay (一单制结算单)."""

    stay: Stay
    region_id: str
    region_name: str
    regime_id: str
    regime_name: str
    regime_version: int
    regime_label: str  # "yanchi-2021-2025@v1", the `policy` column of results
    reform: str | None
    tiers: tuple[TierLine, ...]
    reimbursed_fen: int
    self_pay_fen: int
    ceiling_fen: int | None  # most the tiers together may pay, if the regime sets a ceiling
    regime_parameters: tuple[ParameterUse, ...]
    deposit_waived: bool
    deposit_note: str
    accumulators_before: Accumulators
    accumulators_after: Accumulators

    @property
    def total_fen(self) -> int:
        return self.stay.total_fen

    @property
    def out_of_policy_fen(self) -> int:
        return self.stay.total_fen - self.stay.in_policy_fen

    @property
    def coverage_ratio(self) -> Fraction:
        """Combined coverage: everything reimbursed / total cost (0 for a zero-cost stay)."""
        return Fraction(self.reimbursed_fen, self.total_fen) if self.total_fen else Fraction(0)

    @property
    def coverage_bp(self) -> int:
        """Combined coverage in basis points, rounded half up."""
        return round_half_up(self.reimbursed_fen * BP, self.total_fen) if self.total_fen else 0

    @property
    def coverage_percent(self) -> Decimal:
        r = self.coverage_ratio
        return (Decimal(r.numerator) * 100 / Decimal(r.denominator)).quantize(Decimal("0.01"))

    @property
    def uses_examples(self) -> bool:
        return any(t.uses_examples for t in self.tiers) or any(
            p.example for p in self.regime_parameters)

    def amount_fen(self, tier_id: str) -> int:
        for t in self.tiers:
            if t.tier_id == tier_id:
                return t.amount_fen
        raise KeyError(tier_id)

    def fund_totals_fen(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.tiers:
            out[t.fund] = out.get(t.fund, 0) + t.amount_fen
        return out

    def explain(self) -> str:
        """The statement as text, in Chinese."""
        lines = [(f"结算单：{self.stay.stay_id}（{self.region_name}，{self.regime_name}，"
                  f"{self.regime_label}）"), f"住院：{self.stay.describe()}", self.deposit_note]
        for t in self.tiers:
            lines.append(f"【{t.name}】{fmt_yuan(t.amount_fen)}")
            lines += [f"  {e}" for e in t.explanation]
            for p in t.parameters if t.eligible else ():
                row = f"［{p.row}］" if p.row else ""
                lines.append(f"  · {p.label}{row} {p.value}（自{p.effective_from}起；{p.source}）")
        for p in self.regime_parameters:
            lines.append(f"{p.label} {p.value}（自{p.effective_from}起；{p.source}）")
        lines.append(f"合计报销 {fmt_yuan(self.reimbursed_fen)}，个人自付 "
                     f"{fmt_yuan(self.self_pay_fen)}（其中政策范围外 "
                     f"{fmt_yuan(self.out_of_policy_fen)}），综合保障比例 "
                     f"{fmt_bp(self.coverage_bp)}")
        if self.uses_examples:
            lines.append("注意：本结算使用了示例参数（无公开来源），金额仅供演示，部署地区应替换为本地政策。")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        """JSON-ready form (amounts as yuan strings) for the API and the stored statement."""
        def y(fen: int) -> str:
            return str(fen_to_yuan(fen))

        def use(p: ParameterUse) -> dict:
            return {"path": p.path, "label": p.label, "value": p.value,
                    "effective_from": p.effective_from.isoformat(), "source": p.source,
                    "example": p.example, "row": p.row}

        return {
            "stay_id": self.stay.stay_id, "person_id": self.stay.person_id,
            "region": self.region_id, "regime": self.regime_id,
            "regime_version": self.regime_version, "policy": self.regime_label,
            "reform": self.reform, "total_cost": y(self.total_fen),
            "in_policy_cost": y(self.stay.in_policy_fen),
            "out_of_policy_cost": y(self.out_of_policy_fen),
            "tiers": [{"id": t.tier_id, "name": t.name, "fund": t.fund, "eligible": t.eligible,
                       "base": y(t.base_fen), "deductible": y(t.deductible_fen),
                       "computed": y(t.computed_fen), "amount": y(t.amount_fen),
                       "limited_by": t.limited_by, "adjustments": list(t.adjustments),
                       "explanation": list(t.explanation),
                       "parameters": [use(p) for p in t.parameters]} for t in self.tiers],
            "reimbursed_total": y(self.reimbursed_fen), "self_pay": y(self.self_pay_fen),
            "ceiling": None if self.ceiling_fen is None else y(self.ceiling_fen),
            "coverage_percent": str(self.coverage_percent),
            "deposit_waived": self.deposit_waived, "deposit_note": self.deposit_note,
            "uses_examples": self.uses_examples,
            "regime_parameters": [use(p) for p in self.regime_parameters],
            "accumulators_before": self.accumulators_before.as_dict(),
            "accumulators_after": self.accumulators_after.as_dict(),
        }
