"""In a real browser: a township reviewer records the head's death, makes the widow the head
(re-stating the late head's relation), then splits the son off into a new household that takes
the village's next number."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jkfp.accounts.models import Role
from jkfp.registry import services
from jkfp.registry.models import Household, Person

from ..conftest import VILLAGE
from ..factories import UserFactory, make_id

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("JKFP_SCREENSHOTS", "")  # a folder: screenshots at 1366 px for review


def _shot(page, name: str) -> None:
    if SHOTS:
        page.set_viewport_size({"width": 1366, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_head_change_after_a_death_then_split(e2e_regions, login, live_server):
    reviewer = UserFactory(username="e2e_household", region_id="640323100", role=Role.REVIEWER)
    hh = services.household_register(
        user=reviewer,
        household_number="",
        village_code=VILLAGE,
        address="三组",
        members=[
            services.MemberInput(
                id_number=make_id("640323", dt.date(1950, 2, 3)), name="马老汉", relation="head"
            ),
            services.MemberInput(
                id_number=make_id("640323", dt.date(1952, 4, 5), sex="F"),
                name="李桂花",
                relation="spouse",
            ),
            services.MemberInput(
                id_number=make_id("640323", dt.date(1980, 6, 7)), name="马建国", relation="child"
            ),
        ],
    )
    assert hh.household_number == f"{VILLAGE}00001"  # numbered by the village's rule
    head = hh.head
    widow = Person.objects.get(household=hh, name="李桂花")
    son = Person.objects.get(household=hh, name="马建国")
    page = login(reviewer)

    # the head's death, on his page
    page.goto(f"{live_server.url}/persons/{head.pk}/")
    page.locator("summary", has_text="登记死亡").click()
    death = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    page.fill("#sec-edit input[name=death_date]", death)
    page.locator("#sec-edit button", has_text="登记死亡").click()
    expect(page.locator("#sec-identity")).to_contain_text("已故")

    # the household page counts the living and lists the deceased apart
    page.goto(f"{live_server.url}/households/{hh.pk}/")
    expect(page.locator("#member-count")).to_have_text("2 人")
    expect(page.locator("#deceased-title")).to_contain_text("已故成员")
    page.click("#household-changes")

    # the widow becomes the head; the late head's relation is re-stated
    page.select_option("#id_new_head", str(widow.pk))
    page.select_option("#id_reason", "death")
    page.fill("#id_note", "户主病故")
    page.locator("#form-head button[type=submit]").click()
    expect(page.locator(".error-summary")).to_contain_text("马老汉")  # his relation is missing
    page.select_option(f"#id_rel_{head.pk}", "spouse")
    page.select_option(f"#id_rel_{son.pk}", "child")
    _shot(page, "household-changes-head")
    page.locator("#form-head button[type=submit]").click()
    expect(page.locator("h1 small")).to_contain_text("李桂花")
    expect(page.locator("#hh-history")).to_contain_text("变更户主（原户主死亡）：户主病故")

    # the son forms a household of his own
    page.click("#household-changes")
    page.select_option(f"#id_split_{son.pk}", "head")
    page.fill("#sec-split input[name=reason]", "成家立户")
    page.fill("#sec-split input[name=address]", "三组新宅")
    _shot(page, "household-changes-split")
    page.locator("#form-split button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text(f"{VILLAGE}00002")
    expect(page.locator("#member-count")).to_have_text("1 人")
    new = Household.objects.get(household_number=f"{VILLAGE}00002")
    assert new.head_id == son.pk and new.address == "三组新宅"
    assert Household.objects.get(pk=hh.pk).head_id == widow.pk
    assert set(Person.objects.filter(household=hh).values_list("name", flat=True)) == {
        "马老汉",
        "李桂花",
    }
