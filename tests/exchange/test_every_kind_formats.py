"""Every kind of list read alike as it comes: an .xlsx and an .xls (Excel 97-2003) with a title
block and dates as date cells, and a GB18030 CSV with dates as text, each with the second header
variant of every field where the kind has one — the same rows, the same values, the same errors."""

from __future__ import annotations

import datetime as dt

import pytest

from jkfp.exchange import kinds
from jkfp.exchange.reading import read_table
from jkfp.exchange.validation import check_table
from tests.factories import make_id

from .files import csv_bytes, xls, xlsx

DAY = dt.date(2025, 3, 1)


def _value(f: kinds.FieldSpec, n: int):
    """A valid value of the field's type for row `n`: dates as date objects (cells)."""
    return {
        "id_number": make_id("640323", dt.date(1970 + n, 5, 17)),
        "text": ["王建国", "李秀英"][n],
        "date": DAY,
        "month": "202503",
        "yes_no": "否",
        "enum": next(iter(f.values), ""),
        "money": "12.50",
        "integer": "3",
        "year": "2025",
        "phone": "13900001111",
        "region_code": "640323",
    }[f.type]


@pytest.mark.parametrize("code", sorted(kinds.load()))
def test_xlsx_xls_and_gb18030_csv_read_the_same(code):
    spec = kinds.kind(code)
    fields = [f for f in spec.fields.values() if f.required]
    header = [f.headers[1] if len(f.headers) > 1 else f.headers[0] for f in fields]
    rows = [[_value(f, n) for f in fields] for n in range(2)]
    as_text = [[v.isoformat() if isinstance(v, dt.date) else v for v in r] for r in rows]
    files = {
        "xlsx": xlsx(header, rows, title=f"{spec.name}（2025年3月）"),
        "xls": xls(header, rows, title=f"{spec.name}（2025年3月）"),
        "csv": csv_bytes(header, as_text, encoding="gb18030", title=f"{spec.name}（2025年3月）"),
    }
    read = {}
    for fmt, data in files.items():
        table = read_table(data, spec)
        assert table.columns == {f.name: h for f, h in zip(fields, header, strict=True)}, fmt
        checked = check_table(table, spec)
        frame = checked.frame.drop("_line")
        read[fmt] = (frame.to_dicts(), sorted((e.code, e.field, e.message)
                                              for e in checked.errors))
    assert read["csv"][0] and len(read["csv"][0]) == 2
    assert read["xlsx"] == read["xls"] == read["csv"]
    assert read["csv"][1] == []  # valid rows: no error in any format
    assert files["csv"].decode("gb18030").startswith(spec.name)  # the title block, in GB18030
