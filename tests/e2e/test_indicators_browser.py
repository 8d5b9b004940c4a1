"""In a real browser: a city leader opens the indicator dashboard, clicks down from the city
to the county, the township and the village, and opens the list of persons behind a number."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from jkfp.accounts.models import Role
from jkfp.exchange.models import Batch
from jkfp.indicators.services import indicators_rebuild

from ..conftest import VILLAGE
from ..factories import HouseholdFactory, UserFactory
from ..indicators.conftest import insure, period

pytestmark = pytest.mark.e2e


def test_city_dashboard_down_to_the_village_and_its_persons(e2e_regions, login, live_server,
                                                            tmp_path):
    leader = UserFactory(username="e2e_city", region_id="6403", role=Role.REVIEWER,
                         full_name="市级负责人")
    batch = Batch.objects.create(kind="enrolment", file_name="e.xlsx", file_sha256="0" * 64,
                                 region_code="6403", created_by=leader)
    insured = HouseholdFactory(village_id=VILLAGE).head
    missing = HouseholdFactory(village_id=VILLAGE).head
    missing.name = "未参保人"
    missing.save()
    for p in (insured, missing):
        period(person=p)
    insure(insured, batch)
    indicators_rebuild(years=[2025], today=dt.date(2026, 3, 1))

    page = login(leader)
    logs = []
    page.on("console", lambda m: logs.append(m.text))
    page.on("pageerror", lambda e: logs.append(str(e)))
    page.click("nav >> text=指标看板")
    page.wait_for_url("**/indicators/6403/**")
    page.goto(live_server.url + "/indicators/6403/?period=2025")
    row = page.locator("tr[data-indicator=insurance_coverage_poor]")
    expect(row).to_have_class("ind-short ind-chosen")
    expect(row).to_contain_text("50.00%")
    expect(page.locator("#ind-bars svg")).to_be_visible()
    assert logs == []
    page.screenshot(path=str(tmp_path / "city.png"), full_page=True)
    page.click(".ind-ranking a >> nth=0")            # the county
    page.wait_for_url("**/indicators/640323/**")
    page.click(".ind-ranking a >> nth=0")            # the township
    page.wait_for_url("**/indicators/640323100/**")
    page.click(".ind-ranking >> text=测试村花一")       # the village
    page.wait_for_url(f"**/indicators/{VILLAGE}/**")
    expect(page.locator("h1")).to_contain_text("测试村花一")
    page.click("text=测试村花一未计入分子的人员")
    expect(page.locator(".ind-persons")).to_contain_text("未参保人")
    expect(page.locator(".ind-persons")).not_to_contain_text(insured.name)
    page.screenshot(path="/tmp/ind_persons.png", full_page=True)
    import shutil
    shutil.copy(tmp_path / "city.png", "/tmp/ind_city.png")


def test_the_monthly_report_shows_the_figures_table(e2e_regions, login, live_server, tmp_path):
    """From the county's dashboard to its printable monthly report: every figure shown equals
    the figures table (numerator, denominator and the value computed from them)."""
    from jkfp.indicators import definitions
    from jkfp.indicators.models import Figure

    leader = UserFactory(username="e2e_county", region_id="640323", role=Role.REVIEWER)
    batch = Batch.objects.create(kind="enrolment", file_name="e.xlsx", file_sha256="0" * 64,
                                 region_code="640323", created_by=leader)
    people = [HouseholdFactory(village_id=VILLAGE).head for _ in range(3)]
    for p in people:
        period(person=p)
    insure(people[0], batch)
    indicators_rebuild(years=[2025], today=dt.date(2026, 3, 1))

    page = login(leader)
    logs = []
    page.on("console", lambda m: logs.append(m.text))
    page.on("pageerror", lambda e: logs.append(str(e)))
    page.goto(live_server.url + "/indicators/640323/?period=2025-07")
    page.click("#ind-report")
    page.wait_for_url("**/indicators/640323/report/?period=2025-07")
    expect(page.locator("h1")).to_contain_text("月报（2025年7月）")
    rows = page.locator("tr[data-indicator]")
    shown = {rows.nth(i).get_attribute("data-indicator"): (
        rows.nth(i).locator("[data-cell=fraction]").inner_text(),
        rows.nth(i).locator("[data-cell=value]").inner_text()) for i in range(rows.count())}
    defs = definitions.current().indicators
    table = Figure.objects.filter(region_code="640323", period="2025-07")
    # every indicator of the definitions is a row; those the computation found nobody for
    # (no figure stored) read 0 of 0
    assert set(shown) == set(defs)
    stored = set(table.values_list("indicator", flat=True))
    for i in set(defs) - stored:
        zero = "0.00 / 0.00元" if defs[i].in_fen else "0 / 0"
        assert shown[i] == (zero, "0" if defs[i].unit == "count" else "—"), i
    for f in table:
        ind = defs[f.indicator]
        v = ind.value(f.numerator, f.denominator)
        text = "—" if v is None else f"{v:.0f}" if ind.unit == "count" else f"{v:.2f}%"
        # amounts (fen) in yuan, counts grouped by thousands
        fraction = (f"{f.numerator // 100:,}.{f.numerator % 100:02d} / "
                    f"{f.denominator // 100:,}.{f.denominator % 100:02d}元" if ind.in_fen
                    else f"{f.numerator:,} / {f.denominator:,}")
        assert shown[f.indicator] == (fraction, text), f.indicator
    assert shown["insurance_coverage_poor"] == ("1 / 3", "33.33%")
    expect(page.locator(".ind-report-short")).to_contain_text("最低为花马池镇（33.33%）")
    page.emulate_media(media="print")
    expect(page.locator("#ind-print")).to_be_hidden()
    assert logs == []
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
