"""Idempotent rescans, facts that change, incremental checks agreeing with the full scan."""

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from jkfp.monitoring import scan
from jkfp.monitoring.models import RiskWarning, ScanRun, WarningStep
from tests.factories import HouseholdFactory, PersonFactory, make_id

from .helpers import HALF_2024, imported, period, stay

ON = dt.date(2024, 12, 31)
pytestmark = pytest.mark.django_db


def _full(user, on=ON):
    return scan.full_scan(user=user, region_code="640323", on_date=on)


def test_a_rescan_neither_duplicates_nor_reopens_unless_the_facts_change(users, regions):
    hh = HouseholdFactory()
    period(household=hh)
    stay(hh.head, users["county"], discharge=dt.date(2024, 3, 1), self_pay_fen=HALF_2024 + 1)
    first = _full(users["county"])
    assert first.counts["medical_cost_return"] == {"new": 1, "still": 0, "changed": 0}
    again = _full(users["county"], on=ON)
    assert again.counts["medical_cost_return"] == {"new": 0, "still": 1, "changed": 0}
    w = RiskWarning.objects.get(rule_id="medical_cost_return")
    w.status, w.closed_on = "closed", ON
    w.save()
    _full(users["county"])
    w.refresh_from_db()
    assert w.status == "closed" and RiskWarning.objects.filter(
        rule_id="medical_cost_return").count() == 1
    imported(hh.head, discharge=dt.date(2024, 7, 1), personal_fen=500, visit="outpatient")
    changed = _full(users["county"])
    assert changed.counts["medical_cost_return"]["changed"] == 1
    w.refresh_from_db()
    assert (w.status, w.facts_changed_on, w.amount_fen) == ("found", ON, HALF_2024 + 501)
    step = WarningStep.objects.filter(warning=w).last()
    assert (step.step, step.from_status, step.to_status) == ("facts_changed", "closed", "found")


def test_scope_of_a_scan(users, regions):
    from jkfp.errors import DomainError

    with pytest.raises(DomainError):
        scan.full_scan(user=users["township"], region_code="640323", on_date=ON)
    run = scan.full_scan(user=None, region_code="", on_date=ON)  # the system actor, all files
    assert run.user is None and "medical_cost_return" in run.rules


def test_after_scan_is_called_only_when_warnings_were_created(users, regions, monkeypatch):
    seen = []
    monkeypatch.setattr(scan, "after_scan", lambda run: seen.append(run.pk))
    _full(users["county"])
    assert seen == []
    hh = HouseholdFactory()
    period(household=hh)
    stay(hh.head, users["county"], discharge=dt.date(2024, 3, 1), self_pay_fen=HALF_2024 + 1)
    run = _full(users["county"])
    assert seen == [run.pk]


def test_a_settled_stay_checks_its_household_after_commit(users, regions, settings,
                                                            django_capture_on_commit_callbacks):
    from jkfp.settlement import services

    hh = HouseholdFactory()
    period(household=hh)
    settler = users["county"]
    settler.department = "hospital"
    settler.save()
    before = ScanRun.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.stay_settle(user=settler, person=hh.head, hospital_name="县医院",
                             hospital_grade=2, location="county", referred=False,
                             admission_date=dt.date(2024, 3, 1),
                             discharge_date=dt.date(2024, 3, 20), total_cost="80000.00",
                             in_policy_cost="10000.00")
    runs = list(ScanRun.objects.all()[: ScanRun.objects.count() - before])
    assert runs and all(r.mode == "incremental" and r.region_code == "640323" for r in runs)


_births = itertools.count()
# (household, fen, imported, linked, diagnosis, day of the year): the days reach last year (a
# disease already known) and the major-disease rule's window before ON
_DIAGNOSES = st.sampled_from(["", "I10", "C16", "C16.9", "C34.1", "B67"])
_amounts = st.lists(st.tuples(st.integers(0, 3), st.integers(0, HALF_2024),
                              st.booleans(), st.booleans(), _DIAGNOSES,
                              st.integers(-60, 365)), min_size=1, max_size=8)


@hsettings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=_amounts, categories=st.lists(st.booleans(), min_size=4, max_size=4))
@example(rows=[(0, 1000, False, False, "C16.9", 350), (1, 10, False, False, "C16", -30),
               (1, 20, False, False, "C16.2", 340), (2, 5, True, True, "C34.1", 360)],
         categories=[True, True, True, False])  # a new, a known and an imported diagnosis
