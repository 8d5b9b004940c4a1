"""The derived management status by hand-computed cases (DOMAIN.md §7, §12): the set-based
query (`management.status_rows`) and the plain-Python reading (`management.status_one`) give
the same answer, and both give the one worked out here by hand."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from jkfp.contracts import management
from jkfp.contracts.models import FollowUp
from jkfp.health.models import ChronicRegistration

from ..conftest import OTHER_TOWNSHIP_VILLAGE, VILLAGE
from ..factories import (
    ChronicRegistrationFactory,
    FollowUpFactory,
    HouseholdFactory,
    PersonFactory,
    TeamMemberFactory,
)

D = dt.date
YEAR_END = D(2025, 12, 31)
BORN_1970 = D(1970, 1, 1)
REGISTERED_2020 = D(2020, 1, 1)


@pytest.fixture
def member(regions):
    return TeamMemberFactory()


def patient(birth=BORN_1970, death=None, village=VILLAGE):
    hh = HouseholdFactory(village_id=village, region_code=village)
    return PersonFactory(household=hh, birth_date=birth, death_date=death,
                         alive=death is None)


def reg(disease="hypertension", registered=REGISTERED_2020, person=None, ended=None, **kw):
    person = person or patient()
    return ChronicRegistrationFactory(person=person, disease_code=disease,
                                      diagnosed_on=registered, registered_on=registered,
                                      ended_on=ended, **kw)


def visit(r, on, member, way="clinic", **kw):
    kw.setdefault("next_visit_on", on + dt.timedelta(days=90))
    return FollowUpFactory(registration=r, visited_on=on, way=way, member=member, **kw)


def status(r, *, year=2025, on=YEAR_END):
    """The status of `r` by both paths, which must agree."""
    rows = management.status_rows(ChronicRegistration.objects.filter(pk=r.pk), year=year, on=on)
    one = management.status_one(registration=r, year=year, on=on)
    assert rows == ([one] if one else [])
    return one


QUARTERS = [D(2025, 2, 10), D(2025, 5, 10), D(2025, 8, 10), D(2025, 11, 10)]


def test_exactly_four_face_to_face_visits_are_the_standard(member):
    r = reg()
    for d in QUARTERS:
        visit(r, d, member, systolic=132, diastolic=84)
    s = status(r)
    assert (s.managed, s.standard, s.controlled, s.visits, s.face_to_face, s.required) == (
        True, True, True, 4, 4, 4)
    assert s.latest_visit_on == D(2025, 11, 10) and not s.deceased


def test_three_face_to_face_visits_and_a_phone_call_are_not(member):
    r = reg()
    for d in QUARTERS[:3]:
        visit(r, d, member, systolic=132, diastolic=84)
    visit(r, QUARTERS[3], member, way="phone")
    s = status(r)
    assert (s.managed, s.standard, s.face_to_face, s.visits) == (True, False, 3, 4)
    # the latest visit (a phone call) measured nothing: not controlled at the latest visit
    assert s.controlled is False


def test_no_visit_is_not_managed(member):
    s = status(reg())
    assert (s.managed, s.standard, s.controlled, s.visits) == (False, False, False, 0)


@pytest.mark.parametrize(("bp", "controlled"), [((139, 89), True), ((140, 85), False),
                                               ((130, 90), False)])
def test_controlled_at_the_latest_visit_under_65(member, bp, controlled):
    r = reg(person=patient(birth=D(1970, 1, 1)))
    visit(r, D(2025, 3, 1), member, systolic=180, diastolic=100)
    visit(r, D(2025, 9, 1), member, systolic=bp[0], diastolic=bp[1])
    assert status(r).controlled is controlled


@pytest.mark.parametrize(("visited", "controlled"), [
    (D(2025, 5, 31), False),   # 64 the day before the birthday: 145/85 is over 140/90
    (D(2025, 6, 1), True),     # 65 on the day: under 150/90
])
def test_the_65_plus_threshold_from_the_birthday_on(member, visited, controlled):
    r = reg(person=patient(birth=D(1960, 6, 1)))
    visit(r, visited, member, systolic=145, diastolic=85)
    assert status(r).controlled is controlled


def test_an_earlier_controlled_visit_does_not_count(member):
    r = reg()
    visit(r, D(2025, 3, 1), member, systolic=120, diastolic=80)
    visit(r, D(2025, 6, 1), member, systolic=160, diastolic=95)
    assert status(r).controlled is False


@pytest.mark.parametrize(("glucose", "controlled"), [("6.9", True), ("7.0", False)])
def test_diabetes_controlled_below_7(member, glucose, controlled):
    r = reg("diabetes_type2", icd10="E11")
    visit(r, D(2025, 4, 1), member, fasting_glucose=Decimal(glucose))
    assert status(r).controlled is controlled


SMD_EVERY_3_MONTHS = [D(2025, 1, 10), D(2025, 4, 10), D(2025, 7, 10), D(2025, 10, 10)]


def _smd(member, dates, **kw):
    r = reg("severe_mental_disorder", icd10="F20", **kw)
    for d in dates:
        visit(r, d, member, risk_level=0)
    return r


def test_smd_gaps_of_exactly_3_months_are_the_standard(member):
    s = status(_smd(member, SMD_EVERY_3_MONTHS))
    assert (s.managed, s.standard, s.controlled) == (True, True, True)


def test_smd_a_gap_of_3_months_and_one_day_is_not(member):
    dates = [D(2025, 1, 10), D(2025, 4, 11), D(2025, 7, 10), D(2025, 10, 10)]
    s = status(_smd(member, dates))
    assert (s.managed, s.standard, s.face_to_face) == (True, False, 4)


def test_smd_the_gap_to_the_year_end_counts(member):
    # the last visit on 30 September: 30 September + 3 months = 30 December < 31 December
    dates = [D(2025, 1, 10), D(2025, 4, 10), D(2025, 7, 1), D(2025, 9, 30)]
    assert status(_smd(member, dates)).standard is False
    dates = [D(2025, 1, 10), D(2025, 4, 10), D(2025, 7, 1), D(2025, 10, 1)]
    assert status(_smd(member, dates)).standard is True


@pytest.mark.parametrize(("second", "standard"), [(D(2025, 11, 30), True),
                                                 (D(2025, 12, 1), False)])
def test_smd_month_ends_clamp(member, second, standard):
    # 31 August + 3 months is 30 November (no 31 November): the 30th is within, 1 December not
    r = reg("severe_mental_disorder", icd10="F20", registered=D(2025, 8, 31))
    visit(r, D(2025, 8, 31), member, risk_level=0)
    visit(r, second, member, risk_level=0)
    s = status(r)   # August to December: 5 months, ⌈4 × 5 / 12⌉ = 2 visits
    assert (s.required, s.standard) == (2, standard)


def test_smd_risk_level_decides_control(member):
    r = reg("severe_mental_disorder", icd10="F20")
    for d in SMD_EVERY_3_MONTHS:
        visit(r, d, member, risk_level=0)
    visit(r, D(2025, 12, 1), member, risk_level=2)
    s = status(r)
    assert (s.standard, s.controlled) == (True, False)


def test_registered_mid_year_needs_the_visits_of_its_months(member):
    r = reg(registered=D(2025, 7, 15))       # July to December: 6 months, ⌈4 × 6 / 12⌉ = 2
    visit(r, D(2025, 8, 1), member, systolic=130, diastolic=80)
    s = status(r)
    assert (s.required, s.standard) == (2, False)
    visit(r, D(2025, 11, 1), member, systolic=130, diastolic=80)
    s = status(r)
    assert (s.required, s.standard, s.controlled) == (2, True, True)


def test_registered_after_the_date_does_not_count(member):
    r = reg(registered=D(2025, 7, 15))
    assert status(r, on=D(2025, 7, 14)) is None
    assert status(r, year=2024) is None


def test_a_visit_before_the_window_does_not_count(member):
    r = reg()
    visit(r, D(2024, 12, 20), member, systolic=120, diastolic=80)
    s = status(r)
    assert (s.managed, s.controlled, s.visits) == (False, False, 0)


def test_deceased_smd_patient_leaves_the_register(member):
    dead = patient(death=D(2025, 6, 30))
    r = _smd(member, [D(2025, 2, 1), D(2025, 4, 20)], person=dead)
    s = status(r)
    # window 1 January - 30 June: 6 months, 2 visits required, gaps all under 3 months
    assert (s.deceased, s.managed, s.standard, s.required, s.overdue) == (
        True, True, True, 2, False)
    assert s.in_population is False
    alive = _smd(member, SMD_EVERY_3_MONTHS)
    rates = management.rates_by_region(
        ChronicRegistration.objects.filter(pk__in=[r.pk, alive.pk]), year=2025, on=YEAR_END,
        length=6)
    assert len(rates) == 1
    x = rates[0]
    assert (x.registered, x.deceased, x.population, x.managed, x.standard) == (2, 1, 1, 1, 1)
    assert (x.management_rate, x.standard_rate, x.control_rate) == (1.0, 1.0, 1.0)


def test_deceased_hypertensive_patient_stays_in_the_denominator(member):
    dead = patient(death=D(2025, 3, 31))
    r = reg(person=dead)
    visit(r, D(2025, 2, 1), member, systolic=120, diastolic=80)
    other = reg()
    rates = management.rates_by_region(
        ChronicRegistration.objects.filter(pk__in=[r.pk, other.pk]), year=2025, on=YEAR_END,
        length=6)
    x = rates[0]
    # window of the deceased: January-March, ⌈4 × 3 / 12⌉ = 1 visit: managed to the standard
    assert (x.registered, x.deceased, x.population, x.managed, x.standard, x.controlled) == (
        2, 1, 2, 1, 1, 1)
    assert (x.management_rate, x.standard_rate, x.control_rate) == (0.5, 1.0, 1.0)


def test_tuberculosis_regular_medication(member):
    r = reg("tuberculosis", icd10="A15", registered=D(2025, 1, 1))
    for d, due, taken in zip(QUARTERS, (25, 25, 25, 25), (23, 22, 23, 22), strict=True):
        visit(r, d, member, doses_due=due, doses_taken=taken)
    s = status(r)  # 90 of 100 doses, the latest 22 of 25 = 88 %
    assert (s.standard, s.controlled) == (True, False)
    r2 = reg("tuberculosis", icd10="A15", registered=D(2025, 1, 1))
    for d, taken in zip(QUARTERS, (23, 22, 22, 23), strict=True):
        visit(r2, d, member, doses_due=25, doses_taken=taken)
    s = status(r2)  # 90 of 100, the latest 23 of 25 = 92 %
    assert (s.standard, s.controlled) == (True, True)
    r3 = reg("tuberculosis", icd10="A15", registered=D(2025, 1, 1))
    for d, taken in zip(QUARTERS, (22, 22, 22, 23), strict=True):
        visit(r3, d, member, doses_due=25, doses_taken=taken)
    assert status(r3).standard is False  # 89 of 100


def test_overdue_on_a_date(member):
    r = reg()
    visit(r, D(2025, 9, 1), member, systolic=120, diastolic=80, next_visit_on=D(2025, 12, 1))
    assert status(r, on=D(2025, 12, 1)).overdue is False
    s = status(r, on=D(2025, 12, 2))
    assert (s.overdue, s.due_on) == (True, D(2025, 12, 1))
    never = reg(registered=D(2025, 3, 1))
    s = status(never, on=D(2025, 12, 2))
    assert (s.overdue, s.due_on) == (True, D(2025, 3, 1))
    ended = reg(ended=D(2025, 11, 1))
    assert status(ended, on=D(2025, 12, 2)).overdue is False


def test_rates_by_township(member):
    a = reg()
    for d in QUARTERS:
        visit(a, d, member, systolic=130, diastolic=80)
    b = reg()
    visit(b, D(2025, 5, 1), member, systolic=150, diastolic=95)
    reg()  # never visited
    far = reg(person=patient(village=OTHER_TOWNSHIP_VILLAGE))
    visit(far, D(2025, 5, 1), member, systolic=120, diastolic=70)
    rates = {x.region_code: x for x in management.rates_by_region(
        ChronicRegistration.objects.all(), year=2025, on=YEAR_END, length=9)}
    here, there = rates["640323100"], rates["640323101"]
    assert (here.registered, here.managed, here.standard, here.controlled) == (3, 2, 1, 1)
    assert (here.management_rate, here.standard_rate, here.control_rate) == (2 / 3, 0.5, 0.5)
    assert (there.registered, there.managed, there.standard, there.controlled) == (1, 1, 0, 1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_query_equals_the_python_on_random_data(member, seed):
    rnd = random.Random(seed)
    diseases = ["hypertension", "diabetes_type2", "tuberculosis", "severe_mental_disorder"]
    regs = []
    for _ in range(40):
        death = D(2025, rnd.randint(1, 12), rnd.randint(1, 28)) if rnd.random() < 0.15 else None
        birth = D(rnd.randint(1940, 1985), rnd.randint(1, 12), rnd.choice([1, 15, 28]))
        if rnd.random() < 0.1:
            birth = D(rnd.choice([1956, 1960, 1964]), 2, 29)  # turns 65 on 1 March
        person = patient(birth=birth, death=death)
        registered = D(rnd.choice([2023, 2024, 2025, 2025]), rnd.randint(1, 12),
                       rnd.randint(1, 28))
        ended = (registered + dt.timedelta(days=rnd.randint(30, 500))
                 if rnd.random() < 0.15 else None)
        r = reg(rnd.choice(diseases), registered=registered, person=person, ended=ended)
        regs.append(r)
        day = registered - dt.timedelta(days=rnd.randint(0, 60))
        for _ in range(rnd.randint(0, 9)):
            day += dt.timedelta(days=rnd.randint(1, 120))
            due = rnd.randint(0, 30)
            visit(r, day, member, way=rnd.choice(["clinic", "home", "phone"]),
                  systolic=rnd.choice([None, 120, 139, 140, 149, 150, 170]),
                  diastolic=rnd.choice([None, 70, 89, 90, 95]),
                  fasting_glucose=rnd.choice([None, Decimal("6.9"), Decimal("7.0"),
                                              Decimal("9.2")]),
                  risk_level=rnd.choice([None, 0, 1, 3]),
                  doses_due=due, doses_taken=rnd.randint(0, due),
                  next_visit_on=rnd.choice([None, day + dt.timedelta(days=rnd.randint(7, 120))]))
    for year, on in ((2025, YEAR_END), (2025, D(2025, rnd.randint(1, 12), 15)),
                     (2024, D(2024, 12, 31))):
        rows = management.status_rows(ChronicRegistration.objects.all(), year=year, on=on)
        expected = [s for r in sorted(regs, key=lambda r: r.pk)
                    if (s := management.status_one(registration=r, year=year, on=on))]
        assert rows == expected
    assert FollowUp.objects.count() > 50
