"""The services of teams, contracts, deliveries and follow-ups: what they write, and every
refusal with its code, a Chinese message naming the field, and nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jkfp.accounts.models import Department, Role
from jkfp.contracts import services
from jkfp.contracts.models import Contract, FollowUp, ServiceDelivery, Team, TeamMember, TeamVillage
from jkfp.errors import DomainError, ErrorCode
from jkfp.health.models import ChronicRegistration

from ..conftest import (
    CHANGZHI_VILLAGE,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
)
from ..factories import (
    ChronicRegistrationFactory,
    HouseholdFactory,
    PersonFactory,
    TeamMemberFactory,
    UserFactory,
)

TODAY = timezone.localdate()
THIS_YEAR = TODAY.year
MODELS = (Team, TeamVillage, TeamMember, Contract, ServiceDelivery, FollowUp)


def counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def refused(call, **kw) -> dict[str, str]:
    """Call a service, expect named errors with Chinese messages, nothing written;
    return {field: code}."""
    before = counts()
    with pytest.raises(DomainError) as info:
        call(**kw)
    assert counts() == before
    errors = getattr(info.value, "errors", [info.value])
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e.message) for e in errors)
    return {e.field: str(e.code) for e in errors}


def M(name, role, **kw):
    return services.MemberInput(name, role, **kw)


ONE_PLUS_ONE = [M("甲医生", "township_doctor"), M("乙", "public_health")]


# ================================================================ teams
def test_team_create_writes_the_team_its_villages_and_members(team, doctor_user):
    assert sorted(team.villages.values_list("village_code", flat=True)) == [
        VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP]
    roles = sorted(team.members.values_list("role", flat=True))
    assert roles == ["nurse", "village_doctor"]
    assert team.members.get(role="village_doctor").user == doctor_user
    assert team.history.count() == 1


@pytest.mark.parametrize("members", [
    [M("甲", "village_doctor"), M("丙", "specialist")],
    [M("乙", "nurse"), M("丙", "specialist")],
    [],
])
def test_team_must_be_1_plus_1(township_user, members):
    errors = refused(services.team_create, user=township_user, name="团队", region_code="640323100",
                     institution="卫生院", villages=[VILLAGE], members=members)
    assert set(errors.values()) == {"team_composition"}


def test_team_villages_are_checked(township_user):
    errors = refused(services.team_create, user=township_user, name="", region_code="640323100",
                     institution="卫生院", members=ONE_PLUS_ONE,
                     villages=[VILLAGE, VILLAGE, OTHER_TOWNSHIP_VILLAGE, "640323100999",
                               "640323100"])
    assert errors == {"name": "required", "villages[1]": "team_village",
                      "villages[2]": "region_out_of_scope", "villages[3]": "region_unknown",
                      "villages[4]": "region_not_village"}
    assert refused(services.team_create, user=township_user, name="团队",
                   region_code="640323100", institution="卫生院", members=ONE_PLUS_ONE,
                   villages=[]) == {"villages": "required"}


def test_team_village_outside_the_team_region(make_user):
    county = make_user("640323", Role.APPROVER)
    errors = refused(services.team_create, user=county, name="团队", region_code="640323100",
                     institution="卫生院", members=ONE_PLUS_ONE, villages=[OTHER_TOWNSHIP_VILLAGE])
    assert errors == {"villages[0]": "team_village"}


def test_team_outside_the_scope_and_by_other_departments(make_user, township_user):
    with pytest.raises(DomainError) as e:
        services.team_create(user=township_user, name="团队", region_code="640323101",
                             institution="卫生院", members=ONE_PLUS_ONE,
                             villages=[OTHER_TOWNSHIP_VILLAGE])
    assert e.value.code == ErrorCode.REGION_OUT_OF_SCOPE
    for user in (make_user("640323100", Role.REVIEWER, department=Department.CIVIL_AFFAIRS),
                 make_user("640323100", Role.READONLY)):
        with pytest.raises(DomainError) as e:
            services.team_create(user=user, name="团队", region_code="640323100",
                                 institution="卫生院", members=ONE_PLUS_ONE, villages=[VILLAGE])
        assert e.value.code == ErrorCode.PERMISSION
    assert Team.objects.count() == 0


def test_member_account_outside_the_scope(township_user, regions):
    far = UserFactory(region_id="640323101")
    errors = refused(services.team_create, user=township_user, name="团队",
                     region_code="640323100", institution="卫生院", villages=[VILLAGE],
                     members=[M("甲", "village_doctor", account=far), M("乙", "nurse")])
    assert errors == {"members[0].account": "region_out_of_scope"}


def test_team_update_villages_and_stale_version(team, township_user):
    t = services.team_update(user=township_user, team=team, expected_version=1, name="新名",
                             institution="卫生院", villages=[VILLAGE])
    assert (t.name, t.version) == ("新名", 2)
    assert list(t.villages.values_list("village_code", flat=True)) == [VILLAGE]
    with pytest.raises(DomainError) as e:
        services.team_update(user=township_user, team=team, expected_version=1, name="再改",
                             institution="卫生院", villages=[VILLAGE])
    assert e.value.code == ErrorCode.STALE_VERSION


def test_member_add_and_end(team, township_user, nurse):
    extra = services.member_add(user=township_user, team=team,
                                member=M("专家", "specialist", institution="县医院"))
    assert extra.start_date == TODAY
    # the only nurse cannot leave: the team would no longer be 1+1
    errors = refused(services.member_end, user=township_user, member=nurse, end_date=TODAY)
    assert errors == {"end_date": "team_composition"}
    services.member_add(user=township_user, team=team, member=M("新护士", "public_health"))
    ended = services.member_end(user=township_user, member=nurse, end_date=TODAY)
    assert ended.end_date == TODAY
    assert refused(services.member_end, user=township_user, member=ended,
                   end_date=TODAY) == {"end_date": "invalid"}


# ================================================================ contracts
def test_contract_sign(contract, patient, team, township_user):
    assert (contract.person, contract.team, contract.year, contract.region_code) == (
        patient, team, THIS_YEAR, VILLAGE)
    assert (contract.package, contract.fee_fen, contract.created_by) == (
        "basic", 0, township_user)


def test_contract_fee_in_fen(team, township_user, household):
    p = PersonFactory(household=household)
    c = services.contract_sign(user=township_user, person=p, team=team, signed_on=TODAY,
                               package="personalised", fee_yuan="120.50", fee_payer="self")
    assert (c.fee_fen, c.fee_payer) == (12050, "self")
    p2 = PersonFactory(household=household)
    assert refused(services.contract_sign, user=township_user, person=p2, team=team,
                   signed_on=TODAY, fee_yuan="1.234") == {"fee_yuan": "amount_invalid"}


def test_contract_overlap(contract, township_user, team, patient):
    errors = refused(services.contract_sign, user=township_user, person=patient, team=team,
                     signed_on=TODAY)
    assert errors == {"year": "contract_overlap"}


def test_contract_for_a_deceased_person(township_user, team, household):
    dead = PersonFactory(household=household, alive=False, death_date=dt.date(2024, 1, 1))
    errors = refused(services.contract_sign, user=township_user, person=dead, team=team,
                     signed_on=TODAY)
    assert errors == {"person": "person_deceased"}


def test_contract_with_a_team_not_serving_the_village(township_user, team, regions):
    hh = HouseholdFactory(village_id=OTHER_TOWNSHIP_VILLAGE, region_code=OTHER_TOWNSHIP_VILLAGE)
    county = UserFactory(region_id="640323", role=Role.APPROVER)
    errors = refused(services.contract_sign, user=county, person=hh.head, team=team,
                     signed_on=TODAY)
    assert errors == {"team": "team_village"}


def test_contract_outside_the_scope(doctor_user, team, regions):
    hh = HouseholdFactory(village_id=OTHER_VILLAGE_SAME_TOWNSHIP,
                          region_code=OTHER_VILLAGE_SAME_TOWNSHIP)
    with pytest.raises(DomainError) as e:
        services.contract_sign(user=doctor_user, person=hh.head, team=team, signed_on=TODAY)
    assert (e.value.code, e.value.field) == (ErrorCode.REGION_OUT_OF_SCOPE, "person")
    assert Contract.objects.count() == 0


def test_contract_dates(township_user, team, patient):
    errors = refused(services.contract_sign, user=township_user, person=patient, team=team,
                     signed_on=TODAY + dt.timedelta(days=1))
    assert errors == {"signed_on": "date_in_future"}
    errors = refused(services.contract_sign, user=township_user, person=patient, team=team,
                     signed_on=TODAY, year=THIS_YEAR + 2, package="gold")
    assert errors == {"year": "contract_date", "package": "invalid"}


def test_contract_end_then_sign_again(contract, township_user, team, patient):
    errors = refused(services.contract_end, user=township_user, contract=contract,
                     expected_version=1, ended_on=TODAY, reason="")
    assert errors == {"end_reason": "required"}
    ended = services.contract_end(user=township_user, contract=contract, expected_version=1,
                                  ended_on=TODAY, reason="迁出")
    assert (ended.ended_on, ended.version) == (TODAY, 2)
    assert refused(services.contract_end, user=township_user, contract=ended,
                   expected_version=2, ended_on=TODAY, reason="再次") == {
        "ended_on": "contract_ended"}
    again = services.contract_sign(user=township_user, person=patient, team=team,
                                   signed_on=TODAY)
    assert again.year == THIS_YEAR


def test_contract_renew(township_user, team, patient):
    old = services.contract_sign(user=township_user, person=patient, team=team,
                                 signed_on=dt.date(THIS_YEAR - 1, 3, 1), fee_yuan="10")
    new = services.contract_renew(user=township_user, contract=old, signed_on=TODAY)
    assert (new.year, new.team, new.renewal_of, new.fee_fen) == (THIS_YEAR, team, old, 1000)
    assert refused(services.contract_renew, user=township_user, contract=old,
                   signed_on=TODAY) == {"year": "contract_overlap"}


# ================================================================ deliveries
def test_delivery_record(contract, township_user, nurse, regions):
    d = services.delivery_record(user=township_user, contract=contract, kind="health_check",
                                 delivered_on=TODAY, member=nurse, note="年度体检")
    assert (d.region_code, d.kind) == (VILLAGE, "health_check")
    other = TeamMemberFactory(team__region_code="640323100")
    errors = refused(services.delivery_record, user=township_user, contract=contract,
                     kind="massage", delivered_on=dt.date(THIS_YEAR - 1, 12, 1), member=other)
    assert errors == {"kind": "invalid", "delivered_on": "contract_date",
                      "member": "member_not_in_team"}


# ================================================================ follow-ups
def record(user, registration, member, **kw):
    values = {"visited_on": TODAY, "way": "home", "classification": "controlled",
              "next_visit_on": TODAY + dt.timedelta(days=90), "systolic": 132,
              "diastolic": 84}
    values.update(kw)
    return services.followup_record(user=user, registration=registration, member=member,
                                    **values)


def test_followup_record_keeps_the_registration_current(contract, registration, doctor,
                                                        doctor_user):
    f = record(doctor_user, registration, doctor, weight_kg="68.5", adherence="regular")
    assert (f.person_id, f.region_code, f.weight_kg, f.created_by) == (
        registration.person_id, VILLAGE, Decimal("68.5"), doctor_user)
    registration.refresh_from_db()
    assert (registration.last_visit_on, registration.next_visit_on) == (
        TODAY, TODAY + dt.timedelta(days=90))
    # a visit entered late, before the latest, does not move the registration back
    record(doctor_user, registration, doctor, visited_on=TODAY - dt.timedelta(days=20),
           next_visit_on=TODAY + dt.timedelta(days=10))
    registration.refresh_from_db()
    assert registration.next_visit_on == TODAY + dt.timedelta(days=90)


def _refused_visit(user, registration, member, **kw):
    before = ChronicRegistration.objects.values().get(pk=registration.pk)
    values = {"visited_on": TODAY, "way": "home", "classification": "controlled",
              "next_visit_on": TODAY + dt.timedelta(days=90), "systolic": 132,
              "diastolic": 84}
    values.update(kw)
    errors = refused(services.followup_record, user=user, registration=registration,
                     member=member, **values)
    assert ChronicRegistration.objects.values().get(pk=registration.pk) == before
    return errors


@pytest.mark.parametrize(("values", "expected"), [
    ({"visited_on": dt.date(2019, 4, 30), "next_visit_on": dt.date(2019, 7, 30)},
     {"visited_on": "date_order"}),  # before the diagnosis
    ({"visited_on": TODAY + dt.timedelta(days=1),
      "next_visit_on": TODAY + dt.timedelta(days=60)}, {"visited_on": "date_in_future"}),
    ({"systolic": 49}, {"systolic": "measurement_range"}),
    ({"systolic": 301}, {"systolic": "measurement_range"}),
    ({"diastolic": 29}, {"diastolic": "measurement_range"}),
    ({"diastolic": 201, "systolic": 250}, {"diastolic": "measurement_range"}),
    ({"systolic": 120, "diastolic": 120}, {"diastolic": "measurement_range"}),
    ({"systolic": 120, "diastolic": None}, {"diastolic": "required"}),
    ({"systolic": None, "diastolic": None}, {"systolic": "required"}),  # face to face
    ({"fasting_glucose": "0.9"}, {"fasting_glucose": "measurement_range"}),
    ({"fasting_glucose": "40.1"}, {"fasting_glucose": "measurement_range"}),
    ({"fasting_glucose": "6.55"}, {"fasting_glucose": "invalid"}),
    ({"weight_kg": "1.0"}, {"weight_kg": "measurement_range"}),
    ({"risk_level": 0}, {"risk_level": "not_applicable"}),
    ({"doses_due": 10, "doses_taken": 9}, {"doses_due": "not_applicable",
                                           "doses_taken": "not_applicable"}),
    ({"next_visit_on": TODAY}, {"next_visit_on": "date_order"}),
    ({"next_visit_on": None}, {"next_visit_on": "required"}),
    ({"way": "letter", "classification": ""}, {"way": "invalid",
                                               "classification": "required"}),
])
def test_followup_bad_input(contract, registration, doctor, doctor_user, values, expected):
    assert _refused_visit(doctor_user, registration, doctor, **values) == expected


def test_followup_phone_call_needs_no_measurement(contract, registration, doctor, doctor_user):
    f = record(doctor_user, registration, doctor, way="phone", systolic=None, diastolic=None)
    assert f.systolic is None


def test_followup_by_a_doctor_of_another_team(contract, registration, doctor_user, regions):
    other = TeamMemberFactory(team__region_code="640323100")
    assert _refused_visit(doctor_user, registration, other) == {"member": "followup_team"}


def test_followup_without_a_contract_on_the_date(contract, registration, doctor, doctor_user):
    # the contract of this year was signed on 5 January: a visit on 4 January has none
    errors = _refused_visit(doctor_user, registration, doctor,
                            visited_on=dt.date(THIS_YEAR, 1, 4),
                            next_visit_on=dt.date(THIS_YEAR, 4, 4))
    assert errors == {"member": "followup_team"}


def test_followup_by_a_member_who_had_left(contract, registration, doctor_user, township_user,
                                           team, nurse):
    services.member_add(user=township_user, team=team, member=M("丁", "village_doctor"))
    gone = services.member_end(user=township_user, member=TeamMember.objects.get(pk=(
        team.members.get(user=doctor_user).pk)), end_date=TODAY - dt.timedelta(days=1))
    assert _refused_visit(doctor_user, registration, gone) == {"member": "followup_team"}
    record(doctor_user, registration, gone, visited_on=TODAY - dt.timedelta(days=1))


def test_followup_of_a_severe_mental_disorder(contract, patient, doctor, doctor_user,
                                              township_user):
    smd = ChronicRegistrationFactory(person=patient, disease_code="severe_mental_disorder",
                                     icd10="F20", created_by=township_user)
    base = {"systolic": None, "diastolic": None}
    assert _refused_visit(doctor_user, smd, doctor, **base) == {"risk_level": "required"}
    assert _refused_visit(doctor_user, smd, doctor, risk_level=6, **base) == {
        "risk_level": "measurement_range"}
    record(doctor_user, smd, doctor, risk_level=3, **base)
    smd.refresh_from_db()
    assert smd.risk_level == 3


def test_followup_of_tuberculosis(contract, patient, doctor, doctor_user, township_user):
    tb = ChronicRegistrationFactory(person=patient, disease_code="tuberculosis", icd10="A15",
                                    created_by=township_user)
    base = {"systolic": None, "diastolic": None}
    assert _refused_visit(doctor_user, tb, doctor, **base) == {"doses_due": "required",
                                                                "doses_taken": "required"}
    assert _refused_visit(doctor_user, tb, doctor, doses_due=10, doses_taken=11, **base) == {
        "doses_taken": "measurement_range"}
    f = record(doctor_user, tb, doctor, doses_due=10, doses_taken=10, **base)
    assert f.doses_taken == 10


def test_followup_of_diabetes_needs_glucose_face_to_face(contract, patient, doctor,
                                                          doctor_user, township_user):
    dm = ChronicRegistrationFactory(person=patient, disease_code="diabetes_type2", icd10="E11",
                                    created_by=township_user)
    assert _refused_visit(doctor_user, dm, doctor, systolic=None, diastolic=None) == {
        "fasting_glucose": "required"}
    f = record(doctor_user, dm, doctor, systolic=None, diastolic=None, fasting_glucose="6.8")
    assert f.fasting_glucose == Decimal("6.8")


def test_followup_of_a_deceased_patient_after_death(contract, registration, doctor,
                                                    doctor_user, patient):
    patient.alive, patient.death_date = False, TODAY - dt.timedelta(days=3)
    patient.save()
    registration.refresh_from_db()
    assert _refused_visit(doctor_user, registration, doctor) == {
        "visited_on": "person_deceased"}


def test_followup_outside_the_scope_and_by_other_departments(contract, registration, doctor,
                                                             make_user):
    for user, code in ((make_user(OTHER_VILLAGE_SAME_TOWNSHIP), ErrorCode.REGION_OUT_OF_SCOPE),
                       (make_user(CHANGZHI_VILLAGE), ErrorCode.REGION_OUT_OF_SCOPE),
                       (make_user(VILLAGE, department=Department.CIVIL_AFFAIRS),
                        ErrorCode.PERMISSION),
                       (make_user(VILLAGE, Role.READONLY), ErrorCode.PERMISSION)):
        with pytest.raises(DomainError) as e:
            record(user, registration, doctor)
        assert e.value.code == code
    assert FollowUp.objects.count() == 0


def test_every_error_at_once(contract, registration, doctor_user, regions):
    other = TeamMemberFactory(team__region_code="640323100")
    errors = _refused_visit(doctor_user, registration, other, systolic=320, diastolic=20,
                            fasting_glucose="50", risk_level=2, next_visit_on=TODAY)
    assert errors == {"member": "followup_team", "systolic": "measurement_range",
                      "diastolic": "measurement_range", "fasting_glucose": "measurement_range",
                      "risk_level": "not_applicable", "next_visit_on": "date_order"}
