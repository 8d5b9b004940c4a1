"""In a real browser: a township cadre opens a pushed warning from the worklist, reads its
evidence, records the home visit, confirms it and opens an admission request to monitoring from
it (the warning is made by the workflow's test factory; test_warning_from_stay_browser.py starts
the same way from a stay settled in the browser)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jkfp.accounts.models import Department, Role
from jkfp.admission.models import ChangeRequest
from jkfp.monitoring import services as monitoring_services
from jkfp.monitoring.models import RiskWarning
from jkfp.registry import services

from ..conftest import VILLAGE
from ..factories import UserFactory, make_id
from ..monitoring.factories import make_warning

pytestmark = pytest.mark.e2e


def test_township_cadre_verifies_confirms_and_opens_an_admission(e2e_regions, login,
                                                                  live_server):
    cadre = UserFactory(username="e2e_cadre", region_id="640323100", role=Role.DATA_ENTRY,
                        department=Department.RURAL_REVITALISATION, first_name="王干部")
    hh = services.household_register(
        user=cadre, household_number="E2E-W-1", village_code=VILLAGE, address="三组",
        members=[services.MemberInput(id_number=make_id("640323"), name="李桂花",
                                      relation="head")])
    services.category_period_add(user=cadre, category="lifted_out", household=hh,
                                 start_date=dt.date(2021, 1, 1), exit_year=2020)
    hh.refresh_from_db()
    w = make_warning(hh)
    monitoring_services.push_found(user_or_none=None, region_code="640323",
                                   on_date=timezone.localdate())
    today = timezone.localdate().isoformat()

    page = login(cadre)
    page.locator("nav.nav a", has_text="监测预警").click()
    expect(page.locator("#to-verify")).to_contain_text("李桂花")
    page.locator("#to-verify a", has_text=f"#{w.pk}").click()
    expect(page.locator("#warning-status")).to_have_text("已推送")
    expect(page.locator("#evidence")).to_contain_text("34,567.89")
    expect(page.locator(".evidence-items")).to_contain_text("宁夏医科大学总医院")

    visit = page.locator("#step-verify")
    visit.locator("[name=visited_on]").fill(today)
    visit.locator("[name=findings]").fill("两次住院自付较高，家中主要劳动力患病")
    visit.locator("button[type=submit]").click()
    expect(page.locator("#flash")).to_contain_text("已办理")
    expect(page.locator("#warning-status")).to_have_text("已入户核实")

    page.locator("#step-confirm [name=reason]").fill("入户核实属实")
    page.locator("#step-confirm button[type=submit]").click()
    expect(page.locator("#warning-status")).to_have_text("已确认")

    act = page.locator("#step-act")
    act.locator("[name=action_kind]").select_option("admission")
    act.locator("[name=category]").select_option("marginal")
    act.locator("[name=consent_on]").fill(today)
    act.locator("button[type=submit]").click()
    expect(page.locator("#warning-status")).to_have_text("已处置")
    page.screenshot(path="/tmp/warnflow-warning.png", full_page=True)
    expect(page.locator("#warning-steps tbody tr")).to_have_count(5)

    w = RiskWarning.objects.get(pk=w.pk)
    cr = ChangeRequest.objects.get(pk=w.change_request_id)
    assert (cr.channel, cr.category, cr.household_id) == ("department", "marginal", hh.pk)
    page.locator("#action a").click()
    expect(page.locator("h1")).to_contain_text(str(cr.pk))
