"""The CSV contract of `jkfp settle` and `jkfp policy compare`, read column by column.

Input: UTF-8 (a BOM is accepted) with a header; columns (others are ignored)

    stay_id, person_id, county_code, category, hospital_grade, location, referred,
    admission_date, discharge_date, total_cost, in_policy_cost

`category`: a code of DOMAIN.md section 4 or its Chinese name; `location`: county, city,
province or outside; `referred`: true or false; dates YYYY-MM-DD; amounts in yuan with up to two
decimals. Every bad value of every row is reported (line of the file, the header being line 1,
column, reason in Chinese); a file with any bad row is not settled.

How (architecture decision 27): the cells are split into columns by Polars (a file with no
quote, the same number of fields on every line and one kind of line end: every file we write
and nearly every export) or else by Python's `csv` module, so that quoted cells and odd line
ends keep the line numbers the `csv` module gives. The columns are then checked on arrays:
the few distinct values of a column (categories, grades, locations, referred, dates, counties)
are checked once each by `stay_input`'s own functions, amounts and ids by a strict pattern of
the plain form, regimes once per distinct (county, admission date). A row that any of these
does not accept outright is given, cell by cell, to `stay_input.check_stay`, the one definition
of a valid stay: it reports the row's errors with their messages, or accepts an unusual but
valid form (spaces, full-width digits). Writing is in `csvout.py`.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported where used: the compiled path needs neither (decision 106)
    import polars as pl
    import pyarrow as pa

from . import csvfast
from .batch import StayBatch, regime_index
from .errors import PolicyErrorCode, RowError
from .regimes import PolicySet
from .stay_input import Stay, check_stay

COLUMNS = ("stay_id", "person_id", "county_code", "category", "hospital_grade", "location",
           "referred", "admission_date", "discharge_date", "total_cost", "in_policy_cost")


@dataclass
class StayFile:
    """The good stays of a file as columns (input order), and every error found."""

    stay_ids: list[str] | pl.Series | csvfast.IdSlices
    batch: StayBatch
    errors: list[RowError] = field(default_factory=list)
    #: each stay's index in the `PolicySet.regimes` the file was read against, where the
    #: reader worked it out already (`csvfast`): `settle_batch(regime=...)` takes it
    regime: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.batch)


def read_stays(path: Path | str, policies: PolicySet) -> StayFile:
    """Read and check a stays file; `errors` lists every bad value (then nothing else counts).
    Raises UnicodeDecodeError (not UTF-8) or csv.Error as the `csv` module does."""
    if csvfast.use_fast(os.stat(path).st_size):  # one compiled pass (decision 101)
        buf, size = csvfast.read_buffer(path)
        found = csvfast.read(buf, size, policies)
        if found is not None:
            return found
        data = buf[:size].tobytes()
    else:
        data = Path(path).read_bytes()
    columns = _split_fast(data)
    if columns is None:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            columns = _split_csv(fh)
    return check_columns(columns, policies)


def parse_stays(text: str, policies: PolicySet) -> StayFile:
    """The same from text (tests, and callers holding a file's content)."""
    data = text.encode("utf-8")
    if csvfast.use_fast(len(data)):
        found = csvfast.read(*csvfast.buffer_of(data), policies)
        if found is not None:
            return found
    columns = _split_fast(data)
    if columns is None:
        columns = _split_csv(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    return check_columns(columns, policies)


@dataclass
class Columns:
    """The cells of a file's rows as text columns (not stripped), with the line of each row;
    or the header's error."""

    frame: pl.DataFrame | None  # columns COLUMNS, str, no nulls
    lines: np.ndarray  # int64 line of each row in the file
    header_errors: list[RowError]
    raw_lines: list[str] | None = None  # fast split: the lines of the file, to check blanks
    ascii_text: bool = False  # every cell ASCII without NUL (known from the file's bytes)
    arrow: pa.Table | None = None  # instead of `frame`: pyarrow's typed columns (csvarrow)


def _header(names: list[str] | None) -> tuple[dict[str, int], list[RowError]]:
    if names is None:
        return {}, [RowError(PolicyErrorCode.STAY_MISSING_COLUMN, line=1, column="stay_id",
                             what="（文件为空）")]
    names = [h.strip() for h in names]
    missing = [c for c in COLUMNS if c not in names]
    return ({c: names.index(c) for c in COLUMNS} if not missing else {},
            [RowError(PolicyErrorCode.STAY_MISSING_COLUMN, line=1, column=c, what=c)
             for c in missing])


def _split_fast(data: bytes) -> Columns | None:
    """Polars' reader, when the file has no quote, no NUL and no lone CR: then line k of the
    file is row k - 1 (Polars gives a blank line as a row of nulls, a short row nulls and
    drops extra cells, as the csv path reads them); else None."""
    import polars as pl

    from . import csvarrow

    if b'"' in data or b"\0" in data or (
            b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
        return None
    # (bytes.find is memchr: the three scans above cost little when the bytes are absent)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    ascii_text = data.isascii()
    if not ascii_text:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None  # the csv path raises the error the user is shown
    if not data:
        return Columns(None, np.zeros(0, np.int64), _header(None)[1])
    end = data.find(b"\n")
    first = data[:end if end >= 0 else len(data)].decode("utf-8").rstrip("\r")
    pos, errors = _header(first.split(","))
    if errors:
        return Columns(None, np.zeros(0, np.int64), errors)
    if ascii_text and end >= 0 and end + 1 < len(data):
        # pyarrow's typed columns (csvarrow.py); with empty lines kept, its row k is line
        # k + 2 of the file (no quote, no lone CR), so the lines need no count
        table = csvarrow.read_table(memoryview(data)[end + 1:], first.split(","),
                                    list(COLUMNS), pos)
        if table is not None and table.num_rows:
            n = table.num_rows
            return Columns(None, np.arange(2, n + 2, dtype=np.int64), [],
                           raw_lines=_LazyLines(data), ascii_text=True, arrow=table)
    n = _count_newlines(data) - (data.endswith(b"\n"))
    if n == 0:
        return Columns(_empty_frame(), np.zeros(0, np.int64), [])
    try:
        frame = pl.read_csv(data, has_header=False, skip_rows=1, infer_schema=False,
                            quote_char=None, columns=[pos[c] for c in COLUMNS])
    except pl.exceptions.PolarsError:
        return None
    if frame.height != n:
        return None
    frame = frame.select(pl.col(f"column_{pos[c]}").fill_null("").alias(c) for c in COLUMNS)
    return Columns(frame, np.arange(2, n + 2, dtype=np.int64), [], raw_lines=_LazyLines(data),
                   ascii_text=ascii_text)


def _count_newlines(data: bytes) -> int:
    """data.count(b"\\n"), by NumPy in blocks (twice as fast, little memory)."""
    raw = np.frombuffer(data, np.uint8)
    block = 1 << 22
    return sum(int(np.count_nonzero(raw[i:i + block] == 10)) for i in range(0, len(raw), block))


class _LazyLines:
    """Line k (1-based) of the file, decoded only when asked for."""

    def __init__(self, data: bytes):
        self.data = data
        self.starts: np.ndarray | None = None

    def __getitem__(self, line: int) -> str:
        if self.starts is None:
            ends = np.flatnonzero(np.frombuffer(self.data, np.uint8) == 10)
            self.starts = np.concatenate(([0], ends + 1))
        start = int(self.starts[line - 1])
        end = self.data.find(b"\n", start)
        return self.data[start:end if end >= 0 else len(self.data)].decode("utf-8")


def _split_csv(fh) -> Columns:
    """Python's csv module: quoted cells, lone CRs, ragged rows; blank lines skipped."""
    import polars as pl

    reader = csv.reader(fh)
    pos, errors = _header(next(reader, None))
    if errors:
        return Columns(None, np.zeros(0, np.int64), errors)
    cells: list[list[str]] = [[] for _ in COLUMNS]
    lines: list[int] = []
    index = list(enumerate(pos[c] for c in COLUMNS))
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        lines.append(reader.line_num)
        width = len(record)
        for j, i in index:
            cells[j].append(record[i] if i < width else "")
    frame = pl.DataFrame({c: pl.Series(c, v, pl.String) for c, v in zip(COLUMNS, cells,
                                                                          strict=True)})
    return Columns(frame, np.array(lines, np.int64), [])


def _empty_frame() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame({c: pl.Series(c, [], pl.String) for c in COLUMNS})


def check_columns(cols: Columns, policies: PolicySet) -> StayFile:
    """Check every row; the good stays as a batch, or the errors of every bad row."""
    from . import csvarrow
    from .csvcheck import _arrow_values, _frame_values

    if cols.frame is None and cols.arrow is None:
        return StayFile([], empty_batch(), cols.header_errors)
    n = cols.frame.height if cols.frame is not None else cols.arrow.num_rows
    if n == 0:
        return StayFile([], empty_batch(), [])
    v = _arrow_values(cols.arrow) if cols.arrow is not None else _frame_values(cols.frame)
    ok, county, category, grade, location, referred, admission, total, in_policy = (
        v["ok"], v["county_code"], v["category"], v["hospital_grade"], v["location"],
        v["referred"], v["admission_date"], v["total_cost"], v["in_policy_cost"])
    ok &= _has_regime(county, admission, ok, policies)
    stay_id, person_id = v["stay_id"], v["person_id"]
    valid = ok.copy()
    by_line: dict[int, list[RowError]] = {}
    slow = np.flatnonzero(~ok)
    if len(slow):
        rows = (csvarrow.rows(cols.arrow, slow) if cols.arrow is not None
                else cols.frame[slow].rows())
        fixed_index, fixed_stays = [], []
        for i, row in zip(slow.tolist(), rows, strict=True):
            line = int(cols.lines[i])
            if cols.raw_lines is not None and all(not v.strip() for v in row) and not any(
                    c.strip() for c in cols.raw_lines[line].split(",")):
                continue  # a blank line (the csv path never gives one)
            cells = {c: v.strip() for c, v in zip(COLUMNS, row, strict=True)}
            errors: list[RowError] = []
            stay = row_stay(cells, line, policies, errors)
            if stay is None:
                by_line[line] = errors
                continue
            valid[i] = True
            fixed_index.append(i)
            fixed_stays.append(stay)
        if fixed_index:
            idx = np.array(fixed_index, np.int64)
            stay_id = stay_id.scatter(idx, [s.stay_id for s in fixed_stays])
            person_id = person_id.scatter(idx, [s.person_id for s in fixed_stays])
            county[idx] = [int(s.county_code) for s in fixed_stays]
            category[idx] = [s.category for s in fixed_stays]
            grade[idx] = [s.hospital_grade for s in fixed_stays]
            location[idx] = [s.location for s in fixed_stays]
            referred[idx] = [s.referred for s in fixed_stays]
            admission[idx] = np.array([s.admission_date for s in fixed_stays],
                                      "datetime64[D]").astype(np.int64)
            total[idx] = [s.total_fen for s in fixed_stays]
            in_policy[idx] = [s.in_policy_fen for s in fixed_stays]
    keep = _first_of_each_id(stay_id, valid, cols.lines, by_line)
    errors = [e for line in sorted(by_line) for e in by_line[line]]
    if errors:
        return StayFile([], empty_batch(), errors)
    keep_idx: np.ndarray | slice = np.flatnonzero(keep)
    if len(keep_idx) < n:
        stay_id, person_id = stay_id.gather(keep_idx), person_id.gather(keep_idx)
    else:
        keep_idx = slice(None)  # every row: the arrays as they are, no copy
    person = _codes(person_id, ascii_text=cols.ascii_text)
    batch = StayBatch(person, county[keep_idx].astype(np.int64, copy=False), category[keep_idx].astype(np.int8),
                      grade[keep_idx].astype(np.int8), location[keep_idx].astype(np.int8),
                      referred[keep_idx].astype(bool),
                      admission[keep_idx].astype("datetime64[D]"), total[keep_idx],
                      in_policy[keep_idx])
    return StayFile(stay_id, batch, [])


def row_stay(cells: dict[str, str], line: int, policies: PolicySet,
             errors: list[RowError]) -> Stay | None:
    """One row's stay, or None and its errors: the ids are required, the rest is check_stay."""
    missing = [RowError(PolicyErrorCode.STAY_REQUIRED, line=line, column=c)
               for c in ("stay_id", "person_id") if not cells[c]]
    stay, found = check_stay(**{c: cells[c] for c in COLUMNS}, line=line, policies=policies)
    errors += missing + found
    return None if missing else stay


def _first_of_each_id(stay_id: pl.Series, valid: np.ndarray, lines: np.ndarray,
                      by_line: dict[int, list[RowError]]) -> np.ndarray:
    """Valid rows whose stay_id no earlier valid row has; the others get a duplicate error."""
    import polars as pl

    idx = np.flatnonzero(valid)
    ids = stay_id.gather(idx) if len(idx) < len(stay_id) else stay_id
    hashes = ids.hash().sort().to_numpy()  # Polars' sort: a quarter of NumPy's time
    if not (hashes[1:] == hashes[:-1]).any():
        return valid  # no two ids hash alike, so no two are equal
    first = ids.is_first_distinct().to_numpy()
    if first.all():
        return valid
    frame = pl.DataFrame({"id": ids, "line": lines[idx]})
    first_line = frame.select(pl.col("line").first().over("id"))["line"].to_numpy()
    for j in np.flatnonzero(~first).tolist():
        line = int(lines[idx[j]])
        by_line[line] = [RowError(PolicyErrorCode.STAY_DUPLICATE_ID, line=line,
                                  column="stay_id", what=ids[j], allowed=int(first_line[j]))]
    keep = valid.copy()
    keep[idx[~first]] = False
    return keep


def _codes(s: pl.Series, *, ascii_text: bool = False) -> np.ndarray:
    """Integer codes of the values (equal values, equal codes). Ids of at most 16 ASCII
    characters without NUL (nearly all: "P123", an 18-digit ID number is 18) are their bytes
    padded with NUL read as one integer, sorted: exact, no text compared. Others are sorted by
    their hash; where two neighbours hash alike their texts are compared, so a collision of two
    different ids falls back to a categorical cast. `ascii_text`: the caller knows every value
    is ASCII without NUL."""
    import polars as pl

    n = len(s)
    if n == 0:
        return np.zeros(0, np.int64)
    width = s.str.len_bytes().max()
    if width <= 16 and (ascii_text or (
            (s.str.len_chars() == s.str.len_bytes()).all()
            and not s.str.contains("\x00", literal=True).any())):
        wide = width > 8
        key = s.str.pad_end(16 if wide else 8, "\x00").cast(pl.Binary).bin.reinterpret(
            dtype=pl.Int128 if wide else pl.UInt64, endianness="big")
        order = key.arg_sort().to_numpy()
        if wide:
            ordered = key.gather(order)
            new = (ordered != ordered.shift(1)).fill_null(True).to_numpy()
        else:
            ordered = np.take(key.to_numpy(), order)
            new = np.empty(n, bool)
            new[0] = True
            np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
        codes = np.empty(n, np.int64)
        codes[order] = np.cumsum(new) - 1
        return codes
    hashed = s.hash()
    order = hashed.arg_sort().to_numpy()  # Polars' sort: a third of NumPy's argsort time
    hashes = np.take(hashed.to_numpy(), order)
    new = np.empty(n, bool)
    new[0] = True
    np.not_equal(hashes[1:], hashes[:-1], out=new[1:])
    again = np.flatnonzero(~new)
    if len(again):
        pairs = np.take(order, again)
        if not (s.gather(pairs) == s.gather(np.take(order, again - 1))).all():
            return s.cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
    codes = np.empty(n, np.int64)
    codes[order] = np.cumsum(new) - 1
    return codes


def _has_regime(county: np.ndarray, day: np.ndarray, ok: np.ndarray,
                policies: PolicySet) -> np.ndarray:
    """Whether a regime is in force (`find_regime`'s answer), from a table of the distinct
    counties × the days spanned (`batch.regime_index`); rows refused already count as True
    (check_stay decides for them)."""
    found = np.ones(len(county), bool)
    sel = np.flatnonzero(ok)
    if len(sel):
        found[sel] = regime_index(county[sel], day[sel].astype("datetime64[D]"), policies) >= 0
    return found


def empty_batch() -> StayBatch:
    return StayBatch(*(np.zeros(0, t) for t in (np.int64, np.int64, np.int8, np.int8, np.int8,
                                                bool, "datetime64[D]", np.int64, np.int64)))


__all__ = ["COLUMNS", "StayFile", "check_columns", "empty_batch", "parse_stays", "read_stays",
           "row_stay"]
