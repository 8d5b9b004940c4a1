"""In a real browser: a medical-insurance clerk settles a poor patient's stay and prints the
bill; a stay entered late re-settles the later one, whose page shows the superseded statement
and the difference per tier; the bill prints on one A4 page."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from playwright.sync_api import expect

from jkfp.accounts.models import Department, Role
from jkfp.registry import services
from jkfp.settlement import services as settlement

from ..conftest import VILLAGE
from ..factories import UserFactory, make_id

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("JKFP_E2E_SHOTS")  # a folder for screenshots and the PDF, if set


def _poor_patient(name: str, number: str):
    user = UserFactory(username=f"e2e_village_{number}", region_id=VILLAGE, role=Role.DATA_ENTRY)
    hh = services.household_register(
        user=user,
        household_number=number,
        village_code=VILLAGE,
        address="一组",
        members=[services.MemberInput(id_number=make_id("640323"), name=name, relation="head")],
    )
    services.category_period_add(
        user=user,
        category="registered_poor",
        household=hh,
        start_date=dt.date(2016, 1, 1),
        end_date=dt.date(2020, 12, 31),
    )
    return user, hh


def _insurer(username: str):
    return UserFactory(
        username=username,
        region_id="640323",
        role=Role.DATA_ENTRY,
        department=Department.MEDICAL_INSURANCE,
    )


def test_insurer_settles_a_stay_and_sees_the_one_stop_bill(e2e_regions, login, live_server):
    village_user, hh = _poor_patient("杨大山", "E2E-ST-1")
    # the village clerk of the health office sees the statements but no form
    page = login(village_user)
    page.goto(f"{live_server.url}/persons/{hh.head_id}/")
    expect(page.locator("#sec-statements")).to_contain_text("暂无住院结算记录")
    expect(page.locator("#settle-stay")).to_have_count(0)
    page = login(_insurer("e2e_yb"))
    page.goto(f"{live_server.url}/persons/{hh.head_id}/")
    section = page.locator("#sec-statements")
    expect(section).to_contain_text("暂无住院结算记录")  # loaded by htmx
    section.locator("#settle-stay").click()
    page.fill("#id_hospital_name", "盐池县人民医院")
    page.fill("#id_admission_number", "ZY2019-0042")
    page.select_option("#id_hospital_grade", "2")
    page.select_option("#id_location", "county")
    page.fill("#id_admission_date", "2019-03-01")
    page.fill("#id_discharge_date", "2019-03-12")
    page.fill("#id_total_cost", "80,000")  # a thousands separator: refused, field named
    page.fill("#id_in_policy_cost", "90000")  # above the total: refused too
    page.click("#settle-submit")
    expect(page.locator(".has-error").first).to_contain_text("金额“80,000”不是有效数字")
    page.fill("#id_total_cost", "80000")
    page.click("#settle-submit")
    expect(page.locator(".has-error")).to_contain_text("政策范围内费用不能高于医疗总费用")
    page.fill("#id_in_policy_cost", "70000")
    page.click("#settle-submit")
    expect(page.locator("h1")).to_contain_text("一单制")
    expect(page.locator("#self-pay")).to_have_text("5,000.00")  # 盐池 2018: at most 5,000 a year
    expect(page.locator("#admission-number")).to_have_text("ZY2019-0042")
    expect(page.locator("#bill")).to_contain_text("先诊疗后付费")
    expect(page.locator(".bill-sign")).to_contain_text("患者（或家属）签字")
    page.goto(f"{live_server.url}/persons/{hh.head_id}/")
    expect(page.locator("#sec-statements")).to_contain_text("5,000.00")


def test_a_late_stay_supersedes_the_later_statement_and_the_bill_prints_on_one_page(
    e2e_regions, login, live_server
):
    _village, hh = _poor_patient("马秀兰", "E2E-ST-2")
    insurer = _insurer("e2e_yb2")
    june = settlement.stay_settle(
        user=insurer,
        person=hh.head,
        hospital_name="宁夏医科大学总医院",
        hospital_grade=3,
        location="province",
        referred=True,
        admission_date=dt.date(2019, 6, 1),
        discharge_date=dt.date(2019, 6, 20),
        total_cost="40000",
        in_policy_cost="36000",
        diagnosis_icd10="C34.9",
    )
    assert june.self_pay_fen == 400000  # 10 % of the stay
    page = login(insurer)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/persons/{hh.head_id}/stays/new/")
    page.fill("#id_hospital_name", "盐池县人民医院")
    page.select_option("#id_hospital_grade", "2")
    page.select_option("#id_location", "county")
    page.fill("#id_admission_date", "2019-03-01")  # before June's: entered late
    page.fill("#id_discharge_date", "2019-03-10")
    page.fill("#id_total_cost", "20000")
    page.fill("#id_in_policy_cost", "18000")
    page.click("#settle-submit")
    expect(page.locator("#self-pay")).to_have_text("2,000.00")
    resettled = page.locator("#resettled")
    expect(resettled).to_contain_text("宁夏医科大学总医院")
    resettled.locator("a").first.click()
    # June's new statement: the year's 5,000 less March's 2,000
    expect(page.locator("#self-pay")).to_have_text("3,000.00")
    diff = page.locator("#difference")
    expect(diff.locator("tr[data-tier=self_pay] td.diff")).to_have_text("−1,000.00")
    expect(diff.locator("tr[data-tier=reimbursed] td.diff")).to_have_text("+1,000.00")
    expect(page.locator("#versions")).to_contain_text("已被重算替代")
    expect(page.locator("#diagnosis")).to_contain_text("C34.9")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "statement-1366.png"), full_page=True)
    page.emulate_media(media="print")
    if SHOTS:
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        page.screenshot(path=os.path.join(SHOTS, "bill-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    if SHOTS:
        with open(os.path.join(SHOTS, "bill.pdf"), "wb") as out:
            out.write(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"the bill takes {pages} A4 pages"
    page.emulate_media(media="screen")
    diff.locator("a").click()  # the superseded statement, kept
    expect(page.locator("#st-superseded")).to_be_visible()
    expect(page.locator("#self-pay")).to_have_text("4,000.00")
    expect(page.locator("#reverse-statement")).to_have_count(0)  # only a current one is reversed


def test_the_bureau_lists_statements_with_totals_and_exports(e2e_regions, login, live_server):
    _village, hh = _poor_patient("王金花", "E2E-ST-3")
    insurer = _insurer("e2e_yb3")
    sts = [
        settlement.stay_settle(
            user=insurer,
            person=hh.head,
            hospital_name="盐池县人民医院",
            hospital_grade=2,
            location="county",
            referred=False,
            admission_date=dt.date(2019, month, 1),
            discharge_date=dt.date(2019, month, 8),
            total_cost=total,
            in_policy_cost=total,
        )
        for month, total in ((3, "20000"), (6, "40000"), (9, "1500.55"))
    ]
    self_pay = sum(s.self_pay_fen for s in sts)
    high = sorted(s.self_pay_fen for s in sts)[1]  # the middle one: two are high
    page = login(insurer)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="住院结算").click()
    expect(page.locator("#t-count")).to_have_text("3")
    expect(page.locator("#t-self-pay")).to_contain_text(f"{self_pay // 100:,}.{self_pay % 100:02d}")
    page.fill("#id_high", f"{high // 100}.{high % 100:02d}")
    page.check("#id_only_high")
    page.click("#bureau-filters button[type=submit]")
    expect(page.locator("#t-high")).to_contain_text("2 张")
    expect(page.locator("#bureau-table tbody tr")).to_have_count(2)
    page.uncheck("#id_only_high")
    page.click("#bureau-filters button[type=submit]")
    page.get_by_role("link", name=re.compile("个人自付")).click()  # sort: the largest first
    top = max(s.self_pay_fen for s in sts)
    expect(page.locator("#bureau-table tbody tr").first.locator("td").last).to_have_text(
        f"{top // 100:,}.{top % 100:02d}"
    )
    page.get_by_role("link", name=re.compile("个人自付")).click()  # again: the smallest first
    low = min(s.self_pay_fen for s in sts)
    expect(page.locator("#bureau-table tbody tr").first.locator("td").last).to_have_text(
        f"{low // 100:,}.{low % 100:02d}"
    )
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "bureau-1366.png"), full_page=True)
    with page.expect_download() as dl:
        page.click("#bureau-export")
    assert dl.value.suggested_filename.endswith(".xlsx")
    page.fill("#id_high", "1e5")
    page.click("#bureau-filters button[type=submit]")
    expect(page.locator(".has-error")).to_contain_text("不是有效数字")
