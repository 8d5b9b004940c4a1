"""Reads of the division tree. Regions are not personal data: any logged-in user may read them,
but trees and counts shown to a user start at the user's own node."""

from __future__ import annotations

from .models import Region, RegionCodeAlias


def region_children(*, code: str | None) -> list[Region]:
    qs = Region.objects.filter(parent_id=code) if code else Region.objects.filter(parent__isnull=True)
    return list(qs.order_by("code"))


def region_path(*, code: str) -> list[Region]:
    """The chain from the province down to `code`."""
    prefixes = [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]
    return list(Region.objects.filter(code__in=prefixes).order_by("code"))


def region_current_code(*, code: str) -> str:
    """Today's code for a code found in an ID number (old 长治 codes → new)."""
    alias = RegionCodeAlias.objects.filter(code=code).only("current_id").first()
    return alias.current_id if alias else code
