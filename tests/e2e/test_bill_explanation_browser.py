"""In a real browser: the one-stop bill explains each amount — each segment's product, the
caps checked that did not bind, and the row of a grade or category table that applied
(issue 7, decision 34)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from playwright.sync_api import expect

from jkfp.accounts.models import Department, Role
from jkfp.registry import services

from ..conftest import VILLAGE
from ..factories import UserFactory, make_id

pytestmark = pytest.mark.e2e


def test_bill_shows_products_rows_and_caps_checked(e2e_regions, login, live_server):
    user = UserFactory(
        username="e2e_bill", region_id=VILLAGE, role=Role.DATA_ENTRY, department=Department.HOSPITAL
    )  # hospital staff settle (decision 38)
    hh = services.household_register(
        user=user,
        household_number="E2E-BILL-1",
        village_code=VILLAGE,
        address="二组",
        members=[services.MemberInput(id_number=make_id("640323"), name="马小川", relation="head")],
    )
    services.category_period_add(
        user=user,
        category="registered_poor",
        household=hh,
        start_date=dt.date(2016, 1, 1),
        end_date=dt.date(2020, 12, 31),
    )
    page = login(user)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/persons/{hh.head_id}/")
    section = page.locator("#sec-statements")
    expect(section).to_contain_text("暂无住院结算记录")
    section.locator("#settle-stay").click()
    page.fill("#id_hospital_name", "盐池县人民医院")
    page.select_option("#id_hospital_grade", "2")
    page.select_option("#id_location", "county")
    page.fill("#id_admission_date", "2019-03-01")
    page.fill("#id_discharge_date", "2019-03-12")
    page.fill("#id_total_cost", "80000")
    page.fill("#id_in_policy_cost", "70000")
    page.click("#settle-submit")
    bill = page.locator("#bill")
    expect(bill).to_contain_text("69,600.00元 × 75% = 52,200.00元")  # the segment's product
    expect(bill).to_contain_text("适用取值：起付线按“医院等级：二级医院”一行")
    expect(bill).to_contain_text("起付线按“人员类别：建档立卡贫困人口”一行")
    expect(bill).to_contain_text(
        "年度限额 150,000.00元，本年已支付 0.00元，尚余 150,000.00元，未超过"
    )
    expect(bill).to_contain_text("起付线［医院等级：二级医院］")  # in 参数及来源
    expect(page.locator("#self-pay")).to_have_text("5,000.00")
    shots = os.environ.get("JKFP_SCREENSHOTS")
    if shots:
        page.screenshot(path=f"{shots}/bill-explanation.png", full_page=True)
