"""The screening API: the same services and selectors as the pages, errors as
{code, message, field, errors}, the scope matrix (outside: 404) of every endpoint, and the health
details for health departments only (403)."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.screening.models import Campaign, ResultStep, ScreeningResult

from ..apiclient import assert_error_body, error_fields
from ..conftest import OTHER_TOWNSHIP_VILLAGE, VISIBLE
from .conftest import record

pytestmark = [pytest.mark.usefixtures("api_urlconf"), pytest.mark.django_db]


def counts():
    return {m.__name__: m.objects.count() for m in (Campaign, ScreeningResult, ResultStep)}


def refused(client, method, path, data=None, status=422):
    before = counts()
    r = getattr(client, method)(path, data)
    assert_error_body(r, status)
    assert counts() == before
    return error_fields(r)


def test_programmes_and_a_campaign_with_defaults(api_as, county):
    api = api_as(county)
    progs = {p["kind"]: p for p in api.get("/screening/programmes").json()}
    assert progs["two_cancers"]["age_min"] == 35 and progs["newborn"]["example_keys"]
    r = api.post("/screening/campaigns", {"name": "两癌", "kind": "two_cancers",
                                          "region_code": "640323", "start_on": "2024-03-01",
                                          "end_on": "2024-12-31"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["target_sex"], body["age_min"], body["age_max"]) == ("F", 35, 64)
    assert body["coverage"]["base"] == "640323"
    r = api.post("/screening/campaigns", {"name": "无上限", "kind": "two_cancers",
                                          "region_code": "640323", "start_on": "2024-03-01",
                                          "end_on": "2024-12-31", "age_max": None,
                                          "target_categories": ["minimum_living"]})
    assert (r.json()["age_min"], r.json()["age_max"], r.json()["target_categories"]) == (
        35, None, ["minimum_living"])
    assert refused(api, "post", "/screening/campaigns", {
        "name": "x", "kind": "kashin_beck", "region_code": "640323", "start_on": "2024-03-01",
        "end_on": "2024-12-31"}) == {"region_code": "screening_programme"}
    assert refused(api, "post", "/screening/campaigns", {
        "name": "x", "kind": "two_cancers", "region_code": "640323", "start_on": "2024-03-01",
        "end_on": "2024-12-31", "colour": "red"}) == {"colour": "invalid"}
    listed = api.get("/screening/campaigns", {"kind": "two_cancers"}).json()
    assert listed["count"] == 2
    cid = body["id"]
    r = api.patch(f"/screening/campaigns/{cid}", {"version": 1, "name": "两癌2024"})
    assert r.status_code == 200 and r.json()["name"] == "两癌2024" and r.json()["version"] == 2
    assert refused(api, "patch", f"/screening/campaigns/{cid}", {"version": 1, "name": "x"},
                   status=409) == {"version": "stale_version"}


def test_results_bulk_steps_and_worklist(api_as, county, campaign, make_person):
    api = api_as(county)
    a, b = make_person(dt.date(1980, 1, 1)), make_person(dt.date(1981, 1, 1))
    man = make_person(dt.date(1980, 1, 1), sex="M")
    base = f"/screening/campaigns/{campaign.pk}"
    assert refused(api, "post", f"{base}/results/bulk", {"rows": [
        {"person_id": a.pk, "screened_on": "2024-05-06", "result": "negative"},
        {"person_id": man.pk, "screened_on": "2024-05-06", "result": "negative"},
        {"person_id": b.pk, "screened_on": "2024-05-06", "result": "positive"}]}) == {
        "rows[1].person": "screening_not_target", "rows[2].finding": "required"}
    r = api.post(f"{base}/results/bulk", {"rows": [
        {"person_id": a.pk, "screened_on": "2024-05-06", "result": "negative"}]})
    assert r.status_code == 201 and r.json()["created"] == 1
    r = api.post(f"{base}/results", {"person_id": b.pk, "screened_on": "2024-05-06",
                                     "result": "positive", "finding": "乳腺肿块"})
    assert r.status_code == 201, r.content
    res = r.json()
    assert (res["stage"], res["steps_allowed"], res["next_step"]) == (
        "awaiting", ["refer"], "待转诊")
    assert refused(api, "post", f"{base}/results", {
        "person_id": b.pk, "screened_on": "2024-05-06", "result": "negative"}) == {
        "person": "screening_duplicate"}
    targets = api.get(f"{base}/targets", {"screened": "false"}).json()
    assert targets["count"] == 0
    targets = api.get(f"{base}/targets").json()
    assert {t["person"]["id"]: t["screened"] for t in targets["items"]} == {a.pk: True,
                                                                           b.pk: True}
    assert api.get(f"{base}/coverage").json()["total"]["positive"] == 1
    rid = res["id"]
    assert refused(api, "post", f"/screening/results/{rid}/steps", {
        "step": "confirm", "on_date": "2024-05-07", "version": 1, "icd10": "C50.9"}) == {
        "step": "screening_step_not_allowed"}
    r = api.post(f"/screening/results/{rid}/steps", {"step": "refer", "on_date": "2024-05-07",
                                                    "version": 1, "referred_to": "县医院"})
    assert r.status_code == 200 and r.json()["stage"] == "referred"
    assert [s["step"] for s in r.json()["steps"]] == ["record", "refer"]
    r = api.post(f"/screening/results/{rid}/steps", {"step": "rule_out", "on_date": "2024-05-09",
                                                    "version": 2, "comment": "良性"})
    assert r.json()["stage"] == "ruled_out"
    assert api.get("/screening/worklist").json()["count"] == 0
    results = api.get(f"/screening/persons/{b.pk}/results").json()
    assert [x["finding"] for x in results] == ["乳腺肿块"]
    assert api.get(f"{base}/results", {"result": "positive"}).json()["count"] == 1


@pytest.fixture
def outside(county, campaign, make_person):
    p = make_person(dt.date(1980, 1, 1), village=OTHER_TOWNSHIP_VILLAGE)
    return record(county, campaign, p, result="positive", finding="宫颈细胞学异常")


def test_scope_matrix_of_every_endpoint(users, api_as, campaign, outside):
    base = f"/screening/campaigns/{campaign.pk}"
    person = outside.person
    for level, seen in VISIBLE.items():
        api = api_as(users[level])
        campaign_want = 404 if level == "changzhi_city" else 200
        for path in (base, f"{base}/coverage", f"{base}/targets", f"{base}/results"):
            assert api.get(path).status_code == campaign_want, (level, path)
        listed = [c["id"] for c in api.get("/screening/campaigns").json()["items"]]
        assert (campaign.pk in listed) == (campaign_want == 200)
        want = 200 if "other_township" in seen else 404
        assert api.get(f"/screening/results/{outside.pk}").status_code == want, level
        assert api.get(f"/screening/persons/{person.pk}/results").status_code == want, level
        worklist = [r["id"] for r in api.get("/screening/worklist").json()["items"]]
        assert (outside.pk in worklist) == (want == 200), level
        targets = [t["person"]["id"] for t in api.get(f"{base}/targets").json().get("items", [])]
        assert (person.pk in targets) == (want == 200), level
        r = api.post(f"/screening/results/{outside.pk}/steps", {
            "step": "refer", "on_date": "2024-05-07", "version": outside.version,
            "referred_to": "x"})
        assert r.status_code in ((404,) if want == 404 else (200, 403)), (level, r.content)
        if r.status_code == 200:
            outside.refresh_from_db()
        r = api.post(f"{base}/results", {"person_id": person.pk, "screened_on": "2024-05-06",
                                         "result": "negative"})
        assert r.status_code in (404, 422, 403), level
        if want == 404:
            assert r.status_code == 404
        r = api.patch(base, {"version": 1, "name": "x"})
        assert r.status_code in ((404,) if level == "changzhi_city" else (200, 403, 404, 409)), (
            level, r.content)


def test_health_details_only_for_health_departments(api_as, civil, county, campaign, woman):
    r = record(county, campaign, woman, result="positive", finding="乳腺肿块")
    api = api_as(civil)
    for path in (f"/screening/results/{r.pk}", "/screening/worklist",
                 f"/screening/campaigns/{campaign.pk}/results",
                 f"/screening/persons/{woman.pk}/results"):
        body = assert_error_body(api.get(path), 403)
        assert body["code"] == "permission", path
    targets = api.get(f"/screening/campaigns/{campaign.pk}/targets").json()["items"]
    assert targets[0]["screened"] is True and targets[0]["result"] is None
    assert targets[0]["result_id"] is None
    cov = api.get(f"/screening/campaigns/{campaign.pk}/coverage").json()
    assert cov["total"]["screened"] == 1 and cov["total"]["positive"] is None
    assert refused(api, "post", f"/screening/results/{r.pk}/steps", {
        "step": "refer", "on_date": "2024-05-07", "version": 1, "referred_to": "x"},
        status=403) == {None: "permission"}


def test_bad_bodies_are_refused_naming_the_field(api_as, county, campaign):
    api = api_as(county)
    base = f"/screening/campaigns/{campaign.pk}"
    assert refused(api, "post", f"{base}/results/bulk", {"rows": []}) == {"rows": "invalid"}

    fields = refused(api, "post", f"{base}/results", {"person_id": 0, "screened_on": "2024-13-01",
                                                      "result": "maybe", "extra": 1})
    assert set(fields) >= {"person_id", "screened_on", "result", "extra"}
    fields = refused(api, "post", "/screening/results/1/steps", {"step": "fly",
                                                                  "on_date": "2024-01-01",
                                                                  "version": 1})
    assert "step" in fields
    assert api.get(f"{base}/targets", {"region_code": "abc"}).status_code == 422
