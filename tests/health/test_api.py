"""The health API: scope (outside → 404), department visibility (403 or the coarse status),
validation with codes and fields, and the case steps."""

import datetime as dt

import pytest

from jkfp.accounts.models import Department, Role
from jkfp.health import services
from jkfp.health.models import ChronicRegistration, SpecialCase

from ..apiclient import assert_error_body
from ..conftest import VISIBLE
from ..factories import UserFactory
from .conftest import hold

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_urlconf")]
D = dt.date(2024, 3, 1)


@pytest.fixture
def admin(regions):
    return UserFactory(username="root", is_superuser=True, region_id=None)


@pytest.fixture
def cases(records, admin):
    out = {}
    for name, hh in records.items():
        hold(hh, "minimum_living")
        out[name] = services.special_case_create(user=admin, person=hh.head, icd10="C16.9",
                                                 found_via="hospital_stay", found_on=D)
    return out


def test_case_scope_matrix(users, cases, api_as):
    for level, user in users.items():
        c = api_as(user)
        listed = {x["id"] for x in c.get("/health/cases", {"page_size": 200}).json()["items"]}
        assert listed == {cases[n].pk for n in VISIBLE[level]}, level
        for name, case in cases.items():
            want = 200 if name in VISIBLE[level] else 404
            assert c.get(f"/health/cases/{case.pk}").status_code == want, (level, name)
            r = c.post(f"/health/cases/{case.pk}/steps",
                       {"step": "open_record", "on_date": "2024-03-02", "version": 1,
                        "hospital_name": "X"})
            assert r.status_code in ((404,) if want == 404 else (200, 403, 409)), (level, name)
            assert c.get(f"/persons/{case.person_id}/health").status_code == want


def test_other_departments_get_403_on_details_and_the_coarse_status(records, cases, make_user,
                                                                  api_as):
    civil = api_as(make_user("640323", Role.REVIEWER, Department.CIVIL_AFFAIRS))
    assert_error_body(civil.get("/health/cases"), 403)
    assert_error_body(civil.get(f"/health/cases/{cases['inside'].pk}"), 403)
    assert_error_body(civil.get("/health/registrations"), 403)
    body = civil.get(f"/persons/{cases['inside'].person_id}/health").json()
    assert body == {"person_id": cases["inside"].person_id, "status": "major",
                    "status_label": "患有大病", "detailed": False, "batch": None,
                    "batch_label": "", "cases": [], "registrations": [], "timeline": []}
    mi = api_as(make_user("640323", Role.READONLY, Department.MEDICAL_INSURANCE))
    body = mi.get(f"/persons/{cases['inside'].person_id}/health").json()
    assert body["detailed"] and body["batch"] == "treatment"
    assert [c["disease_code"] for c in body["cases"]] == ["stomach_cancer"]
    assert any("大病专项救治" in e["title"] for e in body["timeline"])


def test_case_lifecycle_through_the_api(records, api_as, make_user):
    hold(records["inside"], "registered_poor")
    county = api_as(make_user("640323", Role.APPROVER, Department.HEALTH))
    pid = records["inside"].head_id
    r = county.post("/health/cases", {"person_id": pid, "icd10": "c50.9",
                                      "found_via": "screening", "found_on": "2024-03-01"})
    assert r.status_code == 201, r.content
    case = r.json()
    assert (case["disease_code"], case["icd10"], case["status"]) == ("breast_cancer", "C50.9",
                                                                     "found")
    assert case["steps_allowed"] == ["open_record", "close"]
    r = county.post(f"/health/cases/{case['id']}/steps",
                    {"step": "open_record", "on_date": "2024-03-05", "version": 1})
    assert_error_body(r, 422)
    assert r.json()["errors"][0]["field"] == "hospital_name"
    r = county.post(f"/health/cases/{case['id']}/steps",
                    {"step": "open_record", "on_date": "2024-03-05", "version": 1,
                     "hospital_name": "宁夏医科大学总医院"})
    assert r.status_code == 200 and r.json()["status"] == "opened"
    r = county.post(f"/health/cases/{case['id']}/steps",
                    {"step": "open_record", "on_date": "2024-03-05", "version": 1,
                     "hospital_name": "X"})
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = county.post(f"/health/cases/{case['id']}/steps",
                    {"step": "mark_treated", "on_date": "2024-03-05", "version": 2,
                     "outcome": "cured"})
    assert r.status_code == 422 and r.json()["code"] == "case_step_not_allowed"
    detail = county.get(f"/health/cases/{case['id']}").json()
    assert [s["step"] for s in detail["steps"]] == ["found", "open_record"]


def test_case_validation_names_every_field(records, api_as, make_user):
    county = api_as(make_user("640323", Role.APPROVER, Department.HEALTH))
    pid = records["inside"].head_id
    r = county.post("/health/cases", {"person_id": pid, "icd10": "I10", "found_via": "screening",
                                      "found_on": "2099-01-01"})
    body = assert_error_body(r, 422)
    assert {(e["code"], e.get("field")) for e in body["errors"]} >= {
        ("disease_not_in_catalog", "icd10"), ("date_in_future", "found_on")}
    r = county.post("/health/cases", {"person_id": pid, "icd10": "C16", "found_via": "rumour",
                                      "found_on": "2024-01-01"})
    assert r.status_code == 422
    r = county.post("/health/cases", {"person_id": pid, "icd10": "C16", "found_via": "screening",
                                      "found_on": "2024-01-01", "extra": 1})
    assert r.status_code == 422
    assert SpecialCase.objects.count() == 0


def test_registration_through_the_api(records, api_as, make_user):
    doctor = api_as(make_user("640323100201", Role.DATA_ENTRY, Department.HEALTH))
    pid = records["inside"].head_id
    r = doctor.post("/health/registrations", {"person_id": pid, "icd10": "E11.9",
                                              "diagnosed_on": "2023-05-01",
                                              "registered_on": "2023-05-02",
                                              "confirmed_by": "花马池镇卫生院"})
    assert r.status_code == 201, r.content
    reg = r.json()
    assert (reg["disease_code"], reg["disease_name"]) == ("diabetes_type2", "2型糖尿病")
    r = doctor.post("/health/registrations", {"person_id": pid, "icd10": "E11",
                                              "diagnosed_on": "2023-05-01",
                                              "confirmed_by": "花马池镇卫生院"})
    assert r.status_code == 422 and r.json()["code"] == "chronic_duplicate"
    r = doctor.post(f"/health/registrations/{reg['id']}/end",
                    {"ended_on": "2024-01-01", "reason": "moved", "version": 1})
    assert r.status_code == 200 and r.json()["ended_on"] == "2024-01-01"
    listed = doctor.get("/health/registrations").json()
    assert listed["count"] == 0
    assert doctor.get("/health/registrations", {"include_ended": True}).json()["count"] == 1
    other = records["changzhi"].head_id
    r = doctor.post("/health/registrations", {"person_id": other, "icd10": "E11",
                                              "diagnosed_on": "2023-05-01", "confirmed_by": "x"})
    assert r.status_code == 404
    assert ChronicRegistration.objects.count() == 1
