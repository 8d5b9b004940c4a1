"""The case lifecycle as a transition table: every allowed and every refused transition, who may
take which step, and that the service, the buttons and the table agree."""

import datetime as dt
import itertools

import pytest

from jkfp.errors import DomainError, ErrorCode
from jkfp.health import rules, services
from jkfp.health.models import SpecialCase, SpecialCaseStep

pytestmark = pytest.mark.django_db
S = SpecialCase.Status
D = dt.date(2024, 3, 1)

#: the table written out by hand: (status, step) → new status
EXPECTED = {
    (S.FOUND, "open_record"): S.OPENED,
    (S.OPENED, "start_treatment"): S.IN_TREATMENT,
    (S.IN_TREATMENT, "mark_treated"): S.TREATED,
    (S.FOUND, "close"): S.CLOSED,
    (S.OPENED, "close"): S.CLOSED,
    (S.IN_TREATMENT, "close"): S.CLOSED,
    (S.TREATED, "close"): S.CLOSED,
    (S.CLOSED, "reopen"): S.OPENED,
}
EXTRA = {"open_record": {"hospital_name": "宁夏医科大学总医院"},
         "start_treatment": {"treatment_plan": "手术 + 化疗"},
         "mark_treated": {"outcome": "improved"},
         "close": {"close_reason": "not_eligible"},
         "reopen": {"comment": "复核后符合条件"}}


def case_in(status, user, person):
    case = services.special_case_create(user=user, person=person, icd10="C34.9",
                                        found_via="village_report", found_on=D)
    SpecialCase.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


@pytest.mark.parametrize("status, step", list(itertools.product(S.values, rules.STEPS)))
def test_every_transition(county_health, patient, status, step):
    case = case_in(status, county_health, patient)
    allowed = (status, step) in EXPECTED
    assert rules.step_allowed(user=county_health, case=case, step=step) is allowed
    assert (step in [s.name for s in rules.steps_allowed(user=county_health, case=case)]) \
        is allowed
    before = SpecialCaseStep.objects.count()
    if allowed:
        after = services.special_case_step(user=county_health, case=case, step=step,
                                           on_date=D, expected_version=case.version,
                                           **EXTRA[step])
        assert after.status == EXPECTED[(status, step)]
        last = SpecialCaseStep.objects.latest("id")
        assert (last.step, last.from_status, last.to_status, last.user) == (
            step, status, after.status, county_health)
    else:
        with pytest.raises(DomainError) as e:
            services.special_case_step(user=county_health, case=case, step=step, on_date=D,
                                       expected_version=case.version, **EXTRA[step])
        assert e.value.code == ErrorCode.CASE_STEP_NOT_ALLOWED
        assert SpecialCaseStep.objects.count() == before
        case.refresh_from_db()
        assert case.status == status


def test_whole_course_found_opened_treated_closed(county_health, patient):
    """发现一例、建档一例、治愈一例、销号一例."""
    c = case_in(S.FOUND, county_health, patient)
    for step, extra in [("open_record", {"hospital_name": "宁夏医科大学总医院"}),
                        ("start_treatment", {"treatment_plan": "手术"}),
                        ("mark_treated", {"outcome": "cured"}),
                        ("close", {"close_reason": "cured"})]:
        c = services.special_case_step(user=county_health, case=c, step=step, on_date=D,
                                       expected_version=c.version, **extra)
    assert (c.status, c.outcome, c.close_reason, c.opened_on, c.treated_on, c.closed_on) == (
        S.CLOSED, "cured", "cured", D, D, D)
    assert [s.step for s in c.steps.order_by("id")] == [
        "found", "open_record", "start_treatment", "mark_treated", "close"]
    assert c.history.count() == 5  # created + four updates, each naming the user
    assert {h.history_user for h in c.history.all()} == {county_health}


