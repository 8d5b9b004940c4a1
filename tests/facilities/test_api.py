"""The facilities API: the same services, validation and scope as the pages."""

import datetime as dt

import pytest

from jkfp.accounts.models import Department, Role
from jkfp.facilities.models import Post

D = dt.date
pytestmark = pytest.mark.django_db


def test_register_post_and_gaps_through_the_api(api_as, county_health, doctor):
    api = api_as(county_health)
    r = api.post("/facilities/institutions", {
        "kind": "village_clinic", "name": "花二村卫生室", "region_code": "640323100202",
        "opened_on": "2020-01-01", "standardised": True})
    assert r.status_code == 201, r.json()
    inst = r.json()
    gaps = api.get("/facilities/gaps", {"kind": "clinic_no_doctor"}).json()
    assert [(g["institution_id"], g["opened_on"]) for g in gaps["items"]] == [
        (inst["id"], "2020-01-01")]
    r = api.post("/facilities/posts", {"staff_id": doctor.pk, "institution_id": inst["id"],
                                       "start_date": "2020-02-01"})
    assert r.status_code == 201
    assert api.get("/facilities/gaps", {"kind": "clinic_no_doctor"}).json()["count"] == 0
    closed = api.get("/facilities/gaps", {"kind": "clinic_no_doctor",
                                          "include_closed": "true"}).json()["items"]
    assert closed[0]["closed_on"] == "2020-02-01" and closed[0]["days"] == 31
    detail = api.get(f"/facilities/institutions/{inst['id']}").json()
    assert [p["staff_name"] for p in detail["posts"]] == ["王大夫"]
    r = api.post(f"/facilities/posts/{detail['posts'][0]['id']}/end", {"end_date": "2023-01-01"})
    assert r.status_code == 200 and r.json()["end_date"] == "2023-01-01"


def test_refusals_answer_422_with_code_and_field(api_as, county_health, clinic, centre, doctor):
    api = api_as(county_health)
    r = api.post("/facilities/institutions", {
        "kind": "township_centre", "name": "x", "region_code": "640323100201",
        "opened_on": "2020-01-01"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "facility_region"
    assert api.post("/facilities/posts", {"staff_id": doctor.pk, "institution_id": clinic.pk,
                                          "start_date": "2020-01-01"}).status_code == 201
    r = api.post("/facilities/posts", {"staff_id": doctor.pk, "institution_id": centre.pk,
                                       "start_date": "2021-01-01"})
    assert r.status_code == 422
    assert {(e["code"], e["field"]) for e in r.json()["errors"]} == {
        ("staff_post_overlap", "start_date")}
    assert Post.objects.count() == 1


def test_other_county_gets_404(api_as, make_user, clinic, doctor):
    cz = make_user("140403", Role.APPROVER, Department.HEALTH, username="cz_api_fac")
    api = api_as(cz)
    assert api.get(f"/facilities/institutions/{clinic.pk}").status_code == 404
    r = api.post("/facilities/posts", {"staff_id": doctor.pk, "institution_id": clinic.pk,
                                       "start_date": "2020-01-01"})
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "staff_id"
    assert api.get("/facilities/institutions").json()["count"] == 0
