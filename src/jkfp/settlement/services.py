"""Settling a stay of a registered person: one function, one transaction (DESIGN.md rule 2).

The amounts come from the policy engine (`jkfp.policy`), which knows nothing of Django; this
module finds what the engine needs (the person's category on the admission date, the county,
the year's accumulators from earlier statements) and stores the explained statement.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from jkfp.accounts.access import require_in_scope, require_writer
from jkfp.accounts.models import User
from jkfp.categories import Category
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.health.catalog import icd10_normalise
from jkfp.policy import PolicyError, PolicyErrorCode, check_stay
from jkfp.policy.errors import RowError
from jkfp.policy.loader import load_policies
from jkfp.policy.money import fmt_fen
from jkfp.policy.regimes import PolicySet
from jkfp.policy.statement import Accumulators, Stay, TierAccumulator
from jkfp.policy.statement import Statement as PolicyStatement
from jkfp.policy.stay import settle_stay
from jkfp.registry.models import Person
from jkfp.registry.selectors import current_periods
from jkfp.registry.services import check_dates, yuan_to_fen

from .models import HospitalStay, Statement

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
    periods = current_periods(on=on).filter(
        Q(person=person) | Q(household_id=person.household_id))
    held = sorted(set(periods.values_list("category", flat=True)))
    return held or [Category.GENERAL.value]


def accumulators_to_json(acc: Accumulators) -> dict:
    return {"year": acc.year, "stays": acc.stays, "reimbursed_fen": acc.reimbursed_fen,
            "self_pay_fen": acc.self_pay_fen,
            "tiers": {k: [v.base_fen, v.deductible_fen, v.paid_fen] for k, v in acc.tiers.items()}}


def accumulators_from_json(data: dict) -> Accumulators:
    return Accumulators(
        year=data["year"], stays=data["stays"], reimbursed_fen=data["reimbursed_fen"],
        self_pay_fen=data["self_pay_fen"],
        tiers=MappingProxyType({k: TierAccumulator(*v) for k, v in data["tiers"].items()}))


def _checked_stay(*, person: Person, hospital_name, hospital_grade, location, referred,
                  admission_date, discharge_date, total_cost,
                  in_policy_cost) -> tuple[Stay | None, list[DomainError]]:
    """The stay's facts checked by the engine's one stay validator (`policy.check_stay`), with
    its codes (`stay_*`) passed through; amounts are first read strictly (`amount_invalid`, as
    the API reads them). The category is settled later, per category held."""
    errors: list[DomainError] = []
    if not (hospital_name or "").strip():
        errors.append(DomainError(ErrorCode.REQUIRED, "医疗机构不能为空", field="hospital_name"))
    amounts: dict[str, str | None] = {}
    for name, value in (("total_cost", total_cost), ("in_policy_cost", in_policy_cost)):
        try:
            amounts[name] = fmt_fen(yuan_to_fen(value, field=name))
        except DomainError as exc:
            errors.append(exc)
            amounts[name] = None
    stay, found = check_stay(
        stay_id="", person_id=str(person.pk), county_code=person.region_code[:6],
        category=Category.GENERAL.value, hospital_grade=hospital_grade, location=location,
        referred=referred, admission_date=admission_date, discharge_date=discharge_date,
        total_cost=amounts["total_cost"], in_policy_cost=amounts["in_policy_cost"])
    errors += [e for e in found if amounts.get(e.column, "") is not None]
    return stay, errors


def stay_settle(*, user: User, person: Person, hospital_name: str, hospital_grade: int,
                location: str, referred: bool, admission_date: dt.date, discharge_date: dt.date,
                total_cost, in_policy_cost, diagnosis_icd10: str = "") -> Statement:
    """Record a hospital stay and settle it across every tier in one bill.

    The person's year so far comes from their earlier statements; stays of a year are settled in
    admission order (an earlier stay after a later one is refused: the later bill would be
    wrong). When the person holds several categories on the admission date, each is settled
    and the one that leaves the patient the least to pay is applied; the statement says which.
    """
    require_writer(user)
    require_in_scope(user, person.region_code)
    check_dates(admission_date=admission_date, discharge_date=discharge_date)
    stay, errors = _checked_stay(
        person=person, hospital_name=hospital_name, hospital_grade=hospital_grade,
        location=location, referred=referred, admission_date=admission_date,
        discharge_date=discharge_date, total_cost=total_cost, in_policy_cost=in_policy_cost)
    diagnosis = ""
    if (diagnosis_icd10 or "").strip():  # optional: links the stay to a case of its disease
        try:
            diagnosis = icd10_normalise(diagnosis_icd10)
        except DomainError as exc:
            errors.append(DomainError(exc.code, exc.message, field="diagnosis_icd10"))
    if errors:
        raise ValidationErrors(errors)
    assert stay is not None
    if not person.alive and person.death_date and admission_date > person.death_date:
        raise DomainError(ErrorCode.PERSON_DECEASED, "入院日期晚于死亡日期", field="admission_date")
    policies = policy_set()
    county = person.region_code[:6]
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)  # one settlement at a time
        year_statements = Statement.objects.filter(person=person, year=admission_date.year)
        later = year_statements.filter(stay__admission_date__gt=admission_date).first()
        if later:
            raise DomainError(ErrorCode.STAY_ORDER,
                              f"本年度已有{later.stay.admission_date}入院的结算，须按入院顺序结算",
                              field="admission_date")
        last = year_statements.order_by("-stay__admission_date", "-id").first()
        before = accumulators_from_json(last.accumulators_after) if last else None
        held = categories_on(person=person, on=admission_date)
        try:  # one stay per category held; the engine's own errors keep their codes
            category, st = settle_best(((c, stay.with_category(c)) for c in held),
                                       policies=policies, accumulators=before)
        except RowError as exc:
            raise ValidationErrors([exc]) from exc
        except PolicyError as exc:
            if exc.code != PolicyErrorCode.NO_REGIME:
                raise
            raise DomainError(ErrorCode.POLICY_NOT_FOUND, exc.message,
                              field="admission_date") from exc
        hs = HospitalStay.objects.create(
            person=person, region_code=person.region_code, county_code=county,
            hospital_name=hospital_name.strip(), hospital_grade=hospital_grade,
            location=location, referred=referred, admission_date=admission_date,
            discharge_date=discharge_date, total_fen=stay.total_fen,
            in_policy_fen=stay.in_policy_fen,
            category=category, diagnosis_icd10=diagnosis, created_by=user)
        return Statement.objects.create(
            stay=hs, person=person, region_code=person.region_code, created_by=user,
            **statement_values(st, stay_id=hs.pk, held=held, category=category))


# ---- pure helpers of stay_settle, shared with the demo generator (jkfp.demo.stays), which
# settles thousands of stays without the ORM and must store exactly what stay_settle stores.

def settle_best(stays: Iterable[tuple[str, Stay]], *, policies: PolicySet,
                accumulators: Accumulators | None) -> tuple[str, PolicyStatement]:
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


def statement_values(st: PolicyStatement, *, stay_id: int, held: list[str],
                     category: str) -> dict:
    """The stored fields of a statement, but its stay, person, region and creator: the figures,
    the accumulators after the stay and the engine's explanation with the stay's id, the
    categories held and the one applied."""
    detail = st.as_dict()
    detail["stay_id"] = str(stay_id)
    detail["categories_held"] = held
    detail["category_applied"] = category
    return {"year": st.stay.admission_date.year, "policy": st.regime_label,
            "reimbursed_fen": st.reimbursed_fen, "self_pay_fen": st.self_pay_fen,
            "tier_amounts": {t.tier_id: t.amount_fen for t in st.tiers},
            "accumulators_after": accumulators_to_json(st.accumulators_after),
            "detail": detail, "deposit_waived": st.deposit_waived,
            "uses_examples": st.uses_examples}


