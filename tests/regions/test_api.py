"""Regions through the API: counts by category under a node, and the scope of each level."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.registry import services

from ..conftest import VISIBLE

pytestmark = pytest.mark.usefixtures("api_urlconf")  # the API alone (tests/api_urls.py)
LEVELS = list(VISIBLE)


def test_region_counts_by_category(users, household, foreign_households, api_as):
    services.category_period_add(user=users["county"], household=household, category="marginal",
                                 start_date=dt.date(2024, 1, 1))
    services.category_period_add(user=users["county"], household=foreign_households[
        "other_township"], category="marginal", start_date=dt.date(2024, 1, 1))
    services.category_period_add(user=users["county"], person=household.head,
                                 category="minimum_living", start_date=dt.date(2024, 1, 1))
    services.category_period_add(user=users["county"], household=foreign_households[
        "same_township"], category="lifted_out", start_date=dt.date(2020, 1, 1), exit_year=2020,
                                 end_date=dt.date(2021, 1, 1))  # ended: not counted
    county = api_as(users["county"]).get("/regions/640323").json()
    assert (county["counts"]["marginal"], county["counts"]["minimum_living"]) == (2, 1)
    assert county["counts"]["lifted_out"] == 0 and county["persons"] == 3
    children = {c["code"]: c for c in api_as(users["county"]).get(
        "/regions/640323/children").json()}
    assert children["640323100"]["counts"]["marginal"] == 1
    assert children["640323101"]["counts"]["marginal"] == 1
    assert children["640323102"]["counts"]["marginal"] == 0
    assert len(children) == 9
    # the village user sees only its own village's counts, even on the county node
    seen = api_as(users["village"]).get("/regions/640323").json()
    assert seen["counts"]["marginal"] == 1 and seen["persons"] == 1
    assert [c["code"] for c in api_as(users["village"]).get(
        "/regions/640323/children").json()] == ["640323100"]
    # 12-digit statistics form of a code
    assert api_as(users["county"]).get("/regions/640323000000").json()["code"] == "640323"
    assert api_as(users["county"]).get("/regions/nonsense").status_code == 404


@pytest.mark.parametrize("level", LEVELS)
def test_regions(level, users, records, api_as):
    client = api_as(users[level])
    own = users[level].region_code
    assert client.get(f"/regions/{own}").status_code == 200
    for code in ("640323100201", "640323100", "640323101", "1404", "140403100201"):
        inside = code.startswith(own) or own.startswith(code)
        r = client.get(f"/regions/{code}")
        assert r.status_code == (200 if inside else 404), code
    r = client.get(f"/regions/{own}")
    persons = r.json()["persons"]
    assert persons == len(list(VISIBLE[level]))
    children = client.get(f"/regions/{own[:2]}/children").json()
    assert all(c["code"].startswith(own) or own.startswith(c["code"]) for c in children)
