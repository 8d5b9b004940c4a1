"""The compiled single pass over a plain stays file (`csvfast.py`, `kernel_csv.py`, decision
101) gives what the columnar path gives: the same stays and values, the same result bytes; and
any file it cannot prove plain — a quote, a byte not ASCII, a blank or ragged row, a value in
another form than the plain one, a duplicate id, a day without a regime — it hands back whole,
so that the errors (every message and line) are the columnar path's."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jkfp.policy import csvfast, kernel, native
from jkfp.policy.batch import assign_regimes, settle_batch
from jkfp.policy.cli import run_settle
from jkfp.policy.csvio import parse_stays, read_stays
from jkfp.policy.csvout import write_result
from jkfp.policy.loader import load_policies
from jkfp.policy.schema import CATEGORIES

from .conftest import POLICIES, REPO
from .csv_reference import reference_batch, reference_output, reference_parse
from .test_csv_columnar import HEADER, PAIRS, errors_of, files, first_seen

_POLICIES = load_policies(POLICIES)
TAKEN = {"fast": 0, "other": 0}
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


def fast(text: str):
    """What the compiled pass makes of a file's text (None: not taken)."""
    return csvfast.read(*csvfast.buffer_of(text.encode("utf-8")), _POLICIES)


def both(text: str, monkeypatch):
    """parse_stays with the compiled pass allowed, then with it off."""
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numba")
    with_fast = parse_stays(text, _POLICIES)
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numpy")
    return with_fast, parse_stays(text, _POLICIES)


def assert_same_as_columnar(text: str, tmp_path: Path, monkeypatch) -> None:
    taken = fast(text) is not None
    TAKEN["fast" if taken else "other"] += 1
    a, b = both(text, monkeypatch)
    assert errors_of(a.errors) == errors_of(b.errors)
    assert list(a.stay_ids) == list(b.stay_ids)
    for name in ("county", "category", "grade", "location", "referred", "admission", "total",
                 "in_policy"):
        got, want = getattr(a.batch, name), getattr(b.batch, name)
        assert got.dtype == want.dtype and np.array_equal(got, want), name
    assert first_seen(a.batch.person) == first_seen(b.batch.person)
    if b.errors or not len(b):
        return
    if a.regime is not None:  # the reader's regimes, which settle_batch then takes
        assert np.array_equal(a.regime, assign_regimes(b.batch, _POLICIES)[1])
    out = tmp_path / "out.csv"
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numba")
    write_result(out, a.stay_ids, settle_batch(a.batch, _POLICIES, regime=a.regime))
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numpy")
    write_result(tmp_path / "ref.csv", b.stay_ids, settle_batch(b.batch, _POLICIES))
    assert out.read_bytes() == (tmp_path / "ref.csv").read_bytes()


