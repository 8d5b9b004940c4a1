"""The checks of `csvio` on whole columns: each column's values as integers and which rows
every column accepts outright (the others go to `stay_input.check_stay` row by row), from
Polars' text columns or from pyarrow's dictionary and string columns (`csvarrow`)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from . import csvarrow
from .cellparse import parsers

# What Python's str.strip() removes at the ends of a cell (every character c.isspace()).
_PY_SPACE = "".join(chr(i) for i in range(0x3001) if chr(i).isspace())
# Amounts accepted outright: at most 9 integer digits, so never above MAX_AMOUNT_FEN.
_PLAIN_AMOUNT = r"^[0-9]{1,9}(\.[0-9]{1,2})?$"


_BAD = np.iinfo(np.int64).min  # a value no parse gives


def _distinct(s: pl.Series, parse) -> tuple[np.ndarray, np.ndarray]:
    """`parse` (text → int or None) applied once per distinct value: values and accepted."""
    uniq = s.unique()
    table = np.array([_BAD if v is None else v for v in map(parse, uniq.to_list())], np.int64)
    values = np.take(table, s.cast(pl.Enum(uniq)).to_physical().to_numpy())
    return values, values != _BAD


def _amounts(s: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Fen of the amounts in plain form (at most 9 digits, up to 2 decimals); others 0/False.
    (Polars' decimal parse of a plain form is exact; the pattern decides what is plain.)"""
    ok = s.str.contains(_PLAIN_AMOUNT).to_numpy()
    fen = s.cast(pl.Decimal(11, 2), strict=False).to_physical().fill_null(0)
    return np.where(ok, fen.cast(pl.Int64).to_numpy(), 0), ok


#: The integer type of each column read by dictionary (its least value: "refused").
_NARROW = {"county_code": np.int32, "category": np.int16, "hospital_grade": np.int16,
           "location": np.int16, "referred": np.int16, "admission_date": np.int32,
           "discharge_date": np.int32}


def _frame_values(f: pl.DataFrame) -> dict:
    """Each column's values (ints) and `ok`: the rows every column accepts outright."""
    ok = np.ones(f.height, bool)
    for c in ("stay_id", "person_id"):
        s = f[c]
        size = s.str.len_bytes()
        ok &= ((size > 0) & (s.str.strip_chars(_PY_SPACE).str.len_bytes() == size)).to_numpy()
    v: dict = {"stay_id": f["stay_id"], "person_id": f["person_id"]}
    for c, parse in parsers().items():
        v[c], good = _distinct(f[c], parse)
        ok &= good
    v["total_cost"], tot_ok = _amounts(f["total_cost"])
    v["in_policy_cost"], inp_ok = _amounts(f["in_policy_cost"])
    ok &= (v["discharge_date"] >= v["admission_date"]) & tot_ok & inp_ok & (
        v["in_policy_cost"] <= v["total_cost"])
    v["ok"] = ok
    return v


def _arrow_values(t: pa.Table) -> dict:
    """`_frame_values` on pyarrow's columns (csvarrow.py): dictionaries and ASCII strings."""
    ok = csvarrow.ids_ok(t.column("stay_id")) & csvarrow.ids_ok(t.column("person_id"))
    v: dict = {c: csvarrow.string_series(t.column(c)) for c in ("stay_id", "person_id")}
    for c, parse in parsers().items():
        values, index = csvarrow.dictionary(t.column(c))
        dtype = _NARROW[c]  # narrow gathers: a quarter to a half of the bytes of int64
        bad = np.iinfo(dtype).min
        table = np.array([bad if x is None else x for x in map(parse, values)], dtype)
        v[c] = np.take(table, index)
        ok &= v[c] != bad
    v["total_cost"], tot_ok = csvarrow.amounts(t.column("total_cost"), _PLAIN_AMOUNT)
    v["in_policy_cost"], inp_ok = csvarrow.amounts(t.column("in_policy_cost"), _PLAIN_AMOUNT)
    ok &= (v["discharge_date"] >= v["admission_date"]) & tot_ok & inp_ok & (
        v["in_policy_cost"] <= v["total_cost"])
    v["ok"] = ok
    return v


