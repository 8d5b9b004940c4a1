"""pyarrow's reader of plain ASCII stays files (`csvarrow.py`, decision 50) gives what the
row-by-row reader gave (`csv_reference.py`): the same stays, the same errors (code, line,
column, message) in the same order, the same result bytes; and the files it does not take
(quotes, ragged rows, other encodings) still go the ways they went."""

from __future__ import annotations

import io
import random
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings

from jkfp.policy import csvarrow
from jkfp.policy.cli import FIELD_LIMIT, run_settle
from jkfp.policy.csvcheck import _PLAIN_AMOUNT
from jkfp.policy.csvio import _split_fast, parse_stays, read_stays
from jkfp.policy.loader import load_policies

from .conftest import POLICIES
from .test_csv_columnar import HEADER, assert_same, errors_of, files

_POLICIES = load_policies(POLICIES)
TAKEN = {"arrow": 0, "other": 0}
ROW = "{id},p1,640323,general,1,county,true,2019-03-01,2019-03-10,{total},50"


def head() -> str:
    return ",".join(HEADER)


def rows(*lines: str) -> str:
    return "\n".join([head(), *lines]) + "\n"


def arrow_taken(text: str) -> bool:
    cols = _split_fast(text.encode("utf-8"))
    return cols is not None and cols.arrow is not None


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(files())
def test_random_ascii_files_give_what_the_row_reader_gave(tmp_path: Path, text: str) -> None:
    # the same random files made ASCII (each other character a "?": ids, names and spaces
    # become other good or bad values), so that most of them take pyarrow's path
    ascii_text = text.encode("ascii", "replace").decode("ascii")
    TAKEN["arrow" if arrow_taken(ascii_text) else "other"] += 1
    assert_same(ascii_text, _POLICIES, tmp_path)


def test_random_ascii_files_took_the_arrow_path() -> None:
    """(runs after the test above in a file's order or alone: then it makes its own files)"""
    if TAKEN["arrow"] == 0:
        rng = random.Random(8)
        for k in range(40):
            text = rows(*(ROW.format(id=f"s{k}{j}", total=rng.choice(["100", "x", "1e3"]))
                          for j in range(rng.randint(1, 5))))
            TAKEN["arrow" if arrow_taken(text) else "other"] += 1
    assert TAKEN["arrow"] > 0


def test_bad_rows_are_named_line_by_line_as_before(tmp_path: Path) -> None:
    text = rows(
        ROW.format(id="s1", total="100"),
        ROW.format(id="s2", total="1e3"),  # a float form: refused as before
        ROW.format(id="s3", total="+5"),
        ROW.format(id="s4", total=".5"),
        ROW.format(id="s5", total="5."),
        ROW.format(id="s6", total="5.100"),
        ROW.format(id="s7", total="1000000000.01"),  # above the limit
        ROW.format(id="s8", total="100").replace("general", "nobody"),
        ROW.format(id="s9", total="100").replace("640323", "64032"),
        ROW.format(id="s1", total="100"),  # a duplicate id
        ROW.format(id=" s10", total="100"),  # spaces are stripped, as before
        ROW.format(id="s11", total="100").replace("2019-03-10", "2019-02-30"),
        ",,,,,,,,,,",  # a row of empty cells: skipped as a blank line
        "",  # a blank line
        ROW.format(id="s12", total="40"),  # in-policy above the total
    )
    assert arrow_taken(text)
    assert_same(text, _POLICIES, tmp_path)
    found = parse_stays(text, _POLICIES).errors
    lines = sorted({e.line for e in found})
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 16], errors_of(found)
    assert any(e.column == "total_cost" and e.line == 3 for e in found)
    assert any(e.column == "stay_id" and e.line == 11 and "第2行" in str(e) for e in found)


def test_a_good_file_with_a_bom_crlf_and_extra_columns(tmp_path: Path) -> None:
    order = ["note", *HEADER[:5], "x", *HEADER[5:]]
    lines = [",".join(order)]
    for k in range(30):
        cells = dict(zip(HEADER, ROW.format(id=f"s{k}", total=f"{100 + k}.5").split(","),
                         strict=True), note="n", x="")
        lines.append(",".join(cells[c] for c in order))
    text = "\ufeff" + "\r\n".join(lines) + "\r\n"
    assert arrow_taken(text)
    assert_same(text, _POLICIES, tmp_path)
    parsed = parse_stays(text, _POLICIES)
    assert not parsed.errors and len(parsed) == 30
    assert parsed.batch.total.tolist() == [(100 + k) * 100 + 50 for k in range(30)]


def test_quoted_cells_and_ragged_rows_take_the_other_paths(tmp_path: Path) -> None:
    quoted = rows(ROW.format(id='"a,1"', total="100"), ROW.format(id="b", total="x"))
    ragged = rows(ROW.format(id="a", total="100") + ",extra", ROW.format(id="b", total="x"))
    short = rows(ROW.format(id="a", total="100").rsplit(",", 2)[0])
    for text in (quoted, ragged, short):
        assert not arrow_taken(text)
        assert_same(text, _POLICIES, tmp_path)


