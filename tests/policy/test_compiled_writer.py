"""The compiled writer of the result file (`kernel.write_rows`, decision 89) writes the bytes
Polars' writer writes: on the shipped example, on quoted ids, and on results with random
amounts (negative, zero, up to 17 digits of yuan: any int64 but its least), tiers absent from some regimes and a
buffer too small for one row."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jkfp.policy import csvout
from jkfp.policy.batch import settle_batch
from jkfp.policy.csvio import parse_stays, read_stays
from jkfp.policy.loader import load_policies

from .conftest import POLICIES, REPO

_POLICIES = load_policies(POLICIES)


def both(path: Path, stay_ids, result, monkeypatch) -> tuple[bytes, bytes]:
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numpy")
    csvout.write_result(path, stay_ids, result)
    polars_bytes = path.read_bytes()
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numba")
    csvout.write_result(path, stay_ids, result)
    return polars_bytes, path.read_bytes()


def test_example_file(tmp_path: Path, monkeypatch) -> None:
    parsed = read_stays(REPO / "examples" / "stays.csv", _POLICIES)
    a, b = both(tmp_path / "out.csv", parsed.stay_ids, settle_batch(parsed.batch, _POLICIES),
                monkeypatch)
    assert a == b and a.count(b"\r\n") == len(parsed) + 1


def test_quoted_ids(tmp_path: Path, monkeypatch) -> None:
    head = ("stay_id,person_id,county_code,category,hospital_grade,location,referred,"
            "admission_date,discharge_date,total_cost,in_policy_cost\n")
    text = head + (
        '"a,1",p1,640323,general,1,county,true,2019-03-01,2019-03-10,100,50\n'
        '"b\n2",p1,640323,general,1,county,true,2019-04-01,2019-04-10,100,50\n'
        'c"3,p2,140427,general,1,county,true,2020-06-15,2020-06-20,100.5,50\n'
        '斯8,p2,500112,general,1,county,true,2023-03-01,2023-03-10,9,5\n')
    parsed = parse_stays(text, _POLICIES)
    assert not parsed.errors
    a, b = both(tmp_path / "out.csv", parsed.stay_ids, settle_batch(parsed.batch, _POLICIES),
                monkeypatch)
    assert a == b


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_random_amounts(data, tmp_path_factory) -> None:
    text = (REPO / "examples" / "stays.csv").read_text(encoding="utf-8-sig")
    parsed = parse_stays(text, _POLICIES)
    result = settle_batch(parsed.batch, _POLICIES)
    n = len(parsed)
    fen = st.one_of(st.integers(-10**4, 10**4), st.integers(-(2**63 - 1), 2**63 - 1),
                    st.sampled_from([0, -1, 1, 99, 100, -100, 10**18, -(10**18)]))
    def column():
        return np.array(data.draw(st.lists(fen, min_size=n, max_size=n)), np.int64)
    result = dataclasses.replace(
        result, amounts={t: column() for t in result.tier_ids}, reimbursed=column(),
        self_pay=column())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(csvout, "WRITE_BUFFER", data.draw(st.sampled_from([1, 64, 1 << 22])))
        a, b = both(tmp_path_factory.mktemp("w") / "out.csv", parsed.stay_ids, result, mp)
    assert a == b


class _Libc:
    """The C library's fallocate as `csvout._reserve` calls it, recorded; failing if asked."""

    def __init__(self, fail: bool) -> None:
        from jkfp.policy.memory import libc

        self.real, self.fail, self.calls = libc().fallocate, fail, []

    def fallocate(self, fd, mode, offset, size):
        self.calls.append(size.value)
        if self.fail:  # as a full disk does: some blocks allocated, the size grown, then -1
            os.ftruncate(fd, size.value // 2)
            return -1
        return self.real(fd, mode, offset, size)


@pytest.mark.parametrize("fail", [False, True])
def test_reserved_blocks_cut_to_the_rows(tmp_path: Path, monkeypatch, fail: bool) -> None:
    """The blocks reserved for the rows the first buffer foretells (here 20 times too many,
    or a call that fails half-way) leave no byte after the rows."""
    from jkfp.policy import memory

    parsed = read_stays(REPO / "examples" / "stays.csv", _POLICIES)
    result = settle_batch(parsed.batch, _POLICIES)
    fake = _Libc(fail)
    monkeypatch.setattr(memory, "libc", lambda: fake)
    monkeypatch.setattr(csvout, "WRITE_BUFFER", 256)
    monkeypatch.setattr(csvout, "RESERVE_MARGIN", 20.0)
    a, b = both(tmp_path / "out.csv", parsed.stay_ids, result, monkeypatch)
    assert a == b and (tmp_path / "out.csv").stat().st_size == len(a)
    assert len(fake.calls) == 1 and fake.calls[0] > 10 * len(a)
