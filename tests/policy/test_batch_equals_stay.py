"""settle_batch gives the same fen as settle_stay on every stay: a property test over random
stays *and* random valid policies (tiers, bases, deductibles per stay or year, segment tables
over the stay or the year, caps, second-stay factors, adjustments that scale or set a value
exactly, `not_covered` values of a tier, guarantees, ceilings, dated changes inside a regime and
a regime change at a year boundary)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jkfp.policy import Stay, StayBatch, build_policy_set, settle_batch, settle_stay
from jkfp.policy.money import BP
from jkfp.policy.schema import CATEGORIES
from jkfp.policy.trees import RegimeTree, RegionTree

CODES = [c.value for c in CATEGORIES]
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def ratio(bp: int) -> Decimal:
    return Decimal(bp) / BP


@st.composite
def amounts(draw, lo: int = 0, hi: int = 50_000) -> Decimal:
    return Decimal(draw(st.integers(lo * 100, hi * 100))) / 100


@st.composite
def by_dimension(draw, leaf):
    """A leaf, or a mapping of leaves by grade, by location or by category (with other)."""
    form = draw(st.sampled_from(["scalar", "grade", "location", "category"]))
    if form == "scalar":
        return draw(leaf)
    if form == "grade":
        return {g: draw(leaf) for g in range(4)}
    if form == "location":
        return {loc: draw(leaf) for loc in ("county", "city", "province", "outside")}
    chosen = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=4, unique=True))
    return {**{c: draw(leaf) for c in chosen}, "other": draw(leaf)}


@st.composite
def segments(draw):
    ups = sorted(draw(st.lists(st.integers(1, 80_000), max_size=3, unique=True)))
    return [{"up_to": u, "ratio": ratio(draw(st.integers(0, BP)))} for u in ups] + [
        {"up_to": None, "ratio": ratio(draw(st.integers(0, BP)))}]


def covered_or_not(leaf):
    """A tier's leaf, sometimes `not_covered` (the source gives no value: the tier does not
    apply to such stays)."""
    return st.one_of(leaf, leaf, leaf, st.just("not_covered"))


def param(unit: str, values: dict) -> dict:
    return {"unit": unit, "values": {d: {"value": v, "example": True} for d, v in values.items()}}


@st.composite
def dated(draw, leaf, start: date, mid: date, *, tier_value: bool = False):
    """A value from the start, maybe another one from mid-period; a tier's own value may be
    `not_covered` in some rows."""
    if tier_value:
        leaf = covered_or_not(leaf)
    values = {start: draw(by_dimension(leaf))}
    if draw(st.booleans()):
        values[mid] = draw(by_dimension(leaf))
    return values


@st.composite
def tier(draw, tid: str, start: date, mid: date, guarantee: bool) -> dict:
    cats = draw(st.one_of(st.just("all"), st.lists(st.sampled_from(CODES), min_size=1,
                                                   unique=True)))
    eligibility = {"categories": cats}
    nc = draw(st.integers(0, 3)) == 0  # a quarter of the tiers have not_covered rows
    if draw(st.booleans()):
        eligibility["referral_required"] = draw(st.booleans())
    if guarantee:
        params = {}
        if draw(st.booleans()):
            params["stay_share"] = param("ratio", draw(dated(
                st.integers(0, BP).map(ratio), start, mid, tier_value=nc)))
        if draw(st.booleans()) or not params:
            params["annual_limit"] = param("yuan", draw(dated(amounts(0, 20_000), start, mid,
                                                              tier_value=nc)))
        return {"id": tid, "name": tid, "kind": "guarantee", "fund": "local_guarantee",
                "eligibility": eligibility, "parameters": params}
    params = {"deductible": param("yuan", draw(dated(
        st.one_of(amounts(0, 20_000), st.integers(0, BP).map(
            lambda b: {"income_share": ratio(b)})), start, mid, tier_value=nc)))}
    if draw(st.booleans()):
        params["segments"] = param("segments", draw(dated(segments(), start, mid,
                                                          tier_value=nc)))
    else:
        params["ratio"] = param("ratio", draw(dated(st.integers(0, BP).map(ratio), start, mid,
                                                    tier_value=nc)))
    for name, leaf in (("stay_cap", amounts(0, 100_000)),
                       ("annual_cap", st.one_of(amounts(0, 200_000), st.just("unlimited"))),
                       ("second_stay_deductible_factor", st.integers(0, BP).map(ratio))):
        if draw(st.booleans()):
            unit = "ratio" if name.startswith("second") else "yuan"
            params[name] = param(unit, draw(dated(leaf, start, mid, tier_value=nc)))
    adjustments = []
    for i in range(draw(st.integers(0, 2))):
        when = {}
        if draw(st.booleans()):
            when["categories"] = draw(st.lists(st.sampled_from(CODES), min_size=1, unique=True))
        if draw(st.booleans()):
            when["referred"] = draw(st.booleans())
        aparams = {}
        deductible = draw(st.sampled_from(["keep", "factor", "set"]))
        if deductible == "factor":
            aparams["deductible_factor"] = param("ratio", draw(dated(
                st.integers(0, BP).map(ratio), start, mid)))
        elif deductible == "set":  # an exact amount (12,000 → 5,000), not a factor
            aparams["deductible"] = param("yuan", draw(dated(amounts(0, 20_000), start, mid)))
        if draw(st.booleans()):
            aparams["ratio_points"] = param("points", draw(dated(
                st.integers(-BP, BP).map(ratio), start, mid)))
        cap = draw(st.sampled_from(["keep", "removed", "set"]))
        if cap == "removed":
            aparams["cap_removed"] = param("boolean", draw(dated(st.booleans(), start, mid)))
        elif cap == "set":
            aparams["annual_cap"] = param("yuan", draw(dated(
                st.one_of(amounts(0, 200_000), st.just("unlimited")), start, mid)))
        if draw(st.booleans()):
            aparams["stay_cap"] = param("yuan", draw(dated(amounts(0, 100_000), start, mid)))
        adjustments.append({"id": f"a{i}", "name": f"调整{i}", "when": when,
                            "parameters": aparams})
    return {"id": tid, "name": tid, "kind": "reimbursement",
            "fund": draw(st.sampled_from(["basic_insurance", "critical_illness_insurance",
                                          "medical_assistance"])),
            "base": draw(st.sampled_from(["in_policy", "in_policy_left", "total_left"])),
            "deductible_per": draw(st.sampled_from(["stay", "year"])),
            "segments_over": draw(st.sampled_from(["stay", "year"])),
            "eligibility": eligibility, "parameters": params, "adjustments": adjustments}


@st.composite
def regime(draw, rid: str, year: int) -> RegimeTree:
    start, mid, end = date(year, 1, 1), date(year, 7, 1), date(year, 12, 31)
    n = draw(st.integers(1, 4))
    ids = [f"t{i}" for i in range(n)]
    with_guarantee = draw(st.booleans())
    tiers = {tid: draw(tier(tid, start, mid, with_guarantee and i == n - 1))
             for i, tid in enumerate(ids)}
    node = {"id": rid, "name": rid, "version": 1, "start": start, "end": end,
            "sources": {"s": {"title": "生成的测试政策"}}, "tiers": ids,
            "parameters": {"reference_income": param("yuan", draw(dated(
                amounts(1_000, 30_000), start, mid)))}}
    if draw(st.booleans()):
        node["parameters"]["reimbursement_ceiling"] = param("ratio", draw(dated(
            st.integers(0, BP).map(ratio), start, mid)))
    if draw(st.booleans()):
        node["deposit_waiver"] = {"categories": draw(st.lists(st.sampled_from(CODES),
                                                               min_size=1, unique=True)),
                                  "locations": ["county"], "example": True}
    return RegimeTree(node, tiers)


@st.composite
def policy_sets(draw):
    regimes = [draw(regime("g-2020", 2020))]
    if draw(st.booleans()):
        regimes.append(draw(regime("g-2021", 2021)))
    region = {"id": "generated", "name": "生成地区", "codes": ["990001"]}
    return build_policy_set([RegionTree(region, regimes)])


@st.composite
def stay_lists(draw, years: int):
    n = draw(st.integers(1, 25))
    out = []
    for i in range(n):
        total = draw(st.integers(0, 60_000_000))
        day = date(2020, 1, 1) + timedelta(days=draw(st.integers(0, 365 * years - 1)))
        out.append(Stay(f"s{i}", f"p{draw(st.integers(0, 3))}", "990001",
                        draw(st.integers(0, len(CATEGORIES) - 1)), draw(st.integers(0, 3)),
                        draw(st.integers(0, 3)), draw(st.booleans()), day, day, total,
                        draw(st.integers(0, total))))
    return out


@SETTINGS
@given(data=st.data())
def test_batch_equals_stay_on_random_policies_and_stays(data) -> None:
    policies = data.draw(policy_sets())
    stays = data.draw(stay_lists(len(policies.regimes)))
    result = settle_batch(StayBatch.from_stays(stays), policies)

    order = sorted(range(len(stays)), key=lambda i: (stays[i].person_id,
                                                     stays[i].admission_date, i))
    accumulators: dict[str, object] = {}
    for i in order:
        stay = stays[i]
        st_ = settle_stay(stay, policies=policies, accumulators=accumulators.get(stay.person_id))
        accumulators[stay.person_id] = st_.accumulators_after
        for line in st_.tiers:
            assert result.amounts[line.tier_id][i] == line.amount_fen, (i, line.tier_id)
            assert line.amount_fen >= 0
        assert result.reimbursed[i] == st_.reimbursed_fen
        assert result.self_pay[i] == st_.self_pay_fen
        assert bool(result.deposit_waived[i]) == st_.deposit_waived
        assert bool(result.uses_examples[i]) == st_.uses_examples
        # what every statement must satisfy, whatever the policy
        assert 0 <= st_.reimbursed_fen <= stay.total_fen
        assert st_.reimbursed_fen + st_.self_pay_fen == stay.total_fen
        if st_.ceiling_fen is not None:
            assert st_.reimbursed_fen <= st_.ceiling_fen


def test_rounds_follow_admission_order_not_input_order(policies) -> None:
    """Stays given out of order are settled in admission order per person."""
    def stay(sid: str, day: date, total: str) -> Stay:
        return Stay.create(stay_id=sid, person_id="p", county_code="640323",
                           category="registered_poor", hospital_grade=1, location="county",
                           referred=True, admission_date=day, discharge_date=day,
                           total_cost=total, in_policy_cost=str(int(total) * 4 // 5))

    later, earlier = stay("later", date(2019, 6, 1), "40000"), stay("earlier", date(2019, 3, 1),
                                                                    "20000")
    result = settle_batch(StayBatch.from_stays([later, earlier]), policies)
    # the DOMAIN.md example: 20,000 first (pays 2,000), then 40,000 (pays the 3,000 left)
    assert result.self_pay.tolist() == [300_000, 200_000]
    assert np.all(result.reimbursed + result.self_pay == [4_000_000, 2_000_000])
