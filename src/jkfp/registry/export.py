"""The person list of a household search as an Excel workbook (XlsxWriter, constant memory).

Numbers are masked as in the lists; the rows come from `person_export`, which reads through the
scoped selectors of the registry.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import xlsxwriter
from django.utils.translation import gettext as _

from jkfp.accounts.access import in_region, scoped
from jkfp.accounts.models import User
from jkfp.categories import LABELS, Category

from . import idnumber
from .selectors import current_periods, household_list, person_scope

EXPORT_LIMIT = 50_000


@dataclass
class ExportRow:
    household_number: str
    village: str
    village_generated: bool
    name: str
    id_masked: str
    sex: str
    birth_date: dt.date
    relation: str
    work_ability: str
    alive: bool
    phone_masked: str
    categories: list[str]


def person_export(*, user: User, q: str = "", category: str = "", region_code: str = "",
                  limit: int = EXPORT_LIMIT) -> tuple[list[ExportRow], bool]:
    """The members of the households a list page shows, one row per person, numbers masked
    (DESIGN.md rule 11). Returns the rows (at most `limit`) and whether more were left out."""
    households = household_list(user=user, q=q, category=category, region_code=region_code)
    persons = (person_scope(user=user)
               .filter(household__in=households.order_by().values("pk"))
               .select_related("household__village")
               .order_by("region_code", "household_id", "id"))
    picked = list(persons[:limit + 1])
    truncated = len(picked) > limit
    picked = picked[:limit]
    # current categories of these persons and households: one scoped query, joined in Python
    periods = scoped(current_periods(), user)
    if region_code:
        periods = periods.filter(in_region(region_code))
    person_ids = {p.pk for p in picked}
    household_ids = {p.household_id for p in picked}
    cats: dict[tuple[str, int], set[str]] = {}
    for pid, hid, cat in periods.values_list("person_id", "household_id", "category"):
        if pid in person_ids:
            cats.setdefault(("p", pid), set()).add(cat)
        elif hid in household_ids:
            cats.setdefault(("h", hid), set()).add(cat)
    order = {c.value: i for i, c in enumerate(Category)}
    rows = []
    for p in picked:
        held = cats.get(("p", p.pk), set()) | cats.get(("h", p.household_id), set())
        v = p.household.village
        rows.append(ExportRow(
            household_number=p.household.household_number, village=v.name,
            village_generated=v.is_generated, name=p.name,
            id_masked=idnumber.mask(p.id_number), sex=p.get_sex_display(),
            birth_date=p.birth_date, relation=p.get_relation_display(),
            work_ability=p.get_work_ability_display(), alive=p.alive,
            phone_masked=idnumber.mask_phone(p.phone),
            categories=sorted(held, key=lambda c: order.get(c, 99))))
    return rows, truncated


def export_workbook(rows: list[ExportRow], *, title: str, truncated: bool, limit: int) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "in_memory": True})
    ws = wb.add_worksheet(_("人员名单"))
    bold = wb.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    head = [_("户编号"), _("所在村"), _("姓名"), _("身份证号（脱敏）"), _("性别"), _("出生日期"),
            _("与户主关系"), _("劳动能力"), _("状态"), _("联系电话（脱敏）"), _("当前类别")]
    widths = [20, 16, 10, 22, 6, 12, 12, 16, 6, 16, 36]
    ws.write(0, 0, title, wb.add_format({"bold": True, "font_size": 13}))
    note = _("身份证号和电话已脱敏。带“（演示）”的村为演示数据生成。")
    if truncated:
        note += _("结果超过 %(n)s 人，仅导出前 %(n)s 人，请缩小查询范围。") % {"n": f"{limit:,}"}
    ws.write(1, 0, note)
    for c, (h, w) in enumerate(zip(head, widths, strict=True)):
        ws.set_column(c, c, w)
        ws.write(3, c, h, bold)
    for r, row in enumerate(rows, start=4):
        village = row.village + (_("（演示）") if row.village_generated else "")
        ws.write_string(r, 0, row.household_number)
        ws.write_string(r, 1, village)
        ws.write_string(r, 2, row.name)
        ws.write_string(r, 3, row.id_masked)
        ws.write_string(r, 4, _(row.sex))
        ws.write_datetime(r, 5, row.birth_date, date)
        ws.write_string(r, 6, _(row.relation))
        ws.write_string(r, 7, _(row.work_ability))
        ws.write_string(r, 8, _("在世") if row.alive else _("已故"))
        ws.write_string(r, 9, row.phone_masked)
        ws.write_string(r, 10, "、".join(_(LABELS[Category(c)]) for c in row.categories))
    ws.autofilter(3, 0, 3 + len(rows), len(head) - 1)
    ws.freeze_panes(4, 0)
    wb.close()
    return buf.getvalue()
