"""In a real browser: the county medical-insurance reviewer uploads the enrolment list, applies
it, and opens the list of the registered poor not enrolled this year from the exchange page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jkfp.accounts.models import Department, Role
from jkfp.exchange.models import Enrolment
from jkfp.registry.models import CategoryPeriod

from ..conftest import VILLAGE
from ..exchange.files import xlsx
from ..factories import HouseholdFactory, UserFactory

pytestmark = pytest.mark.e2e


def test_enrolment_upload_apply_and_not_enrolled(e2e_regions, login, live_server, tmp_path,
                                                  settings):
    settings.JKFP_JOBS_INPROCESS = True  # the live server's process runs the apply, any database
    clerk = UserFactory(
        username="e2e_yb",
        region_id="640323",
        role=Role.REVIEWER,
        department=Department.MEDICAL_INSURANCE,
        full_name="医保审核员",
    )
    year = timezone.localdate().year
    insured = HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE).head
    missing = HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE).head
    missing.name = "未参保人"
    missing.save()
    for p in (insured, missing):
        CategoryPeriod.objects.create(
            category="minimum_living",
            start_date=dt.date(year - 1, 1, 1),
            region_code=p.region_code,
            person=p,
        )
    path = tmp_path / "参保名单.xlsx"
    path.write_bytes(
        xlsx(
            ["序号", "姓名", "身份证号码", "参保年度", "参保状态", "资助类别", "资助金额"],
            [[1, insured.name, insured.id_number, year, "参保", "低保对象", "380"]],
            title="城乡居民医保参保名单",
        )
    )
    page = login(clerk)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/exchange/")
    page.select_option("#id_kind", "enrolment")
    page.set_input_files("#id_file", str(path))
    page.click("main form button[type=submit]")
    expect(page.locator("#count-rows")).to_have_text("1", timeout=90_000)
    expect(page.locator("#count-created")).to_have_text("1")
    page.click("#apply")
    expect(page.locator("main")).to_contain_text("100%", timeout=90_000)
    assert Enrolment.objects.get().subsidy_fen == 38000
    page.goto(f"{live_server.url}/exchange/")
    page.click("a[href='/exchange/not-enrolled/']")
    expect(page.locator("main table")).to_contain_text("未参保人")
    expect(page.locator("main table")).not_to_contain_text(insured.name)
    page.screenshot(path=str(tmp_path / "not-enrolled.png"), full_page=True)
    with page.expect_download() as download:
        page.click("a[href*='not-enrolled.xlsx']")
    assert download.value.suggested_filename == f"not-enrolled-{year}.xlsx"
