"""Every bad-input item of the issue, reported per row in Chinese with line and column, all at
once; a well-formed ID whose check digit fails is not an error."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import settings as settings_hyp
from hypothesis import strategies as st

from jkfp.errors import ErrorCode
from jkfp.exchange import kinds
from jkfp.exchange.reading import read_table
from jkfp.exchange.validation import check_table
from jkfp.registry import idnumber

from .files import csv_bytes, xlsx

GOOD = idnumber.make("640323", dt.date(1970, 5, 17), 3)
OTHER = idnumber.make("640323", dt.date(1980, 1, 2), 4)
WRONG_CHECK = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")
HEADER = ["姓名", "身份证号", "类别", "开始日期", "终止日期"]


def _check(rows, kind="civil_affairs", header=HEADER):
    spec = kinds.kind(kind)
    return check_table(read_table(xlsx(header, rows), spec), spec)


def _errors(checked):
    return [(e.row, e.field, e.code) for e in checked.errors]


def test_good_rows_parse_to_typed_values():
    legacy15 = OTHER[:6] + OTHER[8:17]  # the 15-digit form of OTHER
    checked = _check(
        [
            ["王建国", GOOD, "特困人员", "2023/2/1", "20240630"],
            ["李秀英", legacy15, "低保边缘", "2023年3月1日", None],
        ]
    )
    assert checked.errors == []
    f = checked.frame
    assert f["id_number"].to_list() == [GOOD, OTHER]
    assert f["category"].to_list() == ["extreme_poor", "near_minimum_living"]
    assert f["start_date"].to_list() == [dt.date(2023, 2, 1), dt.date(2023, 3, 1)]
    assert f["end_date"].to_list() == [dt.date(2024, 6, 30), None]
    assert f["id_valid"].to_list() == [True, True]


def test_wrong_check_digit_is_not_an_error_but_a_row_to_link_by_other_fields():
    checked = _check([["王建国", WRONG_CHECK, "低保", "2023-01-01", None]])
    assert checked.errors == []
    assert checked.frame["id_valid"].to_list() == [False]
    assert checked.frame["id_birth"].to_list() == [dt.date(1970, 5, 17)]


def test_disability_card_number_is_cut_to_the_id():
    checked = _check([["王建国", GOOD + "12", "低保", "2023-01-01", None]])
    assert checked.errors == [] and checked.frame["id_number"].to_list() == [GOOD]


def test_every_bad_value_is_reported_at_once_with_line_and_column():
    checked = _check(
        [
            ["王建国", "12345", "低保", "2023-01-01", None],  # line 4: bad ID
            ["李秀英", OTHER, "五保户", "2021/13/01", None],  # line 5: enum + date
            ["张三", GOOD, "低保", "202113", None],  # line 6: date like 202113
            [
                "",
                GOOD[:6] + "19701345" + GOOD[14:],
                "低保",
                "2023-01-01",
                None,
            ],  # 7: name + ID date
        ]
    )
    got = _errors(checked)
    assert (4, "身份证号", ErrorCode.ID_FORMAT) in got
    assert (5, "类别", ErrorCode.IMPORT_VALUE) in got
    assert (5, "开始日期", ErrorCode.IMPORT_DATE) in got
    assert (6, "开始日期", ErrorCode.IMPORT_DATE) in got
    assert (7, "姓名", ErrorCode.REQUIRED) in got
    assert (7, "身份证号", ErrorCode.ID_BIRTH_DATE) in got
    messages = {e.row: e.message for e in checked.errors if e.field == "开始日期"}
    assert "2021/13/01" in messages[5] and "202113" in messages[6]


def test_duplicate_row():
    checked = _check(
        [["王建国", GOOD, "低保", "2023-01-01", None], ["王建国", GOOD, "低保", "2023-01-01", None]]
    )
    assert _errors(checked) == [(5, "身份证号", ErrorCode.IMPORT_DUPLICATE_ROW)]
    assert "与第4行重复" in checked.errors[0].message


MON = [
    "县（市、区）",
    "乡（镇）",
    "行政村",
    "户编号",
    "姓名",
    "证件号码",
    "与户主关系",
    "人均纯收入",
    "识别监测时间",
    "风险是否已消除",
]


@pytest.mark.parametrize(
    "amount,words", [("12,345.00", "千位分隔符"), ("6000元", "元"), ("12.345", "")]
)
def test_amount_with_thousands_separator_or_yuan_is_refused(amount, words):
    checked = _check(
        [["盐池县", "花马池镇", "村一", "H1", "王建国", GOOD, "户主", amount, "202103", "否"]],
        kind="monitoring",
        header=MON,
    )
    errs = [e for e in checked.errors if e.field == "人均纯收入"]
    assert [e.code for e in errs] == [ErrorCode.AMOUNT_INVALID]
    assert words in errs[0].message


def test_month_and_yes_no_and_amount_in_fen():
    checked = _check(
        [
            ["盐池县", "花马池镇", "村一", "H1", "王建国", GOOD, "户主", "6543.21", "202103", "是"],
            [
                "盐池县",
                "花马池镇",
                "村一",
                "H1",
                "李秀英",
                OTHER,
                "配偶",
                "6543.21",
                "202113",
                "也许",
            ],
        ],
        kind="monitoring",
        header=MON,
    )
    f = checked.frame
    assert f["income"].to_list()[0] == 654321
    assert f["identified_month"].to_list()[0] == dt.date(2021, 3, 1)
    assert f["risk_cleared"].to_list()[0] is True
    assert {(e.row, e.field, e.code) for e in checked.errors} == {
        (5, "识别监测时间", ErrorCode.IMPORT_DATE),
        (5, "风险是否已消除", ErrorCode.IMPORT_VALUE),
    }


def test_household_with_two_heads():
    checked = _check(
        [
            ["盐池县", "花马池镇", "村一", "H1", "王建国", GOOD, "户主", "100", "", ""],
            ["盐池县", "花马池镇", "村一", "H1", "李秀英", OTHER, "户主", "100", "", ""],
        ],
        kind="monitoring",
        header=MON,
    )
    # both rows: the list does not say which of them heads the household, so neither applies
    assert sorted(_errors(checked)) == [(4, "与户主关系", ErrorCode.HOUSEHOLD_TWO_HEADS),
                                        (5, "与户主关系", ErrorCode.HOUSEHOLD_TWO_HEADS)]
    assert all("第4、5行" in e.message for e in checked.errors)


def test_gb18030_csv_is_validated_like_a_workbook():
    spec = kinds.kind("civil_affairs")
    data = csv_bytes(HEADER, [["王建国", GOOD, "低保", "2023-01-01", ""]], encoding="gb18030")
    checked = check_table(read_table(data, spec), spec)
    assert checked.errors == [] and checked.frame["category"].to_list() == ["minimum_living"]


@settings_hyp(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="0123456789X", min_size=18, max_size=18),
            st.builds(
                lambda d, seq, c: f"640323{d:%Y%m%d}{seq:03d}{c}",
                st.dates(dt.date(1850, 1, 1), dt.date(2099, 12, 31)),
                st.integers(0, 999),
                st.sampled_from("0123456789X"),
            ),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_the_column_wise_id_check_agrees_with_idnumber(numbers):
    """The vectorised path (plain 18-character numbers) answers as registry.idnumber does."""
    import polars as pl

    from jkfp.errors import DomainError
    from jkfp.exchange.validation import _id_fast

    fast = _id_fast(pl.Series(numbers, dtype=pl.String))
    for n, row in zip(numbers, fast.iter_rows(named=True), strict=True):
        try:
            info = idnumber.parse(n)
            expected = (True, True, info.birth_date, info.sex)
        except DomainError as exc:
            if exc.code == ErrorCode.ID_CHECKSUM:
                expected = (True, False, row["id_birth"], row["id_sex"])
            else:
                expected = None
        if expected is None:
            assert not row["_fast"]
        else:
            assert (row["_fast"], row["id_valid"], row["id_birth"], row["id_sex"]) == expected


def test_money_column_wise_equals_parse_yuan():
    """The column-wise path of amounts gives what `parse_yuan` gives, value by value."""
    import random

    import polars as pl

    from jkfp.exchange.kinds import FieldSpec
    from jkfp.exchange.validation import _money_column
    from jkfp.policy.money import parse_yuan

    rng = random.Random(7)
    values = ["0", "0.5", "-0.05", "12", "12.3", "999999999999.99", "-1", "007.10"]
    values += [f"{rng.randrange(-10**6, 10**8) / 100:.2f}" for _ in range(500)]
    frame = pl.DataFrame({"_line": list(range(len(values))), "amount": values})
    spec = FieldSpec(name="amount", headers=("金额",), type="money")
    errors = []
    (out,) = _money_column(frame, spec, "金额", errors)
    assert errors == []
    assert out.to_list() == [parse_yuan(v, negative=True) for v in values]
