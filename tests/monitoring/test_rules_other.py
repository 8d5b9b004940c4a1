"""The non-cost rules on hand-made cases at their boundaries."""

import datetime as dt

import pytest

from jkfp.monitoring import scan
from jkfp.monitoring.models import RiskWarning, WarningStep
from jkfp.registry.models import SupportMeasure
from tests.factories import ChronicRegistrationFactory, FollowUpFactory, HouseholdFactory

from .helpers import period

ON = dt.date(2024, 12, 31)
pytestmark = pytest.mark.django_db


def _clear():
    WarningStep.objects.all().delete()
    RiskWarning.objects.all().delete()


def _scan(user, rule, on=ON):
    scan.full_scan(user=user, region_code="640323", on_date=on, rules=[rule])
    return list(RiskWarning.objects.filter(rule_id=rule))


def test_not_enrolled_this_year(users, regions):
    from jkfp.exchange.models import Batch, Enrolment

    hh = HouseholdFactory()
    period(household=hh)
    ws = _scan(users["county"], "not_enrolled")
    assert [(w.person_id, w.period) for w in ws] == [(hh.head_id, "2024")]
    batch = Batch.objects.create(kind="enrolment", file_name="参保.xlsx", file_sha256="0" * 64,
                                 region_code="640323", created_by=users["county"])
    Enrolment.objects.create(person=hh.head, year=2024, status="insured", batch=batch,
                             region_code=hh.region_code)
    _clear()
    assert _scan(users["county"], "not_enrolled") == []


def test_followup_gap_of_92_days(users, regions):
    reg = ChronicRegistrationFactory(registered_on=dt.date(2024, 1, 1),
                                     diagnosed_on=dt.date(2024, 1, 1))
    FollowUpFactory(registration=reg, visited_on=ON - dt.timedelta(days=92))
    assert _scan(users["county"], "followup_gap") == []  # the 92nd day before still counts
    ws = _scan(users["county"], "followup_gap", on=ON + dt.timedelta(days=1))
    assert [(w.person_id, w.period) for w in ws] == [(reg.person_id, "2025Q1")]


def test_followup_gap_skips_new_and_ended_managements(users, regions):
    ChronicRegistrationFactory(registered_on=ON - dt.timedelta(days=92),
                               diagnosed_on=dt.date(2024, 1, 1))
    ChronicRegistrationFactory(registered_on=dt.date(2023, 1, 1), ended_on=dt.date(2024, 6, 1),
                               end_reason="moved")
    assert _scan(users["county"], "followup_gap") == []


def test_no_support_measure_a_month_after_identification(users, regions):
    hh = HouseholdFactory()
    period(household=hh, category="marginal", start=ON - dt.timedelta(days=30))
    ws = _scan(users["county"], "no_support_measure")
    assert [(w.subject_kind, w.household_id, w.period) for w in ws] == \
        [("household", hh.pk, "2024-12")]
    hh2 = HouseholdFactory()
    period(household=hh2, category="marginal", start=ON - dt.timedelta(days=29))
    SupportMeasure.objects.create(household=hh, region_code=hh.region_code, kind="medical",
                                  description="医疗救助", start_date=ON)
    _clear()
    assert _scan(users["county"], "no_support_measure") == []


def test_exit_too_early(users, regions):
    early, aided, fine = HouseholdFactory(), HouseholdFactory(), HouseholdFactory()
    period(household=early, category="marginal", start=dt.date(2024, 6, 1),
           end=dt.date(2024, 11, 30), end_way="natural")  # one day short of 6 months
    period(household=aided, category="marginal", start=dt.date(2024, 1, 10),
           end=dt.date(2024, 3, 9), end_way="aided")  # by support in under 2 months
    period(household=fine, category="marginal", start=dt.date(2024, 5, 1),
           end=dt.date(2024, 11, 1), end_way="natural")  # exactly 6 months
    ws = _scan(users["county"], "exit_too_early", on=dt.date(2024, 12, 1))
    assert sorted(w.household_id for w in ws) == [early.pk]
    ws = _scan(users["county"], "exit_too_early", on=dt.date(2024, 3, 31))
    assert aided.pk in {w.household_id for w in ws}


def test_no_one_able_to_work_after_a_death(users, regions):
    from tests.factories import PersonFactory

    hh = HouseholdFactory()
    period(household=hh)
    worker = PersonFactory(household=hh, work_ability="able")
    hh.head.work_ability = "none"
    hh.head.save()
    assert _scan(users["county"], "no_one_able_to_work") == []
    worker.alive, worker.death_date = False, ON - dt.timedelta(days=10)
    worker.save()
    ws = _scan(users["county"], "no_one_able_to_work")
    assert [(w.household_id, w.subject_kind) for w in ws] == [(hh.pk, "household")]


def test_major_disease_new_in_a_lifted_household(users, regions):
    from jkfp.health.models import SpecialCase

    hh, other = HouseholdFactory(), HouseholdFactory()
    period(household=hh)
    for p in (hh.head, other.head):
        SpecialCase.objects.create(person=p, region_code=p.region_code, disease_code="x",
                                   icd10="C16", found_via="screening",
                                   found_on=ON - dt.timedelta(days=5), created_by=users["county"])
    ws = _scan(users["county"], "major_disease_new")
    assert [w.person_id for w in ws] == [hh.head_id]  # the other household is not watched
