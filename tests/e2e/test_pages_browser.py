"""In a real browser (issue 7, Pages): the region overview fits 1366 px in Chinese and English
and its counts open the household list they count; the household list sorts by a column and
jumps to a page; the person picker of the household page refreshes when a member is added."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from jkfp.accounts.models import Role
from jkfp.registry import services
from jkfp.registry.models import CategoryPeriod
from jkfp.summaries.services import summary_rebuild

from ..conftest import VILLAGE
from ..factories import UserFactory, make_id

pytestmark = pytest.mark.e2e


def _household(user, number, names):
    members = [
        services.MemberInput(
            id_number=make_id(VILLAGE[:6]), name=n, relation="head" if i == 0 else "child"
        )
        for i, n in enumerate(names)
    ]
    return services.household_register(
        user=user,
        household_number=number,
        village_code=VILLAGE,
        address="测试路1号",
        members=members,
    )


def _no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_overview_fits_and_its_counts_open_the_list(e2e_regions, login, live_server):
    county = UserFactory(username="e2e_pages_c", region_id="640323", role=Role.APPROVER)
    hh = _household(county, "E2EP001", ["王大山", "王小山"])
    _household(county, "E2EP002", ["李四"])
    for cat in ("lifted_out", "marginal", "unstable_lifted", "sudden_hardship", "registered_poor"):
        CategoryPeriod.objects.create(
            household=hh, category=cat, region_code=VILLAGE, start_date=dt.date(2024, 1, 1)
        )
    for cat in (
        "extreme_poor",
        "minimum_living",
        "near_minimum_living",
        "returned_to_poverty",
        "illness_impoverished",
    ):
        CategoryPeriod.objects.create(
            person=hh.head, category=cat, region_code=VILLAGE, start_date=dt.date(2024, 1, 1)
        )
    summary_rebuild()

    page = login(county)
    page.set_viewport_size({"width": 1366, "height": 900})
    expect(page.locator(".table-overview")).to_be_visible()
    assert _no_sideways_scroll(page)
    expect(page.locator("#region-chart svg")).to_have_count(1)  # the chart, inside the page too
    page.get_by_role("button", name="English").click()
    expect(page.locator(".table-overview")).to_contain_text("Registered persons alive")
    assert _no_sideways_scroll(page)
    page.get_by_role("button", name="中文").click()
    # a count in the table opens the household list with its region and category
    page.locator(".table-overview a[href*='category=extreme_poor']").first.click()
    expect(page).to_have_url(re.compile(r"/households/\?region=640323100&category=extreme_poor$"))
    expect(page.locator("#id_category")).to_have_value("extreme_poor")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("E2EP001")
    # 普通城乡居民: the household with no category
    page.select_option("#id_category", "general")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results tbody")).to_contain_text("E2EP002")


def test_household_list_sorts_and_jumps(e2e_regions, login, live_server):
    county = UserFactory(username="e2e_pages_s", region_id="640323", role=Role.APPROVER)
    for i in range(52):
        _household(county, f"E2ES{i:03d}", [f"户主{i}"])
    page = login(county)
    page.goto(f"{live_server.url}/households/")
    page.locator("th a.sort", has_text="户编号").click()
    expect(page.locator("th[aria-sort='ascending']")).to_contain_text("户编号")
    expect(page.locator("#results tbody tr").first).to_contain_text("E2ES000")
    page.locator("th a.sort", has_text="户编号").click()  # the other way
    expect(page.locator("th[aria-sort='descending']")).to_contain_text("户编号")
    expect(page.locator("#results tbody tr").first).to_contain_text("E2ES051")
    page.fill("#pager-page", "2")
    page.get_by_role("button", name="跳转").click()
    expect(page.locator("#results tbody tr")).to_have_count(2)
    expect(page.locator("#results tbody tr").first).to_contain_text("E2ES001")
    assert "sort=-number" in page.url and "page=2" in page.url
    expect(page.locator("#results")).to_contain_text("共 52 户，2 页")


def test_person_picker_refreshes_after_a_member_is_added(e2e_regions, login, live_server):
    village = UserFactory(username="e2e_pages_v", region_id=VILLAGE, role=Role.DATA_ENTRY)
    hh = _household(village, "E2EM001", ["赵一"])
    page = login(village)
    page.goto(f"{live_server.url}/households/{hh.pk}/")
    picker = page.locator("#id_person option")
    expect(picker).to_have_count(2)  # —— and 赵一
    page.locator("#sec-members summary").click()
    page.fill("#id_m-id_number", make_id(VILLAGE[:6], birth=dt.date(2001, 3, 4)))
    page.fill("#id_m-name", "赵二")
    page.select_option("#id_m-relation", "child")
    page.locator("#sec-members button[type=submit]").click()
    expect(page.locator("#flash")).to_contain_text("已添加成员 赵二")
    expect(picker).to_have_count(3)  # without reloading the page
    expect(page.locator("#id_person")).to_contain_text("赵二")
    expect(page.locator("#id_members")).to_have_value("2")
