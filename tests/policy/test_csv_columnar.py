"""The columnar reader and writer of `jkfp settle` give what the row-by-row ones gave
(`csv_reference.py`): the same stays, the same errors (code, line, column, message) in the
same order, and the same bytes of the result file, on the shipped example and on random files
of good and bad rows."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jkfp.policy.batch import settle_batch
from jkfp.policy.csvio import parse_stays, read_stays
from jkfp.policy.csvout import write_result
from jkfp.policy.loader import load_policies

from .conftest import POLICIES, REPO
from .csv_reference import reference_batch, reference_output, reference_parse

HEADER = ["stay_id", "person_id", "county_code", "category", "hospital_grade", "location",
          "referred", "admission_date", "discharge_date", "total_cost", "in_policy_cost"]
GOOD = {
    "stay_id": ["s1", "s2", "s3", "s4", "s5", "s6", "S-7", "斯8"],
    "person_id": ["p1", "p2", "p3", "人4"],
    "county_code": ["640323", "140427", "500112", "140403"],
    "category": ["registered_poor", "minimum_living", "general", "建档立卡贫困人口",
                 "低保边缘家庭成员", "extreme_poor"],
    "hospital_grade": ["0", "1", "2", "3"],
    "location": ["county", "city", "province", "outside"],
    "referred": ["true", "false", "TRUE", "False"],
    "admission_date": ["2019-03-01", "2019-12-31", "2020-01-01", "2020-06-15", "2022-04-01",
                       "2023-03-01"],
    "discharge_date": ["2023-12-31", "2024-01-01", "2025-06-30"],
    "total_cost": ["20000", "8000.5", "52000.00", "123.45", "100.50", "999999999"],
    "in_policy_cost": ["0", "100", "100.5", "12", "00"],
}
BAD = {
    "stay_id": [""], "person_id": [""],
    "county_code": ["64032", "6403231", "abc", "６４０３２３", "", "990000"],
    "category": ["nobody", "", "Registered_Poor"],
    "hospital_grade": ["5", "-1", "1.0", "", "２", "x"],
    "location": ["home", "", "County"],
    "referred": ["maybe", "", "1", "yes"],
    "admission_date": ["2019-13-01", "2017-03-01", "2019/03/01", "", "2019-3-1",
                       "2019-02-29", "１９-01-01"],
    "discharge_date": ["2019-02-30", "", "2018-01-01", "x"],
    "total_cost": ["-5", "abc", "100.123", "", "1e3", "1000000000.01", "1000000000",
                   "99999999999999999999", ".5", "5.", "+5", "１００"],
    "in_policy_cost": ["-0", "abc", "", "1,5", "99999999"],
}
STATS = {"errors": 0, "settled": 0}
# (county, admission) with a regime in force
PAIRS = [("640323", "2019-03-01"), ("640323", "2022-04-01"), ("640323", "2020-12-31"),
         ("640323", "2021-01-01"), ("140427", "2020-06-15"), ("140403", "2019-12-31"),
         ("500112", "2023-03-01"), ("140427", "2019-01-01")]
SPACES = ["", "", "", " ", "\t", "\u3000", "\x1c"]


@st.composite
def cells(draw, column: str, bad: int) -> str:
    pool = BAD[column] if draw(st.integers(0, 99)) < bad else GOOD[column]
    value = draw(st.sampled_from(pool))
    if draw(st.integers(0, 99)) < bad:
        value = draw(st.sampled_from(SPACES)) + value + draw(st.sampled_from(SPACES))
    return value


def quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


@st.composite
def files(draw) -> str:
    order = list(HEADER)
    extra = draw(st.booleans())
    if extra:
        order.insert(draw(st.integers(0, len(order))), "note")
    if draw(st.booleans()):
        random.Random(draw(st.integers(0, 99))).shuffle(order)
    end = draw(st.sampled_from(["\n", "\r\n"]))
    quoted = draw(st.integers(0, 4)) == 0
    ragged = draw(st.integers(0, 3)) == 0  # short rows, extra cells, lines of commas
    bad = draw(st.sampled_from([0, 0, 1, 10]))  # % of bad or spaced cells
    lines = [",".join(order)]
    for k in range(draw(st.integers(0, 25))):
        shape = draw(st.integers(0, 30)) if ragged else 9
        if shape == 0:
            lines.append("")  # blank line
            continue
        if shape == 1:
            lines.append("," * (len(order) - 1))  # empty cells only
            continue
        row = {c: draw(cells(c, bad)) if c != "note" else draw(st.sampled_from(["", "x", "a b"]))
               for c in order}
        if row["county_code"] in GOOD["county_code"] and row["admission_date"] in GOOD[
                "admission_date"]:
            row["county_code"], row["admission_date"] = draw(st.sampled_from(PAIRS))
        if draw(st.integers(0, 9)) and row["stay_id"] in GOOD["stay_id"]:
            row["stay_id"] = f"r{k}"  # most ids unique, some repeated
        values = [row[c] for c in order]
        if quoted:
            values = [quote(v) if draw(st.booleans()) else v for v in values]
            if draw(st.integers(0, 5)) == 0:
                values[0] = quote(values[0].strip('"') + ",\nx")
        if shape == 2:
            values = values[:draw(st.integers(1, len(values)))]  # a short row
        if shape == 3:
            values.append("extra")
        lines.append(",".join(values))
    bom = "\ufeff" if draw(st.integers(0, 5)) == 0 else ""
    return bom + end.join(lines) + (end if draw(st.booleans()) else "")


def first_seen(codes: np.ndarray) -> list[int]:
    """Person codes relabelled in order of first appearance."""
    seen: dict[int, int] = {}
    return [seen.setdefault(c, len(seen)) for c in codes.tolist()]


def errors_of(errors) -> list[tuple[str, int | None, str, str]]:
    return [(str(e.code), e.line, e.column, str(e)) for e in errors]


def assert_same(text: str, policies, tmp_path: Path) -> None:
    stays, ref_errors = reference_parse(text, policies)
    STATS["errors" if ref_errors else "settled"] += 1
    parsed = parse_stays(text, policies)
    assert errors_of(parsed.errors) == errors_of(ref_errors)
    if ref_errors:
        return
    assert list(parsed.stay_ids) == [s.stay_id for s in stays]
    ref = reference_batch(stays)
    for name in ("county", "category", "grade", "location", "referred", "admission", "total",
                 "in_policy"):
        assert np.array_equal(getattr(parsed.batch, name), getattr(ref, name)), name
    assert first_seen(parsed.batch.person) == first_seen(ref.person)  # the same people
    if not stays:
        return
    out = tmp_path / "out.csv"
    write_result(out, parsed.stay_ids, settle_batch(parsed.batch, policies))
    assert out.read_bytes() == reference_output(stays, settle_batch(ref, policies))


def test_example_file_gives_the_same_bytes(policies, tmp_path: Path) -> None:
    path = REPO / "examples" / "stays.csv"
    stays, errors = reference_parse(path.read_text(encoding="utf-8-sig"), policies)
    parsed = read_stays(path, policies)
    assert not errors and not parsed.errors
    out = tmp_path / "out.csv"
    write_result(out, parsed.stay_ids, settle_batch(parsed.batch, policies))
    assert out.read_bytes() == reference_output(stays, settle_batch(reference_batch(stays),
                                                                    policies))


def test_quoted_ids_and_a_cell_across_lines(policies, tmp_path: Path) -> None:
    text = ",".join(HEADER) + "\n" + (
        '"a,1",p1,640323,general,1,county,true,2019-03-01,2019-03-10,100,50\n'
        '"b\n2",p1,640323,general,1,county,true,2019-04-01,2019-04-10,100,50\n'
        'c"3,p2,640323,general,1,county,true,2019-04-01,2019-04-10,x,50\n')
    assert_same(text, policies, tmp_path)
    assert_same(text.replace(",x,", ",100,"), policies, tmp_path)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(files())
def test_random_files_give_what_the_row_reader_gave(tmp_path: Path, text: str) -> None:
    assert_same(text, _POLICIES, tmp_path)


_POLICIES = load_policies(POLICIES)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", "p", "p1", "P283594", "abcdefgh", "abcdefghi",
                                 "abcdefghijklmnop", "abcdefghijklmnopq", "140403199001011234",
                                 "x\x00", "x", "人4", "人", " p1", "p1 "]), min_size=1,
                max_size=40))
def test_person_codes_equal_exactly_when_the_ids_are_equal(ids: list[str]) -> None:
    """Every path of `_codes` (ids of at most 8 or 16 ASCII bytes as integers, others by
    hash): equal codes for equal ids, different codes for different ids."""
    import polars as pl

    from jkfp.policy.csvio import _codes

    for ascii_text in (False, True):
        if ascii_text and not all(i.isascii() and "\x00" not in i for i in ids):
            continue
        codes = _codes(pl.Series(ids, dtype=pl.String), ascii_text=ascii_text)
        first: dict[str, int] = {}
        for i, c in zip(ids, codes.tolist(), strict=True):
            assert first.setdefault(i, c) == c
        assert len(set(first.values())) == len(first)