def cell_values(rng: random.Random) -> dict[str, str]:
    """One plain row's cells, random but valid (a regime in force)."""
    county, day = rng.choice(PAIRS)
    admission = date.fromisoformat(day)
    discharge = admission + timedelta(days=rng.choice([0, 1, 9, 400]))
    total = rng.choice([rng.randint(0, 10**9 - 1) * 100 + rng.randint(0, 99), 0, 100])
    in_policy = rng.randint(0, total)
    def yuan(fen: int) -> str:
        form = rng.randint(0, 2)
        if form == 0 and fen % 100 == 0:
            return str(fen // 100)
        if form == 1 and fen % 10 == 0:
            return f"{fen // 100}.{fen % 100 // 10}"
        return f"{fen // 100}.{fen % 100:02d}"
    person = "".join(rng.choice("Pp0123456789abcXYZ-_ .") for _ in range(rng.randint(1, 24)))
    return {
        "person_id": person.strip(" ") or "p", "county_code": county,
        "category": rng.choice([*(c.value for c in CATEGORIES), "建档立卡贫困人口", "低保对象户",
                                "脱贫不稳定"]), "hospital_grade": str(rng.randint(0, 3)),
        "location": rng.choice(["county", "city", "province", "outside"]),
        "referred": rng.choice(["true", "false"]), "admission_date": admission.isoformat(),
        "discharge_date": discharge.isoformat(), "total_cost": yuan(total),
        "in_policy_cost": yuan(in_policy)}


#: Unusual or bad forms of a cell that the compiled pass refuses (the other path decides).
ODD = {
    "stay_id": ["", " s", "s\t", 'a"b', "斯"], "person_id": ["", " p", "p ", "p" * 25],
    "county_code": ["64032", "6403231", " 640323", "990000"],
    "category": ["Registered_Poor", "general ", "nobody", "建档立卡贫困人口户", "低保对象户户",
                 " 低保对象"],
    "hospital_grade": ["00", "4", "1.0", " 1", ""],
    "location": ["County", "home", ""], "referred": ["TRUE", "False", "1", ""],
    "admission_date": ["2019-3-01", "2019-02-29", "2019-13-01", "0000-01-01", "2019/03/01",
                       "2017-03-01"],
    "discharge_date": ["2019-02-30", "2018-12-31", "2019-03-01x"],
    "total_cost": ["1e3", "5.", ".5", "+5", "1234567890", "1.234", "-1", "１"],
    "in_policy_cost": ["99999999999", "1,5", "0.1.2"],
}


@st.composite
def plain_files(draw) -> str:
    """Files the compiled pass takes, mostly: plain rows in a random column order, extra
    columns, LF or CRLF, a BOM, a last line with or without its end; now and then one cell
    in an odd form, a blank line, a duplicate id or a ragged row."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    order = list(HEADER)
    for _ in range(draw(st.integers(0, 2))):
        order.insert(rng.randint(0, len(order)), rng.choice(["note", "x", "备注"]))
    if draw(st.booleans()):
        rng.shuffle(order)
    end = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [",".join(order)]
    n = draw(st.integers(1, 40))
    for k in range(n):
        cells = cell_values(rng)
        cells["stay_id"] = rng.choice([f"S{k}", f"stay-{k:05d}", f"{k}", f"a b{k}"])
        row = [cells.get(c, rng.choice(["", "x", "a b", "1"])) for c in order]
        lines.append(",".join(row))
    odd = draw(st.integers(0, 5))
    if odd == 1:  # one cell in an odd form
        line = rng.randint(1, n)
        column = rng.choice(sorted(ODD))
        row = lines[line].split(",")
        row[order.index(column)] = rng.choice(ODD[column])
        lines[line] = ",".join(row)
    elif odd == 2:
        lines.insert(rng.randint(1, n), rng.choice(["", "," * (len(order) - 1)]))
    elif odd == 3 and n > 1:  # a duplicate stay id
        a, b = rng.sample(range(1, n + 1), 2)
        row = lines[b].split(",")
        row[order.index("stay_id")] = lines[a].split(",")[order.index("stay_id")]
        lines[b] = ",".join(row)
    elif odd == 4:
        line = rng.randint(1, n)
        lines[line] = lines[line] + ",extra" if rng.random() < 0.5 else \
            lines[line].rsplit(",", 1)[0]
    bom = "\ufeff" if draw(st.integers(0, 4)) == 0 else ""
    return bom + end.join(lines) + (end if draw(st.booleans()) else "")


@SETTINGS
@given(plain_files())
def test_plain_files_give_what_the_columnar_path_gives(tmp_path: Path, monkeypatch,
                                                       text: str) -> None:
    assert_same_as_columnar(text, tmp_path, monkeypatch)


@SETTINGS
@given(files())
def test_random_files_give_what_the_columnar_path_gives(tmp_path: Path, monkeypatch,
                                                        text: str) -> None:
    # test_csv_columnar's files (quotes, ragged rows, spaces, bad values, Chinese text), and
    # the same made ASCII
    assert_same_as_columnar(text, tmp_path, monkeypatch)
    assert_same_as_columnar(text.encode("ascii", "replace").decode("ascii"), tmp_path,
                            monkeypatch)


def test_the_random_files_took_the_compiled_pass() -> None:
    """(after the tests above in the file's order, or alone: then it makes its own files)"""
    if TAKEN["fast"] == 0:
        rng = random.Random(1)
        for k in range(20):
            row = cell_values(rng)
            text = ",".join(HEADER) + "\n" + ",".join([f"s{k}", *(row[c] for c in HEADER[1:])])
            TAKEN["fast" if fast(text) is not None else "other"] += 1
    assert TAKEN["fast"] > 0


def test_the_example_gives_the_bytes_of_the_row_reader(tmp_path: Path, monkeypatch) -> None:
    path = REPO / "examples" / "stays.csv"  # Chinese category names: taken too
    text = path.read_text(encoding="utf-8")
    assert fast(text) is not None
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numba")
    parsed = read_stays(path, _POLICIES)
    assert isinstance(parsed.stay_ids, csvfast.IdSlices)
    write_result(tmp_path / "out.csv", parsed.stay_ids, settle_batch(parsed.batch, _POLICIES))
    stays, errors = reference_parse(text, _POLICIES)
    assert not errors
    assert (tmp_path / "out.csv").read_bytes() == reference_output(
        stays, settle_batch(reference_batch(stays), _POLICIES))
    assert_same_as_columnar(text, tmp_path, monkeypatch)


def good_text(*rows: dict[str, str], end: str = "\n") -> str:
    return end.join([",".join(HEADER), *(",".join(r[c] for c in HEADER) for r in rows)]) + end


def good_row(k: int, **cells: str) -> dict[str, str]:
    row = {"stay_id": f"s{k}", "person_id": "p1", "county_code": "640323",
           "category": "general", "hospital_grade": "1", "location": "county",
           "referred": "true", "admission_date": "2019-03-01",
           "discharge_date": "2019-03-10", "total_cost": "100", "in_policy_cost": "50"}
    return row | cells


@pytest.mark.parametrize(("column", "value"), [(c, v) for c in sorted(ODD) for v in ODD[c]])
def test_each_odd_cell_is_left_to_the_columnar_path(column: str, value: str, tmp_path: Path,
                                                    monkeypatch) -> None:
    text = good_text(good_row(1), good_row(2, **{column: value}), good_row(3))
    assert fast(good_text(good_row(1), good_row(3))) is not None
    assert fast(text) is None
    assert_same_as_columnar(text, tmp_path, monkeypatch)


@pytest.mark.parametrize("text", [
    good_text(good_row(1), good_row(1)),  # a duplicate stay id
    good_text(good_row(1)).replace("\n", "\r", 1),  # a lone CR
    good_text(good_row(1), good_row(2)).replace("s2", "s\x002"),
    good_text(good_row(1), good_row(2)) + "\n",  # a blank line at the end
    good_text(good_row(1)).replace("stay_id", '"stay_id"'),
    good_text(good_row(1)).replace("category", "kategorie"),  # a missing column
    ",".join(HEADER) + "\n", ",".join(HEADER), "", "\ufeff",
])
def test_files_left_to_the_columnar_path(text: str, tmp_path: Path, monkeypatch) -> None:
    assert fast(text) is None
    assert_same_as_columnar(text, tmp_path, monkeypatch)


def test_a_last_line_without_its_end_and_crlf(tmp_path: Path, monkeypatch) -> None:
    rows = [good_row(k, total_cost=f"{k}.{k % 10}", admission_date=f"2019-03-{k + 1:02d}",
                     in_policy_cost="0")
            for k in range(9)]
    for end in ("\n", "\r\n"):
        text = good_text(*rows, end=end)
        for t in (text, text.removesuffix(end)):
            found = fast(t)
            assert found is not None and len(found) == 9
            assert found.batch.total.tolist() == [k * 100 + k % 10 * 10 for k in range(9)]
            assert_same_as_columnar(t, tmp_path, monkeypatch)


def test_every_day_of_four_years_and_the_impossible_ones() -> None:
    day = date(2019, 1, 1)
    rows = []
    while day < date(2023, 1, 1):  # 盐池 has a regime from 2019 to 2025
        rows.append(good_row(len(rows), admission_date=day.isoformat(),
                             discharge_date=(day + timedelta(days=3)).isoformat()))
        day += timedelta(days=1)
    found = fast(good_text(*rows))
    assert found is not None
    want = np.array([r["admission_date"] for r in rows], "datetime64[D]")
    assert np.array_equal(found.batch.admission, want)
    for bad in ("2019-02-29", "2021-02-29", "2020-02-30", "2019-04-31", "2019-00-10",
                "2019-01-00", "2019-01-32"):
        assert fast(good_text(good_row(1, discharge_date=bad))) is None
    assert fast(good_text(good_row(1, discharge_date="2020-02-29"))) is not None
    assert fast(good_text(good_row(1, discharge_date="9999-12-31"))) is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["p", "p1", "P283594", "abcdefgh", "abcdefgh1", "abcdefgh2",
                                 "abcdefghijklmnop", "abcdefghijklmnopq", "abcdefghijklmnopr",
                                 "140403199001011234", "140403199001011235", "x" * 24,
                                 "x" * 23 + "y", "a b", "1", "01"]), min_size=1, max_size=40))
