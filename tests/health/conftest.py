"""Fixtures of the health tests: a poor household in VILLAGE with its head as patient, and users
of the departments that may and may not see health details."""

import datetime as dt

import pytest

from jkfp.accounts.models import Department, Role
from jkfp.registry.models import CategoryPeriod

from ..conftest import VILLAGE


def hold(household, category: str, start=dt.date(2015, 1, 1), end=None, person=None):
    """Give a household (or one person) a category period, as an approved request would."""
    return CategoryPeriod.objects.create(
        category=category, household=None if person else household, person=person,
        region_code=household.region_code, start_date=start, end_date=end, source="test")


@pytest.fixture
def patient(household):
    hold(household, "registered_poor", end=dt.date(2020, 12, 31))
    hold(household, "lifted_out", start=dt.date(2021, 1, 1))
    return household.head


@pytest.fixture
def doctor(make_user):
    """A village doctor: health department, data entry, in VILLAGE."""
    return make_user(VILLAGE, Role.DATA_ENTRY, Department.HEALTH, username="vdoc")


@pytest.fixture
def county_health(make_user):
    return make_user("640323", Role.APPROVER, Department.HEALTH, username="chealth")


@pytest.fixture
def civil(make_user):
    return make_user("640323", Role.REVIEWER, Department.CIVIL_AFFAIRS, username="civil")


@pytest.fixture
def insurance(make_user):
    return make_user("640323", Role.READONLY, Department.MEDICAL_INSURANCE, username="mi")
