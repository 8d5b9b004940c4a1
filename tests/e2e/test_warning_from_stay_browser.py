"""In a real browser, from a settled stay to a warning and its end (issue 11, Tests): an
insurance clerk settles a lifted-out patient's stay that takes the year's personal expense over
the return-to-poverty line (50% of the province's rural income of the year before); the
incremental check after the commit finds the warning, the scheduled push sends it to the
township, and the township cadre sees it in the worklist, records the home visit, confirms it
and opens an admission request to monitoring from it."""

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
from jkfp.settlement.models import ExternalSettlement, Statement

from ..conftest import VILLAGE
from ..factories import UserFactory, make_id

pytestmark = pytest.mark.e2e
LINE_FEN = 17772_00 // 2  # 50% of 宁夏's example income of 2023 (the latest in incomes.yaml)


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def test_a_settled_stay_becomes_a_warning_verified_confirmed_and_an_admission(
        e2e_regions, login, live_server):
    cadre = UserFactory(username="e2e_cadre_s", region_id="640323100", role=Role.DATA_ENTRY,
                        department=Department.RURAL_REVITALISATION, first_name="王干部")
    insurer = UserFactory(username="e2e_yb_w", region_id="640323", role=Role.DATA_ENTRY,
                          department=Department.MEDICAL_INSURANCE)
    hh = services.household_register(
        user=cadre, household_number="E2E-WS-1", village_code=VILLAGE, address="二组",
        members=[services.MemberInput(id_number=make_id("640323"), name="马成林",
                                      relation="head")])
    services.category_period_add(user=cadre, category="lifted_out", household=hh,
                                 start_date=dt.date(2021, 1, 1), exit_year=2020)
    hh.refresh_from_db()
    today = timezone.localdate()
    jan1 = dt.date(today.year, 1, 1)
    # an outpatient visit settled on the platform this year: under the line alone
    ExternalSettlement.objects.create(
        person=hh.head, region_code=hh.region_code, county_code="640323", visit_type="outpatient",
        admission_date=jan1, discharge_date=jan1, total_fen=600_000, personal_fen=300_000)
    assert not RiskWarning.objects.filter(rule_id="medical_cost_return").exists()

    page = login(insurer)
    page.goto(f"{live_server.url}/persons/{hh.head_id}/stays/new/")
    page.fill("#id_hospital_name", "宁夏医科大学总医院")
    page.select_option("#id_hospital_grade", "3")
    page.select_option("#id_location", "province")
    page.fill("#id_admission_date", max(jan1, today - dt.timedelta(days=7)).isoformat())
    page.fill("#id_discharge_date", today.isoformat())
    page.fill("#id_total_cost", "30000")
    page.fill("#id_in_policy_cost", "18000")
    page.click("#settle-submit")
    expect(page.locator("h1")).to_contain_text("一单制")
    statement = Statement.objects.get(person=hh.head, status="current")
    total = 300_000 + statement.self_pay_fen
    assert total > LINE_FEN  # this stay took the year over the line

    # the incremental check ran after the settlement's commit
    w = RiskWarning.objects.get(rule_id="medical_cost_return", person=hh.head)
    assert (w.status, w.amount_fen, w.threshold_fen, w.found_on) == ("found", total, LINE_FEN,
                                                                       today)
    # the scheduled scan's push sends what was found to the township and the departments
    monitoring_services.push_found(user_or_none=None, region_code="640323", on_date=today)

    page = login(cadre)
    page.locator("nav.nav a", has_text="监测预警").click()
    expect(page.locator("#to-verify")).to_contain_text("马成林")
    page.locator("#to-verify a", has_text=f"#{w.pk}").click()
    expect(page.locator("#warning-status")).to_have_text("已推送")
    expect(page.locator("#warning-amount")).to_have_text(_yuan(total))
    expect(page.locator("#evidence")).to_contain_text(_yuan(LINE_FEN))  # the threshold
    expect(page.locator("#evidence")).to_contain_text("17772")  # the income base
    items = page.locator(".evidence-items").first  # the visit and the stay that added up
    expect(items).to_contain_text(_yuan(statement.self_pay_fen))
    expect(items).to_contain_text("本系统结算单")
    expect(items).to_contain_text("3,000.00")

    visit = page.locator("#step-verify")
    visit.locator("[name=visited_on]").fill(today.isoformat())
    visit.locator("[name=findings]").fill("住院自付较高，家中主要劳动力患病")
    visit.locator("button[type=submit]").click()
    expect(page.locator("#flash")).to_contain_text("已办理")
    expect(page.locator("#warning-status")).to_have_text("已入户核实")

    page.locator("#step-confirm [name=reason]").fill("入户核实属实")
    page.locator("#step-confirm button[type=submit]").click()
    expect(page.locator("#warning-status")).to_have_text("已确认")

    act = page.locator("#step-act")
    act.locator("[name=action_kind]").select_option("admission")
    act.locator("[name=category]").select_option("unstable_lifted")
    act.locator("[name=consent_on]").fill(today.isoformat())
    act.locator("button[type=submit]").click()
    expect(page.locator("#warning-status")).to_have_text("已处置")

    w.refresh_from_db()
    cr = ChangeRequest.objects.get(pk=w.change_request_id)
    assert (cr.channel, cr.category, cr.household_id) == ("department", "unstable_lifted", hh.pk)
    assert [s.step for s in w.steps.order_by("id")] == ["found", "push", "verify", "confirm",
                                                          "act"]
    page.locator("#action a").click()
    expect(page.locator("h1")).to_contain_text(str(cr.pk))
