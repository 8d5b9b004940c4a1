"""The tier kinds by name, and the two questions the engine asks of a tier through its kind.

    KINDS[Kind.REIMBURSEMENT]  reimbursement.REIMBURSEMENT  (a share above a deductible)
    KINDS[Kind.GUARANTEE]      guarantee.GUARANTEE          (兜底: a cap on the patient's share)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .guarantee import GUARANTEE
from .in_force import why_not
from .regimes import Regime, Tier
from .reimbursement import REIMBURSEMENT
from .schema import Kind
from .tier_kind import InForceTier, TierKind

KINDS: dict[Kind, TierKind] = {Kind.REIMBURSEMENT: REIMBURSEMENT, Kind.GUARANTEE: GUARANTEE}


def kind_of(tier: Tier) -> TierKind:
    return KINDS[tier.kind]


def kind_named(name: Any) -> TierKind:
    """The kind a tier file names; reimbursement for a missing or unknown name (whose error
    the loader reports), so that its keys can still be checked."""
    return KINDS.get(name, REIMBURSEMENT) if isinstance(name, str) else REIMBURSEMENT


def tier_in_force(regime: Regime, tier: Tier, on: date, cat: int, loc: int, grade: int,
                  referred: bool, *, explain: bool = True) -> InForceTier:
    """What is in force of a tier for one kind of stay on one date, and whether it pays."""
    return kind_of(tier).in_force(regime, tier, on, (cat, loc, grade), referred,
                                  why_not=why_not(tier, cat, loc, grade, referred),
                                  explain=explain)


__all__ = ["KINDS", "kind_named", "kind_of", "tier_in_force"]
