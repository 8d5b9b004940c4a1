"""In a real browser: a county administrator creates an account in the app's own pages, its
owner logs in with the initial password and must set their own; the administrator then
deactivates it and the account cannot log in any more."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from jkfp.accounts.models import Role, User

from ..conftest import VILLAGE
from ..factories import UserFactory

pytestmark = pytest.mark.e2e


def test_county_admin_creates_and_deactivates_an_account(
    e2e_regions, login, live_server, browser, tmp_path
):
    admin = UserFactory(
        username="e2e_admin", region_id="640323", role=Role.ADMIN, full_name="县管理员"
    )
    page = login(admin)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("link", name="用户管理").click()
    expect(page.locator("h1")).to_contain_text("用户管理")
    page.get_by_role("link", name="新建用户").click()
    page.fill("#id_username", "e2e_clerk")
    page.fill("#id_full_name", "新村录入员")
    page.select_option("#id_region", VILLAGE)
    page.select_option("#id_role", Role.DATA_ENTRY)
    page.get_by_role("button", name="创建").click()
    expect(page.locator("h1")).to_contain_text("用户已创建")
    password = page.locator("#password").inner_text().strip()
    assert len(password) >= 10
    page.screenshot(path=str(tmp_path / "user-created.png"))

    # the owner logs in with it and is sent to set their own password first
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    owner = ctx.new_page()
    owner.goto(live_server.url + "/login/")
    owner.fill("#id_username", "e2e_clerk")
    owner.fill("#id_password", password)
    owner.click("main button[type=submit]")
    expect(owner).to_have_url(re.compile(r"/password/$"))
    owner.goto(live_server.url + "/households/")
    expect(owner).to_have_url(re.compile(r"/password/$"))  # nowhere else until it is set
    ctx.close()

    # the administrator deactivates it; the history names who did what
    page.get_by_role("link", name="返回用户信息").click()
    page.locator("#deactivate").click()
    expect(page.locator("#user-state")).to_contain_text("已停用")
    expect(page.locator("#user-history")).to_contain_text("停用账号")
    expect(page.locator("#user-history")).to_contain_text("县管理员")
    page.screenshot(path=str(tmp_path / "user-detail.png"), full_page=True)
    assert not User.objects.get(username="e2e_clerk").is_active

    ctx = browser.new_context(locale="zh-CN")
    again = ctx.new_page()
    again.goto(live_server.url + "/login/")
    again.fill("#id_username", "e2e_clerk")
    again.fill("#id_password", password)
    again.click("main button[type=submit]")
    expect(again).to_have_url(re.compile(r"/login/"))
    ctx.close()
