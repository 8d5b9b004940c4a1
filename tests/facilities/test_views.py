"""Facility pages: lists, the institution page's writes with their errors on the form, the gap
list and exports, scope (another county's institution is 404) and write rights."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from jkfp.accounts.models import Department, Role
from jkfp.facilities import services
from jkfp.facilities.models import Gap, Institution, Post

D = dt.date
pytestmark = pytest.mark.django_db


def test_register_a_clinic_and_post_a_doctor_closes_its_gap(client_as, county_health, doctor):
    c = client_as(county_health)
    r = c.post(reverse("facilities:institution_new"), {
        "kind": "village_clinic", "name": "花二村卫生室", "region_code": "640323100202",
        "opened_on": "2020-01-01", "standardised": "on"})
    inst = Institution.objects.get(name="花二村卫生室")
    assert r.status_code == 302 and r["Location"] == reverse("facilities:institution", args=[inst.pk])
    page = c.get(reverse("facilities:institution", args=[inst.pk])).content.decode()
    assert "村卫生室无合格村医" in page and "至今" in page
    r = c.post(reverse("facilities:post_add", args=[inst.pk]), {
        "post-staff": doctor.pk, "post-start_date": "2020-03-01", "post-full_time": "on"})
    assert r.status_code == 302
    gap = Gap.objects.get(institution=inst, kind="clinic_no_doctor")
    assert (gap.opened_on, gap.closed_on) == (D(2020, 1, 1), D(2020, 3, 1))
    post = Post.objects.get(institution=inst)
    r = c.post(reverse("facilities:end", args=[inst.pk, "post", post.pk]),
               {"end-end_date": "2024-05-06"})
    assert r.status_code == 302
    assert Gap.objects.filter(institution=inst, opened_on=D(2024, 5, 6), closed_on=None).exists()


def test_a_refused_post_shows_the_error_on_the_form(client_as, county_health, clinic, centre,
                                                     doctor):
    services.post_add(user=county_health, staff=doctor, institution=centre,
                      start_date=D(2020, 1, 1))
    r = client_as(county_health).post(reverse("facilities:post_add", args=[clinic.pk]), {
        "post-staff": doctor.pk, "post-start_date": "2021-01-01", "post-full_time": "on"})
    assert r.status_code == 422
    assert "同一人同时只能有一个全职岗位" in r.content.decode()
    assert not Post.objects.filter(institution=clinic).exists()


def test_an_institution_outside_any_region_on_the_form(client_as, county_health):
    r = client_as(county_health).post(reverse("facilities:institution_new"), {
        "kind": "village_clinic", "name": "无名", "region_code": "640323199299",
        "opened_on": "2020-01-01"})
    assert r.status_code == 422 and "机构须登记在某个行政区划内" in r.content.decode()


def test_another_county_sees_nothing_of_this_one(client_as, make_user, clinic, doctor):
    cz = make_user("140403", Role.APPROVER, Department.HEALTH, username="cz_v")
    c = client_as(cz)
    assert c.get(reverse("facilities:institution", args=[clinic.pk])).status_code == 404
    assert c.get(reverse("facilities:staff", args=[doctor.pk])).status_code == 404
    assert "测试村花一卫生室" not in c.get(reverse("facilities:institution_list")).content.decode()
    assert c.get(reverse("facilities:gap_list")).content.decode().count("<tr") == 0


def test_a_township_user_sees_the_staff_posted_in_the_township(client_as, make_user,
                                                              county_health, clinic, doctor):
    services.post_add(user=county_health, staff=doctor, institution=clinic,
                      start_date=D(2020, 1, 1))
    town = make_user("640323100", Role.READONLY, Department.HEALTH, username="t_fac")
    other = make_user("640323101", Role.READONLY, Department.HEALTH, username="t2_fac")
    assert client_as(town).get(reverse("facilities:staff", args=[doctor.pk])).status_code == 200
    assert client_as(other).get(reverse("facilities:staff", args=[doctor.pk])).status_code == 404


def test_a_reader_sees_no_forms_and_cannot_post(client_as, make_user, clinic, doctor):
    ro = make_user("640323", Role.READONLY, Department.HEALTH, username="ro_fac")
    c = client_as(ro)
    page = c.get(reverse("facilities:institution", args=[clinic.pk])).content.decode()
    assert "登记到岗" not in page
    r = c.post(reverse("facilities:post_add", args=[clinic.pk]), {
        "post-staff": doctor.pk, "post-start_date": "2021-01-01", "post-full_time": "on"})
    assert r.status_code in (403, 422) and not Post.objects.exists()


def test_gap_list_and_its_export(client_as, county_health, clinic):
    c = client_as(county_health)
    page = c.get(reverse("facilities:gap_list") + "?kind=clinic_no_doctor").content.decode()
    assert "测试村花一卫生室" in page
    r = c.get(reverse("facilities:gap_export") + "?kind=clinic_no_doctor")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    head = rows.index(["空白点类型", "区划代码", "区划", "机构", "科室", "出现日期", "清零日期",
                       "持续天数"])
    body = rows[head + 1:]
    assert len(body) == 1 and body[0][3] == "测试村花一卫生室" and body[0][5] == "2019-01-01"
    assert "类型 村卫生室无合格村医" in rows[1][0]


def test_institution_and_staff_exports(client_as, county_health, clinic, doctor):
    services.post_add(user=county_health, staff=doctor, institution=clinic,
                      start_date=D(2020, 1, 1))
    c = client_as(county_health)
    for name, expect in (("facilities:institution_export", "测试村花一卫生室"),
                         ("facilities:staff_export", "王大夫")):
        r = c.get(reverse(name))
        ws = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
        cells = [c.value for row in ws.iter_rows() for c in row]
        assert expect in cells
    assert "测试村花一卫生室" in cells  # the staff member's current post
