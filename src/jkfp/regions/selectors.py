"""Reads of the division tree. Regions are not personal data: any logged-in user may read them,
but trees and counts shown to a user start at the user's own node."""

from __future__ import annotations

from django.http import Http404

from jkfp.accounts.access import LEVEL_LENGTHS, code_in_scope, code_visible, scope_prefix
from jkfp.accounts.models import User

from .models import Region, RegionCodeAlias


def region_children(*, code: str | None) -> list[Region]:
    qs = Region.objects.filter(parent_id=code) if code else Region.objects.filter(parent__isnull=True)
    return list(qs.order_by("code"))


def region_path(*, code: str) -> list[Region]:
    """The chain from the province down to `code`."""
    prefixes = [code[:n] for n in LEVEL_LENGTHS if n <= len(code)]
    return list(Region.objects.filter(code__in=prefixes).order_by("code"))


def region_current_code(*, code: str) -> str:
    """Today's code for a code found in an ID number (old 长治 codes → new)."""
    alias = RegionCodeAlias.objects.filter(code=code).only("current_id").first()
    return alias.current_id if alias else code


# ---------------------------------------------------------------- a user's part of the tree
def region_in_user_scope(*, user: User, code: str) -> Region:
    """A region node the user may look at; 404 outside the user's region."""
    if not code_in_scope(user, code):
        raise Http404("无此区划或不在您的管辖区域内")
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise Http404("无此区划") from None


def region_visible_get(*, user: User, code: str) -> Region:
    """A node inside the user's scope or on the chain above it (the API's region pages)."""
    region = Region.objects.filter(code=code).first()
    if region is None or not code_visible(user, code):
        raise Http404("无此区划或不在您的管辖区域内")
    return region


def region_options(*, user: User, depth: int = 2, include: str = "") -> list[Region]:
    """Nodes of the user's subtree for a region filter: the user's node and `depth` levels
    below it (a city user gets counties and townships, a township user its villages)."""
    prefix = scope_prefix(user)
    if prefix is None:
        return []
    start = LEVEL_LENGTHS.index(len(prefix)) if prefix else 0
    allowed = set(LEVEL_LENGTHS[start:start + depth + 1])
    qs = Region.objects.filter(code__startswith=prefix) if prefix else Region.objects.all()
    nodes = [r for r in qs.order_by("code") if len(r.code) in allowed]
    if include and code_in_scope(user, include) and all(r.code != include for r in nodes):
        extra = Region.objects.filter(code=include).first()
        if extra:
            nodes.append(extra)
            nodes.sort(key=lambda r: r.code)
    return nodes


def village_choices(*, user: User) -> list[tuple[str, list[tuple[str, str]]]]:
    """Villages a user may register households in, grouped by township."""
    prefix = scope_prefix(user)
    if prefix is None:
        return []
    villages = Region.objects.filter(level="village", code__startswith=prefix).order_by("code")
    townships = {r.code: r.display_name for r in
                 Region.objects.filter(level="township", code__startswith=prefix[:9])}
    groups: dict[str, list[tuple[str, str]]] = {}
    for v in villages:
        groups.setdefault(v.code[:9], []).append((v.code, f"{v.display_name}（{v.code}）"))
    return [(townships.get(t, t), opts) for t, opts in groups.items()]


def region_names(*, codes) -> dict[str, str]:
    """The names of region codes (not personal data), for tables counted by region."""
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))
