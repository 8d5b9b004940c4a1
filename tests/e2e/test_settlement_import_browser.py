"""In a real browser: the county medical-insurance reviewer uploads the platform's settlement
records, applies them, and opens the difference report against jkfp's own statement; then the
monitored persons with a high self-pay."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from jkfp.accounts.models import Department, Role
from jkfp.registry.models import CategoryPeriod
from jkfp.settlement import services as settlement_services
from jkfp.settlement.models import ExternalSettlement

from ..conftest import VILLAGE
from ..exchange.files import xlsx
from ..exchange.test_settlements import HEADER, TITLE, row
from ..factories import HouseholdFactory, UserFactory

pytestmark = pytest.mark.e2e


def test_settlement_upload_apply_and_difference_report(e2e_regions, login, live_server,
                                                        tmp_path, settings):
    settings.JKFP_JOBS_INPROCESS = True  # the live server's process runs the apply
    clerk = UserFactory(username="e2e_ybs", region_id="640323", role=Role.REVIEWER,
                        department=Department.MEDICAL_INSURANCE, full_name="医保审核员")
    entry = UserFactory(username="e2e_ybe", region_id="640323", role=Role.DATA_ENTRY,
                        department=Department.MEDICAL_INSURANCE)
    person = HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE).head
    person.name = "张差异"
    person.save()
    CategoryPeriod.objects.create(category="marginal", start_date=dt.date(2024, 1, 1),
                                  region_code=person.region_code, person=person)
    st = settlement_services.stay_settle(
        user=entry, person=person, hospital_name="盐池县人民医院", hospital_grade=2,
        location="county", referred=False, admission_date=dt.date(2025, 3, 1),
        discharge_date=dt.date(2025, 3, 10), total_cost="10000", in_policy_cost="9000")
    basic = st.fund_amounts.get("basic_insurance", 0) + 10000  # the platform paid 100 more
    critical = st.fund_amounts.get("critical_illness_insurance", 0)
    assistance = st.fund_amounts.get("medical_assistance", 0)
    others = sum(v for k, v in st.fund_amounts.items()
                 if k not in ("basic_insurance", "critical_illness_insurance", "medical_assistance"))
    fund = basic + critical + assistance + others
    personal = 1000000 - fund

    def y(fen):
        return f"{fen // 100}.{fen % 100:02d}"

    record = row(person, "E2E1", basic=y(basic), critical=y(critical),
                 assistance=y(assistance), other=y(others),
                 fund_total=y(fund), personal=y(personal), cash=y(personal))
    path = tmp_path / "结算清单.xlsx"
    path.write_bytes(xlsx(HEADER, [record], title=TITLE))
    page = login(clerk)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/exchange/")
    page.select_option("#id_kind", "insurance_settlements")
    page.set_input_files("#id_file", str(path))
    page.click("main form button[type=submit]")
    expect(page.locator("#count-rows")).to_have_text("1", timeout=90_000)
    expect(page.locator("#count-created")).to_have_text("1")
    page.click("#apply")
    expect(page.locator("main")).to_contain_text("100%", timeout=90_000)
    assert ExternalSettlement.objects.get().stay_id == st.stay_id

    page.goto(f"{live_server.url}/settlement/differences/?year=2025")
    totals = page.locator("#totals-table")
    expect(totals.locator("[data-diff=basic]")).to_have_text("+100.00")
    expect(totals.locator("[data-diff=personal]")).to_have_text("−100.00")
    expect(page.locator("#differences-table")).to_contain_text("张差异")
    page.screenshot(path=str(tmp_path / "differences.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#differences-export")
    assert download.value.suggested_filename.endswith(".xlsx")

    page.goto(f"{live_server.url}/exchange/")
    page.click("#high-self-pay-link")
    page.fill("#year", "2025")
    page.fill("#threshold", "100")
    page.click("#high-self-pay-form button[type=submit]")
    expect(page.locator("#high-self-pay-table")).to_contain_text("张差异")
    page.screenshot(path=str(tmp_path / "high-self-pay.png"), full_page=True)
