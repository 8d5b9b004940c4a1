"""Settling a registered person's stay through the Django app, with the shipped policies."""

import datetime as dt

import pytest
from django.http import Http404

from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.settlement import selectors, services
from jkfp.settlement.models import HospitalStay, Statement


def settle(user, person, admission, total, in_policy, **kw):
    args = {"user": user, "person": person, "hospital_name": "盐池县人民医院", "hospital_grade": 2,
                "location": "county", "referred": False, "admission_date": admission,
                "discharge_date": admission + dt.timedelta(days=9), "total_cost": total,
                "in_policy_cost": in_policy}
    args.update(kw)
    return services.stay_settle(**args)


def test_yanchi_2018_guarantee_per_stay_and_per_year(users, settler, poor_household):
    """DOMAIN.md §8: 20,000 → pays 2,000; then a second stay of 40,000 → 3,000 (5,000 a year)."""
    person = poor_household.head
    first = settle(settler, person, dt.date(2019, 3, 1), "20000", "18000")
    assert first.self_pay_fen == 200000
    assert first.reimbursed_fen == 1800000
    assert first.stay.category == "registered_poor"
    second = settle(settler, person, dt.date(2019, 6, 1), "40000", "36000")
    assert second.self_pay_fen == 300000
    assert second.accumulators_after["self_pay_fen"] == 500000
    # a new year starts the accumulators afresh: 80,000 → 5,000
    third = settle(settler, person, dt.date(2020, 2, 1), "80000", "70000")
    assert third.self_pay_fen == 500000
    assert sum(third.tier_amounts.values()) == third.reimbursed_fen == 7500000
    assert third.detail["policy"] == third.policy and third.policy.startswith("yanchi")


def test_statement_explains_each_amount(users, settler, poor_household):
    st = settle(settler, poor_household.head, dt.date(2019, 3, 1), "20000", "18000")
    tiers = st.detail["tiers"]
    assert [t["id"] for t in tiers] == list(st.tier_amounts)
    for t in tiers:
        if t["eligible"]:
            assert t["explanation"] and all(p["source"] or p["example"] for p in t["parameters"])
    assert st.detail["categories_held"] == ["registered_poor"]


def test_no_regime_in_force_is_refused(users, settler, household):
    with pytest.raises(DomainError) as exc:
        settle(settler, household.head, dt.date(2010, 3, 1), "1000", "900")
    assert exc.value.code == ErrorCode.POLICY_NOT_FOUND
    assert not HospitalStay.objects.exists() and not Statement.objects.exists()


def test_bad_amounts_are_refused_naming_the_field(users, settler, household):
    with pytest.raises(ValidationErrors) as exc:
        settle(settler, household.head, dt.date(2022, 3, 1), "1000", "1000.01",
               hospital_name="")
    fields = {e.field for e in exc.value.errors}
    assert fields == {"in_policy_cost", "hospital_name"}
    with pytest.raises(ValidationErrors) as exc:
        settle(settler, household.head, dt.date(2022, 3, 1), "-5", "abc")
    assert {e.field for e in exc.value.errors} == {"total_cost", "in_policy_cost"}
    assert not HospitalStay.objects.exists()


def test_statements_are_scoped(users, settler, poor_household, foreign_households):
    st = settle(settler, poor_household.head, dt.date(2019, 3, 1), "20000", "18000")
    assert selectors.statement_get(user=users["county"], pk=st.pk) == st
    with pytest.raises(Http404):
        selectors.statement_get(user=users["changzhi_city"], pk=st.pk)
    other = foreign_households["changzhi"].head
    with pytest.raises(DomainError) as exc:
        settle(settler, other, dt.date(2019, 3, 1), "100", "100")
    assert exc.value.code == ErrorCode.REGION_OUT_OF_SCOPE


