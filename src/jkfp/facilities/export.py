"""Excel lists of the facility pages, written row by row (`registry.xlsxstream`): institutions,
staff with their current post, and gaps with their age. They hold no personal data beyond staff
names; each says who exported it, when, and under which filters."""

from __future__ import annotations

import tempfile

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from jkfp.accounts.access import scope_prefix
from jkfp.registry.xlsxstream import HEAD, TITLE, SheetWriter

from .models import CentreStandard, GapKind, InstitutionKind, Qualification

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIMIT = 200_000


def _yes(value: bool) -> str:
    return _("是") if value else _("否")


def _write(request, *, name: str, title: str, header: list[tuple[str, float]], rows,
           conditions: str) -> FileResponse:
    tmp = tempfile.TemporaryFile(prefix="jkfp-facilities-")
    user = request.user
    try:
        with SheetWriter(tmp, sheet=title, widths=[w for _h, w in header], freeze_rows=5,
                         autofilter_from=5) as sheet:
            sheet.row([title], style=TITLE)
            sheet.row([f"条件：{conditions or '无'}；导出用户：{user.get_username()}（管辖区划 "
                       f"{scope_prefix(user) or '全部'}）；导出时间：{timezone.localtime():%Y-%m-%d %H:%M}"])
            sheet.row([])
            sheet.row([h for h, _w in header], style=HEAD)
            for n, cells in enumerate(rows):
                if n >= LIMIT:
                    break
                sheet.row(cells)
        tmp.seek(0)
    except BaseException:
        tmp.close()
        raise
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = FileResponse(tmp, as_attachment=True, filename=f"jkfp-{name}-{stamp}.xlsx",
                            content_type=XLSX)
    token = request.GET.get("dl", "")
    if token.isalnum() and len(token) <= 40:
        response.set_cookie("jkfp_export", token, max_age=120, samesite="Lax")
    return response


def institutions(request, qs, names: dict[str, str], f: dict) -> FileResponse:
    kinds = dict(InstitutionKind.choices)
    standards = dict(CentreStandard.choices)
    rows = ([i.name, _(kinds[i.kind]), i.region_code, names.get(i.region_code, ""),
             str(i.opened_on), str(i.closed_on or ""), str(i.n_staff),
             {1: "一级", 2: "二级", 3: "三级"}.get(i.grade, ""),
             _yes(i.is_tcm) if i.kind == InstitutionKind.COUNTY_HOSPITAL else "",
             _yes(i.second_grade_capacity) if i.kind == InstitutionKind.COUNTY_HOSPITAL else "",
             _(standards[i.centre_standard]) if i.kind == InstitutionKind.TOWNSHIP_CENTRE else "",
             _yes(i.tcm_corner) if i.kind == InstitutionKind.TOWNSHIP_CENTRE else "",
             _yes(i.standardised) if i.kind == InstitutionKind.VILLAGE_CLINIC else ""]
            for i in qs.iterator())
    cond = "；".join(filter(None, [f"类型 {kinds[f['kind']]}" if f["kind"] else "",
                                   f"名称含“{f['q']}”" if f["q"] else "",
                                   "仅在用" if f["open_only"] else "含已撤销"]))
    return _write(request, name="institutions", title=_("医疗机构"), conditions=cond, header=[
        ("机构名称", 24), ("类型", 10), ("区划代码", 14), ("所在区划", 14), ("开业日期", 11),
        ("撤销日期", 11), ("在岗人数", 8), ("医院等级", 8), ("中医医院", 8), ("二级服务能力", 10),
        ("卫生院服务能力", 12), ("中医馆", 8), ("标准化村卫生室", 12)], rows=rows)


def staff(request, qs, f: dict) -> FileResponse:
    quals = dict(Qualification.choices)
    today = timezone.localdate()
    rows = []
    for s in qs.prefetch_related("posts__institution")[:LIMIT]:
        current = [p for p in s.posts.all() if p.start_date <= today and
                   (p.end_date is None or p.end_date > today)]
        rows.append([s.name, _(quals[s.qualification]), s.certificate_number, s.region_code,
                     "、".join(p.institution.name + ("" if p.full_time else "（兼职）")
                              for p in current)])
    cond = "；".join(filter(None, [f"资格 {quals[f['qualification']]}" if f["qualification"] else "",
                                   f"姓名含“{f['q']}”" if f["q"] else ""]))
    return _write(request, name="staff", title=_("卫生人员"), conditions=cond, header=[
        ("姓名", 10), ("执业资格", 14), ("执业证书编号", 18), ("所属县（区）", 10),
        ("当前岗位", 30)], rows=rows)


def gaps(request, qs, names: dict[str, str], f: dict) -> FileResponse:
    kinds = dict(GapKind.choices)
    today = timezone.localdate()
    rows = ([_(kinds[g.kind]), g.region_code, names.get(g.region_code, ""),
             g.institution.name if g.institution_id else "",
             g.department.name if g.department_id else "", str(g.opened_on),
             str(g.closed_on or ""), str(((g.closed_on or today) - g.opened_on).days)]
            for g in qs.iterator())
    cond = "；".join(filter(None, [f"类型 {kinds[f['kind']]}" if f["kind"] else "",
                                   "含已清零" if f["include_closed"] else f"{today} 仍存在"]))
    return _write(request, name="gaps", title=_("空白点"), conditions=cond, header=[
        ("空白点类型", 26), ("区划代码", 14), ("区划", 14), ("机构", 24), ("科室", 10),
        ("出现日期", 11), ("清零日期", 11), ("持续天数", 8)], rows=rows)
