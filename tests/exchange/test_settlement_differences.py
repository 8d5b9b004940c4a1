"""The difference report between the platform's records and jkfp's statements, to the fen:
the selector, the page, the Excel export, the API; scope and who may read it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from jkfp.accounts.models import Department, PersonalDataAccess, Role
from jkfp.errors import DomainError
from jkfp.exchange import services
from jkfp.settlement import services as settlement_services
from jkfp.settlement.differences import KEYS, difference_totals, differences
from tests.conftest import VILLAGE

from .files import xlsx
from .test_settlements import HEADER, TITLE

FUND_OF = {"basic": "basic_insurance", "critical": "critical_illness_insurance",
           "assistance": "medical_assistance"}


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


@pytest.fixture
def medical(make_user):
    return make_user("640323", Role.REVIEWER, Department.MEDICAL_INSURANCE, username="yb_rev")


@pytest.fixture
def settled(make_user, people):
    """Two stays of ours settled by the county's clerk, in 2025."""
    clerk = make_user("640323", Role.DATA_ENTRY, Department.MEDICAL_INSURANCE, username="yb_c")
    out = []
    for person, start, total in ((people["head"], dt.date(2025, 3, 1), "10000"),
                                 (people["wife"], dt.date(2025, 5, 1), "23456.78")):
        out.append(settlement_services.stay_settle(
            user=clerk, person=person, hospital_name="盐池县人民医院", hospital_grade=2,
            location="county", referred=False, admission_date=start,
            discharge_date=start + dt.timedelta(days=9), total_cost=total,
            in_policy_cost=total))
    return out


def platform_row(st, number, *, shift: dict[str, int], line: int):
    """A platform record of our statement `st`, with `shift` (fen) added to some funds; the
    personal share is then what the total leaves."""
    funds = {k: int(st.fund_amounts.get(f, 0)) + shift.get(k, 0) for k, f in FUND_OF.items()}
    funds["other"] = sum(int(v) for f, v in st.fund_amounts.items()
                         if f not in FUND_OF.values()) + shift.get("other", 0)
    total = st.stay.total_fen
    fund_total = sum(funds.values())
    personal = total - fund_total
    p = st.person
    return [line, p.name, p.id_number, "城乡居民基本医疗保险", "", "住院", "盐池县人民医院",
            "二级", "县域内", st.stay.admission_date.isoformat(),
            st.stay.discharge_date.isoformat(), number, yuan(total), "0", yuan(total),
            yuan(funds["basic"]), yuan(funds["critical"]), yuan(funds["assistance"]),
            yuan(funds["other"]), yuan(fund_total), "0", yuan(personal), "0", yuan(personal)]


def _import(user, rows):
    batch = services.batch_check(user=user, kind="insurance_settlements",
                                 data=xlsx(HEADER, rows, title=TITLE), file_name="结算.xlsx")
    assert batch.summary["errors"] == 0, [r.errors for r in batch.rows.all()]
    services.batch_apply(user=user, batch=batch)
    return batch


def test_differences_to_the_fen(medical, settled):
    a, b = settled
    _import(medical, [platform_row(a, "D1", shift={"basic": 1234, "other": 1}, line=1),
                      platform_row(b, "D2", shift={}, line=2)])
    rows = list(differences(user=medical, year=2025))
    assert len(rows) == 2
    by = {d.record.record_number: d for d in rows}
    d1, d2 = by["D1"], by["D2"]
    assert d1.statement.pk == a.pk
    assert d1.diff == {"basic": 1234, "critical": 0, "assistance": 0, "other": 1,
                       "personal": -1235}
    assert d1.ours["personal"] == a.self_pay_fen
    assert d1.ours["basic"] == a.fund_amounts["basic_insurance"]
    assert d1.platform["basic"] == a.fund_amounts["basic_insurance"] + 1234
    assert not d2.any and d2.diff == dict.fromkeys(KEYS, 0)
    assert d1.tiers["basic"]  # our tiers paid from the basic fund are named
    t = difference_totals(rows)
    assert (t.count, t.differing) == (2, 1)
    assert t.diff == {"basic": 1234, "critical": 0, "assistance": 0, "other": 1,
                      "personal": -1235}
    assert t.ours["personal"] == a.self_pay_fen + b.self_pay_fen
    # only the differing ones
    assert [d.record.record_number for d in differences(user=medical, year=2025,
                                                         only_differing=True)] == ["D1"]
    assert list(differences(user=medical, year=2024)) == []


