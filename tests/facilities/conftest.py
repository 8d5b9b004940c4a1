import datetime as dt

import pytest

from jkfp.accounts.models import Department, Role
from jkfp.facilities import services

D = dt.date


@pytest.fixture
def county_health(make_user):
    return make_user("640323", Role.APPROVER, Department.HEALTH, username="fac_county")


@pytest.fixture
def clinic(county_health):
    return services.institution_create(user=county_health, kind="village_clinic",
                                       region_code="640323100201", name="测试村花一卫生室",
                                       opened_on=D(2019, 1, 1), standardised=True)


@pytest.fixture
def centre(county_health):
    return services.institution_create(user=county_health, kind="township_centre",
                                       region_code="640323100", name="花马池镇卫生院",
                                       opened_on=D(2019, 1, 1), centre_standard="basic")


@pytest.fixture
def doctor(county_health):
    return services.staff_create(user=county_health, name="王大夫", qualification="village_doctor",
                                 region_code="640323")
