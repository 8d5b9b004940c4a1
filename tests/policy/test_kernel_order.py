"""The compiled path's order (`kernel_order.person_day_order` by a counting sort) is
`person_year_order`'s — the same permutation and person-year ids — for person codes dense or
not, runs long enough to take NumPy's sort, days across years; the scatter puts every output
where the NumPy assignment would."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jkfp.policy import batch as batch_module
from jkfp.policy import kernel_order
from jkfp.policy.batch import StayBatch
from jkfp.policy.batch_order import person_year_order


def _batch(person, days) -> StayBatch:
    n = len(person)
    zeros = np.zeros(n, np.int8)
    return StayBatch(np.asarray(person, np.int64), np.full(n, 640323, np.int64), zeros, zeros,
                     zeros, np.zeros(n, bool),
                     np.datetime64("2020-12-20") + np.asarray(days, "timedelta64[D]"),
                     np.ones(n, np.int64), np.ones(n, np.int64))


def _assert_order_equal(stays: StayBatch) -> None:
    order, py, _rank = person_year_order(stays)
    got_order, got_py = batch_module._compiled_order(stays)
    assert got_order.dtype == got_py.dtype == np.int64
    assert np.array_equal(got_order, order)
    assert np.array_equal(got_py, py)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 40), st.integers(0, 30)), min_size=1, max_size=300),
       st.sampled_from([1, 10**6, -(10**6)]))
def test_the_counting_sort_is_person_year_order(stays, scale) -> None:
    person = [p * scale for p, _ in stays]  # dense codes, then sparse and negative ones
    _assert_order_equal(_batch(person, [d for _, d in stays]))


def test_long_runs_and_many_years() -> None:
    rng = np.random.default_rng(7)
    person = rng.integers(0, 3, 500)  # about 170 stays a person: NumPy's sort for the run
    days = rng.integers(0, 3 * 365, 500)  # 2020-12-20 to 2023: four calendar years
    _assert_order_equal(_batch(person, days))


def test_scatter_into_puts_each_output_at_its_stay() -> None:
    rng = np.random.default_rng(3)
    rows = rng.integers(-(10**12), 10**12, (4, 1000))
    order = rng.permutation(1000).astype(np.int64)
    result = np.zeros((1000, 4), np.int64)
    kernel_order.scatter_into(rows, order, result)
    expected = np.zeros((4, 1000), np.int64)
    expected[:, order] = rows
    assert np.array_equal(result.T, expected)