def test_incremental_checks_agree_with_the_full_scan(users, regions, rows, categories):
    WarningStep.objects.all().delete()
    RiskWarning.objects.all().delete()
    households = [HouseholdFactory(with_head=False) for _ in range(4)]
    for hh, lifted in zip(households, categories, strict=True):
        for relation in ("head", "child"):
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=next(_births))
            p = PersonFactory(household=hh, relation=relation, id_number=make_id(birth=birth))
            if relation == "head":
                hh.head = p
                hh.save(update_fields=["head"])
        if lifted:
            period(household=hh)
    for which, fen, is_imported, linked, diagnosis, day_of_year in rows:
        person = households[which].head
        day = dt.date(2024, 1, 1) + dt.timedelta(days=day_of_year)
        day = min(day, ON)
        if is_imported:
            s = (stay(person, users["county"], discharge=day, self_pay_fen=fen,
                      diagnosis=diagnosis) if linked else None)
            imported(person, discharge=day, personal_fen=fen + 1, stay=s)
        else:
            stay(person, users["county"], discharge=day, self_pay_fen=fen * 2,
                 diagnosis=diagnosis)
    for hh in households:
        scan.check_after(household_ids=[hh.pk], on_date=ON)
    incremental = sorted(RiskWarning.objects.values_list("rule_id", "subject_kind", "person_id",
                                                         "household_id", "period", "amount_fen",
                                                         "facts_hash"))
    WarningStep.objects.all().delete()
    RiskWarning.objects.all().delete()
    _full(users["county"])
    mine = [hh.pk for hh in households]  # earlier examples' households stay in the database
    full = sorted(RiskWarning.objects.filter(household_id__in=mine).values_list("rule_id", "subject_kind", "person_id",
                                                  "household_id", "period", "amount_fen",
                                                  "facts_hash"))
    assert incremental == full


def test_an_import_of_many_periods_checks_their_households_in_one_run(
        users, regions, django_capture_on_commit_callbacks):
    """`registry.bulk` publishes its periods at once: one incremental run per county for all
    the households, finding what one check per period would find."""
    from django.utils import timezone

    from jkfp.registry.bulk import PeriodOpen, category_periods_import

    today = timezone.localdate()
    households = [HouseholdFactory() for _ in range(3)]
    for hh in households:  # far over half of any year's income line
        stay(hh.head, users["county"], discharge=today.replace(month=1, day=10),
             self_pay_fen=5_000_000)
    before = ScanRun.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        category_periods_import(
            user=users["county"], source="import:test",
            opens=[PeriodOpen(category="lifted_out", start_date=dt.date(2021, 1, 1),
                              region_code=hh.region_code, household_id=hh.pk)
                   for hh in households], end_changes=[])
    runs = ScanRun.objects.order_by("pk")[before:]
    assert [r.mode for r in runs] == ["incremental"]
    assert set(RiskWarning.objects.filter(rule_id="medical_cost_return")
               .values_list("household_id", flat=True)) == {hh.pk for hh in households}
    full = scan.full_scan(user=users["county"], region_code="640323", on_date=today)
    assert all(c["new"] == 0 and c["changed"] == 0 for c in full.counts.values())


def test_an_import_of_more_households_than_the_inline_limit_scans_their_counties_as_jobs(
        users, regions, settings, django_capture_on_commit_callbacks, monkeypatch):
    from jkfp.jobs import services as jobs
    from jkfp.registry.bulk import PeriodOpen, category_periods_import

    settings.JKFP_MONITORING_INLINE_MAX = 1
    submitted = []
    monkeypatch.setattr(jobs, "job_submit", lambda **kw: submitted.append(kw))
    households = [HouseholdFactory() for _ in range(2)]
    before = ScanRun.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        category_periods_import(
            user=users["county"], source="import:test",
            opens=[PeriodOpen(category="lifted_out", start_date=dt.date(2021, 1, 1),
                              region_code=hh.region_code, household_id=hh.pk)
                   for hh in households], end_changes=[])
    assert ScanRun.objects.count() == before  # nothing inline
    assert submitted == [{"user": None, "task": "monitoring.scan",
                          "params": {"region_code": "640323"}, "region_code": "640323"}]
