"""The monthly report page: one region, one month, from the figures table (decision 66b)."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.accounts.models import Role
from jkfp.indicators.report import month_of
from jkfp.indicators.services import indicators_rebuild
from tests.conftest import VILLAGE
from tests.factories import UserFactory

TODAY = dt.date(2026, 3, 1)


def test_the_month_of_a_period():
    assert month_of("2025-07", TODAY).code == "2025-07"
    assert month_of("2025", TODAY).code == "2025-12"
    assert month_of("2025Q3", TODAY).code == "2025-09"
    assert month_of("2026", TODAY).code == "2026-03"      # the year so far
    assert month_of(None, TODAY).code == "2026-02"        # the last complete month


@pytest.fixture
def built(world):
    indicators_rebuild(years=[2025], today=TODAY)
    return world


def test_the_report_shows_each_figure_of_the_month_and_the_worst_village(built, client):
    user = UserFactory(region_id="640323100", role=Role.REVIEWER)
    client.force_login(user)
    r = client.get("/indicators/640323100/report/?period=2025-05")
    assert r.status_code == 200
    html = r.content.decode()
    assert "健康扶贫主要指标月报（2025年5月）" in html
    # May: p1, p2, p3 alive and poor in village A, p4 in B; insured p1, p3, p4 → 3 / 4
    row = html[html.index('data-indicator="insurance_coverage_poor"'):]
    row = row[:row.index("</tr>")]
    assert "75.00%" in row and "3 / 4" in row and "未达标" in row
    assert "最低为测试村花一（66.67%）" in html        # A: 2 / 3, B: 1 / 1
    assert "※" in html                                 # example values are marked


def test_the_report_is_scoped(built, client):
    client.force_login(UserFactory(region_id="640323101", role=Role.REVIEWER))
    assert client.get("/indicators/640323100/report/?period=2025-05").status_code == 404
    assert client.get("/indicators/640323101/report/?period=2025-13").status_code == 404


def test_the_dashboard_links_to_the_report(built, client):
    client.force_login(UserFactory(region_id=VILLAGE, role=Role.REVIEWER))
    html = client.get(f"/indicators/{VILLAGE}/?period=2025").content.decode()
    assert f"/indicators/{VILLAGE}/report/?period=2025" in html


def test_the_dashboards_percent_bars_leave_out_a_count():
    """facility_gaps is a count (target ≤ 0): in the table, not on the bars' percent axis."""
    from types import SimpleNamespace as NS

    from jkfp.indicators.definitions import current
    from jkfp.indicators.views import chart_data

    defs = current().indicators
    rows = [NS(indicator=defs[i], value=v, short=True)
            for i, v in (("facility_gaps", 17), ("insurance_coverage_poor", 50))]
    chart = chart_data(rows, [NS(period="2025-01", value=17)], defs["facility_gaps"])
    assert [b["name"] for b in chart["bars"]] == [defs["insurance_coverage_poor"].name]
    assert chart["trend"]["percent"] is False
    assert chart_data(rows, [], defs["insurance_coverage_poor"])["trend"]["percent"] is True
