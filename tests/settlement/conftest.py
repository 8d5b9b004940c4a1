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
