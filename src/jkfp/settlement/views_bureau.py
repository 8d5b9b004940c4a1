"""The insurance bureau's list of stays and statements (by region, discharge period and
category, with totals per fund, the combined coverage ratio and the high self-pay cases) and
its Excel export."""

from __future__ import annotations

import tempfile
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from jkfp.accounts.access import code_in_scope
from jkfp.errors import DomainError
from jkfp.policy.money import parse_yuan
from jkfp.regions import selectors as region_selectors
from jkfp.web.http import paginate

from . import export
from .bureau import (
    DEFAULT_SORT,
    SORTS,
    BureauFilters,
    bureau_statements,
    bureau_totals,
    region_names,
)
from .differences import can_read_differences
from .forms import BureauForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form(request) -> tuple[BureauForm, BureauFilters | None]:
    user = request.user
    regions = region_selectors.region_options(user=user, include=request.GET.get("region", ""))
    form = BureauForm(request.GET or None, regions=regions)
    if not request.GET:
        return form, BureauFilters()
    if not form.is_valid():
        return form, None
    d = form.cleaned_data
    high = None
    if (d.get("high") or "").strip():
        try:
            high = parse_yuan(d["high"], field="high")
        except DomainError as exc:
            form.add_error("high", exc.message)
            return form, None
    region = d.get("region") or ""
    if region and not code_in_scope(user, region):
        form.add_error("region", _("区划不在您的管辖区域内"))
        return form, None
    return form, BureauFilters(
        region_code=region,
        discharged_from=d.get("discharged_from"),
        discharged_to=d.get("discharged_to"),
        category=d.get("category") or "",
        high_self_pay_fen=high,
        only_high=bool(d.get("only_high")),
        sort=d.get("sort") or DEFAULT_SORT,
    )


def _sort_links(request, current: str) -> dict[str, dict]:
    """Per sortable column: the URL that sorts by it (flipping the direction) and its state."""
    params = {k: v for k, v in request.GET.items() if k not in ("sort", "page") and v}
    out = {}
    for key in SORTS:
        state = "asc" if current == key else "desc" if current == f"-{key}" else ""
        target = f"-{key}" if state != "desc" else key
        out[key] = {"url": "?" + urlencode({**params, "sort": target}), "state": state}
    return out


def _columns() -> list[tuple[str, str]]:
    """The list's columns: (sort key or a plain name, heading)."""
    return [
        ("no", _("结算单")),
        ("name", _("姓名")),
        ("region", _("乡镇、村")),
        ("hospital", _("医疗机构")),
        ("admission", _("入院日期")),
        ("discharge", _("出院日期")),
        ("category", _("结算身份")),
        ("total", _("总费用（元）")),
        ("reimbursed", _("报销合计（元）")),
        ("self_pay", _("个人自付（元）")),
    ]


@login_required
def bureau_list(request):
    form, f = _form(request)
    context = {"form": form, "filters": f,
               "can_read_differences": can_read_differences(request.user)}
    status = 200
    if f is None:
        status = 422
    else:
        totals = bureau_totals(user=request.user, f=f)
        qs = bureau_statements(user=request.user, f=f, threshold_fen=totals.high_self_pay_fen)
        page = paginate(
            qs,
            number=form.cleaned_data.get("page") if form.is_bound else None,
            params=request.GET.dict(),
        )
        names = region_names(s.region_code for s in page.items)
        for s in page.items:
            s.region_label = names[s.region_code]
        context.update(
            totals=totals,
            page=page,
            sorts=_sort_links(request, f.sort),
            query=request.GET.urlencode(),
            columns=_columns(),
            numeric=("total", "reimbursed", "self_pay"),
        )
    return render(request, "settlement/bureau.html", context, status=status)


@login_required
def bureau_export(request):
    form, f = _form(request)
    if f is None:
        return render(
            request, "settlement/bureau.html", {"form": form, "filters": None}, status=422
        )
    user = request.user
    totals = bureau_totals(user=user, f=f)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    tmp = tempfile.TemporaryFile(prefix="jkfp-export-")
    try:
        export.export_write(
            tmp,
            user=user,
            f=f,
            totals=totals,
            path=request.path,
            title=_("住院结算清单（导出于 %(t)s）") % {"t": stamp},
        )
        tmp.seek(0)
    except BaseException:
        tmp.close()
        raise
    return FileResponse(
        tmp, as_attachment=True, filename=f"jkfp-statements-{stamp}.xlsx", content_type=XLSX
    )
