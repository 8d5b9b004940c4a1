"""`major_disease_new` from settled stays' diagnoses (decision 61): the catalog's list in force on
the discharge date in the stay's region, the first diagnosis of a disease vs one already known."""

import datetime as dt

import pytest

from jkfp.health.models import SpecialCase
from jkfp.monitoring import scan
from jkfp.monitoring.models import RiskWarning, WarningStep
from tests.factories import HouseholdFactory

from .helpers import period, stay

ON = dt.date(2024, 12, 31)
WINDOW_START = ON - dt.timedelta(days=92)  # the rule's look-back (example value), inclusive
pytestmark = pytest.mark.django_db


@pytest.fixture
def lifted(regions):
    hh = HouseholdFactory()
    period(household=hh)
    return hh.head


def _scan(user, on=ON):
    WarningStep.objects.all().delete()
    RiskWarning.objects.all().delete()
    scan.full_scan(user=user, region_code="640323", on_date=on, rules=["major_disease_new"])
    return list(RiskWarning.objects.filter(rule_id="major_disease_new").order_by("person_id"))


def _stay(person, user, day, diagnosis, **kw):
    return stay(person, user, discharge=day, self_pay_fen=1000, diagnosis=diagnosis, **kw)


def test_a_stay_whose_diagnosis_is_in_the_list_warns_one_outside_does_not(users, lifted):
    user = users["county"]
    _stay(lifted, user, ON - dt.timedelta(days=10), "I10")  # hypertension: not a major disease
    assert _scan(user) == []
    s = _stay(lifted, user, ON - dt.timedelta(days=5), "C16.9")  # 胃癌 (C16) of 盐池's list
    [w] = _scan(user)
    assert (w.person_id, w.period, w.subject_kind) == (lifted.pk, "2024", "person")
    assert w.evidence["first_found_on"] == str(s.discharge_date)
    assert w.evidence["cases"] == 0 and w.evidence["disease_code"] == "stomach_cancer"
    assert w.evidence["diagnoses"] == [
        {"stay_id": s.pk, "discharged_on": str(s.discharge_date), "icd10": "C16.9",
         "disease_code": "stomach_cancer", "disease_name": "胃癌"}]


def test_the_window_and_the_statement(users, lifted, regions):
    user = users["county"]
    _stay(lifted, user, WINDOW_START - dt.timedelta(days=1), "C34.1")  # a day too early
    reversed_ = HouseholdFactory()
    period(household=reversed_)
    _stay(reversed_.head, user, ON, "C34.1", status="reversed")  # no current statement
    unwatched = HouseholdFactory()  # no lifted-out or monitored category
    _stay(unwatched.head, user, ON, "C34.1")
    assert _scan(user) == []
    on_the_day = HouseholdFactory()
    period(household=on_the_day)
    _stay(on_the_day.head, user, WINDOW_START, "C34")  # the first day of the window counts
    assert [w.person_id for w in _scan(user)] == [on_the_day.head_id]


def test_a_disease_already_known_from_an_earlier_stay_does_not_warn_again(users, lifted):
    user = users["county"]
    _stay(lifted, user, dt.date(2023, 11, 2), "C16")  # known since last year
    _stay(lifted, user, ON - dt.timedelta(days=3), "C16.2")
    assert _scan(user) == []
    s = _stay(lifted, user, ON - dt.timedelta(days=2), "C34.9")  # a new disease: 肺癌
    [w] = _scan(user)
    assert [d["stay_id"] for d in w.evidence["diagnoses"]] == [s.pk]


def test_the_first_diagnosis_in_the_window_warns_the_second_stay_is_not_new(users, lifted):
    user = users["county"]
    first = _stay(lifted, user, ON - dt.timedelta(days=40), "C16.1")
    _stay(lifted, user, ON - dt.timedelta(days=4), "C16.9")
    [w] = _scan(user)
    assert [d["stay_id"] for d in w.evidence["diagnoses"]] == [first.pk]
    assert w.evidence["first_found_on"] == str(first.discharge_date)


def test_a_case_found_before_makes_the_disease_known(users, lifted):
    user = users["county"]
    SpecialCase.objects.create(person=lifted, region_code=lifted.region_code,
                               disease_code="stomach_cancer", icd10="C16", found_via="screening",
                               found_on=dt.date(2024, 3, 1), created_by=user)
    _stay(lifted, user, ON - dt.timedelta(days=3), "C16.9")
    assert _scan(user) == []  # the case is outside the window, the stay's disease was known
    SpecialCase.objects.create(person=lifted, region_code=lifted.region_code,
                               disease_code="lung_cancer", icd10="C34", found_via="screening",
                               found_on=ON - dt.timedelta(days=1), created_by=user)
    [w] = _scan(user)  # a case of another disease in the window: one warning, from the case
    assert (w.evidence["cases"], "diagnoses" in w.evidence) == (1, False)


def test_the_list_in_force_on_the_discharge_date_in_the_region(users, lifted):
    user = users["county"]
    # 包虫病 (B67) is on 盐池's own list (2021-2025, example), not on the national list
    _stay(lifted, user, dt.date(2025, 12, 20), "B67.1")
    [w] = _scan(user, on=dt.date(2026, 1, 10))
    assert (w.period, w.evidence["diagnoses"][0]["disease_code"]) == ("2025", "echinococcosis")
    other = HouseholdFactory()
    period(household=other)
    _stay(other.head, user, dt.date(2026, 1, 5), "B67.1")  # the national list from 2026
    assert [w.person_id for w in _scan(user, on=dt.date(2026, 1, 10))] == [lifted.pk]


def test_an_incremental_check_after_a_settled_stay_finds_it(users, lifted):
    _stay(lifted, users["county"], ON - dt.timedelta(days=1), "C16")
    scan.check_after(household_ids=[lifted.household_id], on_date=ON)
    [w] = RiskWarning.objects.filter(rule_id="major_disease_new")
    assert w.person_id == lifted.pk and w.evidence["diagnoses"][0]["icd10"] == "C16"
