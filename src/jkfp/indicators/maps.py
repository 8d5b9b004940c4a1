"""A region's map (decision 78): a GeoJSON of its sub-divisions, loaded by its own users (none
is shipped), checked and stored as a new version in one transaction; the dashboard then draws
the sub-regions coloured by the chosen indicator.

The check: a FeatureCollection whose every feature is a Polygon or MultiPolygon in longitude /
latitude degrees and names, in one of the accepted properties (`CODE_PROPERTIES`, compared
without regard to case), the code of a sub-region of the region — natural length or padded
to 12 digits (`640323100000` → `640323100`). Every problem is reported at once, by feature
(its number and the name it carries) and property; a refused file stores nothing. Stored is
the geometry with two properties, `code` and `name` (ours, from the division tree), so the
page needs no knowledge of the file's own attribute names.
"""

from __future__ import annotations

import hashlib
import json
import numbers

from django.db import transaction
from django.db.models import Max

from jkfp.accounts.access import code_in_scope, level_length
from jkfp.accounts.models import Role, User
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.regions.codes import normalize_code
from jkfp.regions.models import Region

from .models import RegionMap

#: the properties a feature's division code may be given in, in order of preference:
#: `code`, `adcode` (DataV.GeoAtlas exports), `region_code`, `xzqdm` (行政区代码 of land-survey
#: data), `区划代码`, `行政区划代码`
CODE_PROPERTIES = ("code", "adcode", "region_code", "xzqdm", "区划代码", "行政区划代码")
NAME_PROPERTIES = ("name", "xzqmc", "名称")
GEOMETRIES = ("Polygon", "MultiPolygon")
MAP_ROLES = (Role.REVIEWER, Role.APPROVER, Role.ADMIN)
MAX_FEATURES = 5000
MAX_ERRORS = 50


def can_upload_map(user: User, region_code: str) -> bool:
    """A region's map is loaded by a city- or county-level reviewer, approver or administrator
    for a region of their scope that has sub-regions (not a village)."""
    if not user.is_authenticated or len(region_code) >= 12:
        return False
    if user.is_superuser:
        return True
    return (user.role in MAP_ROLES and level_length(user) in (4, 6)
            and code_in_scope(user, region_code))


def _err(message: str, field: str, n: int | None = None) -> DomainError:
    return DomainError(ErrorCode.MAP_INVALID, message, field=field, row=n)


