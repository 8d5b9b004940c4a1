"""API: the division tree with counts by category, as far as the caller may see.

A user sees their own node, everything below it and the chain above it (the path); counts are
always of the records inside the user's scope. Any other node answers 404.
"""

from __future__ import annotations

from django.http import Http404
from ninja import Field, Router, Schema

from jkfp.accounts.access import code_visible
from jkfp.accounts.models import User
from jkfp.api.common import responses
from jkfp.categories import Category
from jkfp.registry import selectors as registry_selectors

from . import selectors
from .codes import LEVEL_LABELS, Level, normalize_code
from .models import Region

router = Router(tags=["行政区划"])


class RegionBrief(Schema):
    code: str
    name: str
    level: str
    is_generated: bool = Field(..., description="演示生成的区划（非官方名称与代码）")


class RegionCounts(RegionBrief):
    level_label: str
    persons: int = Field(..., description="在世人员数（您的管辖范围内）")
    counts: dict[str, int] = Field(
        ...,
        description="当前类别期间数，按类别代码：户类别为户数，人员类别为人数（您的管辖范围内）")


class RegionOut(RegionCounts):
    parent_code: str | None
    path: list[RegionBrief] = Field(..., description="自省级至本级的区划链")


def _get(user: User, raw: str) -> Region:
    try:
        code = normalize_code(raw)
    except ValueError:
        raise Http404("无此区划或不在您的管辖区域内") from None
    return selectors.region_visible_get(user=user, code=code)


def _node(region: Region, counts: dict[str, int], persons: int) -> dict:
    return {"code": region.code, "name": region.name, "level": region.level,
            "level_label": LEVEL_LABELS[Level(region.level)], "is_generated": region.is_generated,
            "persons": persons, "counts": {c.value: counts.get(c.value, 0) for c in Category}}


@router.get("/{code}", response=responses({200: RegionOut}), summary="区划及其类别统计")
def region_detail(request, code: str):
    user = request.auth
    region = _get(user, code)
    n = len(region.code)
    counts = registry_selectors.category_counts(user=user, region_code=region.code, child_length=n)
    persons = registry_selectors.person_counts(user=user, region_code=region.code, child_length=n)
    out = _node(region, counts.get(region.code, {}), persons.get(region.code, 0))
    out["parent_code"] = region.parent_id
    out["path"] = [{"code": r.code, "name": r.name, "level": r.level,
                    "is_generated": r.is_generated}
                   for r in selectors.region_path(code=region.code)]
    return out


@router.get("/{code}/children", response=responses({200: list[RegionCounts]}),
            summary="下级区划及各自的类别统计")
def region_children(request, code: str):
    user = request.auth
    region = _get(user, code)
    children = [c for c in selectors.region_children(code=region.code) if code_visible(user, c.code)]
    if not children:
        return []
    n = len(children[0].code)
    counts = registry_selectors.category_counts(user=user, region_code=region.code, child_length=n)
    persons = registry_selectors.person_counts(user=user, region_code=region.code, child_length=n)
    return [_node(c, counts.get(c.code, {}), persons.get(c.code, 0)) for c in children]
