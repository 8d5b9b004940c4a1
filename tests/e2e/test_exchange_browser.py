"""In a real browser: the county civil-affairs reviewer uploads a list as it came, settles a
doubtful pair (two namesakes born the same day in one village) and applies the list."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from jkfp.accounts.models import Department, Role
from jkfp.registry.idnumber import check_char
from jkfp.registry.models import CategoryPeriod

from ..conftest import VILLAGE
from ..exchange.files import xlsx
from ..factories import HouseholdFactory, PersonFactory, UserFactory, make_id

pytestmark = pytest.mark.e2e
BORN = dt.date(1966, 6, 6)


def test_upload_resolve_a_doubtful_pair_and_apply(
    e2e_regions, login, live_server, tmp_path, settings
):
    settings.JKFP_JOBS_INPROCESS = True  # the live server's process runs the apply, any database
    clerk = UserFactory(
        username="e2e_mz",
        region_id="640323",
        role=Role.REVIEWER,
        department=Department.CIVIL_AFFAIRS,
        full_name="民政审核员",
    )
    twins = [
        PersonFactory(
            household=HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE, with_head=False),
            name="马建华",
            id_number=make_id("640323", BORN, "M"),
        )
        for _ in range(2)
    ]
    sure = HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE).head
    # same county and birth date, a sequence neither twin has, a bad check character: only
    # name, birth date and village are left, and they fit both
    first17 = twins[1].id_number[:14] + "999"
    wrong = first17 + ("0" if check_char(first17) != "0" else "1")
    path = tmp_path / "低保名单.xlsx"
    path.write_bytes(
        xlsx(
            ["序号", "姓名", "身份证号码", "保障类别", "认定日期"],
            [
                [1, sure.name, sure.id_number, "低保", "2024-01-01"],
                [2, "马建华", wrong, "特困人员", "2024-02-01"],
            ],
        )
    )
    page = login(clerk)
    page.goto(f"{live_server.url}/exchange/")
    page.select_option("#id_kind", "civil_affairs")
    page.set_input_files("#id_file", str(path))
    page.click("main form button[type=submit]")
    # reading, checking and linking run in the request: give a loaded machine time
    expect(page.locator("#count-rows")).to_have_text("2", timeout=90_000)
    expect(page.locator("#count-created")).to_have_text("1")
    expect(page.locator("#count-doubtful")).to_have_text("1")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=str(tmp_path / "batch.png"), full_page=True)
    page.click(f"[data-link='5-{twins[1].pk}']")
    expect(page.locator("#count-doubtful")).to_have_text("0")
    expect(page.locator("#count-created")).to_have_text("2")
    expect(page.locator("#review")).to_contain_text("民政审核员")
    page.click("#apply")
    expect(page.locator("main")).to_contain_text("100%", timeout=90_000)
    page.goto(f"{live_server.url}/exchange/")
    page.click("main table a")
    expect(page.locator("#batch-state")).to_have_text("已导入")
    assert set(CategoryPeriod.objects.values_list("person_id", "category")) == {
        (sure.pk, "minimum_living"),
        (twins[1].pk, "extreme_poor"),
    }
