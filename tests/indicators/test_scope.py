"""The dashboard, the drill-down and the export are scoped: another county is a 404."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.core.management import call_command

from jkfp.accounts.models import Department, Role
from jkfp.indicators import selectors
from jkfp.indicators.services import indicators_rebuild
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
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    row = next(r for r in rows if r["indicator"] == "insurance_coverage_poor"
               and r["region_code"] == VILLAGE)
    assert (row["numerator"], row["denominator"], row["value"], row["target"], row["meets"]) == (
        "1", "2", "50.00", "100", "no")
    assert {r["region_code"] for r in rows} >= {"640323100", VILLAGE}
    assert all(r["region_code"].startswith("640323100") for r in rows)


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