def test_person_codes_equal_exactly_when_the_ids_are_equal(ids: list[str]) -> None:
    """Ids that share their first 8 or 16 bytes, up to 24 bytes: the table compares them all."""
    found = fast(good_text(*(good_row(k, person_id=p) for k, p in enumerate(ids))))
    assert found is not None
    first: dict[str, int] = {}
    for i, c in zip(ids, found.batch.person.tolist(), strict=True):
        assert first.setdefault(i, c) == c
    assert len(set(first.values())) == len(first)
    assert sorted(set(found.batch.person.tolist())) == list(range(len(first)))


def test_many_persons_grow_nothing_wrong(tmp_path: Path, monkeypatch) -> None:
    """Some thousands of rows and persons (the tables sized for them, every slot reached)."""
    rng = random.Random(4)
    rows = [good_row(k, person_id=f"P{rng.randint(0, 3000)}",
                     total_cost=f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}",
                     in_policy_cost="0") for k in range(5000)]
    text = good_text(*rows)
    assert fast(text) is not None
    assert_same_as_columnar(text, tmp_path, monkeypatch)


def test_settle_on_a_plain_file_and_on_a_bad_one(tmp_path: Path, monkeypatch) -> None:
    """The command: the same result bytes as the columnar path; a bad plain file names the
    same rows and writes nothing."""
    rng = random.Random(2)
    good = tmp_path / "good.csv"
    good.write_text(good_text(*(good_row(k, **{c: v for c, v in cell_values(rng).items()
                                               if c != "person_id"}) for k in range(200))),
                    encoding="utf-8")
    outputs = []
    for mode in ("numba", "numpy"):
        monkeypatch.setenv("JKFP_POLICY_KERNEL", mode)
        out = tmp_path / f"{mode}.csv"
        assert run_settle(good, out, policies_dir=POLICIES, progress=False,
                          stdout=io.StringIO(), stderr=io.StringIO()) == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    bad = tmp_path / "bad.csv"
    bad.write_text(good_text(good_row(1), good_row(2, total_cost="1e3"), good_row(3),
                             good_row(3)), encoding="utf-8")
    messages = []
    for mode in ("numba", "numpy"):
        monkeypatch.setenv("JKFP_POLICY_KERNEL", mode)
        err = io.StringIO()
        assert run_settle(bad, tmp_path / "r.csv", policies_dir=POLICIES, progress=False,
                          stdout=io.StringIO(), stderr=err) == 1
        assert not (tmp_path / "r.csv").exists()
        messages.append(err.getvalue())
    assert messages[0] == messages[1] and "第3行" in messages[0] and "第5行" in messages[0]


