"""The warnings API: list and worklists, detail, each step with its refusals (codes, fields,
Chinese messages), scope (404), department (403), pushes and their Excel."""

import datetime as dt

import pytest
from django.utils import timezone

from jkfp.monitoring import services
from jkfp.monitoring.models import Push

from ..apiclient import assert_error_body
from .factories import make_warning

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_urlconf")]


@pytest.fixture
def pushed(household):
    w = make_warning(household)
    services.push_found(user_or_none=None, region_code="640323", on_date=timezone.localdate())
    w.refresh_from_db()
    return w


def test_life_through_the_api(api_as, cadre, pushed):
    c = api_as(cadre)
    today = timezone.localdate().isoformat()
    listed = c.get("/warnings", {"worklist": "to_verify"}).json()
    assert [x["id"] for x in listed["items"]] == [pushed.pk]
    assert listed["items"][0]["amount"] == "34567.89"
    assert listed["items"][0]["steps_allowed"] == ["verify"]
    r = c.post(f"/warnings/{pushed.pk}/verify", {"visited_on": today, "visited_by": "王干部",
                                                 "findings": "属实", "version": 2})
    assert r.status_code == 200 and r.json()["status"] == "verified"
    body = assert_error_body(c.post(f"/warnings/{pushed.pk}/dismiss",
                                    {"on_date": today, "reason": "", "version": 3}), 422)
    assert (body["code"], body["field"]) == ("required", "reason")
    r = c.post(f"/warnings/{pushed.pk}/confirm", {"on_date": today, "version": 3})
    assert r.json()["steps_allowed"] == ["act"]
    r = c.post(f"/warnings/{pushed.pk}/act", {"on_date": today, "action_kind": "admission",
                                              "category": "marginal", "consent_on": today,
                                              "version": 4})
    assert r.status_code == 200, r.content
    d = r.json()
    assert d["status"] == "acted" and d["change_request_id"]
    assert [s["step"] for s in d["steps"]] == ["found", "push", "verify", "confirm", "act"]
    cr = c.get(f"/change-requests/{d['change_request_id']}").json()
    assert cr["channel"] == "department" and cr["status"] == "proposed"


def test_refusals(api_as, cadre, other_cadre, township_health, county_civil, pushed):
    today = timezone.localdate()
    c = api_as(cadre)
    body = assert_error_body(c.post(f"/warnings/{pushed.pk}/close",
                                    {"on_date": today.isoformat(), "version": 2}), 422)
    assert body["code"] == "warning_step_not_allowed"
    before = (pushed.found_on - dt.timedelta(days=1)).isoformat()
    body = assert_error_body(c.post(f"/warnings/{pushed.pk}/verify",
                                    {"visited_on": before, "visited_by": "王", "findings": "x",
                                     "version": 2}), 422)
    assert (body["code"], body["field"]) == ("date_order", "visited_on")
    body = assert_error_body(c.post(f"/warnings/{pushed.pk}/verify",
                                    {"visited_on": today.isoformat(), "visited_by": "王",
                                     "findings": "x", "version": 1}), 409)
    assert body["code"] == "stale_version"
    # civil affairs reads what was pushed to it, but the home visit is the township's
    body = assert_error_body(api_as(county_civil).post(
        f"/warnings/{pushed.pk}/verify", {"visited_on": today.isoformat(), "visited_by": "王",
                                          "findings": "x", "version": 2}), 403)
    assert body["code"] == "warning_department"
    # health was not a recipient of this warning: not found for it
    assert api_as(township_health).get(f"/warnings/{pushed.pk}").status_code == 404
    assert api_as(other_cadre).get(f"/warnings/{pushed.pk}").status_code == 404
    assert api_as(other_cadre).post(f"/warnings/{pushed.pk}/verify", {
        "visited_on": today.isoformat(), "visited_by": "王", "findings": "x",
        "version": 2}).status_code == 404


def test_pushes_and_export(api_as, county_rr, other_cadre, pushed):
    c = api_as(county_rr)
    pushes = c.get("/warnings/pushes").json()
    assert {(p["department"], p["region_code"], p["warnings"]) for p in pushes} == {
        ("township", "640323100", 1), ("medical_insurance", "640323", 1),
        ("civil_affairs", "640323", 1)}
    civil = Push.objects.get(department="civil_affairs")
    r = c.get(f"/warnings/pushes/{civil.pk}/export")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    assert api_as(other_cadre).get(f"/warnings/pushes/{civil.pk}/export").status_code == 404
    counts = c.get("/warnings/counts").json()
    assert counts["open"] == 1 and counts["to_verify"] == 1 and counts["overdue"] == 0
