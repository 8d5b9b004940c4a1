"""In a real browser: a township user exports the persons of a search to Excel."""

from __future__ import annotations

import os
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from jkfp.accounts.models import Role
from jkfp.registry import export, idnumber, services

from ..conftest import VILLAGE
from ..factories import UserFactory, make_id

pytestmark = pytest.mark.e2e


def test_township_user_exports_the_search_to_excel(e2e_regions, login, live_server, tmp_path):
    township = UserFactory(username="e2e_exporter", region_id="640323100", role=Role.REVIEWER)
    hh = services.household_register(
        user=township, household_number="E2E-EX-1", village_code=VILLAGE, address="二组",
        members=[services.MemberInput(id_number=make_id("640323"), name="白玉兰",
                                      relation="head")])
    page = login(township)
    page.goto(f"{live_server.url}/households/?q=E2E-EX")
    button = page.locator("#export-xlsx")
    label = button.inner_text()
    with page.expect_download() as info:
        button.click()
        # while the workbook is prepared the button says so (and refuses a second click)
        assert button.get_attribute("aria-busy") == "true"
        assert button.inner_text() == "正在生成…"
    path = tmp_path / "export.xlsx"
    info.value.save_as(path)
    # the response's cookie tells the page the file has come: the button is itself again
    # (an expect, not wait_for_function: the page's content-security policy forbids eval)
    expect(page.locator("#export-xlsx")).not_to_have_attribute("aria-busy", "true")
    assert button.inner_text() == label
    rows = list(openpyxl.load_workbook(path).active.iter_rows(
        min_row=export.HEADER_ROWS + 2, values_only=True))
    assert [(r[0], r[1], r[4], r[5]) for r in rows] == [
        ("E2E-EX-1", "盐池县", "白玉兰", idnumber.mask(hh.head.id_number))]


def test_a_long_list_is_exported_by_a_background_job(e2e_regions, login, live_server, tmp_path,
                                                     settings, monkeypatch):
    """Above the count's cap the export link becomes a button for a job: its page shows the
    progress, then the file to download (issue 8, decision 105)."""
    from jkfp.registry import search_views

    settings.JKFP_JOBS_INPROCESS = True  # the live server's process runs the job
    settings.JKFP_JOBS_PROGRESS_SECONDS = 0
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(search_views, "capped_count", lambda qs: (10_000, True))
    township = UserFactory(username="e2e_exporter_job", region_id="640323100",
                           role=Role.REVIEWER)
    for i in range(3):
        services.household_register(
            user=township, household_number=f"E2E-JOB-{i}", village_code=VILLAGE,
            address="三组", members=[services.MemberInput(id_number=make_id("640323"),
                                                       name=f"马{i}", relation="head")])
    page = login(township)
    page.goto(f"{live_server.url}/households/?q=E2E-JOB")
    button = page.locator("form#export-xlsx button")
    expect(button).to_have_text("后台导出人员名单（Excel）")   # (swapped in by the count)
    expect(page.locator(".count-note")).to_contain_text("共超过")
    button.click()
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator("h1")).to_contain_text("成员名单导出")
    expect(page.locator("#job-status")).to_have_attribute("data-state", "done", timeout=20_000)
    expect(page.locator("#job-status .job-message")).to_contain_text("导出完成，共 3 人")
    if os.environ.get("JKFP_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["JKFP_SCREENSHOTS"], "export-job.png"),
                        full_page=True)
    with page.expect_download() as info:
        page.locator("#job-result").click()
    path = tmp_path / "export.xlsx"
    info.value.save_as(path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(
        min_row=export.HEADER_ROWS + 2, values_only=True))
    assert sorted(r[0] for r in rows) == ["E2E-JOB-0", "E2E-JOB-1", "E2E-JOB-2"]
