"""Scoped reads of the indicator figures and of the persons behind a number (decision 58d).

Figures hold no personal data, yet a user reads only the regions of their scope and the chain
above it is not shown: a region outside the scope is a 404, like every record. The persons
behind a number are read through the registry's scoped selector (`person_scope`), masked; for
an indicator over health records only users who may see health details get them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.db import connection
from django.http import Http404

from jkfp.accounts.access import can_see_health, code_in_scope, in_region
from jkfp.accounts.models import User
from jkfp.policy.money import fmt_amount
from jkfp.regions.models import Region
from jkfp.registry.idnumber import mask
from jkfp.registry.selectors import person_scope

from . import compute, definitions
from .definitions import Indicator
from .models import Figure
from .periods import Period, parse, recent_months

HEALTH_UNITS = {"registration", "case", "statement", "stay"}
CHILD = {2: 4, 4: 6, 6: 9, 9: 12}


@dataclass(frozen=True)
class Row:
    indicator: Indicator
    region_code: str
    region_name: str
    period: str
    numerator: int
    denominator: int
    base: tuple[int, int] | None = None   # the baseline year's figure (decision 66c)

    @property
    def value(self) -> float | None:
        return self.indicator.value(self.numerator, self.denominator)

    @property
    def change(self) -> float | None:
        """Points since the baseline year, for an indicator judged by its change."""
        if self.indicator.target_change is None or self.base is None:
            return None
        v, b = self.value, self.indicator.value(*self.base)
        return None if v is None or b is None else v - b

    @property
    def meets(self) -> bool | None:
        if self.indicator.target_change is not None:
            c = self.change
            return None if c is None else c >= self.indicator.target_change - 1e-9
        return self.indicator.meets(self.value)

    @property
    def short(self) -> bool:
        return self.meets is False

    @property
    def shown(self) -> str:
        """The value as a page shows it: a percent to two places, a count as it is."""
        v = self.value
        if v is None:
            return "—"
        text = f"{v:.0f}" if self.indicator.unit == "count" else f"{v:.2f}%"
        if self.change is not None:
            text += f"（较{self.indicator.baseline_year}年{self.change:+.2f}个百分点）"
        return text

    @property
    def fraction(self) -> str:
        """Numerator / denominator as a page shows them: persons or units grouped by thousands,
        amounts (stored in fen) in yuan — never bare fen a reader would take for yuan."""
        if self.indicator.in_fen:
            return f"{fmt_amount(self.numerator)} / {fmt_amount(self.denominator)}元"
        return f"{self.numerator:,} / {self.denominator:,}"

    @property
    def own_level(self) -> bool:
        """A padded code: the township's or county's own institutions, not a sub-region."""
        return _own_level(self.region_code) is not None


def region_get(*, user: User, code: str) -> Region:
    if not code_in_scope(user, code):
        raise Http404("区划不在您的管辖区域内")
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404("区划不存在")
    return region


def _own_level(code: str) -> str | None:
    """The township or county a padded code counts the institutions of (decision 65)."""
    for n in (9, 6):
        if len(code) in (9, 12) and n < len(code) and code[n:] == "0" * (len(code) - n):
            return code[:n]
    return None


def _names(codes) -> dict[str, str]:
    codes = set(codes)
    own = {c: _own_level(c) for c in codes}
    found = dict(Region.objects.filter(code__in=codes | {o for o in own.values() if o})
                 .values_list("code", "name"))
    for c, o in own.items():
        if c not in found and o in found:
            found[c] = f"{found[o]}（本级机构）"
    return found


def _rows(qs, period: str, defs) -> list[Row]:
    data = list(qs.values_list("indicator", "region_code", "period", "numerator",
                               "denominator"))
    names = _names({d[1] for d in data})
    base = _baselines(data, defs)
    return [Row(defs.indicators[i], r, names.get(r, r), p, n, d, base.get((i, r)))
            for i, r, p, n, d in data if i in defs.indicators]


def _baselines(data, defs) -> dict[tuple[str, str], tuple[int, int]]:
    """The baseline year's figures of the rows' regions, for indicators judged by change."""
    years = {defs.indicators[i].baseline_year for i, _r, p, _n, _d in data
             if i in defs.indicators and defs.indicators[i].baseline_year and p.isdigit()}
    if not years:
        return {}
    ids = [i for i in defs.indicators if defs.indicators[i].baseline_year]
    qs = Figure.objects.filter(indicator__in=ids, period__in=[str(y) for y in years],
                               region_code__in={d[1] for d in data})
    return {(i, r): (n, d) for i, r, p, n, d in qs.values_list(
        "indicator", "region_code", "period", "numerator", "denominator")
        if p == str(defs.indicators[i].baseline_year)}


def computed(period: str) -> bool:
    """Whether the period has been computed: a rebuild writes figures for every region that
    has any, and none for a region where an indicator counts nobody (0 of 0, or no gaps)."""
    return Figure.objects.filter(period=period).exists()


def _nothing(ind: Indicator, code: str, name: str, period: str) -> Row:
    """The figure of a region the computation found nothing in: 0 of 0 — no value for a
    share, and a count of 0 (no gaps left) for a count."""
    return Row(ind, code, name, period, 0, 0)


def figures_of(*, user: User, region_code: str, period: str) -> list[Row]:
    """Every indicator of one region and period, in the order of the definition files; once
    the period is computed, an indicator without a figure there is shown as 0 of 0."""
    region = region_get(user=user, code=region_code)
    defs = definitions.current()
    found = {r.indicator.id: r for r in _rows(
        Figure.objects.filter(period=period, region_code=region_code), period, defs)}
    if not found and not computed(period):
        return []
    return [found.get(i) or _nothing(ind, region_code, region.name, period)
            for i, ind in defs.indicators.items()]


def children_of(*, user: User, region_code: str, period: str, indicator: str) -> list[Row]:
    """The sub-regions' figures of one indicator, worst first (the ranking)."""
    region_get(user=user, code=region_code)
    defs = definitions.current()
    ind = _indicator(indicator)
    length = CHILD.get(len(region_code))
    if length is None:
        return []
    qs = Figure.objects.filter(in_region(region_code), indicator=indicator, period=period,
                               region_code__regex=rf"^\d{{{length}}}$")
    rows = _rows(qs, period, defs)
    if rows or computed(period):
        have = {r.region_code for r in rows}
        rows += [_nothing(ind, c, n, period) for c, n in Region.objects.filter(
            parent_id=region_code).exclude(code__in=have).values_list("code", "name")]
    sign = 1 if ind.direction == "higher" else -1
    return sorted(rows, key=lambda r: (r.value is None, sign * (r.value or 0), r.region_code))


