"""Coverage of dates and codes across a folder: no gap and no overlap.

- Every value of a parameter lies within its regime's period (a null may end it the day after).
- Required values (a tier's deductible and ratio or segments, a guarantee's limits, the
  reference income when a deductible is a share of it) are in force from the regime's first day
  to its last.
- Regimes of a region follow each other with no gap and no overlap (checked in `loader`).
- No administrative code prefix belongs to two regions; ids are unique.
"""

from __future__ import annotations

from datetime import timedelta

from .check import Ctx, Problems, join
from .errors import PolicyErrorCode
from .kinds import kind_of
from .parameters import IncomeShare, Parameter, any_leaf
from .regimes import Regime, Region


def _is_income_share(leaf) -> bool:
    return isinstance(leaf.value, IncomeShare)


def check_coverage(problems: Problems, regime: Regime, rctx: Ctx) -> None:
    """No value outside the regime's period; required values in force throughout it."""
    period = f"{regime.start} 至 {regime.end}"
    required: list[Parameter] = []
    for tier in regime.tiers:
        required += kind_of(tier).required_parameters(tier)
    share = any(any_leaf(v.tree, _is_income_share) for t in regime.tiers
                if "deductible" in t.parameters for v in t.parameters["deductible"].values)
    if share:
        income = regime.parameters.get("reference_income")
        if income is None:
            rctx.error(PolicyErrorCode.MISSING_KEY, "parameters.reference_income",
                       what="reference_income（起付线按收入比例计算时必填）")
        else:
            required.append(income)
    for p in regime.all_parameters():
        ctx = problems.ctx(p.file)
        for v in p.values:
            if not regime.start <= v.start <= regime.end + timedelta(days=1) or (
                    v.start > regime.end and v.tree is not None):
                ctx.error(PolicyErrorCode.DATE_OUTSIDE_PERIOD, join(p.path, f"values.{v.start}"),
                          what=v.start, allowed=period, line=v.line)
    for p in required:
        ctx = problems.ctx(p.file)
        first = p.in_force_from()
        if first is not None and first > regime.start:
            ctx.error(PolicyErrorCode.DATE_GAP, join(p.path, "values"),
                      what=f"{regime.start} 至 {first - timedelta(days=1)} 没有取值",
                      line=p.values[0].line)
        ended = p.ends()
        if ended is not None and ended <= regime.end:
            ctx.error(PolicyErrorCode.DATE_GAP, join(p.path, f"values.{ended}"),
                      what=f"自 {ended} 起没有取值，政策期间至 {regime.end}",
                      line=p.values[-1].line)


def check_across(problems: Problems, regions: list[Region]) -> None:
    seen_regions: dict[str, str] = {}
    seen_codes: dict[str, str] = {}
    seen_regimes: dict[str, str] = {}
    for region in regions:
        ctx = problems.ctx(f"{region.folder}/region.yaml")
        if region.id in seen_regions:
            ctx.error(PolicyErrorCode.DUPLICATE_ID, "id", what=region.id)
        seen_regions[region.id] = region.folder
        for code in region.codes:
            if code in seen_codes:
                ctx.error(PolicyErrorCode.REGION_OVERLAP, "codes",
                          what=f"{code}（{seen_codes[code]} 与 {region.id}）")
            seen_codes[code] = region.id
        for regime in region.regimes:
            if regime.id in seen_regimes:
                problems.ctx(f"{regime.folder}/regime.yaml").error(
                    PolicyErrorCode.DUPLICATE_ID, "id", what=regime.id)
            seen_regimes[regime.id] = regime.folder
