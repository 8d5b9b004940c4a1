"""In a real browser: a village doctor settles a poor patient's stay and prints the bill."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from jkfp.accounts.models import Role
from jkfp.registry import services

from ..conftest import VILLAGE
from ..factories import UserFactory, make_id

pytestmark = pytest.mark.e2e


def test_village_user_settles_a_stay_and_sees_the_one_stop_bill(e2e_regions, login, live_server):
    user = UserFactory(username="e2e_village", region_id=VILLAGE, role=Role.DATA_ENTRY)
    hh = services.household_register(
        user=user, household_number="E2E-ST-1", village_code=VILLAGE, address="一组",
        members=[services.MemberInput(id_number=make_id("640323"), name="杨大山",
                                      relation="head")])
    services.category_period_add(user=user, category="registered_poor", household=hh,
                                 start_date=dt.date(2016, 1, 1), end_date=dt.date(2020, 12, 31))
    page = login(user)
    page.goto(f"{live_server.url}/persons/{hh.head_id}/")
    section = page.locator("#sec-statements")
    expect(section).to_contain_text("暂无住院结算记录")  # loaded by htmx
    section.locator("#settle-stay").click()
    page.fill("#id_hospital_name", "盐池县人民医院")
    page.select_option("#id_hospital_grade", "2")
    page.select_option("#id_location", "county")
    page.fill("#id_admission_date", "2019-03-01")
    page.fill("#id_discharge_date", "2019-03-12")
    page.fill("#id_total_cost", "80000")
    page.fill("#id_in_policy_cost", "90000")  # above the total: refused, field named
    page.click("#settle-submit")
    expect(page.locator(".has-error")).to_contain_text("政策范围内费用不能高于医疗总费用")
    page.fill("#id_in_policy_cost", "70000")
    page.click("#settle-submit")
    expect(page.locator("h1")).to_contain_text("一单制")
    expect(page.locator("#self-pay")).to_have_text("5,000.00")  # 盐池 2018: at most 5,000 a year
    expect(page.locator("#bill")).to_contain_text("先诊疗后付费")
    page.goto(f"{live_server.url}/persons/{hh.head_id}/")
    expect(page.locator("#sec-statements")).to_contain_text("5,000.00")
