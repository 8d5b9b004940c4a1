"""Refusals of the facility services: each with its code and field, nothing written."""

import datetime as dt

import pytest

from jkfp.accounts.models import Department, Role
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.facilities import services
from jkfp.facilities.models import Institution, Post

D = dt.date
pytestmark = pytest.mark.django_db


def codes(exc) -> dict[str, str]:
    errs = exc.value.errors if isinstance(exc.value, ValidationErrors) else [exc.value]
    return {e.field: str(e.code) for e in errs}


def test_an_institution_outside_any_region_is_refused(county_health):
    with pytest.raises(ValidationErrors) as exc:
        services.institution_create(user=county_health, kind="village_clinic",
                                    region_code="640323199299", name="无名卫生室",
                                    opened_on=D(2020, 1, 1))
    assert codes(exc) == {"region_code": ErrorCode.FACILITY_REGION}
    assert "不存在" in exc.value.errors[0].message
    assert not Institution.objects.exists()


def test_an_institution_at_the_wrong_level_is_refused(county_health):
    with pytest.raises(ValidationErrors) as exc:
        services.institution_create(user=county_health, kind="township_centre",
                                    region_code="640323100201", name="错层卫生院",
                                    opened_on=D(2020, 1, 1))
    assert codes(exc) == {"region_code": ErrorCode.FACILITY_REGION}
    assert "乡镇级区划" in exc.value.errors[0].message


def test_every_problem_is_reported_at_once(county_health):
    with pytest.raises(ValidationErrors) as exc:
        services.institution_create(user=county_health, kind="county_hospital",
                                    region_code="640323", name=" ", grade=5,
                                    opened_on=D(2020, 1, 1), closed_on=D(2019, 1, 1))
    assert codes(exc) == {"name": ErrorCode.REQUIRED, "grade": ErrorCode.INVALID,
                          "closed_on": ErrorCode.DATE_ORDER}


def test_two_full_time_posts_at_once_are_refused(county_health, clinic, centre, doctor):
    services.post_add(user=county_health, staff=doctor, institution=clinic,
                      start_date=D(2020, 1, 1))
    with pytest.raises(ValidationErrors) as exc:
        services.post_add(user=county_health, staff=doctor, institution=centre,
                          start_date=D(2021, 1, 1))
    assert codes(exc) == {"start_date": ErrorCode.STAFF_POST_OVERLAP}
    assert "测试村花一卫生室" in exc.value.errors[0].message
    # a part-time post beside it is allowed, and so is a full-time one after leaving
    services.post_add(user=county_health, staff=doctor, institution=centre,
                      start_date=D(2021, 1, 1), full_time=False)
    first = Post.objects.get(institution=clinic)
    services.post_end(user=county_health, post=first, end_date=D(2022, 1, 1))
    services.post_add(user=county_health, staff=doctor, institution=centre,
                      start_date=D(2022, 1, 1))
    assert Post.objects.filter(staff=doctor).count() == 3


def test_a_post_before_the_institution_opened_is_refused(county_health, clinic, doctor):
    with pytest.raises(ValidationErrors) as exc:
        services.post_add(user=county_health, staff=doctor, institution=clinic,
                          start_date=D(2018, 6, 1))
    assert codes(exc) == {"start_date": ErrorCode.FACILITY_CLOSED}


def test_closing_an_institution_with_staff_at_post_is_refused(county_health, clinic, doctor):
    services.post_add(user=county_health, staff=doctor, institution=clinic,
                      start_date=D(2020, 1, 1))
    with pytest.raises(ValidationErrors) as exc:
        services.institution_update(user=county_health, institution=clinic,
                                    expected_version=clinic.version, closed_on=D(2023, 1, 1))
    assert codes(exc) == {"closed_on": ErrorCode.FACILITY_CLOSED}


def test_another_countys_user_cannot_write_here(make_user, clinic):
    cz = make_user("140403", Role.APPROVER, Department.HEALTH, username="cz_fac")
    with pytest.raises(DomainError) as exc:
        services.coverage_add(user=cz, institution=clinic, village_code="640323100202",
                              start_date=D(2020, 1, 1))
    assert exc.value.code == ErrorCode.REGION_OUT_OF_SCOPE


def test_civil_affairs_cannot_write_facilities(make_user):
    ca = make_user("640323", Role.APPROVER, Department.CIVIL_AFFAIRS, username="ca_fac")
    with pytest.raises(DomainError) as exc:
        services.institution_create(user=ca, kind="county_hospital", region_code="640323",
                                    name="x", opened_on=D(2020, 1, 1))
    assert exc.value.code == ErrorCode.PERMISSION


def test_coverage_of_a_village_of_another_county_is_refused(county_health, clinic):
    with pytest.raises(ValidationErrors) as exc:
        services.coverage_add(user=county_health, institution=clinic,
                              village_code="140403100201", start_date=D(2020, 1, 1))
    assert codes(exc) == {"village_code": ErrorCode.FACILITY_REGION}


def test_a_department_only_in_a_county_hospital(county_health, centre):
    with pytest.raises(ValidationErrors) as exc:
        services.department_add(user=county_health, institution=centre, name="内科",
                                opened_on=D(2020, 1, 1))
    assert codes(exc) == {"name": ErrorCode.INVALID}
