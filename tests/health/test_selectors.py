"""Reads of the health services: a case's costs from the stays of its disease (to the fen), the
three-batches class and the coarse status, and the counts by region equal to a recount."""

import datetime as dt

import pytest

from jkfp.accounts.models import Department, Role, User
from jkfp.errors import DomainError
from jkfp.health import selectors, services
from jkfp.health.models import SpecialCase
from jkfp.settlement import services as settlement

from ..factories import HouseholdFactory, UserFactory
from .conftest import hold

pytestmark = pytest.mark.django_db
D = dt.date(2024, 3, 1)


def stay(user, person, *, admitted, icd10="", total="20000.00", in_policy="16000.00"):
    # stays are settled by hospital or medical-insurance staff (settlement decision 38)
    hospital = User.objects.filter(username="hosp_settler").first() or UserFactory(
        username="hosp_settler", region_id=user.region_code, role=Role.DATA_ENTRY,
        department=Department.HOSPITAL)
    return settlement.stay_settle(
        user=hospital, person=person, hospital_name="宁夏医科大学总医院", hospital_grade=3,
        location="province", referred=True, admission_date=admitted,
        discharge_date=admitted + dt.timedelta(days=9), total_cost=total,
        in_policy_cost=in_policy, diagnosis_icd10=icd10)


def test_case_costs_are_the_stays_of_its_disease(county_health, patient):
    case = services.special_case_create(user=county_health, person=patient, icd10="C34.9",
                                        found_via="hospital_stay", found_on=D)
    stay(county_health, patient, admitted=D - dt.timedelta(days=30), icd10="C34.9")  # before
    a = stay(county_health, patient, admitted=D, icd10="c34.1")
    stay(county_health, patient, admitted=D + dt.timedelta(days=20), icd10="I10")  # other
    stay(county_health, patient, admitted=D + dt.timedelta(days=40))              # no diagnosis
    b = stay(county_health, patient, admitted=D + dt.timedelta(days=60), icd10="C34.9",
             total="12345.67", in_policy="10000.01")
    costs = selectors.case_costs(user=county_health, case=case)
    assert [s.pk for s in costs.statements] == [b.pk, a.pk]
    assert costs.total_fen == 2_000_000 + 1_234_567
    assert costs.in_policy_fen == 1_600_000 + 1_000_001
    assert costs.reimbursed_fen == a.reimbursed_fen + b.reimbursed_fen
    assert costs.self_pay_fen == a.self_pay_fen + b.self_pay_fen
    assert costs.reimbursed_fen + costs.self_pay_fen == costs.total_fen
    for tier in a.tier_amounts:
        assert costs.by_tier[tier] == a.tier_amounts[tier] + b.tier_amounts.get(tier, 0)


def test_stay_diagnosis_is_checked(county_health, patient):
    with pytest.raises(DomainError) as e:
        stay(county_health, patient, admitted=D, icd10="lung")
    assert {x.field for x in getattr(e.value, "errors", [e.value])} == {"diagnosis_icd10"}


def test_batch_and_status(county_health, patient, household):
    h = selectors.person_health(user=county_health, person=patient)
    assert (h.status, h.batch) == ("healthy", None)
    reg = services.chronic_register(user=county_health, person=patient, icd10="I10",
                                    diagnosed_on=D, confirmed_by="卫生院", registered_on=D)
    h = selectors.person_health(user=county_health, person=patient)
    assert (h.status, h.batch, h.batch_label) == ("chronic", "contract", "慢病签约服务管理一批")
    case = services.special_case_create(user=county_health, person=patient, icd10="N18.5",
                                        found_via="hospital_stay", found_on=D)
    h = selectors.person_health(user=county_health, person=patient)
    assert (h.status, h.batch) == ("major", "treatment")
    SpecialCase.objects.filter(pk=case.pk).update(status="treated", outcome="stable")
    h = selectors.person_health(user=county_health, person=patient)
    assert (h.status, h.batch) == ("major", "contract")  # lifted out: no safety-net category
    hold(household, "minimum_living", person=patient, start=D)
    h = selectors.person_health(user=county_health, person=patient)
    assert h.batch == "safety_net"
    SpecialCase.objects.filter(pk=case.pk).update(status="closed", close_reason="cured")
    services.chronic_end(user=county_health, registration=reg, expected_version=1,
                         ended_on=D, reason="error")
    h = selectors.person_health(user=county_health, person=patient)
    assert (h.status, h.batch) == ("healthy", None)


def test_batch_counts_equal_the_person_by_person_class(county_health, regions):
    import random

    rnd = random.Random(7)
    villages = ["640323100201", "640323100202", "640323101201"]
    persons = []
    for i in range(30):
        hh = HouseholdFactory(village_id=villages[i % 3], region_code=villages[i % 3])
        hold(hh, rnd.choice(["lifted_out", "minimum_living", "extreme_poor"]))
        p = hh.head
        if rnd.random() < 0.6:
            services.chronic_register(user=county_health, person=p, icd10="I10",
                                      diagnosed_on=D, confirmed_by="卫生院", registered_on=D)
        if rnd.random() < 0.5:
            c = services.special_case_create(user=county_health, person=p, icd10="C16",
                                             found_via="screening", found_on=D)
            SpecialCase.objects.filter(pk=c.pk).update(
                status=rnd.choice(["found", "in_treatment", "treated", "closed"]))
        persons.append(p)
    counts = selectors.batch_counts(user=county_health, region_code="640323", child_length=9)
    expected: dict = {}
    for p in persons:
        b = selectors.person_health(user=county_health, person=p).batch
        if b:
            row = expected.setdefault(p.region_code[:9], dict.fromkeys(selectors.BATCHES, 0))
            row[b] += 1
    assert counts == expected
    assert sum(sum(r.values()) for r in counts.values()) > 10