def test_the_rule_of_use(monkeypatch) -> None:
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numpy")
    assert not csvfast.use_fast(10**12)
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numba")
    assert csvfast.use_fast(10)
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "auto")
    rows = csvfast.ROW_BYTES
    monkeypatch.setattr(kernel, "_warm", False)  # a process that has run no compiled code,
    monkeypatch.setattr(native, "ahead_of_time", lambda: False)  # none compiled ahead of time
    assert not csvfast.use_fast(rows * (csvfast.AUTO_MIN_ROWS - 1))
    assert csvfast.use_fast(rows * csvfast.AUTO_MIN_ROWS)
    assert not kernel.use_compiled(kernel.AUTO_MIN_STAYS - 1)
    monkeypatch.setattr(kernel, "_warm", True)  # Numba's start paid: from WARM_MIN_STAYS
    assert not csvfast.use_fast(rows * (kernel.WARM_MIN_STAYS - 1))
    assert csvfast.use_fast(rows * kernel.WARM_MIN_STAYS)
    assert kernel.use_compiled(kernel.WARM_MIN_STAYS)
    assert not kernel.use_compiled(kernel.WARM_MIN_STAYS - 1)
    # compiled ahead of time (decision 106): no start to pay either, the same rule as warm
    monkeypatch.setattr(kernel, "_warm", False)
    monkeypatch.setattr(native, "ahead_of_time", lambda: True)
    assert csvfast.use_fast(rows * kernel.WARM_MIN_STAYS)
    assert not csvfast.use_fast(rows * (kernel.WARM_MIN_STAYS - 1))
    assert kernel.use_compiled(kernel.WARM_MIN_STAYS)


