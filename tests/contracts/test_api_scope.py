"""The family-doctor API's scope matrix (outside the region → 404, in bodies naming the field)
and its health-data visibility by department (403 for civil affairs and rural revitalisation)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jkfp.accounts.models import Department, Role

from ..conftest import VISIBLE

pytestmark = pytest.mark.usefixtures("api_urlconf")
TODAY = timezone.localdate()


def detail_urls(r) -> list[str]:
    return [f"/family-doctor/teams/{r.team.pk}", f"/family-doctor/contracts/{r.contract.pk}",
            f"/family-doctor/followups/{r.followup.pk}"]


@pytest.mark.parametrize("who", list(VISIBLE))
def test_scope_matrix(users, api_as, contract_records, who):
    api = api_as(users[who])
    for name, r in contract_records.items():
        for url in detail_urls(r):
            want = 200 if name in VISIBLE[who] else 404
            assert api.get(url).status_code == want, (who, name, url)
    lists = {"/family-doctor/teams": lambda x: x["name"].removeprefix("团队-"),
             "/family-doctor/contracts": lambda x: x["person"]["name"].removeprefix("居民-"),
             "/family-doctor/followups": lambda x: x["person"]["name"].removeprefix("居民-"),
             "/family-doctor/worklists/overdue":
                 lambda x: x["person"]["name"].removeprefix("居民-"),
             "/family-doctor/management/status": None}
    for url, name_of in lists.items():
        items = api.get(url, {"year": TODAY.year} if "status" in url else {}).json()["items"]
        if name_of is None:
            regs = {s["registration_id"] for s in items}
            seen = {n for n, r in contract_records.items() if r.registration.pk in regs}
        else:
            seen = {name_of(x) for x in items}
        assert seen == VISIBLE[who], (who, url)


def test_records_named_in_bodies_outside_the_scope(users, api_as, contract_records):
    api = api_as(users["village"])
    far = contract_records["other_township"]
    here = contract_records["inside"]
    r = api.post("/family-doctor/contracts", {"person_id": far.person.pk,
                                              "team_id": here.team.pk,
                                              "signed_on": TODAY.isoformat()})
    assert r.status_code == 404 and r.json()["field"] == "person_id"
    r = api.post("/family-doctor/followups", {
        "registration_id": far.registration.pk, "visited_on": TODAY.isoformat(),
        "way": "home", "member_id": here.member.pk, "classification": "controlled",
        "next_visit_on": TODAY.isoformat()})
    assert r.status_code == 404 and r.json()["field"] == "registration_id"
    r = api.post(f"/family-doctor/contracts/{far.contract.pk}/end", {
        "version": 1, "ended_on": TODAY.isoformat(), "end_reason": "x"})
    assert r.status_code == 404


@pytest.mark.parametrize("department", [Department.CIVIL_AFFAIRS,
                                        Department.RURAL_REVITALISATION])
def test_health_details_refused_to_other_departments(make_user, api_as, contract_records,
                                                     department):
    api = api_as(make_user("640323100", Role.REVIEWER, department=department))
    r = contract_records["inside"]
    for url in (f"/family-doctor/followups/{r.followup.pk}", "/family-doctor/followups",
                "/family-doctor/worklists/my-patients", "/family-doctor/worklists/overdue",
                "/family-doctor/worklists/not-standard", "/family-doctor/management/status",
                "/family-doctor/management/rates"):
        got = api.get(url)
        assert got.status_code == 403 and got.json()["code"] == "permission", url
    # the coarse view: contracts without their fulfilment, teams, who should sign
    c = api.get(f"/family-doctor/contracts/{r.contract.pk}").json()
    assert c["fulfilment"] is None
    assert api.get("/family-doctor/teams").status_code == 200
    assert api.get("/family-doctor/worklists/unsigned").status_code == 200
