"""In a real browser: a county health user finds a case of a major disease from the person page,
runs it through 建档 → 救治 → 救治完成 → 销号, and sees the whole course on the health page."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from jkfp.accounts.models import Department, Role
from jkfp.registry import services

from ..conftest import VILLAGE
from ..factories import UserFactory, make_id

pytestmark = pytest.mark.e2e


def test_county_user_runs_a_special_treatment_case_to_its_close(e2e_regions, login,
                                                                 live_server):
    user = UserFactory(username="e2e_county_health", region_id="640323", role=Role.APPROVER,
                       department=Department.HEALTH)
    hh = services.household_register(
        user=user, household_number="E2E-H-1", village_code=VILLAGE, address="二组",
        members=[services.MemberInput(id_number=make_id("640323"), name="马秀兰",
                                      relation="head")])
    services.category_period_add(user=user, category="lifted_out", household=hh,
                                 start_date=dt.date(2021, 1, 1), exit_year=2020)
    page = login(user)
    page.goto(f"{live_server.url}/persons/{hh.head_id}/")
    expect(page.locator("#sec-health")).to_contain_text("健康")  # loaded by htmx
    page.locator("#sec-health a.btn").click()
    expect(page.locator("h1")).to_contain_text("健康档案")
    page.locator("#new-case summary").click()
    page.fill("#new-case #id_icd10", "C99")  # not ICD-10 of a listed disease: refused, named
    page.select_option("#new-case #id_found_via", "village_report")
    page.fill("#new-case #id_found_on", "2024-05-06")
    page.locator("#new-case button[type=submit]").click()
    expect(page.locator("#new-case .has-error")).to_contain_text("不在")
    page.fill("#new-case #id_icd10", "c34.9")
    page.locator("#new-case button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("肺癌")
    expect(page.locator("#case-status")).to_have_text("已发现")
    for step, fill in [("open_record", {"hospital_name": "宁夏医科大学总医院"}),
                       ("start_treatment", {"treatment_plan": "手术后化疗四个周期"}),
                       ("mark_treated", {"outcome": "cured"}),
                       ("close", {"close_reason": "cured"})]:
        form = page.locator(f"#step-{step}")
        form.locator("input[name=on_date]").fill("2024-06-01")
        for name, value in fill.items():
            el = form.locator(f"[name={name}]")
            if name in ("outcome", "close_reason"):
                el.select_option(value)
            else:
                el.fill(value)
        form.locator("button[type=submit]").click()
        expect(page.locator("#flash")).to_contain_text("已办理")
    expect(page.locator("#case-status")).to_have_text("已销号")
    expect(page.locator("#case-steps tbody tr")).to_have_count(5)
    page.goto(f"{live_server.url}/persons/{hh.head_id}/health/")
    expect(page.locator("#timeline")).to_contain_text("大病专项救治·销号：肺癌")
    expect(page.locator("#health-status")).to_have_text("健康")
