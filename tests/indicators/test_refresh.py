"""The incremental refresh equals a full rebuild (hypothesis), and a committed change marks
its villages (through jkfp.events)."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jkfp.accounts.models import Department, Role
from jkfp.facilities import services as facility_services
from jkfp.indicators import definitions, services
from jkfp.indicators.models import DirtyVillage, Figure
from jkfp.monitoring.models import RiskWarning
from jkfp.registry.models import Person
from jkfp.registry.services import person_record_death
from tests.conftest import OTHER_TOWNSHIP_VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP, VILLAGE
from tests.factories import ContractFactory, UserFactory

from .conftest import insure, one_example, period, special_case, stay

TODAY = dt.date(2026, 3, 1)
VILLAGES = [VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP, OTHER_TOWNSHIP_VILLAGE]


def snapshot() -> set[tuple]:
    return set(Figure.objects.values_list("indicator", "region_code", "period", "numerator",
                                          "denominator"))


def test_a_death_recorded_by_the_service_marks_the_village(world, django_capture_on_commit_callbacks):
    services.indicators_rebuild(years=[2025], today=TODAY)
    user = UserFactory(region_id="640323", role=Role.REVIEWER)
    p1 = Person.objects.get(pk=world["p1"].pk)
    with django_capture_on_commit_callbacks(execute=True):
        person_record_death(user=user, person=p1, expected_version=p1.version,
                            death_date=dt.date(2025, 7, 1))
    assert set(DirtyVillage.objects.values_list("region_code", flat=True)) == {VILLAGE}
    services.indicators_refresh(today=TODAY)
    assert not DirtyVillage.objects.exists()
    refreshed = snapshot()
    f = Figure.objects.get(indicator="insurance_coverage_poor", region_code=VILLAGE, period="2025")
    assert (f.numerator, f.denominator) == (0, 1)  # p1 died in July: p2 is left, not insured
    services.indicators_rebuild(years=[2025], today=TODAY)
    assert snapshot() == refreshed


def test_refresh_recomputes_a_year_whose_population_is_empty_at_its_end(world):
    """Every person dead by December: no row of the year itself, but the months are computed
    and a refresh must still recompute them (it once took the years from the year rows)."""
    Person.objects.filter(alive=True).update(alive=False, death_date=dt.date(2025, 11, 15))
    services.indicators_rebuild(years=[2025], today=TODAY)
    regional = [i for i, d in definitions.current().indicators.items() if d.regional]
    assert not Figure.objects.filter(period="2025").exclude(indicator__in=regional).exists()
    p5 = Person.objects.get(pk=world["p5"].pk)
    period(person=p5, category="extreme_poor", start=dt.date(2025, 3, 15),
           end=dt.date(2025, 4, 4))
    services.villages_mark_dirty(region_codes=[p5.region_code])
    services.indicators_refresh(today=TODAY)
    assert not DirtyVillage.objects.exists()
    refreshed = snapshot()
    services.indicators_rebuild(years=[2025], today=TODAY)
    assert snapshot() == refreshed


def test_a_refresh_of_very_many_villages_recomputes_all_of_them(world, monkeypatch):
    """From REFRESH_MAX_VILLAGES marks (a statement would list more parameters than SQLite
    takes) a refresh recomputes every village, as a rebuild does, and clears the marks."""
    services.indicators_rebuild(years=[2025], today=TODAY)
    p5 = Person.objects.get(pk=world["p5"].pk)
    period(person=p5, category="extreme_poor", start=dt.date(2025, 3, 15),
           end=dt.date(2025, 4, 4))
    services.villages_mark_dirty(region_codes=VILLAGES)
    monkeypatch.setattr(services, "REFRESH_MAX_VILLAGES", len(VILLAGES))
    done = services.indicators_refresh(today=TODAY)
    assert done.villages is None and not DirtyVillage.objects.exists()
    refreshed = snapshot()
    services.indicators_rebuild(years=[2025], today=TODAY)
    assert snapshot() == refreshed
    services.villages_mark_dirty(region_codes=VILLAGES)
    out = io.StringIO()
    call_command("indicators", "refresh", stdout=out)
    assert "已刷新 全部村（标记待刷新的村过多，已整体重算）的指标" in out.getvalue()
    monkeypatch.setattr(services, "REFRESH_MAX_VILLAGES", len(VILLAGES) + 1)
    services.villages_mark_dirty(region_codes=VILLAGES)
    call_command("indicators", "refresh", stdout=out)
    assert f"已刷新 {len(VILLAGES)} 个村的指标" in out.getvalue()


OPS = st.lists(st.tuples(st.sampled_from(["die", "insure", "category", "contract", "stay",
                                          "move", "clinic", "warning", "household_category",
                                          "case"]),
                         st.integers(0, 4), st.integers(1, 12), st.integers(0, 2)),
               min_size=1, max_size=5)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_refresh_equals_rebuild_after_random_changes(world, ops):
    with one_example():
        services.indicators_rebuild(years=[2025], today=TODAY)
        people = [world[k] for k in ("p1", "p2", "p3", "p4", "p5")]
        for op, who, month, village in ops:
            p = Person.objects.get(pk=people[who].pk)
            day = dt.date(2025, month, 15)
            marks = {p.region_code}
            if op == "die" and p.alive:
                p.alive, p.death_date = False, day
                p.save()
            elif op == "insure" and not p.enrolments.filter(year=2025).exists():
                insure(p, world["batch"])
            elif op == "category":
                period(person=p, category="extreme_poor", start=day, end=day + dt.timedelta(days=20))
            elif op == "household_category":  # (a refresh reads the household's periods too, 96)
                period(household=p.household, category=["marginal", "minimum_living",
                       "extreme_poor"][village], start=day, end=day + dt.timedelta(days=40))
            elif op == "case" and not p.special_cases.filter(disease_code=f"d{village}").exists():
                special_case(p, world["user"], day, village)
            elif op == "contract" and not p.contracts.filter(year=2025).exists():
                ContractFactory(person=p, year=2025, signed_on=day)
            elif op == "stay":
                stay(p, world["user"], location=["county", "city", "outside"][village], discharged=day,
                     total=10_000 * month, reimbursed=7_000 * month, self_pay=3_000 * month)
            elif op == "move":
                p.region_code = VILLAGES[village]
                p.save()
                marks |= set(Person.history.filter(id=p.pk).values_list("region_code", flat=True))
            elif op == "clinic":  # a facility write: the county's gaps and institutions (65)
                health = UserFactory(region_id="640323", role=Role.APPROVER,
                                     department=Department.HEALTH)
                facility_services.institution_create(
                    user=health, kind="village_clinic", region_code=VILLAGES[village],
                    name=f"卫生室{month}", opened_on=day, standardised=month % 2 == 0)
                services._on_facility_change(county_code="640323")
            elif op == "warning":  # a warning found, decided on time or late (65)
                w = RiskWarning.objects.create(
                    rule_id=f"test{RiskWarning.objects.count()}", subject_kind="household",
                    household=p.household, region_code=VILLAGES[village], period="2025",
                    found_on=day,
                    due_on=day + dt.timedelta(days=15),
                    decided_on=day + dt.timedelta(days=10 * who), facts_hash="x")
                services._on_warning_change(region_codes=[w.region_code])
            services.villages_mark_dirty(region_codes=marks)
        services.indicators_refresh(today=TODAY)
        refreshed = snapshot()
        services.indicators_rebuild(years=[2025], today=TODAY)
        assert refreshed == snapshot()
