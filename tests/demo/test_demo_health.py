"""The health data of the demo (issue 9): deterministic by seed, and the loaded rows respect the
models' rules — checked by query: one open registration / case / contract, follow-ups by a
member of the patient's team under the year's contract, dates in order and never after the
demo date, cases along the transition table and only for eligible persons, screening targets
and their follow-through, worklists of the demo accounts with content, `--no-health`."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max, Q

from jkfp.accounts.models import User
from jkfp.contracts.models import Contract, FollowUp, ServiceDelivery, Team, TeamMember, TeamVillage
from jkfp.demo.health_data import CHRONIC_CODES, DISEASE_CODES, HEALTH_MODELS, SHOULD_SIGN
from jkfp.demo.requests import Actor
from jkfp.demo.services import MODELS, demo_generate
from jkfp.health import rules
from jkfp.health.models import ChronicRegistration, SpecialCase, SpecialCaseStep
from jkfp.registry.models import Person
from jkfp.screening.models import Campaign, ResultStep, ScreeningResult
from jkfp.settlement.models import HospitalStay
from jkfp.settlement.services import categories_on

AS_OF = dt.date(2026, 11, 1)
ACTORS = {"village_yc": Actor(6, "640323100201"), "township_yc": Actor(5, "640323100"),
          "county_yc": Actor(4, "640323"), "admin": Actor(1, "")}
FIRST = dict.fromkeys(MODELS, 1)
ICD10 = re.compile(r"^[A-Z][0-9]{2}(\.[0-9]{1,2})?$")


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args) -> str:
    out = io.StringIO()
    call_command("demo_data", *args, "--as-of", AS_OF.isoformat(), stdout=out, verbosity=0)
    return out.getvalue()


@pytest.fixture
def demo(db):
    return run("--persons", "5000", "--seed", "8")


# ------------------------------------------------------------------ pure generation
def _health(data) -> dict:
    return {t.model: t.columns for t in data.tables if t.model in HEALTH_MODELS}


def test_health_data_is_deterministic_by_seed():
    a = demo_generate(persons=2500, seed=5, as_of=AS_OF, first_ids=FIRST, actors=ACTORS)
    b = demo_generate(persons=2500, seed=5, as_of=AS_OF, first_ids=FIRST, actors=ACTORS)
    assert set(_health(a)) == set(HEALTH_MODELS)  # every health table has rows
    assert _health(a) == _health(b)
    assert a.table(HospitalStay).columns["diagnosis_icd10"] == \
        b.table(HospitalStay).columns["diagnosis_icd10"]
    other = demo_generate(persons=2500, seed=6, as_of=AS_OF, first_ids=FIRST, actors=ACTORS)
    assert _health(other)[FollowUp] != _health(a)[FollowUp]


def test_without_health_the_rest_of_the_demo_is_the_same():
    a = demo_generate(persons=1500, seed=5, as_of=AS_OF, first_ids=FIRST, actors=ACTORS)
    b = demo_generate(persons=1500, seed=5, as_of=AS_OF, first_ids=FIRST, actors=ACTORS,
                      health=False)
    assert not _health(b)
    assert set(b.table(HospitalStay).columns.get("diagnosis_icd10", [""])) == {""}
    assert set(a.table(HospitalStay).columns["diagnosis_icd10"]) > {""}
    for t in b.tables:
        def others(columns):
            return {k: v for k, v in columns.items() if k != "diagnosis_icd10"}
        assert others(a.table(t.model).columns) == others(t.columns), t.model.__name__
    assert not _health(demo_generate(persons=500, seed=5, as_of=AS_OF, first_ids=FIRST,
                                     actors={}))


def test_a_bigger_demo_has_cases_in_every_state_and_screenings_waiting():
    data = demo_generate(persons=20000, seed=1, as_of=AS_OF, first_ids=FIRST, actors=ACTORS,
                         stays=False)
    cases = data.table(SpecialCase).columns
    assert set(cases["status"]) == {s.value for s in SpecialCase.Status}
    assert {"cured", "died"} <= set(cases["close_reason"])
    res = data.table(ScreeningResult).columns
    stages = Counter(st for st, r in zip(res["stage"], res["result"], strict=True)
                     if r != "negative")
    assert stages["awaiting"] >= 2 and stages["case_opened"] >= 1 and stages["ruled_out"] >= 1


# ------------------------------------------------------------------ loaded rows, by query
def test_registrations_contracts_and_followups_respect_the_rules(demo):
    assert "健康服务" in demo and "慢病登记" in demo
    regs = ChronicRegistration.objects.all()
    assert set(regs.values_list("disease_code", flat=True)) == set(CHRONIC_CODES)
    assert all(ICD10.match(c) for c in regs.values_list("icd10", flat=True).distinct())
    # one open registration per person and disease, one open contract per person and year
    assert not regs.filter(ended_on__isnull=True).values("person", "disease_code").annotate(
        n=Count("id")).filter(n__gt=1).exists()
    assert not Contract.objects.filter(ended_on__isnull=True).values("person", "year").annotate(
        n=Count("id")).filter(n__gt=1).exists()
    # dates in order, none after the demo date, none after death
    assert not regs.filter(registered_on__lt=F("diagnosed_on")).exists()
    assert not regs.filter(Q(registered_on__gt=AS_OF) | Q(ended_on__gt=AS_OF)
                           | Q(last_visit_on__gt=AS_OF)).exists()
    assert not regs.filter(person__death_date__isnull=False, ended_on__isnull=True).exists()
    assert not regs.filter(ended_on__isnull=False, next_visit_on__isnull=False).exists()
    assert regs.filter(region_code=F("person__region_code")).count() == regs.count()
    assert not Contract.objects.filter(Q(signed_on__gt=AS_OF) | Q(ended_on__gt=AS_OF)).exists()
    assert not Contract.objects.exclude(signed_on__year=F("year")).exists()
    assert not Contract.objects.filter(person__death_date__lte=F("signed_on")).exists()
    renewed = Contract.objects.filter(renewal_of__isnull=False)
    assert renewed.exists()
    assert renewed.filter(renewal_of__person=F("person"), renewal_of__year=F("year") - 1).count() \
        == renewed.count()
    # the contract's team serves the person's village
    assert Contract.objects.filter(team__villages__village_code=F("region_code")).count() == \
        Contract.objects.count()

    fu = FollowUp.objects.all()
    assert fu.count() > 3 * regs.count() / 2
    assert not fu.filter(visited_on__gt=AS_OF).exists()
    assert not fu.filter(visited_on__lt=F("registration__registered_on")).exists()
    assert not fu.filter(visited_on__lt=F("registration__diagnosed_on")).exists()
    assert not fu.filter(registration__ended_on__lte=F("visited_on")).exists()
    assert not fu.filter(person__death_date__lte=F("visited_on")).exists()
    assert not fu.exclude(person=F("registration__person")).exists()
    assert not fu.filter(next_visit_on__lte=F("visited_on")).exists()
    assert {d.year for d in fu.dates("visited_on", "year")} == {AS_OF.year - 1, AS_OF.year}
    # by a member of the team of the patient's contract of that year, signed before the visit
    under = fu.filter(person__contracts__year=F("visited_on__year"),
                      person__contracts__signed_on__lte=F("visited_on"),
                      person__contracts__team=F("member__team"))
    assert under.count() == fu.count()
    # the registration's latest visit is its last follow-up
    last = dict(fu.values("registration").annotate(d=Max("visited_on"))
                .values_list("registration", "d"))
    assert {r.pk: r.last_visit_on for r in regs.filter(pk__in=last)} == last
    assert not regs.exclude(pk__in=last).filter(last_visit_on__isnull=False).exists()
    # readings: physical ranges and a classification agreeing with them
    assert not fu.filter(Q(systolic__lt=50) | Q(systolic__gt=300) | Q(diastolic__lt=30)
                         | Q(diastolic__gt=200) | Q(fasting_glucose__lt=1)
                         | Q(fasting_glucose__gt=40)).exists()
    ht = fu.filter(registration__disease_code="hypertension")
    assert ht.filter(systolic__isnull=True).count() == 0
    assert not ht.filter(classification="controlled", systolic__gte=150).exists()
    assert not ht.filter(classification="controlled", diastolic__gte=90).exists()
    assert ht.filter(classification="not_controlled").exists()
    dm = fu.filter(registration__disease_code="diabetes_type2")
    assert not dm.filter(classification="controlled", fasting_glucose__gte=7).exists()
    assert not dm.filter(fasting_glucose__isnull=True).exists()
    tb = fu.filter(registration__disease_code="tuberculosis")
    assert not tb.filter(Q(doses_due__isnull=True) | Q(doses_taken__gt=F("doses_due"))).exists()
    smd = fu.filter(registration__disease_code="severe_mental_disorder")
    assert not smd.filter(Q(risk_level__isnull=True) | Q(risk_level__gt=5)).exists()
    # some patients below 4 visits last year, some overdue today
    visits = Counter(fu.filter(visited_on__year=AS_OF.year - 1,
                               registration__disease_code="hypertension")
                     .values_list("registration", flat=True))
    assert sum(v >= 4 for v in visits.values()) > len(visits) / 2
    assert any(v < 4 for v in visits.values())
    overdue = regs.filter(ended_on__isnull=True, next_visit_on__lt=AS_OF)
    assert 0 < overdue.count() < regs.filter(ended_on__isnull=True).count() / 3
    assert not ServiceDelivery.objects.filter(Q(delivered_on__gt=AS_OF)
                                              | Q(delivered_on__lt=F("contract__signed_on"))
                                              ).exists()
    assert ServiceDelivery.objects.filter(member__team=F("contract__team")).count() == \
        ServiceDelivery.objects.count()


def test_teams_are_1_plus_1_plus_x_and_the_demo_accounts_have_worklists(demo):
    villages = set(Person.objects.values_list("region_code", flat=True))
    served = Counter(TeamVillage.objects.values_list("village_code", flat=True))
    assert villages <= set(served) and set(served.values()) == {1}
    for team in Team.objects.prefetch_related("members", "villages"):
        roles = Counter(m.role for m in team.members.all())
        assert roles["township_doctor"] == 1 and roles["specialist"] == 1
        assert roles["nurse"] + roles["public_health"] == 1
        assert roles["village_doctor"] == team.villages.count()
        assert all(v.village_code.startswith(team.region_code) for v in team.villages.all())
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", n)
               for n in TeamMember.objects.values_list("name", flat=True))
    village = User.objects.get(username="village_yc")
    township = User.objects.get(username="township_yc")
    mine = TeamMember.objects.get(user=village)
    assert mine.role == "village_doctor"
    assert mine.team.villages.filter(village_code=village.region_code).exists()
    teams_hmc = Team.objects.filter(region_code="640323100")
    assert teams_hmc.exists()
    assert set(TeamMember.objects.filter(user=township).values_list("team", flat=True)) == \
        set(teams_hmc.values_list("pk", flat=True))
    # the village doctor's worklist: patients of the village, some overdue, visits by them
    patients = ChronicRegistration.objects.filter(region_code=village.region_code,
                                                  ended_on__isnull=True)
    assert patients.count() >= 5
    assert FollowUp.objects.filter(member=mine, created_by=village).exists()
    assert ChronicRegistration.objects.filter(region_code__startswith="640323100",
                                              ended_on__isnull=True,
                                              next_visit_on__lt=AS_OF).exists()
    # 应签尽签: most persons who should sign have signed this year, a minority not
    should = [p for p in Person.objects.filter(region_code__startswith="640323", alive=True)
              if set(categories_on(person=p, on=AS_OF)) & SHOULD_SIGN]
    signed = set(Contract.objects.filter(year=AS_OF.year, ended_on__isnull=True)
                 .values_list("person", flat=True))
    unsigned = [p for p in should if p.pk not in signed]
    assert 0 < len(unsigned) < len(should) / 4


def test_cases_follow_the_transition_table_for_eligible_persons(demo):
    cases = SpecialCase.objects.select_related("person")
    assert cases.count() >= 10
    assert set(cases.values_list("disease_code", flat=True)) <= set(DISEASE_CODES)
    assert len(set(cases.values_list("status", flat=True))) >= 3
    assert {"hospital_stay", "screening", "village_report", "department_list"} == set(
        cases.values_list("found_via", flat=True))
    assert not cases.exclude(status="closed").values("person", "disease_code").annotate(
        n=Count("id")).filter(n__gt=1).exists()
    for case in cases:
        assert case.icd10 == DISEASE_CODES[case.disease_code][0]
        assert set(categories_on(person=case.person, on=case.found_on)) & SHOULD_SIGN, case
        steps = list(SpecialCaseStep.objects.filter(case=case).order_by("on_date", "id"))
        first = steps.pop(0)  # the case found, as special_case_create records it
        assert (first.step, first.from_status, first.to_status, first.on_date) == (
            "found", "", "found", case.found_on)
        status = "found"
        dates = [case.found_on]
        for s in steps:
            rule = rules.STEPS[s.step]
            assert s.from_status == status and status in rule.sources and s.to_status == rule.target
            status = s.to_status
            dates.append(s.on_date)
        assert status == case.status
        assert dates == sorted(dates) and dates[-1] <= AS_OF
        if case.person.death_date:
            assert case.found_on <= case.person.death_date
            assert case.status == "closed" and case.closed_on <= case.person.death_date
        if case.status == "closed":
            assert case.close_reason and case.closed_on == steps[-1].on_date
            if case.close_reason == "cured":
                assert case.outcome == "cured" and steps[-2].to_status == "treated"
        else:
            assert not case.closed_on and not case.close_reason
        assert bool(case.treated_on) == bool(case.outcome)
        if case.found_via == "hospital_stay":
            stay = HospitalStay.objects.get(pk=int(case.source_ref.split(":")[1]))
            assert stay.person_id == case.person_id and stay.admission_date == case.found_on
            assert stay.diagnosis_icd10 == case.icd10
        if case.found_via == "screening":
            res = ScreeningResult.objects.get(pk=int(case.source_ref.split(":")[1]))
            assert res.person_id == case.person_id and res.health_ref == f"case:{case.pk}"
            assert res.stage == "case_opened" and res.confirmed_icd10 == case.icd10
    # close is a county user's step
    assert not SpecialCaseStep.objects.filter(step="close").exclude(
        user__region_id__in=["640323", "140403"]).exclude(user__is_superuser=True).exists()
    assert HospitalStay.objects.exclude(diagnosis_icd10="").exists()


def test_screening_targets_women_35_64_of_yanchi_and_follows_results_up(demo):
    campaigns = Campaign.objects.all()
    assert campaigns.count() == 2
    assert not campaigns.filter(Q(end_on__gt=AS_OF) | Q(start_on__gt=F("end_on"))).exists()
    results = ScreeningResult.objects.select_related("person", "campaign")
    assert results.count() > 50
    for r in results:
        p, c = r.person, r.campaign
        age = c.age_on.year - p.birth_date.year - (
            (c.age_on.month, c.age_on.day) < (p.birth_date.month, p.birth_date.day))
        assert p.sex == "F" and 35 <= age <= 64 and r.region_code.startswith("640323")
        assert c.start_on <= r.screened_on <= c.end_on and r.screened_on <= AS_OF
        assert not p.death_date or r.screened_on < p.death_date
        steps = list(ResultStep.objects.filter(result=r).order_by("on_date", "id"))
        if r.result == "negative":
            assert r.stage == "done" and not steps
            continue
        stage = "awaiting"
        for s in steps:
            assert s.from_stage == stage and s.on_date >= r.screened_on and s.on_date <= AS_OF
            stage = s.to_stage
        assert stage == r.stage
    stages = Counter(results.exclude(result="negative").values_list("stage", flat=True))
    assert stages["awaiting"] >= 1 and stages["referred"] + stages["confirmed"] \
        + stages["ruled_out"] + stages["case_opened"] >= 1
    assert results.filter(result="positive").exists()


def test_no_health_option(db):
    output = run("--persons", "600", "--seed", "4", "--no-health")
    assert Person.objects.count() == 600
    for model in HEALTH_MODELS:
        assert not model.objects.exists(), model.__name__
    assert not HospitalStay.objects.exclude(diagnosis_icd10="").exists()
    assert "健康服务" not in output


def test_disease_codes_are_what_the_catalog_in_force_matches(demo):
    """Each registration's and case's disease is the one the catalog in force in the person's
    region gives for its ICD-10 code on the day diagnosed / found (as the services decide), and
    the person's categories that day allow a case (catalogs/eligibility.yaml)."""
    from jkfp.health.catalog import catalog

    cat = catalog()
    for icd10, region, on, code in ChronicRegistration.objects.values_list(
            "icd10", "region_code", "diagnosed_on", "disease_code"):
        d = cat.match(icd10=icd10, region_code=region, on=on, kind="chronic_priority")
        assert d is not None and d.code == code, (icd10, region, on, code)
    for case in SpecialCase.objects.select_related("person"):
        d = cat.match(icd10=case.icd10, region_code=case.region_code, on=case.found_on,
                      kind="special_treatment")
        assert d is not None and d.code == case.disease_code, case
        allowed = cat.eligible_categories(region_code=case.region_code, on=case.found_on)
        assert set(categories_on(person=case.person, on=case.found_on)) & allowed, case
    # the generic diagnoses of other stays are no special-treatment disease
    cases = {(c.person_id, c.icd10) for c in SpecialCase.objects.all()}
    for person, icd10, on, region in HospitalStay.objects.exclude(diagnosis_icd10="").values_list(
            "person", "diagnosis_icd10", "admission_date", "region_code"):
        if (person, icd10) not in cases:
            assert cat.match(icd10=icd10, region_code=region, on=on,
                             kind="special_treatment") is None, icd10


