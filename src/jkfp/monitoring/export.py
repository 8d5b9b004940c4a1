"""Excel of one push in the format its recipient receives (decision 57e).

Every recipient gets the same leading columns (warning number, rule, the person, region, period,
found and due dates, the amount that crossed the threshold and the threshold); a department adds
the columns it works with: medical insurance the income base, civil affairs the household's
categories, the township the home-visit columns left empty to fill in. ID numbers are masked
unless the user's role may see them in full; every export is logged person by person.
"""

from __future__ import annotations

import tempfile

from django.db.models import QuerySet
from django.utils import timezone

from jkfp.accounts.access import can_see_full_identity, scope_prefix
from jkfp.accounts.models import Department, User
from jkfp.accounts.services import data_access_log
from jkfp.policy import money
from jkfp.registry.idnumber import mask as mask_id
from jkfp.registry.xlsxstream import HEAD, TITLE, SheetWriter

from .models import Push, RiskWarning

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIMIT = 200_000

COMMON = [("预警号", 8), ("预警规则", 24), ("姓名", 10), ("身份证号", 20), ("区划代码", 14),
          ("期间", 8), ("发现日期", 11), ("核实期限", 11), ("触发金额（元）", 14),
          ("阈值（元）", 12), ("状态", 10)]
EXTRA = {
    Push.TOWNSHIP: [("入户核实日期", 12), ("核实人", 10), ("核实情况", 30)],
    Department.MEDICAL_INSURANCE: [("收入基数（元）", 14), ("收入基数来源", 24)],
    Department.CIVIL_AFFAIRS: [("处置方式", 12), ("处置记录", 20)],
}
RECIPIENT_LABELS = {Push.TOWNSHIP: "乡镇", **dict(Department.choices)}


def rule_name(w: RiskWarning) -> str:
    return str((w.evidence or {}).get("rule_name") or w.rule_id)


def _yuan(fen) -> str:
    return "" if fen is None else money.fmt_fen(int(fen))


def _extra(kind: str, w: RiskWarning) -> list:
    if kind == Push.TOWNSHIP:
        return [w.verified_on, w.visited_by, w.findings]
    if kind == Department.MEDICAL_INSURANCE:
        base = (w.evidence or {}).get("income_base") or {}
        return [_yuan(base.get("amount_fen")), str(base.get("source", ""))]
    if kind == Department.CIVIL_AFFAIRS:
        return [w.get_action_kind_display(), w.action_ref]
    return []


def warnings_write(*, user: User, warnings: QuerySet, title: str, kind: str = "", path: str = ""):
    """The Excel of `warnings` (a scoped queryset) in the format of recipient `kind`."""
    full = can_see_full_identity(user)
    header = COMMON + EXTRA.get(kind, [])
    tmp = tempfile.TemporaryFile(prefix="jkfp-warnings-")
    shown: list[int] = []
    with SheetWriter(tmp, sheet="监测预警", widths=[w for _h, w in header], freeze_rows=5,
                     autofilter_from=5) as sheet:
        sheet.row([title], style=TITLE)
        sheet.row([f"导出用户：{user.get_username()}（管辖区划 {scope_prefix(user) or '全部'}）；"
                   f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}"])
        sheet.row(["含个人信息，仅限工作使用；" + ("身份证号为完整号码。" if full else "身份证号已脱敏。")
                   + "本次导出已记录。"])
        sheet.row([])
        sheet.row([h for h, _w in header], style=HEAD)
        for w in warnings[:LIMIT].iterator(chunk_size=2000):
            p = w.person or w.household.head
            number = p.id_number if p else ""
            if p:
                shown.append(p.pk)
            sheet.row([str(w.pk), rule_name(w), p.name if p else "",
                       number if full else mask_id(number), w.region_code, w.period,
                       w.found_on, w.due_on, _yuan(w.amount_fen), _yuan(w.threshold_fen),
                       w.get_status_display(), *_extra(kind, w)])
    data_access_log(user=user, person_ids=shown, field="id_number" if full else "warning",
                    channel="export", path=path)
    tmp.seek(0)
    return tmp


def push_write(*, user: User, push: Push, warnings: QuerySet, path: str = ""):
    title = (f"监测预警推送（{RECIPIENT_LABELS.get(push.department, push.department)} "
             f"{push.region_code}，{push.pushed_on:%Y-%m-%d}）")
    return warnings_write(user=user, warnings=warnings.select_related("household__head"),
                          title=title, kind=push.department, path=path)
