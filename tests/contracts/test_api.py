"""The family-doctor API: the same services and validation as the pages — each refusal is an
error answer naming the field with a code, and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jkfp.contracts.models import Contract, FollowUp, ServiceDelivery, Team, TeamMember, TeamVillage

from ..apiclient import assert_error_body, error_fields
from ..conftest import VILLAGE
from ..factories import PersonFactory

pytestmark = pytest.mark.usefixtures("api_urlconf")
TODAY = timezone.localdate()
MODELS = (Team, TeamVillage, TeamMember, Contract, ServiceDelivery, FollowUp)


def refused(client, method, path, data=None, status=422) -> dict[str, str]:
    before = {m: m.objects.count() for m in MODELS}
    r = getattr(client, method)(path, data)
    assert_error_body(r, status)
    assert {m: m.objects.count() for m in MODELS} == before
    return error_fields(r)


@pytest.fixture
def township_api(api_as, township_user):
    return api_as(township_user)


@pytest.fixture
def doctor_api(api_as, doctor_user):
    return api_as(doctor_user)


def test_team_create_and_read(township_api, doctor_user):
    r = township_api.post("/family-doctor/teams", {
        "name": "接口团队", "region_code": "640323100", "institution": "花马池镇卫生院",
        "villages": [VILLAGE], "members": [
            {"name": "甲", "role": "village_doctor", "account": doctor_user.username},
            {"name": "乙", "role": "public_health"}]})
    assert r.status_code == 201, r.content
    team = r.json()
    assert team["villages"] == [VILLAGE]
    assert {m["role"] for m in team["members"]} == {"village_doctor", "public_health"}
    got = township_api.get(f"/family-doctor/teams/{team['id']}").json()
    assert got == team
    assert refused(township_api, "post", "/family-doctor/teams", {
        "name": "缺医生", "region_code": "640323100", "institution": "卫生院",
        "villages": [VILLAGE], "members": [{"name": "乙", "role": "nurse"}]}) == {
        "members": "team_composition"}
    r = township_api.patch(f"/family-doctor/teams/{team['id']}", {
        "version": 1, "name": "改名", "institution": "卫生院", "villages": [VILLAGE]})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert refused(township_api, "patch", f"/family-doctor/teams/{team['id']}", {
        "version": 1, "name": "再改", "institution": "卫生院", "villages": [VILLAGE]},
        status=409) == {"version": "stale_version"}


def test_member_end_keeps_1_plus_1(township_api, team, nurse):
    assert refused(township_api, "post", f"/family-doctor/members/{nurse.pk}/end",
                   {"end_date": TODAY.isoformat()}) == {"end_date": "team_composition"}
    r = township_api.post(f"/family-doctor/teams/{team.pk}/members",
                          {"name": "丙", "role": "nurse"})
    assert r.status_code == 201
    r = township_api.post(f"/family-doctor/members/{nurse.pk}/end",
                          {"end_date": TODAY.isoformat()})
    assert r.status_code == 200 and r.json()["end_date"] == TODAY.isoformat()


def test_contract_sign_renew_end(township_api, team, patient, household):
    body = {"person_id": patient.pk, "team_id": team.pk, "signed_on": TODAY.isoformat(),
            "fee_yuan": "12.50"}
    r = township_api.post("/family-doctor/contracts", body)
    assert r.status_code == 201, r.content
    c = r.json()
    assert (c["year"], c["fee_yuan"], c["person"]["name"]) == (TODAY.year, "12.50", "赵患者")
    assert c["fulfilment"]["expected"] == {"health_check": 1, "medication_guidance": 1,
                                           "health_education": 1}
    assert refused(township_api, "post", "/family-doctor/contracts", body) == {
        "year": "contract_overlap"}
    dead = PersonFactory(household=household, alive=False, death_date=dt.date(2024, 1, 1))
    assert refused(township_api, "post", "/family-doctor/contracts",
                   {**body, "person_id": dead.pk}) == {"person": "person_deceased"}
    assert refused(township_api, "post", "/family-doctor/contracts",
                   {**body, "fee_yuan": 1.5}) == {"fee_yuan": "amount_invalid"}
    r = township_api.post(f"/family-doctor/contracts/{c['id']}/renew",
                          {"signed_on": TODAY.isoformat()})
    assert r.status_code == 201 and r.json()["year"] == TODAY.year + 1
    assert r.json()["renewal_of_id"] == c["id"]
    r = township_api.post(f"/family-doctor/contracts/{c['id']}/end", {
        "version": 1, "ended_on": TODAY.isoformat(), "end_reason": "迁出"})
    assert r.status_code == 200 and r.json()["ended_on"] == TODAY.isoformat()
    listed = township_api.get("/family-doctor/contracts", {"person_id": patient.pk}).json()
    assert {x["year"] for x in listed["items"]} == {TODAY.year, TODAY.year + 1}


def test_delivery_and_fulfilment(township_api, contract, nurse, registration, doctor,
                                 doctor_api):
    r = township_api.post(f"/family-doctor/contracts/{contract.pk}/deliveries", {
        "kind": "health_check", "delivered_on": TODAY.isoformat(), "member_id": nurse.pk})
    assert r.status_code == 201
    r = doctor_api.post("/family-doctor/followups", {
        "registration_id": registration.pk, "visited_on": TODAY.isoformat(), "way": "home",
        "member_id": doctor.pk, "classification": "controlled", "systolic": 130,
        "diastolic": 80, "next_visit_on": (TODAY + dt.timedelta(days=90)).isoformat()})
    assert r.status_code == 201, r.content
    f = township_api.get(f"/family-doctor/contracts/{contract.pk}").json()["fulfilment"]
    # a chronic patient: 4 follow-ups + 1 check + 1 guidance + 1 education expected
    assert f["expected"] == {"followup": 4, "health_check": 1, "medication_guidance": 1,
                             "health_education": 1}
    assert f["delivered"] == {"followup": 1, "health_check": 1, "medication_guidance": 0,
                              "health_education": 0}
    assert f["share"] == pytest.approx(2 / 7)


def test_followup_refusals(doctor_api, contract, registration, doctor, regions):
    from ..factories import TeamMemberFactory

    body = {"registration_id": registration.pk, "visited_on": TODAY.isoformat(), "way": "home",
            "member_id": doctor.pk, "classification": "controlled", "systolic": 130,
            "diastolic": 80, "next_visit_on": (TODAY + dt.timedelta(days=90)).isoformat()}
    assert refused(doctor_api, "post", "/family-doctor/followups",
                   {**body, "systolic": 20, "diastolic": 25}) == {
        "systolic": "measurement_range", "diastolic": "measurement_range"}
    assert refused(doctor_api, "post", "/family-doctor/followups",
                   {**body, "visited_on": "2019-01-01", "next_visit_on": "2019-03-01"}) == {
        "visited_on": "date_order"}
    assert refused(doctor_api, "post", "/family-doctor/followups",
                   {**body, "fasting_glucose": "45"}) == {"fasting_glucose": "measurement_range"}
    assert refused(doctor_api, "post", "/family-doctor/followups",
                   {**body, "risk_level": 2}) == {"risk_level": "not_applicable"}
    assert refused(doctor_api, "post", "/family-doctor/followups", {**body, "extra": 1}) == {
        "extra": "invalid"}
    stranger = TeamMemberFactory(team__region_code="640323100")
    TeamVillage.objects.create(team=stranger.team, village_code=VILLAGE)  # seen, another team
    assert refused(doctor_api, "post", "/family-doctor/followups",
                   {**body, "member_id": stranger.pk}) == {"member": "followup_team"}


def test_worklists_status_and_rates(doctor_api, township_api, contract, registration):
    mine = doctor_api.get("/family-doctor/worklists/my-patients").json()
    assert [x["registration_id"] for x in mine["items"]] == [registration.pk]
    assert mine["items"][0]["overdue"] is True  # never visited: due since registration
    overdue = township_api.get("/family-doctor/worklists/overdue").json()
    assert overdue["count"] == 1
    status = township_api.get("/family-doctor/management/status",
                              {"year": TODAY.year}).json()
    assert [(s["registration_id"], s["managed"]) for s in status["items"]] == [
        (registration.pk, False)]
    assert township_api.get("/family-doctor/worklists/not-standard").json()["count"] == 1
    rates = township_api.get("/family-doctor/management/rates", {"year": TODAY.year}).json()
    assert rates == [{"region_code": VILLAGE, "disease_code": "hypertension", "registered": 1,
                      "deceased": 0, "population": 1, "managed": 0, "standard": 0,
                      "controlled": 0, "management_rate": 0.0, "standard_rate": None,
                      "control_rate": None}]
    assert township_api.get("/family-doctor/worklists/unsigned").status_code == 200
