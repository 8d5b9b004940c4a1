"""Row checks of the platform's settlement records (kind `insurance_settlements`, decision 52),
after each column is typed by `validation.check_table`: the discharge on or after the
admission, no negative amount, the fund parts consistent with the totals where the file gives
them (within a fen), and one row per settlement number.

Every check is a Polars expression over the whole frame; an error is built only for a failing
row and names every column the check involves, as the file writes them.
"""

from __future__ import annotations

import polars as pl

from jkfp.errors import DomainError, ErrorCode

from .kinds import Kind
from .reading import Table

AMOUNTS = (
    "total",
    "fully_self",
    "over_limit_self",
    "pre_self",
    "in_policy",
    "deductible",
    "basic",
    "critical",
    "assistance",
    "other_fund",
    "fund_total",
    "hospital_share",
    "personal",
    "account",
    "cash",
)
FUNDS = ("basic", "critical", "assistance", "other_fund")
TOLERANCE_FEN = 1


def _yuan(fen: int | None) -> str:
    if fen is None:
        return "空"
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def settlement_checks(
    out: pl.DataFrame, kind: Kind, table: Table, errors: list[DomainError]
) -> pl.DataFrame:
    def h(name: str) -> str:
        return table.columns.get(name, kind.fields[name].label)

    has = set(table.columns)

    def bad(mask: pl.Expr, build, *cols: str) -> None:
        rows = out.filter(mask.fill_null(False)).select("_line", *cols).rows(named=True)
        for r in rows:
            code, message, field = build(r)
            errors.append(DomainError(code, message, row=r["_line"], field=field))

    bad(
        pl.col("discharge_date") < pl.col("admission_date"),
        lambda r: (
            ErrorCode.IMPORT_VALUE,
            f"{h('discharge_date')}（{r['discharge_date']}）早于{h('admission_date')}"
            f"（{r['admission_date']}）",
            h("discharge_date"),
        ),
        "discharge_date",
        "admission_date",
    )
    for name in AMOUNTS:
        if name in has:
            bad(
                pl.col(name) < 0,
                lambda r, n=name: (
                    ErrorCode.AMOUNT_INVALID,
                    f"{h(n)}：金额{_yuan(r[n])}不能为负数（冲销记录不导入）",
                    h(n),
                ),
                name,
            )
    if "in_policy" in has:
        bad(
            pl.col("in_policy") > pl.col("total"),
            lambda r: (
                ErrorCode.AMOUNT_INVALID,
                f"{h('in_policy')}（{_yuan(r['in_policy'])}）大于{h('total')}"
                f"（{_yuan(r['total'])}）",
                h("in_policy"),
            ),
            "in_policy",
            "total",
        )
    given_funds = [f for f in FUNDS if f in has]
    parts = pl.sum_horizontal([pl.col(f).fill_null(0) for f in given_funds]) if given_funds else None
    if "fund_total" in has and given_funds:
        names = "＋".join(h(f) for f in given_funds)
        rows = (
            out.with_columns(parts.alias("_parts"))
            .filter(
                pl.col("fund_total").is_not_null()
                & ((pl.col("fund_total") - pl.col("_parts")).abs() > TOLERANCE_FEN)
            )
            .select("_line", "fund_total", "_parts")
            .rows(named=True)
        )
        for r in rows:
            errors.append(
                DomainError(
                    ErrorCode.IMPORT_AMOUNTS,
                    f"{h('fund_total')}（{_yuan(r['fund_total'])}）不等于{names}"
                    f"（{_yuan(r['_parts'])}）",
                    row=r["_line"],
                    field=h("fund_total"),
                )
            )
    funds = None
    fund_names = ""
    if "fund_total" in has:
        funds = pl.col("fund_total").fill_null(parts if parts is not None else pl.lit(0))
        fund_names = h("fund_total")
    elif given_funds:
        funds, fund_names = parts, "＋".join(h(f) for f in given_funds)
    if funds is not None:
        share = pl.col("hospital_share").fill_null(0) if "hospital_share" in has else pl.lit(0)
        minus = f"－{fund_names}" + (f"－{h('hospital_share')}" if "hospital_share" in has else "")
        rows = (
            out.with_columns((pl.col("total") - funds - share).alias("_expect"))
            .filter(
                pl.col("personal").is_not_null()
                & pl.col("total").is_not_null()
                & ((pl.col("personal") - pl.col("_expect")).abs() > TOLERANCE_FEN)
            )
            .select("_line", "personal", "_expect")
            .rows(named=True)
        )
        for r in rows:
            errors.append(
                DomainError(
                    ErrorCode.IMPORT_AMOUNTS,
                    f"{h('personal')}（{_yuan(r['personal'])}）不等于{h('total')}{minus}"
                    f"（{_yuan(r['_expect'])}）",
                    row=r["_line"],
                    field=h("personal"),
                )
            )
    if "account" in has and "cash" in has:
        rows = (
            out.filter(
                pl.col("account").is_not_null()
                & pl.col("cash").is_not_null()
                & pl.col("personal").is_not_null()
                & ((pl.col("account") + pl.col("cash") - pl.col("personal")).abs() > TOLERANCE_FEN)
            )
            .select("_line", "account", "cash", "personal")
            .rows(named=True)
        )
        for r in rows:
            errors.append(
                DomainError(
                    ErrorCode.IMPORT_AMOUNTS,
                    f"{h('account')}＋{h('cash')}（{_yuan(r['account'] + r['cash'])}）不等于"
                    f"{h('personal')}（{_yuan(r['personal'])}）",
                    row=r["_line"],
                    field=h("cash"),
                )
            )
    if "record_number" in has:
        keyed = out.select("_line", "record_number").drop_nulls("record_number")
        firsts = keyed.group_by("record_number").agg(pl.col("_line").min().alias("_first"))
        dup = keyed.join(firsts, on="record_number").filter(pl.col("_line") != pl.col("_first"))
        for line, number, first in dup.select("_line", "record_number", "_first").sort("_line").rows():
            errors.append(
                DomainError(
                    ErrorCode.IMPORT_DUPLICATE_ROW,
                    f"{h('record_number')}“{number}”与第{first}行重复",
                    row=line,
                    field=h("record_number"),
                )
            )
    return out
