"""Fixtures of the warning workflow: a township cadre, the county's offices, a found warning."""

import pytest

from jkfp.accounts.models import Department, Role

from .factories import make_warning


@pytest.fixture
def cadre(make_user):
    """A township cadre of rural revitalisation who verifies and proposes."""
    return make_user("640323100", Role.DATA_ENTRY, Department.RURAL_REVITALISATION,
                     username="t_cadre", first_name="王干部")


@pytest.fixture
def other_cadre(make_user):
    return make_user("640323101", Role.DATA_ENTRY, Department.RURAL_REVITALISATION,
                     username="t_cadre2")


@pytest.fixture
def county_rr(make_user):
    return make_user("640323", Role.APPROVER, Department.RURAL_REVITALISATION, username="c_rr")


@pytest.fixture
def county_civil(make_user):
    return make_user("640323", Role.DATA_ENTRY, Department.CIVIL_AFFAIRS, username="c_civil")


@pytest.fixture
def township_health(make_user):
    return make_user("640323100", Role.DATA_ENTRY, Department.HEALTH, username="t_health")


@pytest.fixture
def city_rr(make_user):
    return make_user("6403", Role.READONLY, Department.RURAL_REVITALISATION, username="ct_rr")


@pytest.fixture
def warning(household):
    return make_warning(household)