@pytest.mark.parametrize("step, extra, field", [
    ("open_record", {"hospital_name": ""}, "hospital_name"),
    ("mark_treated", {"outcome": ""}, "outcome"),
    ("close", {"close_reason": ""}, "close_reason"),
    ("reopen", {"comment": " "}, "comment"),
])
def test_steps_require_their_fields(county_health, patient, step, extra, field):
    status = next(s for (s, st) in EXPECTED if st == step)
    if step == "mark_treated":
        status = S.IN_TREATMENT
    c = case_in(status, county_health, patient)
    with pytest.raises(DomainError) as e:
        services.special_case_step(user=county_health, case=c, step=step, on_date=D,
                                   expected_version=c.version, **extra)
    assert field in {x.field for x in getattr(e.value, "errors", [e.value])}
    c.refresh_from_db()
    assert c.status == status


def test_close_as_cured_needs_a_cured_outcome_and_died_a_recorded_death(county_health,
                                                                        patient):
    c = case_in(S.TREATED, county_health, patient)
    SpecialCase.objects.filter(pk=c.pk).update(outcome="improved")
    c.refresh_from_db()
    for reason in ("cured", "died"):
        with pytest.raises(DomainError) as e:
            services.special_case_step(user=county_health, case=c, step="close", on_date=D,
                                       expected_version=c.version, close_reason=reason)
        assert e.value.code == ErrorCode.CASE_STEP_NOT_ALLOWED
    c = services.special_case_step(user=county_health, case=c, step="close", on_date=D,
                                   expected_version=c.version, close_reason="moved")
    assert c.close_reason == "moved"


def test_close_and_reopen_are_county_steps(doctor, county_health, patient):
    c = case_in(S.FOUND, doctor, patient)
    assert rules.step_allowed(user=doctor, case=c, step="open_record")
    assert not rules.step_allowed(user=doctor, case=c, step="close")
    with pytest.raises(DomainError) as e:
        services.special_case_step(user=doctor, case=c, step="close", on_date=D,
                                   expected_version=c.version, close_reason="not_eligible")
    assert e.value.code == ErrorCode.PERMISSION
    assert rules.step_allowed(user=county_health, case=c, step="close")


def test_readers_of_other_departments_take_no_step(civil, insurance, county_health, patient):
    c = case_in(S.FOUND, county_health, patient)
    for user in (civil, insurance):
        assert rules.steps_allowed(user=user, case=c) == []
        with pytest.raises(DomainError) as e:
            services.special_case_step(user=user, case=c, step="open_record", on_date=D,
                                       expected_version=c.version, hospital_name="X")
        assert e.value.code == ErrorCode.PERMISSION


def test_step_dates_and_versions(county_health, patient):
    c = case_in(S.FOUND, county_health, patient)
    with pytest.raises(DomainError) as e:  # before the case was found
        services.special_case_step(user=county_health, case=c, step="open_record",
                                   on_date=D - dt.timedelta(days=1), expected_version=c.version,
                                   hospital_name="X")
    assert e.value.code == ErrorCode.DATE_ORDER
    with pytest.raises(DomainError) as e:
        services.special_case_step(user=county_health, case=c, step="open_record", on_date=D,
                                   expected_version=c.version + 1, hospital_name="X")
    assert e.value.code == ErrorCode.STALE_VERSION


def test_reopen_refused_while_another_case_of_the_disease_is_open(county_health, patient):
    c = case_in(S.FOUND, county_health, patient)
    c = services.special_case_step(user=county_health, case=c, step="close", on_date=D,
                                   expected_version=c.version, close_reason="not_eligible")
    services.special_case_create(user=county_health, person=patient, icd10="C34.1",
                                 found_via="screening", found_on=D)
    with pytest.raises(DomainError) as e:
        services.special_case_step(user=county_health, case=c, step="reopen", on_date=D,
                                   expected_version=c.version, comment="复核")
    assert e.value.code == ErrorCode.CASE_DUPLICATE
