"""settle_batch's NumPy path cuts a round into chunks (batch.CHUNK); the cut changes no fen.
(The compiled path has no rounds; tests/policy/test_kernel.py checks it against this one.)"""

from __future__ import annotations

import numpy as np
import pytest

from jkfp.policy import batch as batch_module
from jkfp.policy.batch import StayBatch, settle_batch


def generate(n: int, people: int, seed: int) -> StayBatch:
    """Stays of 长治 (2019-2020) and 盐池 (2019-2022) people, several a year each."""
    rng = np.random.default_rng(seed)
    counties = np.array([140403, 140427, 640323], np.int64)
    person = rng.integers(0, people, n)
    county = counties[person % 3]
    span = np.where(county == 640323, 4 * 365, 2 * 365)
    admission = np.datetime64("2019-01-01") + (rng.random(n) * span).astype(
        "timedelta64[D]")
    total = np.round(rng.lognormal(9.2, 1.0, n) * 100).astype(np.int64)
    return StayBatch(person, county, (person % 11).astype(np.int8),
                     rng.integers(0, 4, n).astype(np.int8), rng.integers(0, 4, n).astype(np.int8),
                     rng.random(n) < 0.7, admission, total,
                     total * rng.integers(70, 101, n) // 100)


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_chunks_give_the_same_fen(policies, monkeypatch, chunk: int) -> None:
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numpy")
    stays = generate(3_000, 400, seed=chunk)
    whole = settle_batch(stays, policies)
    monkeypatch.setattr(batch_module, "CHUNK", chunk)
    cut = settle_batch(stays, policies)
    for tid in whole.tier_ids:
        assert np.array_equal(whole.amounts[tid], cut.amounts[tid]), tid
    assert np.array_equal(whole.reimbursed, cut.reimbursed)
    assert all(np.array_equal(whole.funds[f], cut.funds[f]) for f in whole.funds)
    assert np.array_equal(whole.deposit_waived, cut.deposit_waived)
