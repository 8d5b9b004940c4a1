"""A region's GeoJSON map (decision 78): the check (good, bad, scope), versions, the dashboard
with and without a map, and the GeoJSON served only inside the scope."""

from __future__ import annotations

import json

import pytest

from jkfp.accounts.models import Role
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.indicators import maps
from jkfp.indicators.models import Figure, RegionMap
from tests.factories import UserFactory

A, B = "640323100", "640323101"   # two townships of 盐池县 (the built-in divisions)


def square(x: float, y: float, size: float = 0.1) -> list:
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def feature(props: dict, coords=None, kind="Polygon") -> dict:
    return {"type": "Feature", "properties": props,
            "geometry": {"type": kind, "coordinates": coords or square(107.0, 37.8)}}


def fc(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)},
                      ensure_ascii=False).encode()


GOOD = fc(feature({"adcode": int(A), "name": "花马池镇"}),
          feature({"CODE": B + "000", "名称": "大水坑镇"}, [square(107.2, 37.6)], "MultiPolygon"))


@pytest.fixture
def county(regions):
    return UserFactory(region_id="640323", role=Role.APPROVER, username="map_county")


def codes_of(exc) -> list[str]:
    return [e.message for e in exc.value.errors]


def test_a_good_map_is_stored_normalised_and_versioned(county):
    m = maps.region_map_upload(user=county, region_code="640323", data=GOOD, file_name="x.json")
    assert (m.version, m.features) == (1, 2)
    assert m.code_property == "CODE、adcode"
    assert [f["properties"] for f in m.geojson["features"]] == [
        {"code": A, "name": "花马池镇"}, {"code": B, "name": "大水坑镇"}]
    assert A not in m.missing and "640323102" in m.missing   # 惠安堡镇 has no shape
    again = maps.region_map_upload(user=county, region_code="640323",
                                   data=fc(feature({"code": A})), file_name="y.geojson")
    assert again.version == 2
    assert maps.map_current(region_code="640323").version == 2
    assert RegionMap.objects.filter(region_code="640323").count() == 2   # v1 kept as the record


def test_every_bad_feature_is_named_and_nothing_is_stored(county):
    bad = fc(
        feature({"name": "无代码"}),                                     # no code property
        feature({"code": "140403100", "name": "别县的镇"}),               # not a sub-region
        feature({"code": A}, [[[500000.0, 4200000.0], [500100.0, 4200000.0],
                               [500100.0, 4200100.0], [500000.0, 4200000.0]]]),  # metres
        feature({"code": A, "name": "重复"}),
        {"type": "Feature", "properties": {"code": B}, "geometry": {"type": "Point",
                                                                      "coordinates": [1, 2]}},
        feature({"code": "１２"}),
    )
    with pytest.raises(ValidationErrors) as exc:
        maps.region_map_upload(user=county, region_code="640323", data=bad, file_name="b.json")
    msgs = codes_of(exc)
    assert msgs[0] == ("第1个要素（无代码）：缺少区划代码属性（可用的属性名：code、adcode、region_code、"
                       "xzqdm、区划代码、行政区划代码）")
    assert "第2个要素（别县的镇）：区划代码“140403100”不是本区划的下级区划" in msgs
    assert any(m.startswith("第3个要素：坐标 [500000.0, 4200000.0] 不是经纬度") for m in msgs)
    assert "第4个要素（重复）：区划代码“640323100”与第3个要素重复" in msgs
    assert "第5个要素：geometry 须为 Polygon 或 MultiPolygon，而不是“Point”" in msgs
    assert "第6个要素：属性 code 的值“１２”不是区划代码" in msgs
    assert {e.code for e in exc.value.errors} == {ErrorCode.MAP_INVALID}
    assert exc.value.errors[1].field == "features[1].properties.code"
    assert not RegionMap.objects.exists()


@pytest.mark.parametrize("data, message", [
    (b'{"type": "FeatureCollection", "features": [', "文件不是有效的 JSON：第1行第"),
    (b'{"type": "Feature"}', "须为 GeoJSON 的 FeatureCollection"),
    (b'{"type": "FeatureCollection", "features": []}', "features 须为非空数组"),
    ("{}".encode("utf-16"), "文件须为 UTF-8 编码的 GeoJSON"),
])
def test_a_file_that_is_not_a_feature_collection(county, data, message):
    with pytest.raises(ValidationErrors) as exc:
        maps.region_map_upload(user=county, region_code="640323", data=data, file_name="b")
    assert exc.value.errors[0].message.startswith(message)
    assert not RegionMap.objects.exists()


