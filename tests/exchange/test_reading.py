"""Reading lists as they come: title blocks, header variants, .xlsx, CSV in GB18030 and UTF-8,
a named sheet; and the files that cannot be read as a list, each with a Chinese reason."""

from __future__ import annotations

import pytest

from jkfp.errors import DomainError, ErrorCode
from jkfp.exchange import kinds
from jkfp.exchange.reading import read_table

from .files import csv_bytes, xlsx

HEADER = ["序号", "姓名", "公民身份号码", "救助类别", "认定日期", "终止日期", "区划代码"]
ROW = [1, "王 建国", "６４０３２３１９７００５１７００３Ｘ", "低保", "2023-01-01", None, "640323"]


@pytest.fixture
def civil_kind():
    return kinds.kind("civil_affairs")


def test_xlsx_with_a_title_block_and_header_variants(civil_kind):
    table = read_table(xlsx(HEADER, [ROW, ROW[:1] + ["李四"] + ROW[2:]]), civil_kind)
    assert table.header_line == 3  # below the title and the 填报单位 line
    assert table.columns["id_number"] == "公民身份号码"
    assert table.columns["category"] == "救助类别"
    assert table.frame["_line"].to_list() == [4, 5]
    # full-width digits and letters made half-width, runs of spaces one space
    assert table.frame["id_number"][0] == "64032319700517003X"
    assert table.frame["name"][0] == "王 建国"
    assert table.errors == []


@pytest.mark.parametrize(
    "encoding,label", [("gb18030", "GB18030"), ("utf-8-sig", "UTF-8"), ("utf-8", "UTF-8")]
)
def test_csv_encodings_are_detected(civil_kind, encoding, label):
    data = csv_bytes(HEADER, [ROW], encoding=encoding, title="低保名单")
    table = read_table(data, civil_kind)
    assert table.encoding == label
    assert table.header_line == 2
    assert table.frame["category"].to_list() == ["低保"]


def test_named_sheet(civil_kind):
    data = xlsx(["说明"], [["无"]], title=None, sheet="封面", extra_sheets={"名单": [HEADER, ROW]})
    table = read_table(data, civil_kind, sheet="名单")
    assert table.sheet == "名单" and table.frame.height == 1
    with pytest.raises(DomainError) as exc:
        read_table(data, civil_kind, sheet="没有")
    assert exc.value.code == ErrorCode.IMPORT_FILE and "名单" in exc.value.message


@pytest.mark.parametrize(
    "data,words",
    [
        (b"%PDF-1.4\x00\x01\x02binary", "不是电子表格"),
        (b"", "文件为空"),
        (b"PK\x03\x04not really a zip", "无法读取"),
    ],
)
def test_not_a_spreadsheet(civil_kind, data, words):
    with pytest.raises(DomainError) as exc:
        read_table(data, civil_kind)
    assert exc.value.code == ErrorCode.IMPORT_FILE and words in exc.value.message


def test_empty_sheet_and_header_without_rows(civil_kind):
    with pytest.raises(DomainError) as exc:
        read_table(xlsx([], [], title=None), civil_kind)
    assert exc.value.code == ErrorCode.IMPORT_FILE
    with pytest.raises(DomainError) as exc:
        read_table(xlsx(HEADER, []), civil_kind)
    assert "没有数据行" in exc.value.message


def test_missing_required_columns_are_named(civil_kind):
    with pytest.raises(DomainError) as exc:
        read_table(xlsx(["姓名", "身份证号", "备注"], [["王", "1", "x"]]), civil_kind)
    assert exc.value.code == ErrorCode.IMPORT_COLUMNS
    assert "类别" in exc.value.message and "开始日期" in exc.value.message
    assert exc.value.row == 3


def test_merged_header_cells_are_reported(civil_kind):
    table = read_table(xlsx(HEADER, [ROW], merge_header=(5, 6)), civil_kind)
    assert [e.code for e in table.errors] == [ErrorCode.IMPORT_HEADER_MERGED]
    assert "合并单元格" in table.errors[0].message and table.errors[0].row == 3


def test_a_merged_header_cell_hiding_a_required_column_says_both(civil_kind):
    """Merging 姓名 with the two cells beside it leaves those columns without a header: the
    file error names the missing column and the merged cells that hid it, once each."""
    with pytest.raises(DomainError) as exc:
        read_table(xlsx(HEADER, [ROW], merge_header=(2, 4)), civil_kind)
    assert exc.value.code == ErrorCode.IMPORT_COLUMNS and exc.value.row == 3
    assert exc.value.message == (
        "表头缺少必需的列：证件号码、类别；表头第3行第2至4列为合并单元格（“姓名”）："
        "请取消合并，每列一个表头")
    assert str(exc.value).count("第3行") == 2  # the row prefix and the cells, not doubled