@pytest.mark.parametrize("data", [
    good_text(good_row(1)).replace("general", "低保对象").encode("gb18030"),  # a category
    good_text(good_row(1)).encode() + b"s2,p1,640323,\xff\xfe,1,county,true,2019-03-01,"
                                      b"2019-03-10,100,50\n",
    good_text(good_row(1)).replace("stay_id,", "编号,stay_id,", 1).replace(
        "\ns1,", "\nx,s1,").encode("gb18030"),  # the header
])
def test_bytes_not_utf8_are_refused_as_before(data: bytes, tmp_path: Path,
                                              monkeypatch) -> None:
    path = tmp_path / "stays.csv"
    path.write_bytes(data)
    assert csvfast.read(*csvfast.buffer_of(data), _POLICIES) is None
    for mode in ("numba", "numpy"):
        monkeypatch.setenv("JKFP_POLICY_KERNEL", mode)
        with pytest.raises(UnicodeDecodeError):
            read_stays(path, _POLICIES)


def test_a_chinese_header_and_category_names(tmp_path: Path, monkeypatch) -> None:
    rows = [good_row(k, category=c) for k, c in enumerate(["建档立卡贫困人口", "低保对象户",
                                                           "脱贫不稳定", "general"])]
    text = good_text(*rows).replace("stay_id,", "备注,stay_id,", 1).replace("\ns", "\nx,s")
    found = fast(text)
    assert found is not None and found.batch.category.tolist() == [0, 6, 2, 10]
    assert_same_as_columnar(text, tmp_path, monkeypatch)


def test_the_command_exits_without_the_teardown_and_says_all(tmp_path: Path,
                                                             monkeypatch) -> None:
    """Where Numba was loaded the command ends by os._exit (decision 102): its messages are
    all out, its status is the command's, its result file whole; a bad file writes none."""
    env = {**os.environ, "JKFP_POLICY_KERNEL": "numba"}
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(good_text(*(good_row(k) for k in range(50))), encoding="utf-8")
    bad.write_text(good_text(good_row(1), good_row(2, referred="maybe")), encoding="utf-8")
    runs = {name: subprocess.run(
        [sys.executable, "-m", "jkfp.policy.cli", "settle", str(path), "--out",
         str(tmp_path / f"{name}-result.csv"), "--policies", str(POLICIES), "--no-progress"],
        capture_output=True, text=True, env=env, timeout=120, check=False)
        for name, path in (("good", good), ("bad", bad))}
    assert runs["good"].returncode == 0, runs["good"].stderr
    assert "已结算 50 次住院" in runs["good"].stdout
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numpy")
    parsed = parse_stays(good.read_text(encoding="utf-8"), _POLICIES)
    write_result(tmp_path / "ref.csv", parsed.stay_ids, settle_batch(parsed.batch, _POLICIES))
    assert (tmp_path / "good-result.csv").read_bytes() == (tmp_path / "ref.csv").read_bytes()
    assert runs["bad"].returncode == 1 and "第3行，列 referred" in runs["bad"].stderr
    assert not (tmp_path / "bad-result.csv").exists()


def test_mixed_line_ends(tmp_path: Path, monkeypatch) -> None:
    rows = [good_row(k, total_cost=f"{100 + k}") for k in range(6)]
    lines = good_text(*rows).split("\n")
    text = "\r\n".join(lines[:3]) + "\r\n" + "\n".join(lines[3:])
    assert fast(text) is not None
    assert_same_as_columnar(text, tmp_path, monkeypatch)
    order = [*HEADER[:-1], "note", HEADER[-1]]  # an ignored column before the last
    body = [",".join(order)] + [",".join({**r, "note": "n"}[c] for c in order) for r in rows]
    text = "\r\n".join(body) + "\n"
    assert fast(text) is not None
    assert_same_as_columnar(text, tmp_path, monkeypatch)
