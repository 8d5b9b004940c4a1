"""In a real browser: a county health user sees a clinic's gap on the gap list, posts a village
doctor to the clinic from the institution page, and the gap is gone from the list; then the
doctor leaves and the gap is back, dated the day he left."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jkfp.accounts.models import Department, Role
from jkfp.facilities import services
from jkfp.facilities.models import Gap

from ..conftest import VILLAGE
from ..factories import UserFactory

pytestmark = pytest.mark.e2e


def test_county_user_fills_a_clinic_gap_and_sees_it_reopen(e2e_regions, login, live_server,
                                                            tmp_path):
    today = timezone.localdate()
    county = UserFactory(username="e2e_fac", region_id="640323", role=Role.APPROVER,
                         department=Department.HEALTH)
    clinic = services.institution_create(user=county, kind="village_clinic", region_code=VILLAGE,
                                         name="花一村卫生室", opened_on=dt.date(2020, 1, 1))
    services.staff_create(user=county, name="马村医", qualification="village_doctor",
                          region_code="640323")
    page = login(county)
    page.goto(f"{live_server.url}/facilities/gaps/")
    row = page.locator("tr", has_text="花一村卫生室")
    expect(row).to_contain_text("村卫生室无合格村医")
    expect(row).to_contain_text("2020-01-01")
    page.screenshot(path=str(tmp_path / "gaps.png"), full_page=True)

    row.get_by_role("link", name="花一村卫生室").click()
    expect(page.locator("h1")).to_contain_text("花一村卫生室")
    page.select_option("#id_post-staff", label="马村医（乡村医生（持证））")
    page.fill("#id_post-start_date", "2020-06-01")
    page.get_by_role("button", name="登记到岗").click()
    expect(page.locator(".messages, [role=status]").first).to_contain_text("已登记到岗")
    expect(page.locator("tr", has_text="马村医")).to_be_visible()

    page.goto(f"{live_server.url}/facilities/gaps/")
    expect(page.locator("tr", has_text="花一村卫生室")).to_have_count(0)

    page.goto(f"{live_server.url}/facilities/{clinic.pk}/")
    page.locator("tr", has_text="马村医").get_by_role("button", name="登记离岗").click()
    expect(page.locator(".messages, [role=status]").first).to_contain_text("已登记结束")
    page.goto(f"{live_server.url}/facilities/gaps/")
    expect(page.locator("tr", has_text="花一村卫生室")).to_contain_text(today.isoformat())
    assert Gap.objects.filter(institution=clinic, opened_on=today, closed_on=None).exists()
    page.screenshot(path="/tmp/fac-gaps.png", full_page=True)
    page.goto(f"{live_server.url}/facilities/{clinic.pk}/")
    page.screenshot(path="/tmp/fac-inst.png", full_page=True)
