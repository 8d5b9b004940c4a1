"""One cell of a list: the patterns and the parser of each field type (`parse_value`), the
ID-number reading, and the `Bad` answer a failing cell gets; `validation.py` applies them column
by column."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from jkfp.errors import DomainError, ErrorCode
from jkfp.policy.money import parse_yuan
from jkfp.registry import idnumber

from .kinds import FieldSpec, header_key

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$", re.ASCII)
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$", re.ASCII)
_DATE8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$", re.ASCII)
_MONTH = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})月?$", re.ASCII)
_CODE = re.compile(r"^\d{6}(\d{3})?(\d{3})?$", re.ASCII)
_INT = re.compile(r"^\d{1,9}$", re.ASCII)
_YEAR = re.compile(r"^\d{4}$", re.ASCII)
EARLIEST_YEAR = 1990
YES, NO = (
    frozenset({"是", "Y", "y", "1", "TRUE", "true"}),
    frozenset({"否", "N", "n", "0", "FALSE", "false"}),
)
EARLIEST, LATEST = dt.date(1880, 1, 1), dt.date(2099, 12, 31)

#: Polars types of the parsed columns
DTYPES = {
    "text": pl.String,
    "date": pl.Date,
    "month": pl.Date,
    "yes_no": pl.Boolean,
    "enum": pl.String,
    "money": pl.Int64,
    "integer": pl.Int64,
    "year": pl.Int64,
    "phone": pl.String,
    "region_code": pl.String,
}



class Bad(Exception):
    def __init__(self, code: ErrorCode, message: str):
        super().__init__(message)
        self.code, self.message = code, message


# ---------------------------------------------------------------- one value of a type
def _date(text: str) -> dt.date:
    m = _DATE.match(text) or _DATE8.match(text)
    if not m:
        raise Bad(
            ErrorCode.IMPORT_DATE, f"“{text}”不是日期（应为如2021-03-01、2021/3/1或20210301）"
        )
    try:
        d = dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise Bad(ErrorCode.IMPORT_DATE, f"“{text}”不是有效日期（月份或日期超出范围）") from None
    if not EARLIEST <= d <= LATEST:
        raise Bad(ErrorCode.IMPORT_DATE, f"日期“{text}”超出有效范围（1880-01-01至2099-12-31）")
    return d


def _month(text: str) -> dt.date:
    m = _MONTH.match(text)
    if not m:
        m2 = _DATE.match(text)  # a date cell: the month it falls in
        if m2:
            return _date(text).replace(day=1)
        raise Bad(ErrorCode.IMPORT_DATE, f"“{text}”不是年月（应为YYYYMM，如202103）")
    year, month = int(m[1]), int(m[2])
    if not 1 <= month <= 12:
        raise Bad(ErrorCode.IMPORT_DATE, f"“{text}”不是有效年月：月份{month}超出1至12")
    if not EARLIEST.year <= year <= LATEST.year:
        raise Bad(ErrorCode.IMPORT_DATE, f"年月“{text}”超出有效范围")
    return dt.date(year, month, 1)


def _money(text: str) -> int:
    if "元" in text:
        raise Bad(ErrorCode.AMOUNT_INVALID, f"金额“{text}”不能带“元”：只填数字，单位为元")
    if "," in text or "，" in text:
        raise Bad(ErrorCode.AMOUNT_INVALID, f"金额“{text}”不能带千位分隔符：请写作如12345.60")
    try:
        return parse_yuan(text, field="amount", negative=True)
    except DomainError as exc:
        raise Bad(ErrorCode.AMOUNT_INVALID, exc.message) from None


def parse_value(spec: FieldSpec, text: str):
    """The typed value of one cell's text (not empty), or raise Bad."""
    t = spec.type
    if t == "text":
        return text
    if t == "date":
        return _date(text)
    if t == "month":
        return _month(text)
    if t == "yes_no":
        if text in YES:
            return True
        if text in NO:
            return False
        raise Bad(ErrorCode.IMPORT_VALUE, f"“{text}”无效，应填“是”或“否”")
    if t == "enum":
        code = spec.values.get(header_key(text))
        if code is None:
            options = "、".join(spec.values)
            raise Bad(ErrorCode.IMPORT_VALUE, f"“{text}”不是可选值（可选：{options}）")
        return code
    if t == "money":
        return _money(text)
    if t == "integer":
        compact = text.replace(" ", "")
        if not _INT.match(compact):
            raise Bad(ErrorCode.IMPORT_VALUE, f"“{text}”应为整数")
        return int(compact)
    if t == "year":
        compact = text.replace(" ", "").removesuffix("年")
        if not _YEAR.match(compact) or not EARLIEST_YEAR <= int(compact) <= LATEST.year:
            raise Bad(
                ErrorCode.IMPORT_VALUE,
                f"“{text}”不是年度：应为四位年份，如{dt.datetime.now(idnumber.CHINA).year}",
            )
        return int(compact)
    if t == "phone":
        compact = text.replace(" ", "")
        if not PHONE.match(compact):
            raise Bad(ErrorCode.IMPORT_VALUE, f"联系电话“{text}”格式不正确")
        return compact
    if t == "region_code":
        compact = text.replace(" ", "")
        if not _CODE.match(compact):
            raise Bad(ErrorCode.IMPORT_VALUE, f"区划代码“{text}”应为6、9或12位数字")
        if len(compact) == 12 and compact.endswith("000"):
            compact = compact[:9]
        if len(compact) == 9 and compact.endswith("000"):
            compact = compact[:6]
        return compact
    raise AssertionError(t)  # kinds.py refuses other types


def read_id(text: str) -> tuple[str, bool, dt.date | None, str | None]:
    """(normalised number, check ok, birth date, sex) of a well-formed ID; raise Bad if not."""
    try:
        info = idnumber.parse(text)
        return info.number, True, info.birth_date, info.sex
    except DomainError as exc:
        if exc.code != ErrorCode.ID_CHECKSUM:
            raise Bad(exc.code, exc.message) from None
    number = idnumber.normalize(text)
    birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return number, False, birth, "M" if int(number[16]) % 2 else "F"


# ---------------------------------------------------------------- the columns
