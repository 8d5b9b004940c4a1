"""The yearly path (decision 72: one query per indicator and year over period masks) gives
the figures of the per-period path, on the hand-built region and after random changes, on
both databases."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from jkfp.health.models import SpecialCase
from jkfp.indicators import definitions, services, yearly
from jkfp.registry.models import Person
from tests.conftest import OTHER_TOWNSHIP_VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP, VILLAGE
from tests.factories import ChronicRegistrationFactory, ContractFactory, FollowUpFactory

from .conftest import insure, one_example, period, special_case, stay
from .test_refresh import snapshot

TODAY = dt.date(2026, 3, 1)
VILLAGES = [VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP, OTHER_TOWNSHIP_VILLAGE]


def both_paths(django_settings, years=(2025,), today=TODAY) -> tuple[set, set]:
    django_settings.JKFP_INDICATORS_YEARLY = False
    services.indicators_rebuild(years=list(years), today=today)
    per_period = snapshot()
    django_settings.JKFP_INDICATORS_YEARLY = True
    services.indicators_rebuild(years=list(years), today=today)
    return per_period, snapshot()


def test_every_persons_indicator_has_a_yearly_form():
    """Only the regional indicators (institutions, gaps, warnings: milliseconds each) keep
    the per-period path."""
    for ind in definitions.current().indicators.values():
        assert yearly.has_yearly(ind) == (not ind.regional), ind.id


def test_yearly_equals_per_period_on_the_test_region(world, settings):
    p1 = Person.objects.get(pk=world["p1"].pk)
    SpecialCase.objects.create(person=p1, region_code=p1.region_code, disease_code="x",
                               icd10="C16", found_via="screening", found_on=dt.date(2025, 2, 3),
                               treated_on=dt.date(2025, 5, 6), closed_on=dt.date(2025, 8, 9),
                               status="closed", created_by=world["user"])
    per_period, by_year = both_paths(settings)
    assert per_period, "the region has figures"
    assert by_year == per_period
    # a figure checked by hand: p1 alone is insured and alive of the poor of village A in
    # June (p2 not insured, p3 dead on 30 June, p6's risk cleared in March)
    f = {(i, r, p): (n, d) for i, r, p, n, d in by_year}
    assert f[("insurance_coverage_poor", VILLAGE, "2025-06")] == (1, 2)


def test_yearly_equals_per_period_before_the_year_ends(world, settings):
    """`today` in the middle of the year: only the periods begun are written."""
    per_period, by_year = both_paths(settings, today=dt.date(2025, 5, 10))
    assert by_year == per_period
    assert not {x for x in by_year if x[2] in ("2025-06", "2025Q3")}


OPS = st.lists(st.tuples(st.sampled_from(["die", "insure", "category", "contract", "stay",
                                          "move", "visit", "register", "case", "end"]),
                         st.integers(0, 4), st.integers(1, 12), st.integers(0, 2)),
               min_size=1, max_size=6)


@hsettings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_yearly_equals_per_period_after_random_changes(world, settings, ops):
    with one_example():
        people = [world[k] for k in ("p1", "p2", "p3", "p4", "p5")]
        for op, who, month, village in ops:
            p = Person.objects.get(pk=people[who].pk)
            day = dt.date(2025, month, 28 if month == 2 else 30 if village else 1)
            if op == "die" and p.alive:
                p.alive, p.death_date = False, day
                p.save()
            elif op == "insure" and not p.enrolments.filter(year=2025).exists():
                insure(p, world["batch"])
            elif op == "category":
                period(person=p, category=["extreme_poor", "minimum_living", "marginal"][village],
                       start=day, end=None if village == 2 else day + dt.timedelta(days=20 * month))
            elif op == "contract" and not p.contracts.filter(year=2025).exists():
                ContractFactory(person=p, year=2025, signed_on=day)
            elif op == "stay":
                stay(p, world["user"], location=["county", "city", "outside"][village],
                     discharged=day, total=10_000 * month, reimbursed=7_000 * month,
                     self_pay=3_000 * month)
            elif op == "move":
                p.region_code = VILLAGES[village]
                p.save()
            elif op == "register":
                disease = ["hypertension", "diabetes_type2", "severe_mental_disorder"][village]
                if not p.chronic_registrations.filter(disease_code=disease).exists():
                    ChronicRegistrationFactory(person=p, disease_code=disease,
                                               registered_on=day - dt.timedelta(days=40))
            elif op == "visit":
                reg = p.chronic_registrations.first()
                if reg is not None:
                    FollowUpFactory(registration=reg, visited_on=day, systolic=120 + 10 * village,
                                    diastolic=80, way=["clinic", "home", "phone"][village])
            elif op == "end":
                p.chronic_registrations.filter(ended_on__isnull=True).update(ended_on=day)
            elif op == "case" and not p.special_cases.filter(disease_code=f"d{village}").exists():
                special_case(p, world["user"], day, village)
        per_period, by_year = both_paths(settings)
        assert by_year == per_period
