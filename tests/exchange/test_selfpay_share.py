"""Sharing back: the monitored persons with a high medical self-pay (civil affairs and rural
revitalisation formats), each stay counted once, to the fen; masked or full; logged; scoped."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from jkfp.accounts.models import Department, PersonalDataAccess, Role
from jkfp.exchange import services
from jkfp.exchange.selfpay_share import default_threshold, high_self_pay
from jkfp.registry import services as registry
from jkfp.registry.idnumber import mask
from jkfp.settlement import services as settlement_services
from tests.conftest import VILLAGE

from .files import xlsx
from .test_settlements import HEADER, TITLE, row


@pytest.fixture
def medical(make_user):
    return make_user("640323", Role.REVIEWER, Department.MEDICAL_INSURANCE, username="yb_rev")


@pytest.fixture
def watched(make_user, people):
    """The head's household is monitored (边缘易致贫户) since 2024; the other person is not."""
    clerk = make_user(VILLAGE, Role.DATA_ENTRY, Department.HEALTH, username="v_entry")
    registry.category_period_add(user=clerk, category="marginal",
                                 household=people["head"].household,
                                 start_date=dt.date(2024, 1, 1))
    return people


def test_each_stay_counted_once_and_threshold(medical, make_user, watched):
    head, wife, other = watched["head"], watched["wife"], watched["other"]
    clerk = make_user("640323", Role.DATA_ENTRY, Department.MEDICAL_INSURANCE, username="yb_c")
    st = settlement_services.stay_settle(
        user=clerk, person=head, hospital_name="盐池县人民医院", hospital_grade=2,
        location="county", referred=False, admission_date=dt.date(2025, 3, 1),
        discharge_date=dt.date(2025, 3, 10), total_cost="10000", in_policy_cost="9000")
    st2 = settlement_services.stay_settle(
        user=clerk, person=head, hospital_name="盐池县人民医院", hospital_grade=2,
        location="county", referred=False, admission_date=dt.date(2025, 8, 1),
        discharge_date=dt.date(2025, 8, 5), total_cost="3000", in_policy_cost="3000")
    rows = [row(head, "H1"),  # the same stay as st: replaces its figure (personal 2500.00)
            row(wife, "H2", admission="2025-05-01", discharge="2025-05-02", line=2),
            row(other, "H3", line=3)]  # not monitored: never listed
    batch = services.batch_check(user=medical, kind="insurance_settlements",
                                 data=xlsx(HEADER, rows, title=TITLE), file_name="r.xlsx")
    services.batch_apply(user=medical, batch=batch)
    found, threshold = high_self_pay(user=medical, year=2025, threshold_fen=0)
    by = {r["person_id"]: r for r in found}
    assert set(by) == {head.pk, wife.pk}
    st2.refresh_from_db()
    assert (by[head.pk]["platform_fen"], by[head.pk]["ours_fen"]) == (250000, st2.self_pay_fen)
    assert by[head.pk]["total_fen"] == 250000 + st2.self_pay_fen
    assert st.self_pay_fen not in (0,)  # our figure existed and was replaced, not added
    assert (by[wife.pk]["platform_fen"], by[wife.pk]["ours_fen"]) == (250000, 0)
    assert by[wife.pk]["categories"] == ["边缘易致贫户"]
    # the threshold: above, not at
    at, _t = high_self_pay(user=medical, year=2025, threshold_fen=250000)
    assert [r["person_id"] for r in at] == ([head.pk] if st2.self_pay_fen else [])
    # the default: half the province's income of the year before (example values; 2024 is
    # missing, so 2023's 17,772 yuan)
    t = default_threshold(user=medical, year=2025)
    assert t.fen == 888600 and "2023年" in t.text and "示例值" in t.text
    assert default_threshold(user=medical, year=2021).fen == 694450  # 13,889 × 50%
    # another county sees nobody of 盐池
    cz = make_user("1404", Role.REVIEWER, Department.CIVIL_AFFAIRS, username="mz_cz")
    assert high_self_pay(user=cz, year=2025, threshold_fen=0)[0] == []


def test_page_and_downloads_in_each_format(medical, make_user, watched):
    head = watched["head"]
    batch = services.batch_check(user=medical, kind="insurance_settlements",
                                 data=xlsx(HEADER, [row(head, "K1")], title=TITLE),
                                 file_name="r.xlsx")
    services.batch_apply(user=medical, batch=batch)
    civil = make_user("640323", Role.REVIEWER, Department.CIVIL_AFFAIRS, username="mz_r")
    reader = make_user("640323", Role.READONLY, Department.RURAL_REVITALISATION, username="xc_ro")
    c = Client()
    c.force_login(civil)
    page = c.get("/exchange/high-self-pay/?year=2025&threshold=2000")
    html = page.content.decode()
    assert page.status_code == 200 and f'data-person="{head.pk}"' in html
    assert "2,500.00" in html and head.id_number not in html
    assert c.get("/exchange/high-self-pay/?year=2025&threshold=1,000").status_code == 422
    xl = c.get("/exchange/high-self-pay.xlsx?year=2025&department=civil_affairs&threshold=2000")
    ws = load_workbook(io.BytesIO(xl.content)).active
    assert [v.value for v in ws[4]][:3] == ["证件号码", "姓名", "性别"]
    first = [v.value for v in ws[5]]
    assert first[0] == head.id_number and first[7] == 2500.0 and first[10] == 2000.0
    assert PersonalDataAccess.objects.filter(user=civil, field="id_number").count() == 1
    c.force_login(reader)
    xl = c.get("/exchange/high-self-pay.xlsx?year=2025&department=rural_revitalisation"
               "&threshold=2000")
    ws = load_workbook(io.BytesIO(xl.content)).active
    assert [v.value for v in ws[4]][:4] == ["县（市、区）", "乡（镇）", "行政村", "户编号"]
    first = [v.value for v in ws[5]]
    assert first[5] == mask(head.id_number) != head.id_number  # masked for a read-only role
    assert first[6] == "边缘易致贫户"
    assert PersonalDataAccess.objects.filter(user=reader, field="medical_self_pay").count() == 1
    assert c.get("/exchange/high-self-pay.xlsx?year=2025&department=x").status_code == 422
