"""The dashboard of a region (decision 58d): every indicator against its target, the trend
of one, the ranking of the sub-regions with a click down to each, and for allowed roles the
persons behind a number; its Excel workbook."""

from __future__ import annotations

import io
import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from jkfp.accounts.access import scope_prefix
from jkfp.errors import DomainError
from jkfp.sources import source_text

from . import definitions, maps, selectors
from .periods import parse

SHEET_BAD = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in a sheet's name
LEVEL_NAMES = {2: "省", 4: "市", 6: "县", 9: "乡镇", 12: "村"}


def _period(request) -> str:
    raw = request.GET.get("period") or str(timezone.localdate().year)
    try:
        return parse(raw).code
    except DomainError as exc:
        raise Http404(exc.message) from None


def _crumbs(user, code: str) -> list[tuple[str, str]]:
    prefix = scope_prefix(user) or ""
    codes = [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code) and len(code[:n]) >= len(
        prefix) and code[:n].startswith(prefix)]
    names = selectors._names(codes)
    return [(c, names.get(c, c)) for c in codes]


@login_required
def home(request):
    prefix = scope_prefix(request.user)
    if not prefix:
        raise Http404("未设置所属区划")
    return redirect("indicators:dashboard", code=prefix)


def chart_data(rows, trend, ind) -> dict:
    """The dashboard's chart data: the bars of every indicator on one percent axis (a count,
    facility_gaps, stays in the table, not here) and the chosen indicator's trend."""
    return {
        "bars": [{"name": r.indicator.name, "value": _round(r.value),
                  "target": r.indicator.target, "short": r.short} for r in rows
                 if r.indicator.unit != "count"],
        "trend": {"periods": [t.period for t in trend],
                  "values": [_round(t.value) for t in trend],
                  "target": ind.target if ind else None,
                  "percent": not (ind and ind.unit == "count")},
    }


@login_required
def dashboard(request, code: str):
    period = _period(request)
    region = selectors.region_get(user=request.user, code=code)
    rows = selectors.figures_of(user=request.user, region_code=code, period=period)
    defs = definitions.current()
    chosen = request.GET.get("indicator") or (rows[0].indicator.id if rows else "")
    if chosen and chosen not in defs.indicators:
        raise Http404("指标不存在")
    children = selectors.children_of(user=request.user, region_code=code, period=period,
                                     indicator=chosen) if chosen else []
    trend = selectors.trend_of(user=request.user, region_code=code, period=period,
                               indicator=chosen) if chosen else []
    ind = defs.indicators.get(chosen)
    chart = chart_data(rows, trend, ind)
    region_map = maps.map_current(region_code=code)
    chart["map"] = map_data(region_map, children, ind, code, period) if (
        region_map and ind) else None
    return render(request, "indicators/dashboard.html", {
        "region": region, "period": period, "rows": rows, "chosen": ind,
        "plan_text": source_text(ind.plan, folder=settings.JKFP_POLICIES_DIR) if ind else "",
        "children": children, "trend": trend, "crumbs": _crumbs(request.user, code),
        "level": LEVEL_NAMES.get(len(code), ""), "child_level": LEVEL_NAMES.get(
            selectors.CHILD.get(len(code), 0), ""),
        "may_drill": bool(ind) and selectors.may_drill(request.user, ind),
        "chart": chart, "region_map": region_map,
        "may_upload_map": maps.can_upload_map(request.user, code), "here": "indicators",
    })


def map_data(region_map, children, ind, code: str, period: str) -> dict:
    """The map's data (decision 78): where to fetch the region's GeoJSON (by version, so the
    browser caches it), each sub-region's value, and where a click on it goes."""
    return {
        "url": reverse("indicators:map_geojson", args=[code]) + f"?v={region_map.version}",
        "key": f"jkfp-{code}-v{region_map.version}",
        "higher": ind.direction == "higher", "percent": ind.unit != "count",
        "target": ind.target,
        "values": [{"name": c.region_code, "value": _round(c.value), "label": c.region_name,
                    "shown": c.shown, "short": c.short,
                    "url": reverse("indicators:dashboard", args=[c.region_code])
                    + f"?period={period}&indicator={ind.id}"}
                   for c in children if not c.own_level],
    }


def _round(v):
    return None if v is None else round(v, 2)


@login_required
def persons(request, code: str, indicator: str):
    period = _period(request)
    region = selectors.region_get(user=request.user, code=code)
    everyone = request.GET.get("all") == "1"
    rows, total = selectors.persons_behind(user=request.user, indicator=indicator,
                                           region_code=code, period=period,
                                           missing_only=not everyone)
    ind = definitions.current().indicators[indicator]
    return render(request, "indicators/persons.html", {
        "region": region, "period": period, "indicator": ind, "rows": rows, "total": total,
        "everyone": everyone, "crumbs": _crumbs(request.user, code), "here": "indicators",
    })


@login_required
def report(request, code: str):
    """The monthly report (decision 66b): one region, one month, short enough for one A4."""
    from . import report as monthly

    try:
        month = monthly.month_of(request.GET.get("period"), timezone.localdate())
    except DomainError as exc:
        raise Http404(exc.message) from None
    region = selectors.region_get(user=request.user, code=code)
    rows = monthly.monthly_report(user=request.user, region_code=code, month=month)
    return render(request, "indicators/report.html", {
        "region": region, "month": month, "period": month.code, "rows": rows,
        "short": [r for r in rows if r.now.short], "examples": [r for r in rows
                                                               if r.now.indicator.example],
        "made_at": timezone.localtime(), "crumbs": _crumbs(request.user, code),
        "level": LEVEL_NAMES.get(len(code), ""), "here": "indicators",
    })


@login_required
def workbook(request, code: str):
    """One sheet per indicator: the region and its sub-regions by the periods of the year."""
    import xlsxwriter

    period = parse(_period(request))
    region = selectors.region_get(user=request.user, code=code)
    from .periods import of_year
    codes = [p.code for p in of_year(period.year)]
    defs = definitions.current()
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    head = wb.add_format({"bold": True, "bg_color": "#eef1f5", "border": 1})
    red = wb.add_format({"font_color": "#b3261e", "num_format": "0.00"})
    num = wb.add_format({"num_format": "0.00"})
    by = {}
    for p in codes:
        for r in selectors.export_rows(user=request.user, region_code=code, period=p):
            by[(r.indicator.id, r.region_code, p)] = r
    regions = sorted({k[1] for k in by if len(k[1]) in (len(code), selectors.CHILD.get(
        len(code), 0))}, key=lambda c: (len(c), c))
    names = selectors._names(regions)
    for n, ind in enumerate(defs.indicators.values()):
        ws = wb.add_worksheet(f"{n + 1:02d}{SHEET_BAD.sub('_', ind.name)[:25]}")
        ws.write_row(0, 0, ["区划代码", "名称", *codes], head)
        ws.write(1, 0, f"{ind.name}；目标 {'' if ind.target is None else f'{ind.target:g}%'}"
                 f"{'（含示例值）' if ind.example else ''}")
        for i, rc in enumerate(regions):
            ws.write_row(i + 2, 0, [rc, names.get(rc, rc)])
            for j, p in enumerate(codes):
                r = by.get((ind.id, rc, p))
                if r is not None and r.value is not None:
                    ws.write_number(i + 2, j + 2, r.value, red if r.short else num)
        ws.set_column(0, 0, 14)
        ws.set_column(1, 1, 16)
    wb.close()
    resp = HttpResponse(buf.getvalue(), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    resp["Content-Disposition"] = f'attachment; filename="indicators_{region.code}_{period.year}.xlsx"'
    return resp
