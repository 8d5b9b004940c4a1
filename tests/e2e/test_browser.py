"""In a real browser: a township user finds a person by the last digits of the ID number and
opens the household; an admission goes from proposal to county decision across three users."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jkfp.accounts.models import Role
from jkfp.registry import idnumber, services

from ..admission.clock import days_pass
from ..conftest import OTHER_TOWNSHIP_VILLAGE, VILLAGE
from ..factories import UserFactory, make_id

pytestmark = pytest.mark.e2e


def _household(user, number, village, names):
    members = [services.MemberInput(id_number=make_id(village[:6]), name=n,
                                    relation="head" if i == 0 else "child")
               for i, n in enumerate(names)]
    return services.household_register(user=user, household_number=number,
                                       village_code=village, address="测试路1号",
                                       members=members)


def test_township_user_finds_a_person_by_id_tail_and_opens_the_household(e2e_regions, login,
                                                                        live_server):
    admin = UserFactory(username="e2e_admin", region_id="640323", role=Role.ADMIN)
    township = UserFactory(username="e2e_township", region_id="640323100", role=Role.REVIEWER)
    hh = _household(admin, "E2E0001", VILLAGE, ["马建国", "马小红"])
    outside = _household(admin, "E2E0002", OTHER_TOWNSHIP_VILLAGE, ["外乡人"])
    target = hh.members.get(name="马小红")
    tail = target.id_number[-6:]

    page = login(township)
    expect(page.locator(".who-meta")).to_contain_text("花马池镇")
    page.get_by_role("link", name="家庭户", exact=True).first.click()
    page.fill("#id_q", tail)  # search as you type (htmx): no submit
    row = page.locator("#results tbody tr", has_text="E2E0001")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("马小红")
    expect(row).to_contain_text(idnumber.mask(target.id_number))
    expect(page.locator("#results")).not_to_contain_text(target.id_number)
    assert re.search(r"[?&]q=" + tail, page.url)  # the search is in the address bar

    row.get_by_role("link", name="E2E0001").click()
    expect(page).to_have_url(f"{live_server.url}/households/{hh.pk}/")
    expect(page.locator("h1")).to_contain_text("E2E0001")
    members = page.locator("#sec-members tbody")
    expect(members).to_contain_text("马建国")
    expect(members).to_contain_text("马小红")
    expect(members).to_contain_text(idnumber.mask(target.id_number))
    expect(page.locator("main")).not_to_contain_text(target.id_number)

    # the person page, and the full number for a reviewer (logged)
    members.get_by_role("link", name="马小红").click()
    page.get_by_role("button", name="显示完整身份证号").click()
    expect(page.locator("#reveal-id_number")).to_have_text(target.id_number)
    from jkfp.accounts.models import PersonalDataAccess

    assert PersonalDataAccess.objects.filter(user=township, person=target).count() == 1

    # a household outside the township answers 404
    other = page.goto(f"{live_server.url}/households/{outside.pk}/")
    assert other.status == 404
    expect(page.locator("h1")).to_have_text("未找到")


def test_inline_edit_with_htmx_and_stale_conflict(e2e_regions, login, live_server, browser):
    village = UserFactory(username="e2e_village", region_id=VILLAGE, role=Role.DATA_ENTRY)
    hh = _household(village, "E2E0100", VILLAGE, ["牛大力"])
    a = login(village)
    b = login(village)
    for p in (a, b):
        p.goto(f"{live_server.url}/households/{hh.pk}/")
        p.locator("#sec-summary summary").click()
    a.fill("#sec-summary input[name=address]", "甲填写的地址")
    a.locator("#sec-summary button[type=submit]").click()
    expect(a.locator("#flash")).to_contain_text("住址已保存")
    expect(a.locator("#hh-history")).to_contain_text("甲填写的地址")  # swapped in by htmx
    b.fill("#sec-summary input[name=address]", "乙填写的地址")
    b.locator("#sec-summary button[type=submit]").click()
    expect(b.locator("#sec-summary .conflict")).to_contain_text("保存冲突")
    expect(b.locator("#sec-summary .conflict")).to_contain_text("甲填写的地址")
    expect(b.locator("#sec-summary input[name=address]")).to_have_value("乙填写的地址")


def test_admission_workflow_across_users(e2e_regions, login, live_server):
    village = UserFactory(username="e2e_v", region_id=VILLAGE, role=Role.DATA_ENTRY,
                          full_name="村录入员")
    township = UserFactory(username="e2e_t", region_id="640323100", role=Role.REVIEWER,
                           full_name="镇审核员")
    county = UserFactory(username="e2e_c", region_id="640323", role=Role.APPROVER,
                         full_name="县审批员")
    hh = _household(village, "E2E0200", VILLAGE, ["杨守业", "杨小花"])
    today = timezone.localdate()

    # village: propose an admission on the household page
    page = login(village)
    page.goto(f"{live_server.url}/households/{hh.pk}/")
    page.locator("#sec-requests summary").click()
    expect(page.locator("#sec-requests")).to_contain_text("监测满6个月")
    page.select_option("#id_action", "admit")
    page.select_option("#id_category", "sudden_hardship")
    page.select_option("#id_channel", "visit")
    page.fill("#id_reason", "户主突发重病，医疗支出大")
    page.fill("#id_home_visit_on", today.isoformat())
    page.fill("#id_consent_on", today.isoformat())
    page.locator("#sec-requests button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/requests/\d+/$"))
    cr_url = page.url
    expect(page.locator("#flash")).to_contain_text("申请已提出")
    # the county should decide within the procedure's 15 days (policies/procedure/)
    due = (today + dt.timedelta(days=15)).isoformat()
    expect(page.locator(".facts")).to_contain_text(f"审定期限{due}")
    expect(page.locator("#id_notice_days")).to_have_value("5")
    # … a notice cannot be backdated (decision 40) …
    page.fill("#id_notice_start", (today - dt.timedelta(days=6)).isoformat())
    page.get_by_role("button", name="发布公示").click()
    expect(page.locator("main")).to_contain_text("公示不能补记在过去")
    # … so it is posted today, and six days go by (its dates move back)
    page.fill("#id_notice_start", today.isoformat())
    page.get_by_role("button", name="发布公示").click()
    expect(page.locator(".notice-text")).to_contain_text("杨守业户拟纳入")
    days_pass(int(cr_url.rstrip("/").rsplit("/", 1)[1]), 6)

    # township: the request waits in the inbox; review
    page = login(township)
    page.get_by_role("link", name=re.compile("待办")).click()
    page.locator(f"a[href='{cr_url.removeprefix(live_server.url)}']").click()
    page.get_by_label("通过", exact=True).check()
    page.fill("#id_comment", "经核实属实")
    page.get_by_role("button", name="提交审核意见").click()
    expect(page.locator("h1 .wf")).to_contain_text("乡镇审核通过")

    # county: decide
    page = login(county)
    page.get_by_role("link", name=re.compile("待办")).click()
    page.locator(f"a[href='{cr_url.removeprefix(live_server.url)}']").click()
    page.get_by_label("通过", exact=True).check()
    page.get_by_role("button", name="提交审定结论").click()
    expect(page.locator("h1 .wf")).to_contain_text("县级审定通过")
    steps = page.locator("table", has_text="环节")
    for who in ("村录入员", "镇审核员", "县审批员"):
        expect(steps).to_contain_text(who)

    # the household now holds the category
    page.goto(f"{live_server.url}/households/{hh.pk}/")
    expect(page.locator("#sec-categories")).to_contain_text("突发严重困难户")
    expect(page.locator("#sec-categories")).to_contain_text("当前")
