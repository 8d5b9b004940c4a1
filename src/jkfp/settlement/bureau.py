"""The insurance bureau's list of stays and statements (decision 37): current statements by
region, discharge period and category, with totals per fund, the combined coverage ratio and
the high self-pay cases, read through the user's scope.

Totals are one SQL aggregate over the filtered statements (the amounts per fund are read from
the `fund_amounts` JSON column with a key transform, on SQLite and PostgreSQL alike). The
high self-pay threshold is the user's; without one it is taken from the data: the self-pay of
the selection's 90th percentile (one more indexed query), never a policy value made up here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import BigIntegerField, Count, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from jkfp.accounts.access import in_region
from jkfp.accounts.models import User
from jkfp.policy.schema import FUNDS
from jkfp.regions.models import Region

from .models import Statement, StatementStatus
from .selectors import statement_scope

#: sort keys of the list → the columns (the statement's id breaks ties)
SORTS = {
    "discharge": "stay__discharge_date",
    "admission": "stay__admission_date",
    "total": "stay__total_fen",
    "reimbursed": "reimbursed_fen",
    "self_pay": "self_pay_fen",
    "region": "region_code",
    "name": "person__name",
}
DEFAULT_SORT = "-discharge"
HIGH_PERCENTILE = 90


@dataclass(frozen=True)
class BureauFilters:
    region_code: str = ""
    discharged_from: dt.date | None = None
    discharged_to: dt.date | None = None
    category: str = ""
    high_self_pay_fen: int | None = None  # None: from the data (HIGH_PERCENTILE)
    only_high: bool = False
    sort: str = DEFAULT_SORT


@dataclass
class Totals:
    count: int = 0
    total_fen: int = 0
    in_policy_fen: int = 0
    reimbursed_fen: int = 0
    self_pay_fen: int = 0
    funds: dict[str, int] = field(default_factory=dict)
    high_count: int = 0
    high_self_pay_fen: int = 0  # the threshold applied
    threshold_from_data: bool = False

    @property
    def coverage_ratio(self) -> Fraction:
        """Everything reimbursed / everything spent (0 without cost)."""
        return Fraction(self.reimbursed_fen, self.total_fen) if self.total_fen else Fraction(0)

    @property
    def coverage_percent(self) -> str:
        """The ratio in percent with two decimals, rounded half up ("83.33")."""
        if not self.total_fen:
            return "0.00"
        bp = (self.reimbursed_fen * 20000 + self.total_fen) // (2 * self.total_fen)
        return f"{bp // 100}.{bp % 100:02d}"

    def fund_rows(self) -> list[tuple[str, str, int]]:
        """(fund code, its name, amount) for the funds that paid anything, in vocabulary order."""
        return [
            (k, name, self.funds.get(k, 0)) for k, name in FUNDS.items() if self.funds.get(k, 0)
        ]


def _base(*, user: User, f: BureauFilters) -> QuerySet[Statement]:
    qs = statement_scope(user=user).filter(status=StatementStatus.CURRENT)
    if f.region_code:
        qs = qs.filter(in_region(f.region_code))
    if f.discharged_from:
        qs = qs.filter(stay__discharge_date__gte=f.discharged_from)
    if f.discharged_to:
        qs = qs.filter(stay__discharge_date__lte=f.discharged_to)
    if f.category:
        qs = qs.filter(stay__category=f.category)
    return qs


def high_threshold_from_data(qs: QuerySet[Statement], count: int) -> int:
    """The self-pay at the HIGH_PERCENTILE-th percentile of `qs` (0 when empty)."""
    if not count:
        return 0
    index = (count - 1) * HIGH_PERCENTILE // 100
    return qs.order_by("self_pay_fen", "id").values_list("self_pay_fen", flat=True)[index]


def bureau_totals(*, user: User, f: BureauFilters) -> Totals:
    """The totals of the selection in one aggregate query (plus one for a data threshold)."""
    qs = _base(user=user, f=f)
    threshold = f.high_self_pay_fen
    from_data = threshold is None
    if from_data:
        threshold = high_threshold_from_data(qs, qs.count())

    def fen(expr):
        return Coalesce(Sum(expr), 0, output_field=BigIntegerField())

    aggregates = {  # aliases must not be the names of fields
        "n": Count("id"),
        "sum_total": fen("stay__total_fen"),
        "sum_in_policy": fen("stay__in_policy_fen"),
        "sum_reimbursed": fen("reimbursed_fen"),
        "sum_self_pay": fen("self_pay_fen"),
        "n_high": Count("id", filter=Q(self_pay_fen__gte=threshold)),
    }
    for fund in FUNDS:
        aggregates[f"sum_fund_{fund}"] = fen(Cast(KT(f"fund_amounts__{fund}"), BigIntegerField()))
    row = qs.order_by().aggregate(**aggregates)
    return Totals(
        count=row["n"],
        total_fen=row["sum_total"],
        in_policy_fen=row["sum_in_policy"],
        reimbursed_fen=row["sum_reimbursed"],
        self_pay_fen=row["sum_self_pay"],
        funds={k: row[f"sum_fund_{k}"] for k in FUNDS},
        high_count=row["n_high"],
        high_self_pay_fen=threshold,
        threshold_from_data=from_data,
    )


def bureau_statements(*, user: User, f: BureauFilters, threshold_fen: int) -> QuerySet[Statement]:
    """The selection's statements in the order asked (`SORTS`, "-" for descending); only the
    high self-pay cases with `f.only_high`."""
    qs = (
        _base(user=user, f=f)
        .select_related("stay", "person")
        .defer("detail", "accumulators_after", "tier_amounts")  # the list needs none of them
    )
    if f.only_high:
        qs = qs.filter(self_pay_fen__gte=threshold_fen)
    key = f.sort if f.sort.lstrip("-") in SORTS else DEFAULT_SORT
    column = SORTS[key.lstrip("-")]
    desc = key.startswith("-")
    return qs.order_by(f"-{column}" if desc else column, "-id" if desc else "id")


def region_names(codes) -> dict[str, str]:
    """Village codes → "township village" names (one query), the code itself if unknown."""
    codes = set(codes)
    wanted = codes | {c[:9] for c in codes}
    names = {r.code: r.display_name for r in Region.objects.filter(code__in=wanted)}
    return {c: " ".join(n for n in (names.get(c[:9]), names.get(c)) if n) or c for c in codes}