def test_many_blocks_give_the_same_stays_and_errors(tmp_path: Path, monkeypatch) -> None:
    """Blocks of 512 bytes: pyarrow gives many chunks, each with its own dictionaries."""
    monkeypatch.setattr(csvarrow, "_BLOCK", 512)
    rng = random.Random(3)
    lines = [ROW.format(id=f"s{k}", total=rng.choice(["100", "250.5", "99.99"]))
             .replace("general", rng.choice(["general", "registered_poor", "minimum_living"]))
             .replace("2019-03-01", rng.choice(["2019-03-01", "2019-03-05"]))
             for k in range(300)]
    good = rows(*lines)
    table = csvarrow.read_table(memoryview(good.encode())[len(head()) + 1:], HEADER,
                                HEADER, {c: i for i, c in enumerate(HEADER)})
    assert table is not None and table.column("category").num_chunks > 1
    assert_same(good, _POLICIES, tmp_path)
    lines[150] = lines[150].replace("county,", "home,")
    lines[299] = lines[299].replace(",50", ",5e1")
    bad = rows(*lines)
    assert_same(bad, _POLICIES, tmp_path)
    assert [e.line for e in parse_stays(bad, _POLICIES).errors] == [152, 301]


def test_empty_file_header_only_and_missing_columns(tmp_path: Path) -> None:
    for text in ("", "\ufeff", head() + "\n", head()):
        assert_same(text, _POLICIES, tmp_path)
    assert "文件为空" in str(parse_stays("", _POLICIES).errors[0])
    missing = ",".join(c for c in HEADER if c not in ("category", "total_cost")) + "\n" + \
        ROW.format(id="s1", total="1")
    found = parse_stays(missing, _POLICIES).errors
    assert [(e.line, e.column) for e in found] == [(1, "category"), (1, "total_cost")]
    assert_same(missing, _POLICIES, tmp_path)


def test_gb18030_is_refused_as_before(tmp_path: Path) -> None:
    stays = tmp_path / "gb.csv"
    stays.write_bytes(rows(ROW.format(id="s1", total="1").replace("general", "低保对象"))
                      .encode("gb18030"))
    with pytest.raises(UnicodeDecodeError):
        read_stays(stays, _POLICIES)
    err = io.StringIO()
    assert run_settle(stays, tmp_path / "r.csv", policies_dir=POLICIES, progress=False,
                      stdout=io.StringIO(), stderr=err) == 1
    assert "不是 UTF-8 编码" in err.getvalue() and not (tmp_path / "r.csv").exists()


def test_an_oversized_id_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    stays = tmp_path / "big.csv"
    huge = "s" * (FIELD_LIMIT + 10)
    stays.write_text(rows(ROW.format(id=huge, total="100"), ROW.format(id="s2", total="100")),
                     encoding="utf-8")
    assert arrow_taken(stays.read_text(encoding="utf-8"))
    err = io.StringIO()
    assert run_settle(stays, tmp_path / "r.csv", policies_dir=POLICIES, progress=False,
                      stdout=io.StringIO(), stderr=err) == 1
    assert "超过上限" in err.getvalue() and not (tmp_path / "r.csv").exists()
    # an amount of more than 4,300 digits: refused as before, naming what is wrong
    stays.write_text(rows(ROW.format(id="s1", total="9" * 5000)), encoding="utf-8")
    err = io.StringIO()
    assert run_settle(stays, tmp_path / "r.csv", policies_dir=POLICIES, progress=False,
                      stdout=io.StringIO(), stderr=err) == 1
    assert "有数字超过 4,300 位" in err.getvalue() and not (tmp_path / "r.csv").exists()


def test_amounts_by_bytes_equal_the_pattern_and_the_fen() -> None:
    rng = random.Random(5)
    pattern = re.compile(_PLAIN_AMOUNT)
    values = ["".join(rng.choice("0123456789.") for _ in range(rng.randint(0, 13)))
              for _ in range(20_000)]
    values += ["1", "1.5", "1.55", "1.555", ".5", "5.", "123456789", "1234567890",
               "123456789.12", "1..", "1.2.3", "", "00", "0.00"]
    for col in (pa.chunked_array([pa.array(values)]),
                pa.chunked_array([pa.array(values[:777]), pa.array(values[777:])]),
                pa.chunked_array([pa.array(values + ["1 "])])):  # a space: the pattern decides
        fen, ok = csvarrow.amounts(col, _PLAIN_AMOUNT)
        texts = col.to_pylist()
        assert ok.tolist() == [bool(pattern.match(v)) for v in texts]
        assert fen.tolist() == [int(Decimal(v) * 100) if pattern.match(v) else 0
                                for v in texts]
    assert np.array_equal(csvarrow.ids_ok(pa.chunked_array([pa.array(["a", "", " a", "a\t",
                                                                      "a b"])])),
                          [True, False, False, False, True])
