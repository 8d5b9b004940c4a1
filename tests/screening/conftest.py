"""Fixtures of the screening tests: a 两癌 campaign of 盐池县 in 2024 and the persons to test its
target group with (women and men of given birth dates in the villages of tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.accounts.models import Department, Role
from jkfp.registry.models import Household
from jkfp.screening import services

from ..conftest import VILLAGE
from ..factories import HouseholdFactory, PersonFactory, make_id

START, END = dt.date(2024, 3, 1), dt.date(2024, 12, 31)
TODAY = dt.date(2025, 1, 15)


@pytest.fixture
def county(users):
    """A county health user who writes (the shared `users` are health users)."""
    return users["county"]


@pytest.fixture
def civil(make_user):
    """A county civil-affairs user: sees campaigns and who was screened, never a finding."""
    return make_user("640323", Role.DATA_ENTRY, Department.CIVIL_AFFAIRS, username="civil_c")


@pytest.fixture
def make_person(regions):
    households: dict[str, Household] = {}

    def make(birth: dt.date, sex: str = "F", village: str = VILLAGE, **kw):
        hh = households.get(village)
        if hh is None:
            hh = households[village] = HouseholdFactory(village_id=village, region_code=village)
        return PersonFactory(household=hh, id_number=make_id(village[:6], birth=birth, sex=sex),
                             **kw)

    return make


@pytest.fixture
def campaign(county):
    return services.campaign_create(user=county, name="2024年两癌筛查", kind="two_cancers",
                                    region_code="640323", start_on=START, end_on=END)


@pytest.fixture
def woman(make_person):
    """A woman of 40 on the campaign's age date."""
    return make_person(dt.date(1984, 1, 10))


def record(user, campaign, person, result="negative", finding="", on=dt.date(2024, 5, 6)):
    return services.result_record(user=user, campaign=campaign, person=person, screened_on=on,
                                  result=result, finding=finding, today=TODAY)
