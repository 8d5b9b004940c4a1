"""The bureau's list: current statements only, totals equal to sums over the statements (to the
fen, per fund), the combined coverage ratio, the high self-pay cases, scope, export, API."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jkfp.accounts.models import Department, PersonalDataAccess, Role
from jkfp.regions.models import Region
from jkfp.settlement import services
from jkfp.settlement.bureau import BureauFilters, bureau_statements, bureau_totals
from jkfp.settlement.models import Statement, StatementStatus

from ..conftest import OTHER_VILLAGE_SAME_TOWNSHIP, VILLAGE
from ..factories import HouseholdFactory
from .test_services import settle


@pytest.fixture
def stays(settler, users, household, poor_household):
    """Five stays of three persons: one superseded by a late stay, one reversed."""
    poor = poor_household.head
    other = HouseholdFactory(village_id=VILLAGE, region_code=VILLAGE).head
    a = settle(settler, poor, dt.date(2019, 6, 1), "40000", "36000")
    settle(settler, poor, dt.date(2019, 3, 1), "20000", "18000")  # late: supersedes a
    b = settle(settler, other, dt.date(2019, 4, 1), "15000.55", "12000.01")
    c = settle(settler, other, dt.date(2019, 8, 1), "3000", "2500")
    services.statement_reverse(user=settler, statement=c, reason="重复登记")
    settle(settler, other, dt.date(2020, 1, 10), "9000", "8000")
    a.refresh_from_db()
    assert a.status == StatementStatus.SUPERSEDED and b.is_current
    return Statement.objects.filter(status=StatementStatus.CURRENT)


def by_hand(statements):
    sts = list(statements.select_related("stay"))
    funds: dict[str, int] = {}
    for s in sts:
        for t in s.detail["tiers"]:
            funds[t["fund"]] = funds.get(t["fund"], 0) + int(Decimal(t["amount"]) * 100)
    return {
        "count": len(sts),
        "total": sum(s.stay.total_fen for s in sts),
        "reimbursed": sum(s.reimbursed_fen for s in sts),
        "self_pay": sum(s.self_pay_fen for s in sts),
        "funds": funds,
    }


def test_totals_are_the_sums_over_the_current_statements(settler, stays):
    f = BureauFilters()
    with CaptureQueriesContext(connection) as q:
        totals = bureau_totals(user=settler, f=BureauFilters(high_self_pay_fen=100000))
    assert len(q.captured_queries) == 1  # one aggregate
    expected = by_hand(stays)
    assert expected["count"] == 4
    assert (totals.count, totals.total_fen, totals.reimbursed_fen, totals.self_pay_fen) == (
        expected["count"],
        expected["total"],
        expected["reimbursed"],
        expected["self_pay"],
    )
    assert {k: v for k, v in totals.funds.items() if v} == {
        k: v for k, v in expected["funds"].items() if v
    }
    assert sum(totals.funds.values()) == totals.reimbursed_fen
    assert totals.total_fen == totals.reimbursed_fen + totals.self_pay_fen
    # coverage = reimbursed / total, two decimals of a percent, rounded half up
    bp = (totals.reimbursed_fen * 20000 + totals.total_fen) // (2 * totals.total_fen)
    assert totals.coverage_percent == f"{bp // 100}.{bp % 100:02d}"
    assert totals.high_count == stays.filter(self_pay_fen__gte=100000).count()
    assert {s.pk for s in bureau_statements(user=settler, f=f, threshold_fen=0)} == {
        s.pk for s in stays
    }


def test_filters_period_category_region_and_high_cases(settler, stays, poor_household):
    f = BureauFilters(discharged_from=dt.date(2019, 1, 1), discharged_to=dt.date(2019, 12, 31))
    assert bureau_totals(user=settler, f=f).count == 3
    poor = BureauFilters(category="registered_poor")
    got = bureau_totals(user=settler, f=poor)
    assert got.count == 2 and got.self_pay_fen == 200000 + 300000  # 2,000 + 3,000 (the year)
    assert (
        bureau_totals(user=settler, f=BureauFilters(region_code=OTHER_VILLAGE_SAME_TOWNSHIP)).count
        == 0
    )
    high = BureauFilters(high_self_pay_fen=300000, only_high=True)
    t = bureau_totals(user=settler, f=high)
    rows = list(bureau_statements(user=settler, f=high, threshold_fen=t.high_self_pay_fen))
    assert rows and all(s.self_pay_fen >= 300000 for s in rows) and len(rows) == t.high_count


def test_the_threshold_from_the_data_is_the_90th_percentile(settler, stays):
    t = bureau_totals(user=settler, f=BureauFilters())
    values = sorted(stays.values_list("self_pay_fen", flat=True))
    assert t.threshold_from_data and t.high_self_pay_fen == values[(len(values) - 1) * 90 // 100]


def test_sorting(settler, stays):
    f = BureauFilters(sort="self_pay")
    pays = [s.self_pay_fen for s in bureau_statements(user=settler, f=f, threshold_fen=0)]
    assert pays == sorted(pays)
    f = BureauFilters(sort="-discharge")
    days = [s.stay.discharge_date for s in bureau_statements(user=settler, f=f, threshold_fen=0)]
    assert days == sorted(days, reverse=True)


def test_the_list_is_scoped(stays, make_user, users):
    cz = make_user(
        "1404", Role.DATA_ENTRY, department=Department.MEDICAL_INSURANCE, username="cz_yb"
    )
    assert bureau_totals(user=cz, f=BureauFilters()).count == 0
    assert bureau_totals(user=users["county"], f=BureauFilters()).count == 4


def test_the_page_shows_totals_sorts_and_pages(client, settler, stays):
    client.force_login(settler)
    r = client.get("/settlement/statements/")
    assert r.status_code == 200
    page = r.content.decode()
    total = by_hand(stays)["total"]
    assert f"{total // 100:,}.{total % 100:02d}" in page
    assert 'id="t-coverage"' in page and 'data-fund="basic_insurance"' in page
    r = client.get("/settlement/statements/", {"sort": "self_pay", "high": "3000"})
    assert r.status_code == 200 and 'aria-sort="ascending"' in r.content.decode()
    for bad in (
        {"high": "1e5"},
        {"discharged_from": "2020-01-01", "discharged_to": "2019-01-01"},
        {"region": "1404"},
        {"sort": "password"},
    ):
        r = client.get("/settlement/statements/", bad)
        assert r.status_code == 422, bad
        assert 'id="bureau-totals"' not in r.content.decode()


def test_the_export_carries_the_filters_and_logs_each_person(client, settler, stays):
    client.force_login(settler)
    r = client.get("/settlement/statements/export/", {"category": "registered_poor"})
    assert r.status_code == 200
    body = b"".join(r.streaming_content)
    sheet = zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml").decode()
    assert "结算身份：建档立卡贫困人口" in sheet and "yb_user" in sheet
    assert sheet.count("<row ") == 7 + 2  # header block, column heads, two statements
    village = Region.objects.get(code=VILLAGE)
    assert f"{village.display_name}</t>" in sheet  # the village named, not only its code
    assert "3000.00" in sheet and "2000.00" in sheet
    logged = PersonalDataAccess.objects.filter(user=settler, field="settlement", channel="export")
    assert logged.count() == 1  # one person, two statements


def test_the_api_lists_with_totals(settler, stays, api_as, make_user):
    api = api_as(settler)
    r = api.get(
        "/settlement/statements", {"sort": "-self_pay", "page_size": 2, "high_self_pay": "3000"}
    )
    assert r.status_code == 200, r.content
    body = r.json()
    expected = by_hand(stays)
    assert body["count"] == 4 and len(body["items"]) == 2
    t = body["totals"]
    assert t["total_cost"] == f"{expected['total'] // 100}.{expected['total'] % 100:02d}"
    assert t["high_self_pay_threshold"] == "3000.00" and not t["threshold_from_data"]
    assert [i["self_pay"] for i in body["items"]] == sorted(
        (i["self_pay"] for i in body["items"]), key=lambda x: -Decimal(x)
    )
    assert api.get("/settlement/statements", {"region_code": "1404"}).status_code == 404
    assert api.get("/settlement/statements", {"high_self_pay": "1e5"}).status_code == 422
    assert api.get("/settlement/statements", {"category": "nobody"}).status_code == 422


def test_the_statement_api_shows_the_chain_and_the_difference(settler, household, api_as):
    person = household.head
    june = settle(settler, person, dt.date(2019, 6, 1), "40000", "40000")
    settle(settler, person, dt.date(2019, 3, 1), "20000", "20000")
    api = api_as(settler)
    old = api.get(f"/statements/{june.pk}").json()
    assert old["status"] == "superseded" and old["superseded_by_id"]
    new = api.get(f"/statements/{old['superseded_by_id']}").json()
    assert new["supersedes_id"] == june.pk and new["status"] == "current"
    diff = {d["id"]: d["change"] for d in new["difference"]}
    assert diff["basic"] == "150.00" and diff["critical_illness"] == "3090.00"
    assert diff["self_pay"] == "-3240.00"
    r = api.post(f"/stays/{june.stay_id}/correct", {"reason": "金额更正", "total_cost": "1e5"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "total_cost"
    r = api.post(f"/stays/{june.stay_id}/correct", {"reason": "金额更正", "total_cost": "41000.00"})
    assert r.status_code == 200, r.content
    assert r.json()["reason"] == "更正：金额更正" and r.json()["supersedes_id"] == new["id"]
    r = api.post(f"/statements/{r.json()['id']}/reverse", {"reason": "作废"})
    assert r.status_code == 200 and r.json()["status"] == "reversed"
    assert r.json()["reverse_reason"] == "作废"
    assert api.post(f"/statements/{june.pk}/reverse", {"reason": "x"}).status_code == 422
