"""Change requests through the API are scoped like the households they are about: outside the
user's region they answer 404."""

from __future__ import annotations

import pytest

from ..conftest import OTHER_TOWNSHIP_VILLAGE, VISIBLE

pytestmark = pytest.mark.usefixtures("api_urlconf")  # the API alone (tests/api_urls.py)
LEVELS = list(VISIBLE)


def test_change_requests_outside_the_scope_are_not_found(users, records, api_as, make_user):
    from jkfp.accounts.models import Role

    other = make_user(OTHER_TOWNSHIP_VILLAGE, Role.DATA_ENTRY, username="other_v")
    r = api_as(other).post("/change-requests", {
        "action": "admit", "category": "marginal", "household_id": records["other_township"].pk,
        "reason": "因病支出大", "effective_date": "2024-06-01", "channel": "visit",
        "home_visit_on": "2024-05-20", "consent_on": "2024-05-21"})
    assert r.status_code == 201, r.content
    cr_id = r.json()["id"]
    for level in LEVELS:
        client = api_as(users[level])
        want = 200 if "other_township" in VISIBLE[level] else 404
        assert client.get(f"/change-requests/{cr_id}").status_code == want, level
        listed = {c["id"] for c in client.get("/change-requests").json()["items"]}
        assert (cr_id in listed) == (want == 200)
        r = client.post(f"/change-requests/{cr_id}/withdraw", {"version": 1})
        assert r.status_code in ((404,) if want == 404 else (200, 403)), level
    # proposing for a household outside one's region names the field
    r = api_as(users["village"]).post("/change-requests", {
        "action": "admit", "category": "marginal", "household_id": records["changzhi"].pk,
        "reason": "x", "effective_date": "2024-06-01", "channel": "visit"})
    assert r.status_code == 404 and r.json()["field"] == "household_id"