def test_who_may_load_a_map(regions):
    other = UserFactory(region_id="140403", role=Role.APPROVER)
    with pytest.raises(DomainError) as exc:
        maps.region_map_upload(user=other, region_code="640323", data=GOOD, file_name="x")
    assert exc.value.code == ErrorCode.REGION_OUT_OF_SCOPE
    clerk = UserFactory(region_id="640323", role=Role.DATA_ENTRY)
    town = UserFactory(region_id=A, role=Role.APPROVER)
    for user, code in ((clerk, "640323"), (town, A)):  # a township's own users: no
        with pytest.raises(DomainError) as exc:
            maps.region_map_upload(user=user, region_code=code, data=GOOD, file_name="x")
        assert exc.value.code == ErrorCode.PERMISSION
    city = UserFactory(region_id="6403", role=Role.REVIEWER)
    assert maps.can_upload_map(city, "640323") and maps.can_upload_map(city, A)
    assert not maps.can_upload_map(city, "640323100201")  # a village has no sub-regions
    assert not RegionMap.objects.exists()


def _figures():
    for code, num in (("640323", 7), (A, 3), (B, 4)):
        Figure.objects.create(indicator="insurance_coverage_poor", region_code=code,
                              period="2025", numerator=num, denominator=10)


def test_the_dashboard_without_a_map_is_unchanged(client, county):
    _figures()
    client.force_login(county)
    resp = client.get("/indicators/640323/?period=2025&indicator=insurance_coverage_poor")
    assert resp.status_code == 200
    assert resp.context["chart"]["map"] is None
    assert b'id="ind-map"' not in resp.content
    assert "上传区划地图" in resp.content.decode()   # the county approver may load one


def test_the_dashboard_with_a_map_colours_the_sub_regions(client, county):
    _figures()
    maps.region_map_upload(user=county, region_code="640323", data=GOOD, file_name="x.json")
    reader = UserFactory(region_id="640323", role=Role.READONLY)
    client.force_login(reader)
    resp = client.get("/indicators/640323/?period=2025&indicator=insurance_coverage_poor")
    body = resp.content.decode()
    assert 'id="ind-map"' in body and "上传区划地图" not in body and "区划地图" in body
    m = resp.context["chart"]["map"]
    assert m["url"] == "/indicators/640323/map.geojson?v=1" and m["higher"] is True
    values = {v["name"]: (v["value"], v["label"], v["url"]) for v in m["values"]}
    assert values[A] == (30.0, "花马池镇",
                         f"/indicators/{A}/?period=2025&indicator=insurance_coverage_poor")
    assert values[B][0] == 40.0
    geo = client.get(m["url"])
    assert geo.status_code == 200 and geo["Content-Type"].startswith("application/geo+json")
    assert [f["properties"]["code"] for f in geo.json()["features"]] == [A, B]
    assert client.get("/indicators/640323/map/").status_code == 200


def test_the_map_is_served_only_inside_the_scope(client, county):
    maps.region_map_upload(user=county, region_code="640323", data=GOOD, file_name="x.json")
    client.force_login(UserFactory(region_id="140403", role=Role.APPROVER))
    assert client.get("/indicators/640323/map.geojson?v=1").status_code == 404
    assert client.get("/indicators/640323/map/").status_code == 404


def test_the_upload_page_lists_the_problems_of_a_refused_file(client, county):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(county)
    resp = client.post("/indicators/640323/map/", {"file": SimpleUploadedFile(
        "bad.geojson", fc(feature({"name": "无代码"})))})
    assert resp.status_code == 422
    assert "第1个要素（无代码）：缺少区划代码属性" in resp.content.decode()
    resp = client.post("/indicators/640323/map/", {"file": SimpleUploadedFile("ok.json", GOOD)})
    assert resp.status_code == 302 and RegionMap.objects.get().uploaded_by == county
    clerk = UserFactory(region_id="640323", role=Role.DATA_ENTRY)
    client.force_login(clerk)
    page = client.get("/indicators/640323/map/")
    assert page.status_code == 200 and b'id="map-form"' not in page.content
    assert client.post("/indicators/640323/map/", {}).status_code == 404
