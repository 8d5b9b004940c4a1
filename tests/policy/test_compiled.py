"""The cache of compiled policies (compiled.py, decision 33): the same policies and tables as a
fresh load, another file for any change of the folder, nothing cached for a bad folder."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest

from jkfp.policy import PolicyErrors, load_policies
from jkfp.policy.batch import settle_batch
from jkfp.policy.cli import run_settle
from jkfp.policy.compiled import cache_dir, folder_hash, load_compiled
from jkfp.policy.tables import regime_tables

from .conftest import POLICIES
from .test_batch_chunks import generate
from .test_cli import GOOD, write


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("JKFP_POLICY_CACHE", str(folder))
    return folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "policies"
    shutil.copytree(POLICIES, copy)
    return copy


def _tables_equal(a, b) -> None:
    assert len(a.regimes) == len(b.regimes)
    for ra, rb in zip(a.regimes, b.regimes, strict=True):
        assert ra == rb
        ta, tb = regime_tables(a, ra), regime_tables(b, rb)
        assert np.array_equal(ta.snapshot_days, tb.snapshot_days)
        assert np.array_equal(ta.deposit, tb.deposit)
        assert np.array_equal(ta.examples, tb.examples)
        for x, y in zip(ta.tiers, tb.tiers, strict=True):
            assert np.array_equal(x.table, y.table)


def test_second_load_reads_the_cache_and_equals_a_fresh_load(cache: Path, folder: Path) -> None:
    first = load_compiled(folder)
    files = list(cache.glob("*.pickle"))
    assert len(files) == 1
    assert "_tables" in first.__dict__  # compiled before it was stored
    again = load_compiled(folder)
    assert again is not first
    _tables_equal(again, load_policies(folder))
    assert list(cache.glob("*.pickle")) == files


def test_a_changed_file_is_another_version(cache: Path, folder: Path) -> None:
    before = folder_hash(folder)
    load_compiled(folder)
    region = folder / "yanchi" / "region.yaml"
    region.write_text(region.read_text(encoding="utf-8") + "\n# 注释\n", encoding="utf-8")
    assert folder_hash(folder) != before
    load_compiled(folder)
    assert len(list(cache.glob("*.pickle"))) == 2


def test_a_corrupt_cache_file_is_rebuilt(cache: Path, folder: Path) -> None:
    load_compiled(folder)
    (path,) = cache.glob("*.pickle")
    path.write_bytes(b"jkfp-compiled-policies-1 not a pickle")
    policies = load_compiled(folder)
    _tables_equal(policies, load_policies(folder))
    assert path.read_bytes() != b"jkfp-compiled-policies-1 not a pickle"


def test_a_bad_folder_raises_every_time_and_is_not_cached(cache: Path, folder: Path) -> None:
    tier = folder / "yanchi" / "2018-2020" / "basic.yaml"
    tier.write_text(tier.read_text(encoding="utf-8").replace("fund:", "fond:", 1), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(PolicyErrors) as e:
            load_compiled(folder)
        assert "basic.yaml" in str(e.value)
    assert not cache.exists() or not list(cache.glob("*.pickle"))


def test_cache_off(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("JKFP_POLICY_CACHE", "off")
    assert cache_dir() is None
    policies = load_compiled(folder)
    assert "_tables" in policies.__dict__


def test_settle_gives_the_same_bytes_from_the_cache(cache: Path, tmp_path: Path) -> None:
    stays = write(tmp_path, GOOD)
    outs = []
    for i in range(2):
        out = tmp_path / f"result{i}.csv"
        status = run_settle(
            stays, out, policies_dir=POLICIES, stdout=io.StringIO(), stderr=io.StringIO()
        )
        assert status == 0
        outs.append(out.read_bytes())
    assert len(list(cache.glob("*.pickle"))) == 1
    assert outs[0] == outs[1]


def test_cached_policies_settle_to_the_same_fen(cache: Path, policies) -> None:
    load_compiled(POLICIES)
    cached = load_compiled(POLICIES)  # from the file
    batch = generate(2_000, 300, seed=5)
    a, b = settle_batch(batch, policies), settle_batch(batch, cached)
    assert np.array_equal(a.reimbursed, b.reimbursed)
    for tid in a.amounts:
        assert np.array_equal(a.amounts[tid], b.amounts[tid])
