"""A CSV longer than the header search reads its body column-wise (Polars): the same cells and
line numbers as the row-by-row reading of a short file, quoted commas and line breaks,
full-width characters, short and long rows included (decision 54a)."""

from __future__ import annotations

import polars as pl
import pytest

from jkfp.exchange import kinds
from jkfp.exchange.reading import HEADER_SEARCH_ROWS, read_table

from .files import csv_bytes, xlsx

HEADER = ["序号", "姓名", "身份证号码", "保障类别", "认定日期", "终止日期"]


def _rows(n: int) -> list[list]:
    rows = []
    for i in range(1, n + 1):
        rows.append([i, f"王 {i}", f"６４０３２３１９７００５１７{i % 1000:03d}Ｘ", "低保", "2023-01-01", ""])
    rows[HEADER_SEARCH_ROWS + 5][1] = "张，三"  # a full-width comma inside a cell
    rows[HEADER_SEARCH_ROWS + 6][1] = "李,四"  # quoted by the writer
    rows[HEADER_SEARCH_ROWS + 7][1] = "赵\n五"  # a line break inside a quoted cell
    rows[HEADER_SEARCH_ROWS + 8] = rows[HEADER_SEARCH_ROWS + 8][:3]  # a short row
    rows[HEADER_SEARCH_ROWS + 9] = rows[HEADER_SEARCH_ROWS + 9] + ["多余"]  # a long row
    rows[HEADER_SEARCH_ROWS + 10][1] = "  钱   六  "
    return rows


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8"])
def test_long_csv_is_read_columnwise_with_the_same_cells_and_lines(encoding):
    kind = kinds.kind("civil_affairs")
    n = HEADER_SEARCH_ROWS * 3
    table = read_table(csv_bytes(HEADER, _rows(n), encoding=encoding, title="低保名单"), kind)
    f = table.frame
    assert table.header_line == 2
    assert f.height == n
    assert f["_line"].to_list() == list(range(3, 3 + n))
    names = f["name"].to_list()
    assert names[0] == "王 1" and names[-1] == f"王 {n}"
    k = HEADER_SEARCH_ROWS + 5
    assert names[k : k + 4] == ["张,三", "李,四", "赵 五", f"王 {k + 4}"]
    assert names[k + 5] == "钱 六"
    assert f["id_number"][1] == "64032319700517002X"
    assert f["category"][k + 3] is None and f["start_date"][k + 3] is None
    assert f["end_date"].null_count() == n  # empty cells are null, as in the short path


def test_long_csv_with_a_blank_line_keeps_its_line_numbers():
    kind = kinds.kind("civil_affairs")
    n = HEADER_SEARCH_ROWS * 2
    rows = _rows(n)
    data = csv_bytes(HEADER, rows, encoding="utf-8")
    lines = data.split(b"\r\n")
    lines.insert(HEADER_SEARCH_ROWS + 3, b"")  # an empty line in the body
    table = read_table(b"\r\n".join(lines), kind)
    f = table.frame
    assert f.height == n
    # the blank line is a line of the file: the rows after it are one line further down
    assert f["_line"][HEADER_SEARCH_ROWS + 1] == HEADER_SEARCH_ROWS + 3
    assert f["_line"][HEADER_SEARCH_ROWS + 2] == HEADER_SEARCH_ROWS + 5


@pytest.mark.parametrize("merge", [None, (5, 6)])
def test_large_xlsx_is_read_columnwise_with_the_same_cells_lines_and_errors(monkeypatch, merge):
    import datetime as dt

    from jkfp.exchange import xlsx_fast

    kind = kinds.kind("civil_affairs")
    n = HEADER_SEARCH_ROWS * 3
    rows = _rows(n)
    k = HEADER_SEARCH_ROWS + 5
    rows[k + 11][0] = 7.0  # a whole number typed as a number
    rows[k + 11][4] = dt.datetime(2023, 5, 6)  # a date cell
    rows[k + 12][4] = dt.date(2024, 1, 2)
    rows[3][4] = dt.datetime(2022, 2, 3)  # a date cell above the 30th row
    data = xlsx(HEADER, rows, merge_header=merge)
    assert xlsx_fast.read_large(data, None, head_rows=HEADER_SEARCH_ROWS) is None  # small
    slow = read_table(data, kind)  # row by row (python-calamine), as before
    monkeypatch.setattr(xlsx_fast, "LARGE_SHEET_BYTES", 0)
    assert xlsx_fast.read_large(data, None, head_rows=HEADER_SEARCH_ROWS) is not None
    table = read_table(data, kind)
    assert table.frame.equals(slow.frame)
    assert [e.message for e in table.errors] == [e.message for e in slow.errors]
    assert len(table.errors) == (1 if merge else 0)
    assert (table.header_line, table.columns, table.sheet) == (
        slow.header_line, slow.columns, slow.sheet
    )
    f = table.frame
    assert f.height == n and f["_line"].to_list() == list(range(4, 4 + n))
    names = f["name"].to_list()
    assert names[k : k + 4] == ["张,三", "李,四", "赵 五", f"王 {k + 4}"]
    assert names[k + 5] == "钱 六" and names[-1] == f"王 {n}"
    assert f["start_date"][k + 11] == "2023-05-06" and f["start_date"][k + 12] == "2024-01-02"
    assert f["start_date"][3] == "2022-02-03"
    assert f.filter(pl.col("_line") == k + 15)["name"][0] == f"王 {k + 12}"
    assert f["category"][k + 3] is None


def test_large_xlsx_named_sheet_and_a_missing_one(monkeypatch):
    from jkfp.errors import DomainError
    from jkfp.exchange import xlsx_fast

    monkeypatch.setattr(xlsx_fast, "LARGE_SHEET_BYTES", 0)
    kind = kinds.kind("civil_affairs")
    rows = _rows(HEADER_SEARCH_ROWS * 2)
    data = xlsx(["说明"], [["无"]], title=None, sheet="封面",
                extra_sheets={"名单": [HEADER] + rows})
    table = read_table(data, kind, sheet="名单")
    assert table.sheet == "名单" and table.frame.height == len(rows)
    assert table.frame["_line"][0] == 2
    with pytest.raises(DomainError) as exc:
        read_table(data, kind, sheet="没有")
    assert "名单" in exc.value.message  # the calamine path names the sheets, as before


def test_tidy_and_nfkc_skip_only_what_they_would_not_change():
    """Decision 92: the white-space replacement and NFKC are skipped for a column they leave
    as it is; on columns with and without such cells the result is the full treatment's."""
    import random

    import polars as pl

    from jkfp.exchange.reading import _nfkc, _tidy

    rng = random.Random(7)
    alphabet = ["a", "1", " ", "\t", "\u3000", "\u00a0", "张", "１", "Ａ", "\n", "-"]
    columns = [[None, "", " a ", "a b", "12.50"],  # nothing to change
               ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6)))
                for _ in range(2000)] + [None]]
    for values in columns:
        col = pl.Series("c", values, dtype=pl.String)
        full = col.str.normalize("NFKC").str.strip_chars().str.replace_all(r"\s+", " ")
        full = pl.select(pl.when(full == "").then(None).otherwise(full)).to_series()
        assert _tidy(_nfkc(col)).to_list() == full.to_list()
    ascii_only = pl.Series("c", ["a  b", "1", None])
    assert _nfkc(ascii_only) is ascii_only