def test_the_demo_scans_warnings_and_computes_the_figures_of_its_last_two_years(demo):
    """No worker runs the schedules in `make demo`: the demo scans for warnings on its as-of
    day and pushes them (a second scan finds nothing new; the county's health bureau has
    warnings in its worklist) and computes the figures of the as-of year and the
    one before, the same figures a rebuild of those years gives."""
    from jkfp.indicators.models import Figure
    from jkfp.indicators.services import indicators_rebuild
    from jkfp.monitoring.models import RiskWarning
    from jkfp.monitoring.selectors import overview_counts
    from jkfp.monitoring.services import warnings_scan

    assert RiskWarning.objects.filter(region_code__startswith="640323").exists()
    assert not RiskWarning.objects.filter(status="found").exists()  # every one pushed
    county = User.objects.get(username="county_yc")
    assert overview_counts(user=county, region_code="640323")["open"] > 0
    again = warnings_scan(user=User.objects.get(username="admin"), region_code="",
                          on_date=AS_OF)
    assert sum(c["new"] for c in again.counts.values()) == 0

    def figures():
        return sorted(Figure.objects.values_list("indicator", "region_code", "period",
                                                 "numerator", "denominator"))

    loaded = figures()
    years = {p[:4] for _, _, p, _, _ in loaded}
    assert years == {str(AS_OF.year - 1), str(AS_OF.year)}
    assert any(r == "640323" and p == str(AS_OF.year) and d > 0
               for i, r, p, _, d in loaded if i == "insurance_coverage_poor")
    indicators_rebuild(years=[AS_OF.year - 1, AS_OF.year], today=AS_OF)
    assert figures() == loaded
