"""Validation of every row of a list, column by column (issue 10, "Bad input").

Each column is checked once per distinct value (a list has few distinct dates, categories or
villages) and the answer joined back onto the rows, so the work grows with the distinct values,
not with the rows; an error is built only for a failing row. Every error names the line, the
column as the file writes it and the reason in Chinese, and all of them are found at once.

A well-formed ID number whose check character fails is not an error: the row keeps
`id_valid = false` and is linked by its other fields (registry/idnumber.py normalises 15-digit
numbers and disability-card numbers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

from jkfp.errors import DomainError, ErrorCode
from jkfp.registry import idnumber

from .cells import DTYPES, EARLIEST, Bad, parse_value, read_id
from .kinds import FieldSpec, Kind
from .reading import Table
from .settlement_checks import settlement_checks


@dataclass
class Checked:
    """The parsed rows (`frame`: `_line`, one typed column per field, and for the ID
    `id_number`, `id_valid`, `id_birth`, `id_sex`, `id_raw`) and every error found."""

    frame: pl.DataFrame
    errors: list[DomainError] = field(default_factory=list)

    def error_lines(self) -> set[int]:
        return {e.row for e in self.errors if e.row is not None}


def _column(
    frame: pl.DataFrame, spec: FieldSpec, header: str, errors: list[DomainError]
) -> list[pl.Series]:
    """The parsed series of one field (several for the ID), appending the errors of its rows."""
    col = frame[spec.name]
    if spec.type == "id_number":
        return _id_column(frame, spec, header, errors)
    if spec.type == "money":
        return _money_column(frame, spec, header, errors)
    distinct = col.drop_nulls().unique().to_list()
    parsed, bad = {}, {}
    for v in distinct:
        try:
            parsed[v] = parse_value(spec, v)
        except Bad as b:
            bad[v] = b
    if bad:
        for line, v in frame.filter(col.is_in(list(bad))).select("_line", spec.name).rows():
            errors.append(
                DomainError(bad[v].code, f"{header}：{bad[v].message}", row=line, field=header)
            )
    dtype = DTYPES[spec.type]
    lookup = pl.DataFrame(
        {
            "_k": pl.Series(list(parsed), dtype=pl.String),
            "_v": pl.Series(list(parsed.values()), dtype=dtype),
        }
    )
    out = frame.select(pl.col(spec.name).alias("_k")).join(
        lookup, on="_k", how="left", maintain_order="left"
    )
    return [out["_v"].alias(spec.name)]


_PLAIN_YUAN = r"^-?\d{1,12}(\.\d{1,2})?$"


def _money_column(
    frame: pl.DataFrame, spec: FieldSpec, header: str, errors: list[DomainError]
) -> list[pl.Series]:
    """Amounts in yuan → fen column-wise for plain numbers (up to 12 integer digits and two
    decimals, as `parse_yuan` accepts them); any other text goes through `parse_value` per
    distinct value, for its own message. Amounts are mostly distinct, so the per-value path
    would cost a Python call per row (decision 52)."""
    col = frame[spec.name]
    plain = col.str.contains(_PLAIN_YUAN).fill_null(False)
    parts = col.str.split_exact(".", 1)
    whole = parts.struct.field("field_0")
    frac = parts.struct.field("field_1").fill_null("").str.pad_end(2, "0")
    negative = whole.str.starts_with("-")
    digits = whole.str.strip_chars_start("-")
    fen = digits.cast(pl.Int64, strict=False) * 100 + frac.cast(pl.Int64, strict=False)
    fen = pl.select(pl.when(negative).then(-fen).otherwise(fen)).to_series()
    fast = pl.select(pl.when(plain).then(fen).otherwise(None)).to_series()
    slow = col.filter(~plain & col.is_not_null()).unique().to_list()
    parsed, bad = {}, {}
    for v in slow:
        try:
            parsed[v] = parse_value(spec, v)
        except Bad as b:
            bad[v] = b
    if bad:
        for line, v in frame.filter(col.is_in(list(bad))).select("_line", spec.name).rows():
            errors.append(
                DomainError(bad[v].code, f"{header}：{bad[v].message}", row=line, field=header)
            )
    if parsed:
        lookup = pl.DataFrame(
            {
                "_k": pl.Series(list(parsed), dtype=pl.String),
                "_v": pl.Series(list(parsed.values()), dtype=pl.Int64),
            }
        )
        other = frame.select(pl.col(spec.name).alias("_k")).join(
            lookup, on="_k", how="left", maintain_order="left"
        )["_v"]
        fast = pl.select(pl.coalesce(fast, other)).to_series()
    return [fast.alias(spec.name)]


def _id_fast(col: pl.Series) -> pl.DataFrame:
    """The plain 18-character numbers checked column-wise (check character, birth date, sex);
    `_fast` is false where the Python path must decide (other forms, a bad birth date)."""
    today = dt.datetime.now(idnumber.CHINA).date()  # today in China (DESIGN rule 9)
    digits = [col.str.slice(i, 1).cast(pl.Int32, strict=False) for i in range(17)]
    total = digits[0] * idnumber.WEIGHTS[0]
    for d, w in zip(digits[1:], idnumber.WEIGHTS[1:], strict=True):
        total = total + d * w
    check = (total % 11).replace_strict(
        list(range(11)), list(idnumber.CHECK_CHARS), return_dtype=pl.String
    )
    birth = col.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    plain = col.str.contains(r"^\d{17}[\dX]$").fill_null(False)
    fast = plain & birth.is_not_null() & (birth >= EARLIEST) & (birth <= today)
    return pl.DataFrame(
        {
            "_fast": fast.fill_null(False),
            "id_number": col,
            "id_valid": (check == col.str.slice(17, 1)),
            "id_birth": birth,
            "id_sex": pl.select(
                pl.when(digits[16] % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F"))
            ).to_series(),
        }
    )


def _id_column(
    frame: pl.DataFrame, spec: FieldSpec, header: str, errors: list[DomainError]
) -> list[pl.Series]:
    col = frame[spec.name]
    fast = _id_fast(col)
    slow_values = col.filter(~fast["_fast"] & col.is_not_null()).unique().to_list()
    answers = {}
    for v in slow_values:
        try:
            answers[v] = (*read_id(v), None)
        except Bad as bad:
            answers[v] = (None, False, None, None, bad)
    lookup = pl.DataFrame(
        {
            "_k": pl.Series(slow_values, dtype=pl.String),
            "s_number": pl.Series([answers[v][0] for v in slow_values], dtype=pl.String),
            "s_valid": pl.Series([answers[v][1] for v in slow_values], dtype=pl.Boolean),
            "s_birth": pl.Series([answers[v][2] for v in slow_values], dtype=pl.Date),
            "s_sex": pl.Series([answers[v][3] for v in slow_values], dtype=pl.String),
        }
    )
    joined = pl.concat([fast, frame.select(pl.col(spec.name).alias("_k"))], how="horizontal").join(
        lookup, on="_k", how="left", maintain_order="left"
    )
    f = pl.col("_fast")
    out = joined.select(
        pl.when(f).then("id_number").otherwise("s_number").alias("id_number"),
        pl.when(f).then("id_valid").otherwise("s_valid").fill_null(False).alias("id_valid"),
        pl.when(f).then("id_birth").otherwise("s_birth").alias("id_birth"),
        pl.when(f).then("id_sex").otherwise("s_sex").alias("id_sex"),
    )
    bad = {v for v, a in answers.items() if a[4] is not None}
    if bad:
        for line, v in frame.filter(col.is_in(list(bad))).select("_line", spec.name).rows():
            b = answers[v][4]
            errors.append(DomainError(b.code, b.message, row=line, field=header))
    return [out["id_number"], out["id_valid"], out["id_birth"], out["id_sex"], col.alias("id_raw")]


def check_table(
    table: Table, kind: Kind, *, villages: Callable[[pl.DataFrame], pl.DataFrame] | None = None
) -> Checked:
    """Parse and check every row of `table` as a list of `kind` (see the module doc).

    `villages(frame)` (monitoring) answers, for the distinct (county, township, village)
    names, the village code or an error text (`_village`, `_village_error`)."""
    frame = table.frame
    errors: list[DomainError] = list(table.errors)
    series: list[pl.Series] = [frame["_line"]]
    for spec in kind.fields.values():
        header = table.columns.get(spec.name, spec.label)
        if spec.name not in frame.columns:
            dtype = pl.String if spec.type == "id_number" else DTYPES[spec.type]
            series.append(pl.Series(spec.name, [None] * frame.height, dtype=dtype))
            continue
        if spec.required:
            for (line,) in frame.filter(pl.col(spec.name).is_null()).select("_line").rows():
                errors.append(
                    DomainError(ErrorCode.REQUIRED, f"{header}不能为空", row=line, field=header)
                )
        series += _column(frame, spec, header, errors)
    out = pl.DataFrame(series)
    out = _duplicates(out, kind, table, errors)
    if kind.code == "monitoring":
        out = _households(out, table, errors)
        if villages is not None:
            out = _villages(out, table, errors, villages)
    if kind.code == "insurance_settlements":
        out = settlement_checks(out, kind, table, errors)
    errors.sort(key=lambda e: (e.row or 0, e.field or ""))
    return Checked(frame=out, errors=errors)


def _duplicates(
    out: pl.DataFrame, kind: Kind, table: Table, errors: list[DomainError]
) -> pl.DataFrame:
    key = [k for k in kind.key if k in out.columns]
    if not key:
        return out
    keyed = out.select("_line", *key).drop_nulls(key)
    firsts = keyed.group_by(key, maintain_order=True).agg(pl.col("_line").min().alias("_first"))
    dup = keyed.join(firsts, on=key).filter(pl.col("_line") != pl.col("_first"))
    header = "、".join(table.columns.get(k, kind.fields[k].label) for k in key)
    for line, first in dup.select("_line", "_first").rows():
        errors.append(
            DomainError(
                ErrorCode.IMPORT_DUPLICATE_ROW,
                f"与第{first}行重复（{header}相同）",
                row=line,
                field=table.columns.get(key[0], key[0]),
            )
        )
    return out


def _households(out: pl.DataFrame, table: Table, errors: list[DomainError]) -> pl.DataFrame:
    heads = out.filter(pl.col("relation") == "head").select("_line", "household_number")
    many = (
        heads.group_by("household_number")
        .agg(pl.col("_line").sort())
        .filter(pl.col("_line").list.len() > 1)
    )
    header = table.columns.get("relation", "与户主关系")
    for number, lines in many.rows():
        for line in lines:  # every one of them: the list does not say which is the head
            errors.append(
                DomainError(
                    ErrorCode.HOUSEHOLD_TWO_HEADS,
                    f"户编号{number}有两个户主（第{'、'.join(map(str, lines))}行）",
                    row=line,
                    field=header,
                )
            )
    return out


def _villages(
    out: pl.DataFrame,
    table: Table,
    errors: list[DomainError],
    villages: Callable[[pl.DataFrame], pl.DataFrame],
) -> pl.DataFrame:
    names = ["county", "township", "village"]
    distinct = out.select(names).unique().drop_nulls(["township", "village"])
    answers = villages(distinct)  # county, township, village, _village, _village_error
    out = out.join(answers, on=names, how="left", nulls_equal=True, maintain_order="left")
    header = table.columns.get("village", "行政村")
    for line, why in (
        out.filter(pl.col("_village_error").is_not_null()).select("_line", "_village_error").rows()
    ):
        errors.append(DomainError(ErrorCode.IMPORT_VILLAGE, why, row=line, field=header))
    return out


def fen_text(value: int | None) -> str:
    return "" if value is None else str(Decimal(value).scaleb(-2).quantize(Decimal("0.01")))
