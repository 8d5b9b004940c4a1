"""The difference report between the platform's settlement records and jkfp's statements
(decision 52): a page with the totals per fund and the differing stays, and its Excel export.
Who may read: `differences.can_read_differences`; every read is scoped to the user's region."""

from __future__ import annotations

import io
from itertools import islice

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from jkfp.accounts import access
from jkfp.accounts.services import data_access_log
from jkfp.registry import idnumber

from .differences import (
    FUNDS,
    HEADINGS,
    KEYS,
    PERSONAL,
    can_read_differences,
    difference_totals,
    differences,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_ROWS = 200


def _params(request) -> tuple[int | None, bool, str | None]:
    year_text = (request.GET.get("year") or "").strip()
    only = request.GET.get("all") != "1"
    if not year_text:
        return timezone.localdate().year, only, None
    if not year_text.isdigit() or not 1990 <= int(year_text) <= 2099:
        return None, only, _("年度应为四位年份，如2025")
    return int(year_text), only, None


def _refused(request):
    if not can_read_differences(request.user):
        return render(request, "settlement/refused.html",
                      {"message": _("只有医保部门和县级以上卫生健康部门可以查看结算差异")},
                      status=403)
    return None


@login_required
def difference_report(request):
    if (refused := _refused(request)) is not None:
        return refused
    year, only, error = _params(request)
    context = {"year": year, "only": only, "error": error, "funds": KEYS, "headings": HEADINGS}
    if error:
        return render(request, "settlement/differences.html", context, status=422)
    rows = list(differences(user=request.user, year=year))
    totals = difference_totals(rows)
    shown = [d for d in rows if d.any] if only else rows
    context.update(
        totals=totals,
        total_rows=[(k, HEADINGS[k], totals.platform[k], totals.ours[k], totals.diff[k])
                    for k in KEYS],
        rows=list(islice(shown, PAGE_ROWS)),
        shown_count=len(shown),
        page_rows=PAGE_ROWS,
    )
    return render(request, "settlement/differences.html", context)


def _yuan(fen: int) -> float:
    return fen / 100


@login_required
def difference_export(request):
    if (refused := _refused(request)) is not None:
        return refused
    year, only, error = _params(request)
    if error:
        return render(request, "settlement/differences.html",
                      {"year": year, "only": only, "error": error}, status=422)
    import xlsxwriter

    user = request.user
    full = access.can_see_full_identity(user)
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    money = wb.add_format({"num_format": "0.00"})
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet("差异明细")
    head = ["姓名", "证件号码", "区划代码", "医疗机构", "入院日期", "出院日期", "结算流水号",
            "本系统结算单"]
    for key in KEYS:
        h = HEADINGS[key]
        head += [f"{h}（平台）", f"{h}（本系统）", f"{h}（差额）"]
    head.append("本系统各项支付")
    ws.write_row(0, 0, head, bold)
    rows = list(differences(user=user, year=year, only_differing=only))
    persons = []
    for i, d in enumerate(rows, start=1):
        r = d.record
        persons.append(r.person_id)
        number = r.person.id_number
        values = [r.person.name, number if full else idnumber.mask(number), r.region_code,
                  r.institution_name, r.admission_date.isoformat(), r.discharge_date.isoformat(),
                  r.record_number, d.statement.pk]
        ws.write_row(i, 0, values)
        col = len(values)
        for key in KEYS:
            for v in (d.platform[key], d.ours[key], d.diff[key]):
                ws.write_number(i, col, _yuan(v), money)
                col += 1
        ws.write(i, col, "；".join(f"{HEADINGS[k]}：{'、'.join(d.tiers[k])}"
                                   for k in KEYS if d.tiers.get(k)))
    totals = difference_totals(rows)
    ts = wb.add_worksheet("按基金合计")
    ts.write_row(0, 0, ["基金", "平台合计（元）", "本系统合计（元）", "差额合计（元）"], bold)
    for i, key in enumerate(KEYS, start=1):
        ts.write(i, 0, HEADINGS[key])
        ts.write_number(i, 1, _yuan(totals.platform[key]), money)
        ts.write_number(i, 2, _yuan(totals.ours[key]), money)
        ts.write_number(i, 3, _yuan(totals.diff[key]), money)
    ts.write_row(len(KEYS) + 2, 0, ["住院记录", totals.count, "有差异", totals.differing])
    wb.close()
    data_access_log(user=user, person_ids=persons,
                    field="id_number" if full else "settlement_differences",
                    channel="export", path=request.get_full_path())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    resp = HttpResponse(out.getvalue(), content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="jkfp-settlement-differences-{stamp}.xlsx"'
    return resp


__all__ = ["FUNDS", "PERSONAL", "difference_export", "difference_report"]
