"""In a real browser: a county user loads a hand-written GeoJSON of two townships, sees the
dashboard's map coloured by the indicator and clicks a township to drill down (decision 78);
a county health user uploads health-literacy surveys, sees a bad file refused by line and
column and the literacy figure against its +5 points (decision 80)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from playwright.sync_api import expect

from jkfp.accounts.models import Department, Role
from jkfp.indicators.models import Figure
from jkfp.indicators.services import indicators_rebuild

from ..conftest import VILLAGE
from ..factories import UserFactory

pytestmark = pytest.mark.e2e
A, B = "640323100", "640323101"


def _square(x, y):
    return [[[x, y], [x + 0.2, y], [x + 0.2, y + 0.2], [x, y + 0.2], [x, y]]]


def test_upload_a_map_see_it_coloured_and_click_down(e2e_regions, login, live_server, tmp_path):
    county = UserFactory(username="e2e_map", region_id="640323", role=Role.APPROVER)
    geo = tmp_path / "盐池县乡镇.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"adcode": A, "name": "花马池镇"},
         "geometry": {"type": "Polygon", "coordinates": _square(107.0, 37.8)}},
        {"type": "Feature", "properties": {"adcode": B, "name": "大水坑镇"},
         "geometry": {"type": "Polygon", "coordinates": _square(107.2, 37.8)}},
    ]}, ensure_ascii=False), encoding="utf-8")
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                   '"properties": {"name": "无代码"}, "geometry": null}]}', encoding="utf-8")
    page = login(county)
    for code, num in (("640323", 5), (A, 2), (B, 3)):
        Figure.objects.create(indicator="insurance_coverage_poor", region_code=code,
                              period="2025", numerator=num, denominator=4)
    logs = []
    page.on("pageerror", lambda e: logs.append(str(e)))
    url = f"{live_server.url}/indicators/640323/?period=2025&indicator=insurance_coverage_poor"
    page.goto(url)
    expect(page.locator("#ind-map")).to_have_count(0)        # no map: charts and tables only
    page.click("#ind-map-link")
    page.set_input_files("#id_file", str(bad))
    page.click("#map-form button[type=submit]")
    expect(page.locator("#map-errors")).to_contain_text("第1个要素（无代码）：geometry 须为 Polygon")
    expect(page.locator("#map-errors")).to_contain_text("缺少区划代码属性")
    page.set_input_files("#id_file", str(geo))
    page.click("#map-form button[type=submit]")
    expect(page.locator(".map-versions")).to_contain_text("盐池县乡镇.geojson")
    page.screenshot(path="/tmp/iui/map_upload.png", full_page=True)
    page.goto(url)
    box = page.locator("#ind-map[data-ready='1']")
    expect(box.locator("svg")).to_be_visible()
    expect(box).to_contain_text("花马池镇")
    page.screenshot(path="/tmp/iui/map_dashboard.png", full_page=True)
    box.scroll_into_view_if_needed()
    b = box.bounding_box()
    page.mouse.click(b["x"] + b["width"] / 2 - 60, b["y"] + b["height"] / 2)  # 花马池镇, left
    page.wait_for_url(f"**/indicators/{A}/**")
    expect(page.locator("h1")).to_contain_text("花马池镇")
    assert logs == []


def test_literacy_pages_upload_refuse_and_show_the_figure(e2e_regions, login, live_server,
                                                         tmp_path):
    county = UserFactory(username="e2e_lit", region_id="640323", role=Role.APPROVER,
                         department=Department.HEALTH)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"sample,region_code,score\n1,{VILLAGE},80\n2,{VILLAGE},120\n",
                   encoding="utf-8")
    y2021 = tmp_path / "2021.csv"
    y2021.write_bytes(f"sample,region_code,score\n1,{VILLAGE},85\n2,{VILLAGE},40\n"
                      f"3,{VILLAGE},50\n4,{VILLAGE},60\n".encode("gb18030"))
    y2025 = tmp_path / "2025.csv"
    y2025.write_text(f"sample,region_code,score\n1,{VILLAGE},85\n2,{VILLAGE},90\n"
                     f"3,{VILLAGE},50\n4,{VILLAGE},60\n", encoding="utf-8")
    page = login(county)
    page.goto(f"{live_server.url}/indicators/640323/?period=2025")
    page.click("#ind-literacy")
    expect(page.locator("h1")).to_contain_text("健康素养")

    def upload(name, year, path):
        form = page.locator("#lit-survey-form")
        form.locator("#id_name").fill(name)
        form.locator("#id_year").fill(str(year))
        form.locator("#id_file").set_input_files(str(path))
        form.locator("button[type=submit]").click()

    upload("坏文件", 2025, bad)
    errors = page.locator("#lit-errors")
    expect(errors).to_contain_text("整个文件未写入任何数据")
    expect(errors.locator("tr", has_text="第3行：得分120超出量表范围")).to_contain_text("score")
    page.screenshot(path="/tmp/iui/literacy_errors.png", full_page=True)
    upload("2021年监测", 2021, y2021)
    expect(page.locator(".lit-surveys")).to_contain_text("2021年监测")
    upload("2025年监测", 2025, y2025)
    expect(page.locator(".lit-surveys")).to_contain_text("2025年监测")
    indicators_rebuild(years=[2021, 2025], today=dt.date(2026, 3, 1))
    page.goto(f"{live_server.url}/indicators/literacy/?year=2025")
    expect(page.locator("#lit-figure")).to_contain_text("50.00%（较2021年+25.00个百分点）")
    expect(page.locator("#lit-figure")).to_contain_text("达标")
    page.screenshot(path="/tmp/iui/literacy.png", full_page=True)
