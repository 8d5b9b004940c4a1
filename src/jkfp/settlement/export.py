"""The bureau's list of statements as an Excel workbook, streamed (the pattern of
`registry.export`, decision 26): a header block with the title, the filters, the user and their
scope and the totals, then one row per current statement, read as tuples through the scoped
selection. Each person shown is logged (`accounts.services.data_access_log`, field
`settlement`, channel `export`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _

from jkfp.accounts.access import in_region, scope_prefix
from jkfp.accounts.models import User
from jkfp.accounts.services import data_access_log
from jkfp.categories import LABELS, Category
from jkfp.policy.money import fmt_fen
from jkfp.policy.schema import FUNDS
from jkfp.regions.models import Region
from jkfp.registry.xlsxstream import HEAD, TITLE, SheetWriter

from .bureau import BureauFilters, Totals, bureau_statements, region_names

EXPORT_LIMIT = 200_000
CHUNK = 5_000
HEADER_ROWS = 6  # title, filters, user and scope, totals, funds, blank


@dataclass
class Written:
    rows: int
    truncated: bool


def filters_text(f: BureauFilters, totals: Totals) -> str:
    parts = []
    if f.region_code:
        names = Region.objects.filter(
            code__in=[f.region_code[:n] for n in (2, 4, 6, 9, 12) if n <= len(f.region_code)]
        ).order_by("code")
        parts.append(
            _("区划：%(r)s（%(c)s）")
            % {"r": "".join(r.name for r in names) or f.region_code, "c": f.region_code}
        )
    else:
        parts.append(_("区划：全部（本人管辖区域）"))
    a = f.discharged_from.isoformat() if f.discharged_from else "…"
    b = f.discharged_to.isoformat() if f.discharged_to else "…"
    parts.append(_("出院日期：%(a)s 至 %(b)s") % {"a": a, "b": b})
    parts.append(
        _("结算身份：%(c)s") % {"c": _(LABELS[Category(f.category)])}
        if f.category
        else _("结算身份：全部")
    )
    high = fmt_fen(totals.high_self_pay_fen)
    parts.append(
        (
            _("高额自付线：%(x)s 元（本次结果第90百分位）")
            if totals.threshold_from_data
            else _("高额自付线：%(x)s 元")
        )
        % {"x": high}
    )
    if f.only_high:
        parts.append(_("只含高额自付"))
    return _("筛选条件——") + "；".join(parts)


def columns() -> list[tuple[str, float]]:
    return (
        [
            (_("结算单号"), 10),
            (_("区划代码"), 14),
            (_("乡镇、村"), 24),
            (_("姓名"), 10),
            (_("医疗机构"), 24),
            (_("住院号"), 14),
            (_("入院日期"), 12),
            (_("出院日期"), 12),
            (_("结算身份"), 14),
            (_("医疗总费用（元）"), 14),
            (_("政策范围内（元）"), 14),
        ]
        + [(_("%(f)s（元）") % {"f": _(name)}, 14) for name in FUNDS.values()]
        + [(_("报销合计（元）"), 14), (_("个人自付（元）"), 14), (_("高额自付"), 8)]
    )


def export_write(
    target: str | IO[bytes],
    *,
    user: User,
    f: BureauFilters,
    totals: Totals,
    title: str,
    path: str = "",
    limit: int = EXPORT_LIMIT,
) -> Written:
    """Write the workbook of the selection into `target`; log each person shown."""
    cols = columns()
    threshold = totals.high_self_pay_fen
    shown = min(totals.high_count, limit) if f.only_high else min(totals.count, limit)
    truncated = (totals.high_count if f.only_high else totals.count) > limit
    yes = _("是")
    person_ids: list[int] = []
    with SheetWriter(
        target,
        sheet=_("住院结算"),
        widths=[w for _h, w in cols],
        freeze_rows=HEADER_ROWS + 1,
        autofilter_from=HEADER_ROWS + 1,
    ) as sheet:
        sheet.row([title], style=TITLE)
        sheet.row([filters_text(f, totals)])
        count = _("共 %(n)s 张结算单") % {"n": f"{shown:,}"}
        if truncated:
            count += _("（超过 %(n)s 张，仅导出前 %(n)s 张，请缩小查询范围）") % {"n": f"{limit:,}"}
        sheet.row(
            [
                _("导出用户：%(u)s（管辖区划 %(s)s）；%(c)s")
                % {"u": user.get_username(), "s": scope_prefix(user) or _("全部"), "c": count}
            ]
        )
        sheet.row(
            [
                _(
                    "合计（全部筛选结果）：医疗总费用 %(t)s 元，报销 %(r)s 元，个人自付 %(p)s 元，"
                    "综合保障比例 %(c)s%%，高额自付 %(h)s 张"
                )
                % {
                    "t": fmt_fen(totals.total_fen),
                    "r": fmt_fen(totals.reimbursed_fen),
                    "p": fmt_fen(totals.self_pay_fen),
                    "c": totals.coverage_percent,
                    "h": f"{totals.high_count:,}",
                }
            ]
        )
        sheet.row(
            [
                "；".join(f"{_(name)} {fmt_fen(fen)} 元" for _k, name, fen in totals.fund_rows())
                or _("各基金均未支付")
            ]
        )
        sheet.row([])
        sheet.row([h for h, _w in cols], style=HEAD)
        qs = bureau_statements(user=user, f=f, threshold_fen=threshold).values_list(
            "id",
            "region_code",
            "person__name",
            "stay__hospital_name",
            "stay__admission_number",
            "stay__admission_date",
            "stay__discharge_date",
            "stay__category",
            "stay__total_fen",
            "stay__in_policy_fen",
            "fund_amounts",
            "reimbursed_fen",
            "self_pay_fen",
            "person_id",
        )[:limit]
        labels = {c.value: _(LABELS[c]) for c in Category}
        prefix = f.region_code or scope_prefix(user) or ""
        names = (
            region_names(
                Region.objects.filter(in_region(prefix, "code"), level="village").values_list(
                    "code", flat=True
                )
            )
            if prefix
            else {}
        )
        with transaction.atomic():
            for (
                pk,
                code,
                name,
                hospital,
                number,
                adm,
                dis,
                cat,
                total,
                in_policy,
                funds,
                reimbursed,
                self_pay,
                pid,
            ) in qs.iterator(chunk_size=CHUNK):
                sheet.row(
                    [
                        str(pk),
                        code,
                        names.get(code, code),
                        name,
                        hospital,
                        number,
                        adm,
                        dis,
                        labels.get(cat, cat),
                        fmt_fen(total),
                        fmt_fen(in_policy),
                    ]
                    + [fmt_fen(funds.get(k, 0)) for k in FUNDS]
                    + [fmt_fen(reimbursed), fmt_fen(self_pay), yes if self_pay >= threshold else ""]
                )
                person_ids.append(pid)
        n = sheet.rows - HEADER_ROWS - 1
    if person_ids:
        data_access_log(
            user=user, person_ids=person_ids, field="settlement", channel="export", path=path
        )
    return Written(rows=n, truncated=truncated)
