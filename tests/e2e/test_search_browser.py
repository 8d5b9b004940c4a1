"""In a real browser: a search by a full ID number leaves no number in the address bar — the
page sends it by POST and shows a keyed hash (decision 39); a reload finds it again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from jkfp.accounts.models import Role
from jkfp.registry import idnumber, services

from ..conftest import VILLAGE
from ..factories import UserFactory, make_id

pytestmark = pytest.mark.e2e


def test_a_full_number_search_keeps_the_number_out_of_the_url(e2e_regions, login, live_server):
    admin = UserFactory(username="e2e_admin", region_id="640323", role=Role.ADMIN)
    township = UserFactory(username="e2e_searcher", region_id="640323100", role=Role.READONLY)
    number = make_id("640323")
    services.household_register(
        user=admin,
        household_number="E2E0301",
        village_code=VILLAGE,
        address="测试路3号",
        members=[services.MemberInput(id_number=number, name="马全号", relation="head")],
    )

    page = login(township)
    page.goto(f"{live_server.url}/households/")
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.fill("#id_q", number)  # typed as a whole (pasted): the search runs as you type
    row = page.locator("#results tbody tr", has_text="E2E0301")
    expect(row).to_contain_text(idnumber.mask(number))
    expect(page).to_have_url(re.compile(r"qk=[0-9a-f]{24}"))
    assert number not in page.url
    assert not [u for u in requests if number in u or number[:10] in u]  # not in any URL
    page.reload()  # the key names the search in this session
    expect(page.locator("#results tbody tr", has_text="E2E0301")).to_have_count(1)
    expect(page.locator("#results")).not_to_contain_text(number)
