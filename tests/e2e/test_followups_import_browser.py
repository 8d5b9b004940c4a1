"""In a real browser: the county health reviewer uploads the public-health system's follow-up
list, watches the check run as a background job, applies it, and finds the visit on the
patient's page (decision 53)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jkfp.accounts.models import Department, Role
from jkfp.contracts.models import FollowUp

from ..conftest import VILLAGE
from ..exchange.files import xlsx
from ..factories import ContractFactory, HouseholdFactory, TeamMemberFactory, UserFactory

pytestmark = pytest.mark.e2e
HEADER = ["序号", "患者姓名", "身份证号码", "管理疾病", "确诊日期", "建档日期", "随访日期",
          "随访方式", "收缩压", "舒张压", "空腹血糖", "此次随访分类", "下次随访日期", "随访医生",
          "随访机构"]


def test_upload_follow_ups_watch_the_check_apply_and_see_the_visit(
    e2e_regions, login, live_server, tmp_path, settings
):
    settings.JKFP_JOBS_INPROCESS = True  # the live server's process runs the jobs
    clerk = UserFactory(username="e2e_wj", region_id="640323", role=Role.REVIEWER,
                        department=Department.HEALTH, full_name="卫健审核员")
    patient = HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE).head
    patient.name = "白秀英"
    patient.save()
    visited = timezone.localdate() - dt.timedelta(days=1)
    team = TeamMemberFactory(name="马村医").team
    ContractFactory(person=patient, team=team, year=visited.year,
                    signed_on=dt.date(visited.year, 1, 1))
    nxt = visited + dt.timedelta(days=90)
    path = tmp_path / "随访记录.xlsx"
    path.write_bytes(xlsx(HEADER, [
        [1, "白秀英", patient.id_number, "高血压", "2019-04-01", "2019-04-10",
         visited.isoformat(), "家庭", 146, 92, None, "控制不满意", nxt.isoformat(), "马村医",
         "花马池镇卫生院"],
    ], title="盐池县基本公共卫生服务慢病随访记录"))
    page = login(clerk)
    page.goto(f"{live_server.url}/exchange/")
    page.select_option("#id_kind", "followups")
    page.set_input_files("#id_file", str(path))
    page.click("main form button[type=submit]")
    # the batch page shows the check's job while it runs, then its counts
    expect(page.locator("#batch-state")).to_be_visible()
    expect(page.locator("#count-created")).to_have_text("1", timeout=90_000)
    expect(page.locator("#batch-state")).to_have_text("已校验待导入")
    expect(page.locator("main")).to_contain_text("随访 " + visited.isoformat())
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=str(tmp_path / "followups-batch.png"), full_page=True)
    page.screenshot(path="/tmp/exhealth-followups-batch.png", full_page=True)
    page.click("#apply")
    expect(page.locator("main")).to_contain_text("100%", timeout=90_000)
    visit = FollowUp.objects.get()
    assert (visit.person_id, visit.systolic, visit.diastolic, visit.way) == (
        patient.pk, 146, 92, "home")
    page.goto(f"{live_server.url}/contracts/persons/{patient.pk}/")
    expect(page.locator("main")).to_contain_text(f"最近随访 {visited.isoformat()}")
    expect(page.locator("main")).to_contain_text(f"下次随访 {nxt.isoformat()}")
    page.screenshot(path="/tmp/exhealth-followups-person.png", full_page=True)
