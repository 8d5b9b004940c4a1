"""The pure parts of settling a stored stay, shared by the services and the demo generator
(`jkfp.demo.stays`, which settles thousands of stays without the ORM and must store exactly
what the services store): the loaded policies, the categories held on a day, the year's
accumulators as stored, the best of the categories held, and the stored fields of a statement.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType

from django.conf import settings
from django.db.models import Q

from jkfp.categories import Category
from jkfp.policy.loader import load_policies
from jkfp.policy.regimes import PolicySet
from jkfp.policy.statement import Accumulators, Stay, TierAccumulator
from jkfp.policy.statement import Statement as PolicyStatement
from jkfp.policy.stay import settle_stay
from jkfp.registry.models import Person
from jkfp.registry.selectors import current_periods

_cache_lock = threading.Lock()
_cache: dict[str, tuple[float, PolicySet]] = {}


def policy_set(root: Path | None = None) -> PolicySet:
    """The loaded parameter folder, reloaded when a file in it changes."""
    root = Path(root or settings.JKFP_POLICIES_DIR)
    stamp = max((p.stat().st_mtime for p in root.rglob("*.yaml")), default=0.0)
    with _cache_lock:
        hit = _cache.get(str(root))
        if hit and hit[0] == stamp:
            return hit[1]
        policies = load_policies(root)
        _cache[str(root)] = (stamp, policies)
        return policies


def categories_on(*, person: Person, on: dt.date) -> list[str]:
    """The categories a person holds on a date, their own and their household's."""
    periods = current_periods(on=on).filter(Q(person=person) | Q(household_id=person.household_id))
    held = sorted(set(periods.values_list("category", flat=True)))
    return held or [Category.GENERAL.value]


def accumulators_to_json(acc: Accumulators) -> dict:
    return {
        "year": acc.year,
        "stays": acc.stays,
        "reimbursed_fen": acc.reimbursed_fen,
        "self_pay_fen": acc.self_pay_fen,
        "tiers": {k: [v.base_fen, v.deductible_fen, v.paid_fen] for k, v in acc.tiers.items()},
    }


def accumulators_from_json(data: dict) -> Accumulators:
    return Accumulators(
        year=data["year"],
        stays=data["stays"],
        reimbursed_fen=data["reimbursed_fen"],
        self_pay_fen=data["self_pay_fen"],
        tiers=MappingProxyType({k: TierAccumulator(*v) for k, v in data["tiers"].items()}),
    )


def settle_best(
    stays: Iterable[tuple[str, Stay]], *, policies: PolicySet, accumulators: Accumulators | None
) -> tuple[str, PolicyStatement]:
    """Settle one stay under each category held; the category that leaves the patient the least
    to pay wins (the first of equals, in the order given). `stays` are (category, the stay with
    that category) pairs, at least one; they are settled in order, so a lazy iterable interleaves
    creating and settling. Errors of the engine propagate."""
    best: tuple[str, PolicyStatement] | None = None
    for category, stay in stays:
        st = settle_stay(stay, policies=policies, accumulators=accumulators)
        if best is None or st.self_pay_fen < best[1].self_pay_fen:
            best = (category, st)
    if best is None:
        raise ValueError("settle_best needs at least one stay")
    return best


def statement_values(st: PolicyStatement, *, stay_id: int, held: list[str], category: str) -> dict:
    """The stored fields of a statement, but its stay, person, region, creator and status: the
    figures, the amounts per tier and per fund, the accumulators after the stay and the engine's
    explanation with the stay's id, the categories held and the one applied."""
    detail = st.as_dict()
    detail["stay_id"] = str(stay_id)
    detail["categories_held"] = held
    detail["category_applied"] = category
    return {
        "year": st.stay.admission_date.year,
        "policy": st.regime_label,
        "reimbursed_fen": st.reimbursed_fen,
        "self_pay_fen": st.self_pay_fen,
        "tier_amounts": {t.tier_id: t.amount_fen for t in st.tiers},
        "fund_amounts": st.fund_totals_fen(),
        "accumulators_after": accumulators_to_json(st.accumulators_after),
        "detail": detail,
        "deposit_waived": st.deposit_waived,
        "uses_examples": st.uses_examples,
    }
