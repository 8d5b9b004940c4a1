"""The streaming one-sheet XLSX writer of the export: what openpyxl reads back."""

import datetime as dt
import io
import zipfile

import openpyxl

from jkfp.registry.xlsxstream import HEAD, TITLE, SheetWriter, column_letter


def test_column_letters():
    assert [column_letter(i) for i in (0, 12, 25, 26, 27, 701, 702)] == [
        "A", "M", "Z", "AA", "AB", "ZZ", "AAA"]


def test_rows_read_back_with_dates_escapes_styles_and_filter():
    buf = io.BytesIO()
    with SheetWriter(buf, sheet="人员名单", widths=[10, 12, 8], freeze_rows=2,
                     autofilter_from=2) as w:
        w.row(["标题 & <说明>"], style=TITLE)
        w.row(["甲", "乙", "丙"], style=HEAD)
        w.row(["A&B <c>", dt.date(1970, 5, 17), None])
        w.row(["控\x01制\x1f字符", "", "末"])
        for i in range(3000):
            w.row([f"r{i}", dt.date(2000, 1, 1) + dt.timedelta(days=i), "x"])
    assert zipfile.ZipFile(io.BytesIO(buf.getvalue())).testzip() is None
    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    ws = wb["人员名单"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "标题 & <说明>"
    assert rows[2] == ("A&B <c>", dt.datetime(1970, 5, 17), None)
    assert rows[3] == ("控制字符", None, "末")
    assert len(rows) == 4 + 3000
    assert rows[-1] == ("r2999", dt.datetime(2000, 1, 1) + dt.timedelta(days=2999), "x")
    assert ws["A1"].font.b and ws["A2"].font.b and ws["A2"].fill.fgColor.rgb == "FFEEF2F7"
    assert ws["B3"].number_format == "yyyy\\-mm\\-dd"
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:C3004"
    assert ws.column_dimensions["B"].width == 12
