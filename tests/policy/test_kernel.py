"""The compiled loop (`kernel.py`) and the NumPy rounds (`batch_rounds.py`) give the same
BatchResult, every array to the fen: on random policies and stays (the strategies of the
batch-equals-stay property test) and on the shipped policies with many stays per person-year;
and `JKFP_POLICY_KERNEL=numpy` selects the NumPy path."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jkfp.policy import StayBatch, kernel, native, settle_batch
from jkfp.policy import batch as batch_module

from .test_batch_chunks import generate
from .test_batch_equals_stay import SETTINGS, policy_sets, stay_lists


def both(stays: StayBatch, policies, monkeypatch, **kw):
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numpy")
    assert not kernel.use_compiled(10**9)
    rounds = settle_batch(stays, policies, **kw)
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numba")
    assert kernel.use_compiled(0)
    return rounds, settle_batch(stays, policies, **kw)


def assert_same(a, b) -> None:
    assert a.tier_ids == b.tier_ids
    for tid in a.tier_ids:
        assert a.amounts[tid].dtype == b.amounts[tid].dtype == np.int64
        assert np.array_equal(a.amounts[tid], b.amounts[tid]), tid
    assert a.funds.keys() == b.funds.keys()
    for f in a.funds:
        assert np.array_equal(a.funds[f], b.funds[f]), f
    for name in ("reimbursed", "self_pay", "regime_index", "deposit_waived", "uses_examples",
                 "person_year"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        assert np.array_equal(x, y), name


@SETTINGS
@given(data=st.data())
def test_compiled_equals_rounds_on_random_policies(data) -> None:
    policies = data.draw(policy_sets())
    stays = StayBatch.from_stays(data.draw(stay_lists(len(policies.regimes))))
    with pytest.MonkeyPatch.context() as mp:
        assert_same(*both(stays, policies, mp))


@pytest.mark.parametrize("seed", [1, 2])
def test_compiled_equals_rounds_on_the_shipped_policies(policies, monkeypatch, seed) -> None:
    stays = generate(5_000, 300, seed=seed)  # about 5 stays a person-year
    assert_same(*both(stays, policies, monkeypatch))


def test_auto_takes_the_compiled_loop_for_large_batches_only(monkeypatch) -> None:
    monkeypatch.delenv("JKFP_POLICY_KERNEL", raising=False)
    # in a process that has run no compiled function (once one has: test_csv_fast.py), where
    # none is compiled ahead of time (test_native.py: where one is)
    monkeypatch.setattr(kernel, "_warm", False)
    monkeypatch.setattr(native, "ahead_of_time", lambda: False)
    assert not kernel.use_compiled(kernel.AUTO_MIN_STAYS - 1)
    assert kernel.use_compiled(kernel.AUTO_MIN_STAYS)
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "auto")
    assert not kernel.use_compiled(1_000)


def test_progress_slices_change_no_fen(policies, monkeypatch) -> None:
    """The loop runs in slices whose accumulators carry over (a person-year cut by a slice
    boundary), each reported to the progress callback."""
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numba")
    stays = generate(3_000, 200, seed=3)
    whole = settle_batch(stays, policies)
    monkeypatch.setattr(batch_module, "KERNEL_SLICE", 7)
    seen: list[int] = []
    cut = settle_batch(stays, policies, progress=seen.append)
    assert sum(seen) == 3_000 and max(seen) == 7
    assert_same(whole, cut)


def test_no_stays(policies, monkeypatch) -> None:
    empty = generate(1, 1, seed=4).take(np.zeros(0, np.int64))
    rounds, compiled = both(empty, policies, monkeypatch)
    assert_same(rounds, compiled)
    assert len(compiled.reimbursed) == 0
