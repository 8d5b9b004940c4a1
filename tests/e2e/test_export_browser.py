"""In a real browser: a township user exports the persons of a search to Excel."""

from __future__ import annotations

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
