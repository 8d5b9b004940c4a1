"""The person list of a household search as an Excel workbook (XlsxWriter, constant memory).

Numbers are masked as in the lists; the rows come from the scoped selector `person_export`.
"""

from __future__ import annotations

import io

import xlsxwriter
from django.utils.translation import gettext as _

from jkfp.categories import LABELS, Category

from .selectors import ExportRow


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
