"""The health services: chronic registrations and special-treatment cases, every refusal with
its code and field, and nothing written when refused."""

import datetime as dt

import pytest
from django.utils import timezone

from jkfp.errors import DomainError, ErrorCode
from jkfp.health import services
from jkfp.health.models import ChronicRegistration, SpecialCase, SpecialCaseStep
from jkfp.registry.models import CategoryPeriod

from ..factories import PersonFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
D = dt.date(2024, 3, 1)


def codes(exc: DomainError) -> set[tuple[str, str | None]]:
    errs = getattr(exc, "errors", [exc])
    return {(str(e.code), e.field) for e in errs}


def register(user, person, **kw):
    args = {"icd10": "I10", "diagnosed_on": D, "confirmed_by": "盐池县人民医院",
            "registered_on": D}
    args.update(kw)
    return services.chronic_register(user=user, person=person, **args)


def new_case(user, person, **kw):
    args = {"icd10": "C34.9", "found_via": "village_report", "found_on": D}
    args.update(kw)
    return services.special_case_create(user=user, person=person, **args)


# ---------------------------------------------------------------- chronic registrations
def test_register_derives_the_disease_from_the_icd10_code(doctor, patient):
    reg = register(doctor, patient, icd10=" i10 ")
    assert (reg.disease_code, reg.icd10, reg.region_code) == ("hypertension", "I10",
                                                              patient.region_code)
    assert reg.history.first().history_user == doctor
    reg2 = register(doctor, patient, icd10="E11.9")
    assert reg2.disease_code == "diabetes_type2"


@pytest.mark.parametrize("kw, expected", [
    ({"icd10": "XYZ"}, ("icd10_format", "icd10")),
    ({"icd10": "K35"}, ("disease_not_in_catalog", "icd10")),          # appendicitis
    ({"diagnosed_on": TODAY + dt.timedelta(days=1),
      "registered_on": TODAY + dt.timedelta(days=1)}, ("date_in_future", "diagnosed_on")),
    ({"diagnosed_on": dt.date(1900, 1, 1)}, ("date_order", "diagnosed_on")),  # before birth
    ({"registered_on": D - dt.timedelta(days=1)}, ("date_order", "registered_on")),
    ({"confirmed_by": "  "}, ("required", "confirmed_by")),
    ({"risk_level": 3}, ("invalid", "risk_level")),                    # not a mental disorder
    ({"treatment_start": D}, ("invalid", "treatment_start")),          # not tuberculosis
    ({"icd10": "I10", "disease_code": "diabetes_type2"}, ("disease_not_in_catalog", "icd10")),
])
def test_register_refusals(doctor, patient, kw, expected):
    with pytest.raises(DomainError) as e:
        register(doctor, patient, **kw)
    assert expected in codes(e.value)
    assert ChronicRegistration.objects.count() == 0


def test_a_diagnosis_older_than_the_list_is_registered_under_the_list_in_force(doctor, patient):
    reg = register(doctor, patient, diagnosed_on=dt.date(2009, 4, 1))
    assert (reg.disease_code, reg.diagnosed_on) == ("hypertension", dt.date(2009, 4, 1))
    with pytest.raises(DomainError) as e:  # registered before the national list began (2017)
        register(doctor, patient, icd10="E11", diagnosed_on=dt.date(2009, 4, 1),
                 registered_on=dt.date(2016, 12, 31))
    assert ("disease_not_in_catalog", "icd10") in codes(e.value)


def test_second_open_registration_of_the_same_disease_is_refused(doctor, patient):
    register(doctor, patient)
    with pytest.raises(DomainError) as e:
        register(doctor, patient, icd10="I11.9")
    assert ("chronic_duplicate", "icd10") in codes(e.value)
    assert ChronicRegistration.objects.count() == 1


def test_mental_disorder_risk_level_and_tb_course(doctor, patient):
    smd = register(doctor, patient, icd10="F20.0", risk_level=2)
    tb = register(doctor, patient, icd10="A15.0", treatment_start=D)
    assert (smd.disease_code, smd.risk_level) == ("severe_mental_disorder", 2)
    assert (tb.disease_code, tb.treatment_start) == ("tuberculosis", D)


def test_register_refused_to_other_departments_readers_and_outside_the_scope(
        civil, insurance, users, patient, foreign_households, doctor):
    for user in (civil, insurance):
        with pytest.raises(DomainError) as e:
            register(user, patient)
        assert e.value.code == ErrorCode.PERMISSION
    outsider = foreign_households["same_township"].head
    with pytest.raises(DomainError) as e:
        register(doctor, outsider)
    assert e.value.code == ErrorCode.REGION_OUT_OF_SCOPE
    assert ChronicRegistration.objects.count() == 0


