"""The monitoring plan column-wise (decision 74): the same plan as `compare.plan_monitoring`,
computed on Polars frames for the common rows and kept as columns.

A row is decided by its columns when its household holds at most one period of each category
the row speaks for: no change, a phone or work ability changed, a period already held, opened
(after a closed one) or ended, an end earlier than the held start. The rare rows whose
household holds two or more periods of a category go through `compare.monitoring_row_plan`,
the per-row reference, with their household's periods only. The plan's `rows` is a mapping
from line to `RowPlan` as before: a row's `RowPlan` is made from its columns when it is first
read and kept (so the incomes and the new persons, which change or replace rows of the plan,
work on it as on the old one); a list planned and only counted never makes them.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from jkfp.categories import Category
from jkfp.registry.services import PeriodEndChange, PeriodOpen

from .compare import (
    MONITORING_UNKNOWN,
    PeriodState,
    Plan,
    RowIn,
    RowPlan,
    _label,
    _Periods,
    _shown,
    _span,
    monitoring_row_plan,
)
from .compare_frame_state import FrameState, PersonsFrame, PlanRows  # noqa: F401 (re-exported)
from .models import RowStatus

#: what the monitoring plan reads of a row, typed as validation leaves them
ROW_SCHEMA = {
    "line": pl.Int64,
    "person_id": pl.Int64,
    "id_number": pl.String,
    "id_valid": pl.Boolean,
    "relation": pl.String,
    "phone": pl.String,
    "work_ability": pl.String,
    "health_status": pl.String,
    "household_type": pl.String,
    "exit_year": pl.Int64,
    "monitored_type": pl.String,
    "identified_month": pl.Date,
    "risk_cleared": pl.Boolean,
    "cleared_month": pl.Date,
    "clear_way": pl.String,
}
PERSON_SCHEMA = {
    "id": pl.Int64,
    "name": pl.String,
    "id_number": pl.String,
    "alive": pl.Boolean,
    "region_code": pl.String,
    "household_id": pl.Int64,
    "phone": pl.String,
    "work_ability": pl.String,
    "health_status": pl.String,
    "relation": pl.String,
}
PERIOD_SCHEMA = {
    "id": pl.Int64,
    "household_id": pl.Int64,
    "category": pl.String,
    "start_date": pl.Date,
    "end_date": pl.Date,
}
LIFTED = Category.LIFTED_OUT.value


def rows_frame(rows: list[RowIn]) -> pl.DataFrame:
    """The rows of a batch (RowIn: typed values) as the frame the plan reads."""
    cols = {"line": [r.line for r in rows], "person_id": [r.person_id for r in rows]}
    for name in list(ROW_SCHEMA)[2:]:
        cols[name] = [r.data.get(name) for r in rows]
    return pl.DataFrame(cols, schema=ROW_SCHEMA)


def _conform(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c)
        for c, t in ROW_SCHEMA.items()
    )


def _held(periods: pl.DataFrame, prefix: str) -> pl.DataFrame:
    """Per (household, category): how many periods are held, and the one when there is one."""
    return periods.group_by("household_id", "category").agg(
        pl.len().alias(f"{prefix}n"),
        pl.col("id").first().alias(f"{prefix}hid"),
        pl.col("start_date").first().alias(f"{prefix}hstart"),
        pl.col("end_date").first().alias(f"{prefix}hend"),
    )


def _slot(prefix: str, applies: pl.Expr, start: pl.Expr, end: pl.Expr) -> list[pl.Expr]:
    """What `compare._period_plan` does for one category, as columns: the act (None, "open",
    "end" or "late"), the first day of an open. Valid when at most one period is held."""
    n = pl.col(f"{prefix}n").fill_null(0)
    hstart, hend = pl.col(f"{prefix}hstart"), pl.col(f"{prefix}hend")
    held_open = (n == 1) & hend.is_null()
    no_end = end.is_null()
    act = (
        pl.when(~applies | pl.col("_fallback")).then(None)
        .when(no_end & held_open).then(None)
        .when(no_end).then(pl.lit("open"))
        .when(held_open & (hstart > end)).then(pl.lit("late"))
        .when(held_open).then(pl.lit("end"))
        .when((n == 1) & (hstart <= end) & (hend >= start)).then(None)
        .otherwise(pl.lit("open"))
    )
    begin = (
        pl.when(no_end & (n == 1) & hend.is_not_null() & (hend >= start))
        .then(hend + pl.duration(days=1))
        .otherwise(start)
    )
    return [act.alias(f"{prefix}act"), begin.alias(f"{prefix}begin")]


def plan_monitoring_frame(rows: pl.DataFrame, state: FrameState, *, note: str) -> Plan:
    """`compare.plan_monitoring` on frames: `rows` with `line`, `person_id` and the columns of
    ROW_SCHEMA it has (the others are read as empty)."""
    f = _conform(rows).with_columns(
        (pl.col("relation") != "head").fill_null(True).alias("_later")
    ).sort("_later", "line", maintain_order=True)
    persons = state.persons.frame.select(
        pl.col("id").alias("person_id"),
        pl.lit(True).alias("_found"),
        pl.col("region_code"),
        pl.col("household_id"),
        pl.col("alive"),
        pl.col("phone").alias("_phone"),
        pl.col("work_ability").alias("_work"),
        pl.col("health_status").alias("_health"),
        pl.col("relation").alias("_relation"),
    )
    f = f.join(persons, on="person_id", how="left", maintain_order="left").with_columns(
        pl.col("_found").fill_null(False)
    )
    found = pl.col("_found")
    f = f.with_columns(
        (found & pl.when(found).then(pl.col("household_id")).is_first_distinct()).alias("_first")
    )
    contradictions = _county_contradictions(f, state.county_codes)
    periods = state.periods
    f = f.join(
        _held(periods, "a_").filter(pl.col("category") == LIFTED).drop("category"),
        on="household_id", how="left", maintain_order="left",
    ).join(
        _held(periods, "b_").rename({"category": "monitored_type"}),
        on=["household_id", "monitored_type"], how="left", maintain_order="left",
    )
    year = pl.col("exit_year")
    a_applies = (
        pl.col("_first")
        & (pl.col("household_type") == "lifted_out").fill_null(False)
        & (year.is_not_null() & (year != 0))
    )
    b_applies = (
        pl.col("_first")
        & (pl.col("monitored_type").fill_null("") != "")
        & pl.col("identified_month").is_not_null()
    )
    b_end = (
        pl.when(pl.col("risk_cleared").fill_null(False) & pl.col("cleared_month").is_not_null())
        .then(pl.col("cleared_month").dt.month_end())
        .otherwise(None)
    )
    f = f.with_columns(
        a_applies.alias("_a"), b_applies.alias("_b"), b_end.alias("b_end"),
        pl.when(a_applies).then(pl.date(year, 1, 1)).alias("a_start"),
    ).with_columns(
        ((pl.col("_a") & (pl.col("a_n").fill_null(0) > 1))
         | (pl.col("_b") & (pl.col("b_n").fill_null(0) > 1))
         # 健康状况 and the relation (decision 82): rare changes, by the reference
         | (found & (pl.col("health_status").fill_null("") != "")
            & (pl.col("health_status").fill_null("") != pl.col("_health").fill_null("")))
         | (found & (pl.col("relation").fill_null("") != "")
            & (pl.col("relation").fill_null("") != pl.col("_relation").fill_null("")))
         ).alias("_fallback")
    )
    f = f.with_columns(
        *_slot("a_", pl.col("_a"), pl.col("a_start"), pl.lit(None, dtype=pl.Date)),
        *_slot("b_", pl.col("_b"), pl.col("identified_month"), pl.col("b_end")),
        *_changed("phone", "_phone"),
        *_changed("work_ability", "_work"),
    )
    fallback = f.filter(pl.col("_fallback"))
    acts = pl.col("a_act").is_in(["open"]) | pl.col("b_act").is_in(["open"])
    status = (
        pl.when(~found).then(pl.lit(RowStatus.IGNORED.value))
        .when(pl.col("b_act") == "end").then(pl.lit(RowStatus.ENDED.value))
        .when(acts).then(pl.lit(RowStatus.CREATED.value))
        .when(pl.col("phone_new").is_not_null() | pl.col("work_ability_new").is_not_null())
        .then(pl.lit(RowStatus.UPDATED.value))
        .otherwise(pl.lit(RowStatus.UNCHANGED.value))
    )
    out = f.select(
        "line", status.alias("status"), "phone_new", "phone_before", "work_ability_new",
        "work_ability_before", "region_code", "household_id", "exit_year", "clear_way",
        "a_act", "a_begin", "a_hid", "a_hstart",
        "monitored_type", "identified_month", "b_end", "b_act", "b_begin", "b_hid", "b_hstart",
    )
    plan = Plan(rows=PlanRows(out, _maker(note)), contradictions=contradictions)
    if fallback.height:
        _plan_fallback(plan, fallback, state, note)
    plan.contradictions.sort(key=lambda c: c["line"])  # by line, as the per-row reference
    return plan


def _changed(name: str, held: str) -> list[pl.Expr]:
    value = pl.col(name)
    new = pl.when(
        pl.col("_found") & (value.fill_null("") != "") & value.ne_missing(pl.col(held))
    ).then(value)
    before = pl.when(pl.col(held).fill_null("") == "").then(pl.lit("无")).otherwise(pl.col(held))
    return [new.alias(f"{name}_new"), before.alias(f"{name}_before")]


def _county_contradictions(f: pl.DataFrame, codes: dict[str, set[str]]) -> list[dict]:
    """`compare._contradictions` of a monitoring list: an ID whose address code is not the
    county's (or one of its old codes), in the plan's row order."""
    known = pl.DataFrame(
        [(county, code) for county, cs in codes.items() for code in cs],
        schema={"_county": pl.String, "_code": pl.String}, orient="row",
    ).with_columns(pl.lit(True).alias("_known"))
    rows = f.filter(
        pl.col("_found") & (pl.col("id_number").fill_null("") != "")
        & pl.col("id_valid").fill_null(False)
    ).select(
        "line", "person_id", pl.col("id_number").str.slice(0, 6).alias("_code"),
        pl.col("region_code").str.slice(0, 6).alias("_county"),
    ).join(known, on=["_county", "_code"], how="left", maintain_order="left")
    # a county without codes has its own code only (`codes.get(county, {county})`)
    bad = rows.filter(
        pl.col("_known").is_null()
        & (pl.col("_county").is_in(list(codes)) | (pl.col("_code") != pl.col("_county")))
    )
    return [
        {
            "line": line,
            "person_id": pid,
            "what": "证件号码的县代码不符",
            "text": f"证件号码前6位{code}不是所在县{county}（或其旧代码）",
        }
        for line, pid, code, county in bad.select("line", "person_id", "_code", "_county").rows()
    ]


def _maker(note: str) -> Callable[[tuple], RowPlan]:
    """The RowPlan of one row of the plan's frame (its columns in `plan_monitoring_frame`'s
    order), as `compare.monitoring_row_plan` makes it."""
    reason = f"监测名单：{note}"
    ended_note = f"风险消除（监测名单）：{note}"

    def make(row: tuple) -> RowPlan:
        (_line, status, phone, phone_before, work, work_before, region, hh, year, way,
         a_act, a_begin, _a_hid, _a_hstart,
         kind, start, end, b_act, b_begin, b_hid, b_hstart) = row
        if status == RowStatus.IGNORED:
            return RowPlan(RowStatus.IGNORED, MONITORING_UNKNOWN)
        plan = RowPlan(RowStatus(status))
        if phone is not None:
            plan.person_update["phone"] = phone
            plan.changes.append({"field": "联系电话", "before": phone_before, "after": phone})
        if work is not None:
            plan.person_update["work_ability"] = work
            plan.changes.append({"field": "劳动能力", "before": _shown("work_ability", work_before),
                                 "after": _shown("work_ability", work)})
        if a_act == "open":
            plan.opens.append(PeriodOpen(
                category=LIFTED, start_date=a_begin, region_code=region, person_id=None,
                household_id=hh, reason=reason, exit_year=year))
            plan.changes.append(
                {"field": _label(LIFTED), "before": "无", "after": _span(a_begin, None)})
        if b_act is None:
            return plan
        label = _label(kind)
        if b_act == "late":
            plan.changes.append({"field": label, "before": _span(b_hstart, None),
                                 "after": f"名单终止于{end}，早于登记的起始日期，未处理"})
        elif b_act == "end":
            plan.ends.append(PeriodEndChange(
                period_id=b_hid, end_date=end, end_reason=ended_note, end_way=way or ""))
            plan.changes.append({"field": label, "before": _span(b_hstart, None),
                                 "after": _span(b_hstart, end)})
        elif end is None:
            plan.opens.append(PeriodOpen(
                category=kind, start_date=b_begin, region_code=region, person_id=None,
                household_id=hh, reason=reason, exit_year=None))
            plan.changes.append({"field": label, "before": "无", "after": _span(b_begin, None)})
        else:
            plan.opens.append(PeriodOpen(
                category=kind, start_date=start, end_date=end, end_reason=ended_note,
                end_way=way or "", region_code=region, person_id=None, household_id=hh,
                reason=reason, exit_year=None))
            plan.changes.append({"field": label, "before": "无", "after": _span(start, end)})
        return plan

    return make


def _plan_fallback(plan: Plan, rows: pl.DataFrame, state: FrameState, note: str) -> None:
    """The rows whose household holds several periods of a category: per row, by the
    reference, with their households' periods (in the order the state read them)."""
    households = rows["household_id"].unique().to_list()
    held = state.periods.filter(pl.col("household_id").is_in(households))
    periods = _Periods([
        PeriodState(pk, None, hh, cat, start, end) for pk, hh, cat, start, end in
        held.select("id", "household_id", "category", "start_date", "end_date").rows()
    ])
    for d in rows.select(*ROW_SCHEMA, "_first").iter_rows(named=True):
        person = state.persons[d["person_id"]]
        plan.rows[d["line"]] = monitoring_row_plan(d, person, periods, d.pop("_first"), note,
                                                   line=d["line"],
                                                   contradictions=plan.contradictions)
