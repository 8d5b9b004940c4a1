"""The screening lists as Excel workbooks, in the manner of `registry/export.py` (decision 26):
rows read through the scoped selectors, numbers masked, written row by row by the streamed
`registry.xlsxstream.SheetWriter`, each file stating what produced it (title, filters, the
exporting user and scope, the number of rows).

Results and findings are health details: they go only into the files of users who may see them
(`access.can_see_health`), and every such file is logged person by person as a showing of
personal data (`services.export_logged`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

from jkfp.accounts import access
from jkfp.accounts.models import User
from jkfp.categories import LABELS, Category
from jkfp.regions.models import Region
from jkfp.registry import idnumber
from jkfp.registry.xlsxstream import HEAD, TITLE, SheetWriter

from . import rules, selectors
from .models import Campaign, ScreeningResult

HEADER_ROWS = 5
EXPORT_LIMIT = 1_000_000
CHUNK = 5_000


class _Names:
    """Region names by code, for the part of the tree an export can touch."""

    def __init__(self, prefix: str):
        base = prefix[:6] if len(prefix) > 6 else prefix
        qs = Region.objects.filter(access.in_region(base, "code")) if base else \
            Region.objects.all()
        demo = _("（演示）")
        self.names = {c: n + (demo if g else "")
                      for c, n, g in qs.values_list("code", "name", "is_generated")}

    def __call__(self, code: str) -> str:
        return self.names.get(code, code)


@dataclass
class Sheet:
    title: str
    sheet: str
    filters: str
    columns: list[tuple[str, int]]
    rows: Iterable[tuple]
    note: str = ""


def write(target: str | IO[bytes], *, user: User, sheet: Sheet) -> int:
    """Write one sheet with its header block; returns the number of data rows."""
    scope = access.scope_prefix(user)
    with SheetWriter(target, sheet=sheet.sheet, widths=[w for _h, w in sheet.columns],
                     freeze_rows=HEADER_ROWS + 1, autofilter_from=HEADER_ROWS + 1) as out:
        out.row([sheet.title], style=TITLE)
        out.row([sheet.filters])
        out.row([_("导出用户：%(u)s（管辖区划 %(s)s）") % {"u": user.get_username(),
                                                   "s": scope or _("全部")}])
        out.row([sheet.note or _("身份证号已脱敏。带“（演示）”的区划为演示数据生成。")])
        out.row([])
        out.row([_(h) for h, _w in sheet.columns], style=HEAD)
        for row in sheet.rows:
            out.row(row)
        n = out.rows - HEADER_ROWS - 1
    return n


def _sex_text(c: Campaign) -> str:
    return _(Campaign.Sex(c.target_sex).label) if c.target_sex else _("不限")


def campaigns_sheet(*, user: User, campaigns) -> Sheet:
    names = _Names(access.scope_prefix(user) or "")
    rows = ((c.name, _(c.get_kind_display()), f"{names(c.region_code)}（{c.region_code}）",
             c.start_on, c.end_on, _sex_text(c), selectors.age_range_text(c), c.age_on,
             "、".join(_(LABELS[Category(x)]) for x in c.target_categories) or _("不限"))
            for c in campaigns)
    return Sheet(title=_("筛查项目"), sheet=_("筛查项目"), filters=_("全部可见的筛查项目"),
                 columns=[("名称", 30), ("类型", 18), ("区划", 24), ("开始日期", 12),
                          ("结束日期", 12), ("目标性别", 8), ("目标年龄", 12),
                          ("年龄计算日期", 14), ("目标类别", 30)], rows=rows)


def coverage_sheet(*, user: User, campaign: Campaign) -> Sheet:
    cov = selectors.coverage(user=user, campaign=campaign)
    health = access.can_see_health(user)
    columns = [("区划代码", 14), ("区划", 20), ("目标人数", 10), ("已筛查", 10), ("覆盖率", 10)]
    if health:
        columns.append(("可疑或阳性", 12))

    def row(r):
        cells = (r.code, r.name, str(r.target), str(r.screened), r.percent)
        return cells + ((str(r.positive),) if health else ())

    return Sheet(title=_("%(n)s：筛查覆盖率") % {"n": campaign.name}, sheet=_("覆盖率"),
                 filters=_("覆盖率 = 已筛查 / 目标人群，按 %(b)s 的下级区划") % {"b": cov.base},
                 columns=columns, rows=[*map(row, cov.rows), row(cov.total)])


def targets_sheet(*, user: User, campaign: Campaign, screened: bool | None,
                  region_code: str = "") -> tuple[Sheet, list[int]]:
    """The target list; with results and findings for health users, whose persons are returned
    to be logged."""
    health = access.can_see_health(user)
    names = _Names(region_code or selectors.coverage_base(user=user, campaign=campaign))
    qs = selectors.target_rows(user=user, campaign=campaign, screened=screened,
                               region_code=region_code)[:EXPORT_LIMIT]
    columns = [("乡镇（街道）", 14), ("村（社区）", 16), ("姓名", 10), ("身份证号（脱敏）", 22),
               ("性别", 6), ("出生年份", 10), ("是否已筛查", 10), ("筛查日期", 12)]
    if health:
        columns += [("筛查结果", 8), ("检查所见", 30), ("后续进展", 16)]
    sex = {"M": _("男"), "F": _("女")}
    result_label = {v: _(lbl) for v, lbl in ScreeningResult.Result.choices}
    stage_label = {v: _(lbl) for v, lbl in ScreeningResult.Stage.choices}
    logged: list[int] = []

    def rows():
        for p in qs.iterator(chunk_size=CHUNK):
            cells = (names(p.region_code[:9]), names(p.region_code), p.name,
                     idnumber.mask(p.id_number), sex.get(p.sex, p.sex),
                     idnumber.birth_year(p.birth_date),
                     _("是") if p.result_id else _("否"), p.screened_on)
            if health:
                if p.result_id:
                    logged.append(p.pk)
                cells += (result_label.get(p.result_value, ""), p.result_finding or "",
                          stage_label.get(p.result_stage, ""))
            yield cells

    which = {None: _("全部"), True: _("已筛查"), False: _("未筛查")}[screened]
    sheet = Sheet(title=_("%(n)s：目标人群名单") % {"n": campaign.name}, sheet=_("目标人群"),
                  filters=_("筛查情况：%(w)s；区划：%(r)s；年龄按 %(d)s 计算") % {
                      "w": which, "r": region_code or _("本人管辖区域"), "d": campaign.age_on},
                  columns=columns, rows=rows(),
                  note=_("身份证号已脱敏。筛查结果属健康信息，本次导出已记录。") if health else "")
    return sheet, logged


def worklist_sheet(*, user: User, results) -> tuple[Sheet, list[int]]:
    names = _Names(access.scope_prefix(user) or "")
    logged: list[int] = []
    result_label = {v: _(lbl) for v, lbl in ScreeningResult.Result.choices}
    stage_label = {v: _(lbl) for v, lbl in ScreeningResult.Stage.choices}

    def rows():
        for r in results:
            logged.append(r.person_id)
            yield (r.campaign.name, names(r.region_code[:9]), names(r.region_code),
                   r.person.name, idnumber.mask(r.person.id_number), r.screened_on,
                   result_label.get(r.result, r.result), r.finding,
                   stage_label.get(r.stage, r.stage), _(rules.NEXT.get(r.stage, "")),
                   r.referred_to, r.confirmed_icd10)

    return Sheet(title=_("阳性和可疑结果待跟进名单"), sheet=_("待跟进"),
                 filters=_("尚待转诊、确诊或纳入救治/管理的阳性和可疑结果"),
                 columns=[("筛查项目", 24), ("乡镇（街道）", 14), ("村（社区）", 16),
                          ("姓名", 10), ("身份证号（脱敏）", 22), ("筛查日期", 12),
                          ("结果", 6), ("检查所见", 30), ("后续进展", 14), ("下一步", 24),
                          ("转诊机构", 18), ("确诊（ICD-10）", 12)],
                 rows=rows(), note=_("身份证号已脱敏。筛查结果属健康信息，本次导出已记录。")), logged