def test_voided_and_unlinked_records_are_not_compared(medical, settled):
    a, _b = settled
    batch = _import(medical, [platform_row(a, "V1", shift={"basic": 100}, line=1)])
    assert len(list(differences(user=medical, year=2025))) == 1
    batch.refresh_from_db()
    services.batch_undo(user=medical, batch=batch)
    assert list(differences(user=medical, year=2025)) == []


def test_who_may_read_and_scope(make_user, medical, settled):
    a, _b = settled
    _import(medical, [platform_row(a, "W1", shift={"basic": 100}, line=1)])
    civil = make_user("640323", Role.REVIEWER, Department.CIVIL_AFFAIRS, username="mz")
    village_health = make_user(VILLAGE, Role.DATA_ENTRY, Department.HEALTH,
                               username="wj_v")
    county_health = make_user("640323", Role.READONLY, Department.HEALTH, username="wj_c")
    changzhi = make_user("1404", Role.REVIEWER, Department.MEDICAL_INSURANCE, username="yb_cz")
    for user in (civil, village_health):
        with pytest.raises(DomainError):
            list(differences(user=user, year=2025))
    assert len(list(differences(user=county_health, year=2025))) == 1
    assert list(differences(user=changzhi, year=2025)) == []


def test_page_export_and_api(medical, settled):
    a, b = settled
    _import(medical, [platform_row(a, "E1", shift={"assistance": 5000}, line=1),
                      platform_row(b, "E2", shift={}, line=2)])
    c = Client()
    c.force_login(medical)
    # reached from the 住院结算 menu's list, for those who may read it
    assert 'id="to-differences" href="/settlement/differences/"' in c.get(
        "/settlement/statements/").content.decode()
    page = c.get("/settlement/differences/?year=2025")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-diff="assistance">+50.00' in html and "有差异 1 次" in html
    assert html.count("data-record=") == 1
    assert c.get("/settlement/differences/?year=二〇二五").status_code == 422

    resp = c.get("/settlement/differences/export/?year=2025&all=1")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    ws = wb["差异明细"]
    head = [c.value for c in ws[1]]
    rows = {r[6]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"E1", "E2"}
    col = head.index("医疗救助（差额）")
    assert rows["E1"][col] == 50.0 and rows["E2"][col] == 0
    assert rows["E1"][1] == a.person.id_number  # a reviewer sees the full number
    totals = {r[0]: r[1:] for r in wb["按基金合计"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert totals["医疗救助"][2] == 50.0 and totals["个人负担"][2] == -50.0
    assert PersonalDataAccess.objects.filter(user=medical, field="id_number",
                                             channel="export").count() == 2

    api = c.get("/api/v1/settlement/differences?year=2025")
    assert api.status_code == 200, api.content
    body = api.json()
    assert body["totals"]["difference"]["assistance"] == "50.00"
    assert body["totals"]["difference"]["personal"] == "-50.00"
    assert [i["record_number"] for i in body["items"]] == ["E1"]


def test_page_refused_to_other_departments(make_user):
    civil = make_user("640323", Role.REVIEWER, Department.CIVIL_AFFAIRS, username="mz2")
    c = Client()
    c.force_login(civil)
    assert c.get("/settlement/differences/?year=2025").status_code == 403
    assert 'id="to-differences"' not in c.get("/settlement/statements/").content.decode()
    assert c.get("/settlement/differences/export/?year=2025").status_code == 403
    assert c.get("/api/v1/settlement/differences?year=2025").status_code == 403
