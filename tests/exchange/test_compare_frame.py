"""The column-wise monitoring plan (decision 74) equals the per-row one (`compare.
plan_monitoring`, kept as the reference) on random lists and registries: every row's status,
reason, changes, writes and person fields, the rows' order, and the contradictions."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jkfp.exchange.compare import PeriodState, PersonState, RowIn, RowPlan, State, plan_monitoring
from jkfp.exchange.compare_frame import (
    PERIOD_SCHEMA,
    PERSON_SCHEMA,
    FrameState,
    PersonsFrame,
    PlanRows,
    plan_monitoring_frame,
    rows_frame,
)
from jkfp.exchange.models import RowStatus

D = dt.date
DATES = [D(2019, 1, 1), D(2020, 12, 31), D(2021, 3, 1), D(2021, 3, 31), D(2023, 6, 1),
         D(2024, 1, 1)]
CATS = ["lifted_out", "marginal", "unstable_lifted", "sudden_hardship"]
MONITORED = ["marginal", "unstable_lifted"]
REGIONS = ["640323001001", "640323002003", "640324001001"]
CODES = {"640323": {"640323", "642221"}, "640324": {"640324"}}
IDS = ["640323199001011234", "642221199001011234", "640324199001011234",
       "110101199001011234", "", None]

person = st.tuples(
    st.integers(1, 3),  # household
    st.sampled_from(["13900000000", "13911111111", "", None]),
    st.sampled_from(["able", "weak", "", None]),
    st.sampled_from(REGIONS),
    st.booleans(),
)
period = st.tuples(
    st.integers(1, 3), st.sampled_from(["lifted_out", *MONITORED, *MONITORED]),
    st.sampled_from(DATES),
    st.sampled_from([None, None, *DATES]),
)
row = st.fixed_dictionaries({
    "person_id": st.sampled_from([None, 1, 2, 3, 4, 5, 9]),
    "id_number": st.sampled_from(IDS),
    "id_valid": st.one_of(st.none(), st.booleans()),
    "relation": st.sampled_from(["head", "head", "spouse", None]),
    "phone": st.sampled_from(["13900000000", "13922222222", "", None]),
    "work_ability": st.sampled_from(["able", "unable", "", None]),
    "household_type": st.sampled_from(["lifted_out", "monitored", "ordinary", None]),
    "exit_year": st.sampled_from([None, 0, 2019, 2021]),
    "monitored_type": st.sampled_from([None, "", *MONITORED, *MONITORED, *MONITORED]),
    "identified_month": st.one_of(st.none(), st.sampled_from(DATES)),
    "risk_cleared": st.sampled_from([None, False, True, True]),
    "cleared_month": st.sampled_from([None, *DATES, *DATES]),
    "clear_way": st.sampled_from([None, "", "assisted"]),
})


def _states(persons, periods) -> tuple[State, FrameState]:
    people = [
        PersonState(i, f"人{i}", f"6403231990010{i:05d}", alive, region, hh, phone, work)
        for i, (hh, phone, work, region, alive) in enumerate(persons, start=1)
    ]
    # a period ends on or after its start
    held = [(i, hh, cat, start, end if end is None or end >= start else start)
            for i, (hh, cat, start, end) in enumerate(periods, start=100)]
    old = State(
        persons={p.id: p for p in people},
        periods=[PeriodState(i, None, hh, cat, s, e) for i, hh, cat, s, e in held],
        county_codes={k: set(v) for k, v in CODES.items()},
    )
    new = FrameState(
        persons=PersonsFrame(pl.DataFrame([tuple(vars(p).values()) for p in people],
                                          schema=PERSON_SCHEMA, orient="row")),
        periods=pl.DataFrame(held, schema=PERIOD_SCHEMA, orient="row"),
        county_codes={k: set(v) for k, v in CODES.items()},
    )
    return old, new


@settings(max_examples=400, deadline=None)
@given(
    persons=st.lists(person, min_size=4, max_size=8),
    periods=st.lists(period, min_size=1, max_size=10),
    rows=st.lists(row, max_size=12),
)
def test_column_wise_plan_equals_the_per_row_plan(persons, periods, rows):
    ins = [RowIn(line=4 + 2 * i, person_id=d["person_id"], data=dict(d))
           for i, d in enumerate(rows)]
    old_state, new_state = _states(persons, periods)
    want = plan_monitoring(ins, old_state, note="批次#1")
    got = plan_monitoring_frame(rows_frame(ins), new_state, note="批次#1")
    assert list(got.rows) == list(want.rows)
    assert len(got.rows) == len(want.rows)
    assert {line: got.rows[line] for line in got.rows} == want.rows
    assert got.contradictions == want.contradictions


def test_a_household_holding_two_periods_is_planned_by_the_reference():
    old_state, new_state = _states(
        [(1, "13900000000", "able", REGIONS[0], True)],
        [(1, "marginal", D(2019, 1, 1), D(2020, 12, 31)), (1, "marginal", D(2023, 6, 1), None)],
    )
    ins = [RowIn(line=4, person_id=1, data={
        "relation": "head", "monitored_type": "marginal", "identified_month": D(2021, 3, 1),
        "risk_cleared": True, "cleared_month": D(2024, 1, 1), "clear_way": "assisted"})]
    got = plan_monitoring_frame(rows_frame(ins), new_state, note="n")
    want = plan_monitoring(ins, old_state, note="n")
    assert got.rows[4] == want.rows[4]
    assert got.rows[4].status == RowStatus.ENDED
    assert got.rows[4].ends[0].period_id == 101


def test_rows_of_the_plan_are_kept_once_read_and_can_be_replaced():
    frame = pl.DataFrame({"line": [7, 5, 3], "status": ["updated", "updated", "ended"]})
    made = []
    rows = PlanRows(frame, lambda r: made.append(r) or RowPlan(RowStatus.UNCHANGED))
    p = rows[5]
    p.changes.append({"field": "x"})
    assert rows[5] is p and rows[5].changes == [{"field": "x"}]
    rows[9] = RowPlan(RowStatus.CREATED)
    del rows[7]
    assert list(rows) == [5, 3, 9] and len(rows) == 3 and 7 not in rows
    assert rows.get(7) is None and rows.get(11) is None
    assert made == [(5, "updated")]
    assert rows.status_counts() == {"unchanged": 1, "created": 1, "ended": 1}


HEAD = {"relation": "head"}
MARGINAL = {**HEAD, "monitored_type": "marginal", "identified_month": D(2021, 3, 1)}
CLEARED = {**MARGINAL, "risk_cleared": True, "cleared_month": D(2024, 1, 1), "clear_way": "x"}
LIFTED = {**HEAD, "household_type": "lifted_out", "exit_year": 2019}


@pytest.mark.parametrize(
    ("held", "data", "status", "after"),
    [
        ([], MARGINAL, "created", "2021-03-01 至 今"),  # opened
        ([("marginal", D(2019, 1, 1), D(2021, 12, 31))], MARGINAL, "created",
         "2022-01-01 至 今"),  # opened after the closed one
        ([("marginal", D(2019, 1, 1), D(2020, 12, 31))], MARGINAL, "created",
         "2021-03-01 至 今"),  # a closed one before the start
        ([("marginal", D(2023, 6, 1), None)], MARGINAL, "unchanged", None),  # already held
        ([("marginal", D(2019, 1, 1), None)], CLEARED, "ended", "2019-01-01 至 2024-01-31"),
        ([("marginal", D(2024, 6, 1), None)], CLEARED, "unchanged",
         "名单终止于2024-01-31，早于登记的起始日期，未处理"),  # ends before the held start
        ([("marginal", D(2020, 1, 1), D(2021, 6, 30))], CLEARED, "unchanged", None),  # overlap
        ([("marginal", D(2019, 1, 1), D(2020, 12, 31))], CLEARED, "created",
         "2021-03-01 至 2024-01-31"),  # a whole period opened and ended
        ([("unstable_lifted", D(2019, 1, 1), None)], CLEARED, "created",
         "2021-03-01 至 2024-01-31"),  # another category is not this one
        ([], LIFTED, "created", "2019-01-01 至 今"),
        ([("lifted_out", D(2019, 1, 1), None)], LIFTED, "unchanged", None),
        ([], {**HEAD, "phone": "13999999999"}, "updated", "13999999999"),
        ([], {**HEAD, "phone": "13900000000", "work_ability": "able"}, "unchanged", None),
    ],
)
def test_each_case_of_a_period_and_a_field(held, data, status, after):
    old_state, new_state = _states(
        [(1, "13900000000", "able", REGIONS[0], True)],
        [(1, cat, start, end) for cat, start, end in held],
    )
    ins = [RowIn(line=4, person_id=1, data=data), RowIn(line=5, person_id=1, data=data)]
    got = plan_monitoring_frame(rows_frame(ins), new_state, note="n")
    want = plan_monitoring(ins, old_state, note="n")
    assert {line: got.rows[line] for line in got.rows} == want.rows
    assert got.rows[4].status == status
    assert [c["after"] for c in got.rows[4].changes] == ([after] if after else [])
    # the household's periods on its first row only
    assert (got.rows[5].opens, got.rows[5].ends) == ([], [])