def trend_of(*, user: User, region_code: str, period: str, indicator: str) -> list[Row]:
    """The 12 months up to the period's last month (missing months left out)."""
    region_get(user=user, code=region_code)
    months = [p.code for p in recent_months(parse(period))]
    rows = _rows(Figure.objects.filter(region_code=region_code, indicator=indicator,
                                       period__in=months), period, definitions.current())
    return sorted(rows, key=lambda r: r.period)


def _indicator(indicator: str) -> Indicator:
    ind = definitions.current().indicators.get(indicator)
    if ind is None:
        raise Http404("指标不存在")
    return ind


def may_drill(user: User, ind: Indicator) -> bool:
    if ind.regional:  # institutions, gaps, warnings: no persons behind the number
        return False
    units = {ind.population.predicate.unit, ind.numerator.predicate.unit}
    return can_see_health(user) or not (units & HEALTH_UNITS)


@dataclass(frozen=True)
class PersonRow:
    person_id: int
    name: str
    id_masked: str
    region_code: str
    in_numerator: bool


def persons_behind(*, user: User, indicator: str, region_code: str, period: str,
                   missing_only: bool = True, limit: int = 500) -> tuple[list[PersonRow], int]:
    """The persons of a figure's denominator in a region (by default those not in its
    numerator: who pulls the figure down), read through the registry's scoped selector."""
    region_get(user=user, code=region_code)
    ind = _indicator(indicator)
    if not may_drill(user, ind):
        raise Http404("无权查看此指标涉及的人员")
    p: Period = parse(period)
    sql, params = compute.village_sql(ind, p, poor=definitions.current().poor,
                                      select_units=True, prefix=region_code)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        units = cur.fetchall()
    flags: dict[int, bool] = {}
    for _unit, person_id, _rc, num in units:
        flags[person_id] = flags.get(person_id, False) or bool(num)
    ids = [pid for pid, f in flags.items() if not (missing_only and f)]
    qs = person_scope(user=user).filter(id__in=ids).order_by("region_code", "id")
    total = qs.count()
    rows = [PersonRow(pe.id, pe.name, mask(pe.id_number), pe.region_code, flags[pe.id])
            for pe in qs[:limit]]
    return rows, total


COLUMNS = ["indicator", "name", "region_code", "region_name", "period", "numerator",
           "denominator", "value", "target", "meets", "example"]


def export_rows(*, user: User, region_code: str, period: str) -> list[Row]:
    """The figures of a region and every region below it, for one period: one row per
    indicator and region (0 of 0 where the computation found nothing) once it is computed."""
    region_get(user=user, code=region_code)
    defs = definitions.current()
    qs = Figure.objects.filter(in_region(region_code), period=period).order_by(
        "region_code", "indicator")
    rows = _rows(qs, period, defs)
    if rows or computed(period):
        have = {(r.indicator.id, r.region_code) for r in rows}
        rows += [_nothing(ind, c, n, period)
                 for c, n in Region.objects.filter(in_region(region_code, field="code"))
                 .values_list("code", "name")
                 for i, ind in defs.indicators.items() if (i, c) not in have]
    order = {i: n for n, i in enumerate(defs.indicators)}
    return sorted(rows, key=lambda r: (len(r.region_code), r.region_code, order[r.indicator.id]))


def csv_values(r: Row) -> list:
    v = r.value
    return [r.indicator.id, r.indicator.name, r.region_code, r.region_name, r.period,
            r.numerator, r.denominator, "" if v is None else f"{v:.2f}",
            "" if r.indicator.target is None else f"{r.indicator.target:g}",
            "" if r.meets is None else ("yes" if r.meets else "no"),
            "yes" if r.indicator.example else "no"]


def figures_export_csv(*, user: User, region_code: str, period: str, path: str,
                       bom: bool = False) -> int:
    """The export as CSV, UTF-8: plain for programs (the first column is `indicator`), or
    with a BOM for Excel, which reads a file without one in the system's code page."""
    rows = export_rows(user=user, region_code=region_code, period=period)
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow(csv_values(r))
    return len(rows)