def test_deceased_person_cannot_be_registered(doctor, patient):
    patient.alive, patient.death_date = False, D
    patient.save()
    with pytest.raises(DomainError) as e:
        register(doctor, patient)
    assert ("person_deceased", "person") in codes(e.value)


def test_visit_noted_keeps_the_latest_visit(doctor, patient):
    reg = register(doctor, patient)
    from django.db import transaction
    with transaction.atomic():
        services.chronic_visit_noted(registration=reg, visited_on=dt.date(2024, 6, 1),
                                     next_visit_on=dt.date(2024, 9, 1))
        services.chronic_visit_noted(registration=reg, visited_on=dt.date(2024, 5, 1),
                                     next_visit_on=dt.date(2024, 8, 1))
    reg.refresh_from_db()
    assert (reg.last_visit_on, reg.next_visit_on) == (dt.date(2024, 6, 1), dt.date(2024, 9, 1))


def test_end_registration(doctor, patient):
    reg = register(doctor, patient)
    with pytest.raises(DomainError) as e:
        services.chronic_end(user=doctor, registration=reg, expected_version=reg.version,
                             ended_on=D - dt.timedelta(days=1), reason="moved")
    assert e.value.code == ErrorCode.DATE_ORDER
    reg = services.chronic_end(user=doctor, registration=reg, expected_version=1,
                               ended_on=dt.date(2024, 7, 1), reason="moved")
    assert (reg.ended_on, reg.end_reason, reg.version) == (dt.date(2024, 7, 1), "moved", 2)
    register(doctor, patient)  # a new registration of the same disease is allowed again
    with pytest.raises(DomainError) as e:
        services.chronic_end(user=doctor, registration=reg, expected_version=1,
                             ended_on=dt.date(2024, 7, 1), reason="moved")


# ---------------------------------------------------------------- special-treatment cases
def test_case_found_with_its_first_step(doctor, patient):
    case = new_case(doctor, patient)
    assert (case.status, case.disease_code, case.icd10) == ("found", "lung_cancer", "C34.9")
    step = SpecialCaseStep.objects.get(case=case)
    assert (step.step, step.to_status, step.user, step.on_date) == ("found", "found", doctor, D)


def test_case_eligibility_names_the_rule(doctor, household):
    person = household.head  # no category at all
    with pytest.raises(DomainError) as e:
        new_case(doctor, person)
    assert ("case_not_eligible", "person") in codes(e.value)
    assert "不在大病专项救治对象范围内" in e.value.message
    assert SpecialCase.objects.count() == 0


def test_case_eligibility_is_on_the_date(doctor, household):
    CategoryPeriod.objects.create(category="minimum_living", person=household.head,
                                  region_code=household.region_code,
                                  start_date=dt.date(2024, 1, 1), source="test")
    with pytest.raises(DomainError) as e:
        new_case(doctor, household.head, found_on=dt.date(2023, 12, 31))
    assert e.value.code == ErrorCode.CASE_NOT_ELIGIBLE
    assert new_case(doctor, household.head, found_on=dt.date(2024, 1, 1)).status == "found"


@pytest.mark.parametrize("kw, expected", [
    ({"icd10": "C3"}, ("icd10_format", "icd10")),
    ({"icd10": "I10"}, ("disease_not_in_catalog", "icd10")),   # a chronic disease, not on the list
    ({"found_on": TODAY + dt.timedelta(days=1)}, ("date_in_future", "found_on")),
    ({"found_via": "rumour"}, ("invalid", "found_via")),
])
def test_case_refusals(doctor, patient, kw, expected):
    with pytest.raises(DomainError) as e:
        new_case(doctor, patient, **kw)
    assert expected in codes(e.value)
    assert SpecialCase.objects.count() == 0 and SpecialCaseStep.objects.count() == 0


def test_second_open_case_of_the_same_disease_is_refused(doctor, patient):
    new_case(doctor, patient)
    with pytest.raises(DomainError) as e:
        new_case(doctor, patient, icd10="C34.1")
    assert ("case_duplicate", "icd10") in codes(e.value)
    assert SpecialCase.objects.count() == 1


def test_case_outside_the_scope_and_for_readers(doctor, civil, foreign_households):
    other = foreign_households["same_township"].head
    with pytest.raises(DomainError) as e:
        new_case(doctor, other)
    assert e.value.code == ErrorCode.REGION_OUT_OF_SCOPE
    with pytest.raises(DomainError) as e:
        new_case(civil, other)
    assert e.value.code == ErrorCode.PERMISSION


def test_deceased_person_gets_no_new_case(doctor, household):
    p = PersonFactory(household=household, alive=False, death_date=D)
    with pytest.raises(DomainError) as e:
        new_case(doctor, p)
    assert ("person_deceased", "person") in codes(e.value)
