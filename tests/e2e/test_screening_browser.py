"""In a real browser: a county health user records a positive 两癌 result, refers and confirms
it, opens a special-treatment case from it, and sees it leave the worklist of positives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jkfp.accounts.models import Role
from jkfp.registry.models import CategoryPeriod
from jkfp.screening import services
from jkfp.screening.models import ScreeningResult

from ..conftest import VILLAGE
from ..factories import HouseholdFactory, PersonFactory, UserFactory, make_id

pytestmark = pytest.mark.e2e


def test_county_user_follows_a_positive_screening_to_a_special_case(e2e_regions, login,
                                                                   live_server):
    today = timezone.localdate()
    county = UserFactory(username="e2e_county_health", region_id="640323", role=Role.APPROVER)
    hh = HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE)
    woman = PersonFactory(household=hh, name="马秀兰",
                          id_number=make_id("640323", birth=dt.date(1975, 4, 2), sex="F"))
    CategoryPeriod.objects.create(household=hh, category="lifted_out", region_code=VILLAGE,
                                  start_date=dt.date(2019, 1, 1), exit_year=2019)
    campaign = services.campaign_create(user=county, name="两癌筛查（浏览器测试）",
                                        kind="two_cancers", region_code="640323",
                                        start_on=today - dt.timedelta(days=30),
                                        end_on=today + dt.timedelta(days=60))

    page = login(county)
    page.get_by_role("link", name="疾病筛查", exact=True).click()
    page.get_by_role("link", name=campaign.name).click()
    page.get_by_role("link", name="目标人群与结果登记").click()
    row = page.locator("#targets tbody tr", has_text="马秀兰")
    expect(row).to_contain_text("未筛查")
    row.get_by_role("link", name="登记结果").click()
    page.get_by_label("阳性").check()
    page.fill("#id_finding", "右乳外上象限肿块，BI-RADS 4类")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("#stage")).to_have_text("待处理")
    result = ScreeningResult.objects.get(person=woman)

    # on the worklist, waiting for a referral
    page.goto(live_server.url + "/screening/worklist/")
    expect(page.locator("#worklist")).to_contain_text("马秀兰")
    expect(page.locator("#worklist")).to_contain_text("待转诊")
    page.get_by_role("link", name="马秀兰").click()

    page.fill("#id_refer-referred_to", "盐池县人民医院")
    page.locator("#step-refer").get_by_role("button", name="转诊").click()
    expect(page.locator("#stage")).to_have_text("已转诊")
    page.fill("#id_confirm-icd10", "c50.4")
    page.locator("#step-confirm").get_by_role("button", name="确诊").click()
    expect(page.locator("#stage")).to_have_text("已确诊")
    page.goto(live_server.url + "/screening/worklist/")
    expect(page.locator("#worklist")).to_contain_text("待纳入大病救治或慢病管理")
    page.get_by_role("link", name="马秀兰").click()

    page.fill("#id_open_case-hospital_name", "宁夏医科大学总医院")
    page.locator("#step-open_case").get_by_role("button", name="纳入大病专项救治").click()
    expect(page.locator("#stage")).to_have_text("已纳入大病救治")
    result.refresh_from_db()
    assert result.stage == "case_opened" and result.health_ref.startswith("case:")
    expect(page.locator("#health-ref")).to_have_text(result.health_ref)
    from jkfp.health.models import SpecialCase

    case = SpecialCase.objects.get(pk=int(result.health_ref.split(":")[1]))
    assert (case.found_via, case.source_ref, case.icd10) == (
        "screening", f"screening:{result.pk}", "C50.4")

    page.goto(live_server.url + "/screening/worklist/")
    expect(page.locator("main")).to_contain_text("没有待跟进的阳性或可疑结果")
