"""Real-shaped lists built in the tests: a title block above the header, header variants as
departments write them, .xlsx (openpyxl), CSV in UTF-8 or GB18030."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook


def xlsx(
    header: list[str],
    rows: list[list],
    *,
    title: str | None = "盐池县民政局低保特困人员名单",
    merge_header: tuple[int, int] | None = None,
    sheet: str = "Sheet1",
    extra_sheets: dict[str, list[list]] | None = None,
) -> bytes:
    """A workbook: an optional title row (merged across, as exports do) and a blank row, the
    header, the rows. `merge_header=(first, last)` merges header cells (1-based columns)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    top = 1
    if title:
        ws.cell(row=1, column=1, value=title)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        ws.cell(row=2, column=1, value="填报单位：县民政局")
        top = 3
    for j, h in enumerate(header, start=1):
        ws.cell(row=top, column=j, value=h)
    if merge_header:
        ws.merge_cells(
            start_row=top, start_column=merge_header[0], end_row=top, end_column=merge_header[1]
        )
    for i, r in enumerate(rows, start=top + 1):
        for j, v in enumerate(r, start=1):
            ws.cell(row=i, column=j, value=v)
    for name, data in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for r in data:
            other.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(
    header: list[str], rows: list[list], *, encoding: str = "gb18030", title: str | None = None
) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    if title:
        w.writerow([title])
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return out.getvalue().encode(encoding)


def xls(
    header: list[str],
    rows: list[list],
    *,
    title: str | None = "盐池县基本公共卫生服务随访记录",
    merge_header: tuple[int, int] | None = None,
    sheet: str = "Sheet1",
) -> bytes:
    """A BIFF8 workbook (.xls, Excel 97-2003) written by xlwt, as older county systems export:
    the title merged across, a blank row, the header (optionally with merged cells), the rows;
    dates as date cells."""
    import datetime as dt

    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    top = 0
    if title:
        ws.write_merge(0, 0, 0, len(header) - 1, title)
        ws.write(1, 0, "填报单位：县卫生健康局")
        top = 2
    for j, h in enumerate(header):
        if merge_header and merge_header[0] - 1 < j <= merge_header[1] - 1:
            continue
        if merge_header and j == merge_header[0] - 1:
            ws.write_merge(top, top, j, merge_header[1] - 1, h)
        else:
            ws.write(top, j, h)
    for i, r in enumerate(rows, start=top + 1):
        for j, v in enumerate(r):
            if v is None:
                continue
            if isinstance(v, dt.date):
                ws.write(i, j, v, date_style)
            else:
                ws.write(i, j, v)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
