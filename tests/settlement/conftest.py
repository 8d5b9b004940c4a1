"""Fixtures of the settlement tests."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.registry import services as registry


@pytest.fixture
def poor_household(users, household):
    registry.category_period_add(user=users["village"], category="registered_poor",
                                 household=household, start_date=dt.date(2016, 1, 1),
                                 end_date=dt.date(2020, 12, 31))
    return household


@pytest.fixture
def settler(make_user):
    """A medical-insurance clerk of the county of VILLAGE: settles stays (decision 38)."""
    from jkfp.accounts.models import Department, Role

    return make_user("640323", Role.DATA_ENTRY, department=Department.MEDICAL_INSURANCE,
                     username="yb_user")


@pytest.fixture
def hospital_user(make_user):
    from jkfp.accounts.models import Department, Role

    return make_user("640323", Role.DATA_ENTRY, department=Department.HOSPITAL,
                     username="hosp_user")
