"""A small hand-computed region (docs/indicators.md, "the test region"), 2025, in 盐池县:

village A (640323100201): p1 低保 (person), insured, contract 2025, a county stay and an
outside-province stay, 4 clinic hypertension follow-ups; p2 脱贫户 (household), not insured,
contract of 2026 signed on 31 December 2025, 2 follow-ups; p3 低保, insured, died on 30 June
2025, a county stay in February; p5 general; p6 边缘易致贫户 whose risk was cleared on 31 March.
Village B (640323100202): p4 低保 who moved in from village A in mid-year, insured.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from django.db import transaction

from jkfp.exchange.models import Batch, Enrolment
from jkfp.health.models import SpecialCase
from jkfp.registry.models import CategoryPeriod
from jkfp.settlement.models import HospitalStay, Statement
from tests.conftest import OTHER_VILLAGE_SAME_TOWNSHIP, VILLAGE
from tests.factories import (
    ChronicRegistrationFactory,
    ContractFactory,
    FollowUpFactory,
    HouseholdFactory,
    PersonFactory,
    UserFactory,
)

D = dt.date
SINCE = D(2020, 1, 1)


def period(person=None, household=None, category="minimum_living", start=SINCE, end=None):
    return CategoryPeriod.objects.create(
        person=person, household=household, category=category, start_date=start, end_date=end,
        region_code=(person or household).region_code)


def insure(person, batch, year=2025):
    Enrolment.objects.create(person=person, year=year, status="insured", batch=batch,
                             region_code=person.region_code)


def stay(person, user, *, location, discharged, total, reimbursed, self_pay):
    s = HospitalStay.objects.create(
        person=person, region_code=person.region_code, county_code="640323",
        hospital_name="县人民医院", hospital_grade=2, location=location,
        admission_date=discharged - dt.timedelta(days=5), discharge_date=discharged,
        total_fen=total, in_policy_fen=total, category="minimum_living", created_by=user)
    Statement.objects.create(stay=s, person=person, region_code=person.region_code, year=2025,
                             policy="test", reimbursed_fen=reimbursed, self_pay_fen=self_pay,
                             detail={}, created_by=user)
    return s


@pytest.fixture
def world(regions):
    user = UserFactory(region_id="640323")
    batch = Batch.objects.create(kind="enrolment", file_name="e.xlsx", file_sha256="0" * 64,
                                 region_code="640323", created_by=user)
    hh_a = HouseholdFactory(village_id=VILLAGE)
    p1 = hh_a.head
    period(person=p1)
    insure(p1, batch)
    ContractFactory(person=p1, year=2025, signed_on=D(2025, 1, 2))
    hh2 = HouseholdFactory(village_id=VILLAGE)
    p2 = hh2.head
    period(household=hh2, category="lifted_out")
    ContractFactory(person=p2, year=2026, signed_on=D(2025, 12, 31))
    p3 = PersonFactory(household=hh_a, alive=False, death_date=D(2025, 6, 30))
    period(person=p3)
    insure(p3, batch)
    p5 = PersonFactory(household=hh_a)
    hh6 = HouseholdFactory(village_id=VILLAGE)
    period(household=hh6, category="marginal", start=D(2024, 5, 1), end=D(2025, 3, 31))
    hh_b = HouseholdFactory(village_id=OTHER_VILLAGE_SAME_TOWNSHIP)
    p4 = hh_b.head
    p4.region_code = VILLAGE  # lived in A first: a history row in A, then the move to B
    p4.save()
    p4.region_code = OTHER_VILLAGE_SAME_TOWNSHIP
    p4.save()
    period(person=p4)
    insure(p4, batch)
    stay(p1, user, location="county", discharged=D(2025, 4, 10), total=1_000_000,
         reimbursed=900_000, self_pay=100_000)
    stay(p1, user, location="outside", discharged=D(2025, 8, 1), total=500_000,
         reimbursed=300_000, self_pay=200_000)
    stay(p3, user, location="county", discharged=D(2025, 2, 1), total=200_000,
         reimbursed=190_000, self_pay=10_000)
    r1 = ChronicRegistrationFactory(person=p1, registered_on=D(2020, 3, 1))
    for m in (3, 6, 9, 11):
        FollowUpFactory(registration=r1, visited_on=D(2025, m, 5), systolic=130, diastolic=80)
    r2 = ChronicRegistrationFactory(person=p2, registered_on=D(2020, 3, 1))
    for m in (3, 6):
        FollowUpFactory(registration=r2, visited_on=D(2025, m, 5), systolic=130, diastolic=80)
    return {"user": user, "p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5, "batch": batch}


@contextmanager
def one_example():
    """A hypothesis example's work in a savepoint rolled back at its end: each example starts
    from the fixture's world (replayable on its own, as shrinking needs), and the locks of the
    temporary tables its rebuilds and refreshes make (a few hundred an example) are released
    with it, where twelve examples in one test transaction held thousands until its end and
    two such tests on two workers could exhaust the server's shared lock table."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def special_case(p, user, day: dt.date, variant: int) -> None:
    """The hypothesis tests' special case of person `p` found on `day`: variant 0 untreated,
    1 treated 30 days later, 2 also closed 60 days later."""
    SpecialCase.objects.create(
        person=p, region_code=p.region_code, disease_code=f"d{variant}", icd10="C16",
        found_via="screening", found_on=day,
        treated_on=day + dt.timedelta(days=30) if variant else None,
        closed_on=day + dt.timedelta(days=60) if variant == 2 else None, created_by=user)
