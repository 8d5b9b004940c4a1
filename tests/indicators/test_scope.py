"""The dashboard, the drill-down and the export are scoped: another county is a 404."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jkfp.accounts.models import Department, Role
from jkfp.indicators import definitions, selectors
from jkfp.indicators.services import indicators_rebuild
from jkfp.regions.models import Region
from tests.conftest import VILLAGE


@pytest.fixture
def built(world):
    indicators_rebuild(years=[2025], today=dt.date(2026, 3, 1))
    return world


def test_persons_behind_a_number(built, make_user):
    user = make_user("640323", role=Role.REVIEWER)
    rows, total = selectors.persons_behind(user=user, indicator="insurance_coverage_poor",
                                           region_code=VILLAGE, period="2025")
    assert total == 1 and rows[0].person_id == built["p2"].pk and "*" in rows[0].id_masked
    rows, total = selectors.persons_behind(user=user, indicator="insurance_coverage_poor",
                                           region_code="640323", period="2025",
                                           missing_only=False)
    assert {r.person_id for r in rows} == {built[k].pk for k in ("p1", "p2", "p4")}


def test_another_county_is_404(built, make_user, client):
    changzhi = make_user("140403", role=Role.REVIEWER)
    client.force_login(changzhi)
    assert client.get("/indicators/640323/?period=2025").status_code == 404
    assert client.get(f"/indicators/{VILLAGE}/insurance_coverage_poor/persons/?period=2025"
                      ).status_code == 404
    assert client.get("/indicators/640323/workbook.xlsx?period=2025").status_code == 404
    own = make_user("640323", role=Role.REVIEWER)
    client.force_login(own)
    page = client.get("/indicators/640323/?period=2025&indicator=insurance_coverage_poor")
    assert page.status_code == 200 and "/indicators/640323100/?period=2025" in page.content.decode()
    page = client.get("/indicators/640323100/?period=2025&indicator=insurance_coverage_poor")
    assert "测试村花一" in page.content.decode() and "ind-short" in page.content.decode()


def test_health_figures_drill_only_for_health_users(built, make_user, client):
    civil = make_user("640323", role=Role.REVIEWER, department=Department.CIVIL_AFFAIRS)
    client.force_login(civil)
    url = f"/indicators/{VILLAGE}/standard_management_hypertension/persons/?period=2025"
    assert client.get(url).status_code == 404
    assert client.get(f"/indicators/{VILLAGE}/insurance_coverage_poor/persons/?period=2025"
                      ).status_code == 200


def test_export_command(built, make_user, tmp_path):
    make_user("640323", role=Role.REVIEWER, username="county")
    out = tmp_path / "f.csv"
    call_command("indicators", "export", "--as", "county", "--region", "640323100",
                 "--period", "2025", "--out", str(out))
    assert out.read_bytes()[:9] == b"indicator"  # no BOM: programs read the header as named
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    row = next(r for r in rows if r["indicator"] == "insurance_coverage_poor"
               and r["region_code"] == VILLAGE)
    assert (row["numerator"], row["denominator"], row["value"], row["target"], row["meets"]) == (
        "1", "2", "50.00", "100", "no")
    assert {r["region_code"] for r in rows} >= {"640323100", VILLAGE}
    assert all(r["region_code"].startswith("640323100") for r in rows)
    # one row per indicator and region, also where the computation found nobody (0 of 0)
    regions = set(Region.objects.filter(code__startswith="640323100").values_list("code",
                                                                                  flat=True))
    ids = set(definitions.current().indicators)
    assert sorted((r["indicator"], r["region_code"]) for r in rows) == sorted(
        (i, c) for i in ids for c in regions)
    tb = next(r for r in rows if r["indicator"] == "standard_management_tb"
              and r["region_code"] == VILLAGE)
    assert (tb["numerator"], tb["denominator"], tb["value"], tb["meets"]) == ("0", "0", "", "")
    gaps = {r["region_code"]: r for r in rows if r["indicator"] == "facility_gaps"}
    empty = next(c for c, r in gaps.items() if r["denominator"] == "0")
    assert (gaps[empty]["value"], gaps[empty]["meets"]) == ("0.00", "yes")  # no gap left
    call_command("indicators", "export", "--as", "county", "--region", "640323100",
                 "--period", "2025", "--out", str(out), "--bom")
    assert out.read_bytes()[:3] == b"\xef\xbb\xbf"
    with pytest.raises(CommandError, match="区划不在您的管辖区域内"):
        call_command("indicators", "export", "--as", "county", "--region", "140403",
                     "--period", "2025", "--out", str(out))


def test_a_computed_period_lists_every_indicator_and_sub_region(built, make_user):
    user = make_user("640323", role=Role.REVIEWER)
    rows = selectors.figures_of(user=user, region_code="640323100", period="2025")
    assert [r.indicator.id for r in rows] == list(definitions.current().indicators)
    tb = next(r for r in rows if r.indicator.id == "standard_management_tb")
    assert (tb.numerator, tb.denominator, tb.shown, tb.meets) == (0, 0, "—", None)
    children = selectors.children_of(user=user, region_code="640323100", period="2025",
                                     indicator="facility_gaps")
    assert {c.region_code for c in children} >= set(
        Region.objects.filter(parent_id="640323100").values_list("code", flat=True))
    # a period never computed shows nothing rather than zeros
    assert selectors.figures_of(user=user, region_code="640323100", period="2019") == []
    assert selectors.children_of(user=user, region_code="640323100", period="2019",
                                 indicator="facility_gaps") == []


def test_workbook_and_api(built, make_user, client):
    user = make_user("640323", role=Role.REVIEWER)
    client.force_login(user)
    resp = client.get("/indicators/640323/workbook.xlsx?period=2025")
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
    api = client.get("/api/v1/indicators/figures?region=640323100&period=2025")
    assert api.status_code == 200
    got = {r["indicator"]: (r["numerator"], r["denominator"]) for r in api.json()}
    assert got["insurance_coverage_poor"] == (2, 3)
    assert client.get("/api/v1/indicators/figures?region=140403&period=2025").status_code == 404
