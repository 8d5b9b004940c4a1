"""Fixtures of the exchange tests: importers of each department at county level, a registry
of a few persons in 盐池县 with categories."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.accounts.models import Department, Role
from tests.conftest import OTHER_TOWNSHIP_VILLAGE, VILLAGE
from tests.factories import HouseholdFactory, PersonFactory, make_id


@pytest.fixture
def civil(make_user):
    """The county civil-affairs reviewer: the owner of the civil-affairs list."""
    return make_user(
        "640323",
        Role.REVIEWER,
        Department.CIVIL_AFFAIRS,
        username="mz_user",
        full_name="民政审核员",
    )


@pytest.fixture
def rural(make_user):
    return make_user(
        "640323",
        Role.APPROVER,
        Department.RURAL_REVITALISATION,
        username="xc_user",
        full_name="乡村振兴审批员",
    )


@pytest.fixture
def people(regions):
    """Four persons in 盐池县: two in VILLAGE (one household), one in another township, one
    deceased; and one in 长治 (outside the county)."""
    hh = HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE, household_number="HH-A")
    head = hh.head
    head.name = "王建国"
    head.save()
    wife = PersonFactory(
        household=hh, name="李秀英", sex="F", id_number=make_id("640323", dt.date(1972, 3, 8), "F")
    )
    other = HouseholdFactory(
        village_id=OTHER_TOWNSHIP_VILLAGE, region_code=OTHER_TOWNSHIP_VILLAGE
    ).head
    dead_hh = HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE)
    dead = dead_hh.head
    dead.alive, dead.death_date = False, dt.date(2022, 1, 1)
    dead.save()
    return {"head": head, "wife": wife, "other": other, "dead": dead}
