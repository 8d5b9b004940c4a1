"""Reads of the summaries: counts by child region inside the user's scope (decision 25).

The rows hold counts, not personal data, but the one scope rule still applies: a user gets
the counts of the villages inside their region (`accounts.access.scoped`), the same numbers as
a count of the records they may read.
"""

from __future__ import annotations

from django.db.models import Sum
from django.db.models.functions import Substr

from jkfp.accounts.access import in_region, scoped
from jkfp.accounts.models import User

from .models import RegionCount


def summary_counts(*, user: User, name: str, region_code: str,
                   child_length: int) -> dict[str, dict[str, int]]:
    """{child region code: {key: count}} of summary `name` under `region_code`."""
    qs = scoped(RegionCount.objects.filter(summary=name), user).filter(in_region(region_code))
    rows = (qs.annotate(child=Substr("region_code", 1, child_length))
            .values_list("child", "key").annotate(total=Sum("n")).order_by())
    out: dict[str, dict[str, int]] = {}
    for child, key, total in rows:
        if total:
            out.setdefault(child, {})[key] = int(total)
    return out


def summary_rows(*, name: str) -> dict[tuple[str, str], int]:
    """Every non-zero count of a summary (for checks and tests; counts only, no scope needed
    beyond the caller's: commands that print it act on no personal data)."""
    return {(r, k): int(n) for r, k, n in
            RegionCount.objects.filter(summary=name).exclude(n=0)
            .values_list("region_code", "key", "n")}


def summary_totals(*, user: User, name: str, region_code: str = "") -> dict[str, int]:
    """{key: count} of summary `name` over the villages under `region_code` that the user may
    see (the whole scope when empty)."""
    qs = scoped(RegionCount.objects.filter(summary=name), user)
    if region_code:
        qs = qs.filter(in_region(region_code))
    return {k: int(n) for k, n in qs.values_list("key").annotate(total=Sum("n")).order_by()
            if n}