def _prop(props: dict, names: tuple[str, ...]) -> tuple[str, object] | None:
    lowered = {str(k).strip().lower(): (k, v) for k, v in props.items()}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def _positions_ok(coords, depth: int) -> str | None:
    """None if `coords` nests `depth` levels of lists down to [lon, lat] positions in degrees,
    else what is wrong (rings of at least four positions)."""
    if depth == 0:
        if not (isinstance(coords, list) and len(coords) >= 2
                and all(isinstance(x, numbers.Real) and not isinstance(x, bool)
                        for x in coords[:2])):
            return "坐标点须为 [经度, 纬度] 数值"
        lon, lat = coords[0], coords[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return (f"坐标 [{lon}, {lat}] 不是经纬度：须为地理坐标（WGS84 或 CGCS2000 经纬度），"
                    "不能是投影坐标（米）")
        return None
    if not isinstance(coords, list) or not coords:
        return "coordinates 须为非空的坐标数组"
    if depth == 1 and len(coords) < 4:
        return "多边形的环至少须有 4 个坐标点"
    for c in coords:
        why = _positions_ok(c, depth - 1)
        if why:
            return why
    return None


def geojson_check(data: bytes, *, children: dict[str, str]) -> tuple[dict, str, list[str]]:
    """The normalised FeatureCollection, the code property used and the sub-regions without a
    feature; ValidationErrors naming every bad feature otherwise. `children`: code → name of
    the region's sub-regions."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ValidationErrors([_err("文件须为 UTF-8 编码的 GeoJSON", "file")]) from None
    except json.JSONDecodeError as exc:
        raise ValidationErrors([_err(
            f"文件不是有效的 JSON：第{exc.lineno}行第{exc.colno}列（{exc.msg}）", "file")]) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ValidationErrors([_err("须为 GeoJSON 的 FeatureCollection（顶层 type 为 "
                                     "“FeatureCollection”）", "type")])
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise ValidationErrors([_err("features 须为非空数组", "features")])
    if len(features) > MAX_FEATURES:
        raise ValidationErrors([_err(f"要素过多（{len(features)}个，至多{MAX_FEATURES}个）",
                                     "features")])
    errors: list[DomainError] = []
    out, seen, used = [], {}, set()
    accepted = "、".join(CODE_PROPERTIES)
    for n, f in enumerate(features, start=1):
        where = f"features[{n - 1}]"
        if not isinstance(f, dict) or f.get("type") != "Feature":
            errors.append(_err(f"第{n}个要素：type 须为“Feature”", f"{where}.type", n))
            continue
        props = f.get("properties") if isinstance(f.get("properties"), dict) else {}
        named = _prop(props, NAME_PROPERTIES)
        label = f"第{n}个要素" + (f"（{named[1]}）" if named and named[1] else "")
        geom = f.get("geometry")
        if not isinstance(geom, dict) or geom.get("type") not in GEOMETRIES:
            got = geom.get("type") if isinstance(geom, dict) else geom
            errors.append(_err(f"{label}：geometry 须为 Polygon 或 MultiPolygon，而不是“{got}”",
                               f"{where}.geometry.type", n))
        else:
            why = _positions_ok(geom.get("coordinates"),
                                3 if geom["type"] == "MultiPolygon" else 2)
            if why:
                errors.append(_err(f"{label}：{why}", f"{where}.geometry.coordinates", n))
        found = _prop(props, CODE_PROPERTIES)
        if found is None:
            errors.append(_err(f"{label}：缺少区划代码属性（可用的属性名：{accepted}）",
                               f"{where}.properties", n))
            continue
        key, raw = found
        used.add(str(key))
        try:
            code = normalize_code(str(raw).strip())
        except ValueError:
            errors.append(_err(f"{label}：属性 {key} 的值“{raw}”不是区划代码",
                               f"{where}.properties.{key}", n))
            continue
        if code not in children:
            errors.append(_err(f"{label}：区划代码“{code}”不是本区划的下级区划",
                               f"{where}.properties.{key}", n))
            continue
        if code in seen:
            errors.append(_err(f"{label}：区划代码“{code}”与第{seen[code]}个要素重复",
                               f"{where}.properties.{key}", n))
            continue
        seen[code] = n
        if not any(e.row == n for e in errors):
            out.append({"type": "Feature", "properties": {"code": code, "name": children[code]},
                        "geometry": {"type": geom["type"], "coordinates": geom["coordinates"]}})
    if errors:
        raise ValidationErrors(errors[:MAX_ERRORS])
    missing = sorted(set(children) - set(seen))
    return {"type": "FeatureCollection", "features": out}, "、".join(sorted(used)), missing


def region_map_upload(*, user: User, region_code: str, data: bytes,
                      file_name: str) -> RegionMap:
    """Check a GeoJSON of the region's sub-divisions and store it as the region's next
    version (the one drawn from now on), in one transaction under a lock of the region."""
    region = Region.objects.filter(code=region_code).first()
    if region is None or not code_in_scope(user, region_code):
        raise DomainError(ErrorCode.REGION_OUT_OF_SCOPE, "区划不在您的管辖区域内",
                          field="region_code")
    if not can_upload_map(user, region_code):
        raise DomainError(ErrorCode.PERMISSION,
                          "只有市、县级的审核、审批人员或管理员可以上传本区域的地图")
    children = dict(Region.objects.filter(parent_id=region_code).values_list("code", "name"))
    if not children:
        raise DomainError(ErrorCode.MAP_INVALID, f"“{region.name}”没有下级区划，无需地图",
                          field="region_code")
    geojson, prop, missing = geojson_check(data, children=children)
    with transaction.atomic():
        Region.objects.select_for_update().filter(code=region_code).first()
        last = RegionMap.objects.filter(region_code=region_code).aggregate(v=Max("version"))["v"]
        return RegionMap.objects.create(
            region_code=region_code, version=(last or 0) + 1, geojson=geojson,
            code_property=prop, features=len(geojson["features"]), missing=missing,
            file_name=file_name[:255], file_sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=user)


# ---------------------------------------------------------------- reads
def map_current(*, region_code: str) -> RegionMap | None:
    """The region's map in force (its highest version), without its geometry."""
    return (RegionMap.objects.filter(region_code=region_code).defer("geojson")
            .order_by("-version").first())


def map_versions(*, region_code: str) -> list[RegionMap]:
    return list(RegionMap.objects.filter(region_code=region_code).defer("geojson")
                .select_related("uploaded_by").order_by("-version")[:50])


def map_geojson(*, region_code: str, version: int | None = None) -> RegionMap | None:
    qs = RegionMap.objects.filter(region_code=region_code)
    if version is not None:
        qs = qs.filter(version=version)
    return qs.order_by("-version").first()
