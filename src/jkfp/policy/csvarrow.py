"""pyarrow's CSV reader for the plain stays files of `jkfp settle` (architecture decision 50).

`csvio._split_fast` hands a file here when it is ASCII, has no quote, no NUL and no lone CR
(every file we write and nearly every export). pyarrow parses it on one thread straight into
typed columns: the columns with few distinct values (county, category, grade, location,
referred, the two dates) as dictionaries, so that `csvio` checks each distinct value once and
reads every row's value by its dictionary index; the amounts and ids as strings, checked on
whole columns (a pattern, a decimal cast, the first and last byte of each id). A file pyarrow
refuses (a row with more or fewer cells than the header, a blank line, a row longer than a
block) goes back to the Polars and `csv` paths, which give the errors and line numbers they
always gave, so this reader only ever accepts outright what they accept: every row it does not
accept is still given, cell by cell, to `stay_input.check_stay`.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

#: Columns read as dictionaries (few distinct values; each is checked once).
DICTIONARY_COLUMNS = ("county_code", "category", "hospital_grade", "location", "referred",
                      "admission_date", "discharge_date")
_DICT = pa.dictionary(pa.int32(), pa.string())
#: Bytes Python's str.strip() removes (ASCII): an id starting or ending with one is slow-path.
_SPACE = np.zeros(256, bool)
_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_BLOCK = 1 << 24  # 16 MiB: faster than one block (the cache), large enough for any sane row

_single_thread = False


def single_thread() -> None:
    """One core (the brief of issue 8): pyarrow's pools to one thread, once per process."""
    global _single_thread
    if not _single_thread:
        pa.set_cpu_count(1)
        pa.set_io_thread_count(1)
        _single_thread = True


def read_table(body: memoryview, names: list[str], columns: list[str],
               pos: dict[str, int]) -> pa.Table | None:
    """The rows after the header (`body`) as a table of `columns` (named as in csvio.COLUMNS),
    or None where pyarrow refuses the file (then the caller's other paths decide)."""
    single_thread()
    width = len(names)
    generated = [f"f{i}" for i in range(width)]
    types = {f"f{pos[c]}": (_DICT if c in DICTIONARY_COLUMNS else pa.string()) for c in columns}
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(use_threads=False, block_size=_BLOCK,
                                           column_names=generated),
            parse_options=pacsv.ParseOptions(quote_char=False, escape_char=False,
                                             newlines_in_values=False,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types, include_columns=[f"f{pos[c]}" for c in columns],
                strings_can_be_null=False, quoted_strings_can_be_null=False,
                null_values=[], check_utf8=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowCapacityError):
        return None
    return table.rename_columns(columns)


def dictionary(col: pa.ChunkedArray) -> tuple[list[str], np.ndarray]:
    """The distinct values of a dictionary column and each row's index into them."""
    chunks = pa.chunked_array(col.chunks, col.type).unify_dictionaries().chunks \
        if col.num_chunks > 1 else col.chunks
    if not chunks:
        return [], np.zeros(0, np.int32)
    values = chunks[0].dictionary.to_pylist()
    index = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in chunks])
    return values, index


def _bytes_of(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (n + 1, int64) and the data bytes of a string chunk."""
    _, off, data = chunk.buffers()
    offsets = np.frombuffer(off, np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
    raw = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    return offsets.astype(np.int64), raw


def ids_ok(col: pa.ChunkedArray) -> np.ndarray:
    """Non-empty and without a space at either end (ASCII text), per row."""
    parts = []
    for chunk in col.chunks:
        offsets, raw = _bytes_of(chunk)
        start, end = offsets[:-1], offsets[1:]
        ok = end > start
        if len(raw):
            first = np.take(raw, np.minimum(start, len(raw) - 1))
            last = np.take(raw, np.maximum(end - 1, 0))
            ok &= ~(_SPACE[first] | _SPACE[last])
        parts.append(ok)
    return np.concatenate(parts) if parts else np.zeros(0, bool)


_AMOUNT_BYTE = np.zeros(256, bool)
_AMOUNT_BYTE[list(b"0123456789.")] = True


def _plain_by_bytes(chunk: pa.Array) -> np.ndarray | None:
    """Which cells of a string chunk have the plain form of an amount (at most 9 integer
    digits, then optionally a dot and 1 or 2 digits), from the offsets and bytes alone: every
    byte a digit or a dot, a dot only as the 2nd or 3rd byte from a cell's end, 1-9 digits
    before it. None when some byte is neither (then the pattern decides, row by row)."""
    offsets, raw = _bytes_of(chunk)
    lo, hi = int(offsets[0]), int(offsets[-1])
    if hi == lo:
        return np.zeros(len(chunk), bool)  # every cell empty
    body = raw[lo:hi]
    if not _AMOUNT_BYTE[body].all():
        return None
    start, end = offsets[:-1], offsets[1:]
    size = end - start
    dot = raw == 46
    d2 = (size >= 2) & np.take(dot, np.maximum(end - 2, 0))
    d3 = (size >= 3) & np.take(dot, np.maximum(end - 3, 0))
    if int(np.count_nonzero(body == 46)) != int(np.count_nonzero(d2)) + int(
            np.count_nonzero(d3)):
        return None  # a dot elsewhere in some cell
    digits = size - np.where(d2, 2, np.where(d3, 3, 0))
    return ~(d2 & d3) & (digits >= 1) & (digits <= 9)


def amounts(col: pa.ChunkedArray, plain: str) -> tuple[np.ndarray, np.ndarray]:
    """Fen of the amounts in plain form (the pattern `plain`: at most 9 integer digits, up to
    2 decimals), 0 elsewhere, and which rows are plain. The decimal cast of a plain form is
    exact; the fen are the decimal's unscaled integers (its low 64 bits: never negative)."""
    by_bytes = [_plain_by_bytes(c) for c in col.chunks]
    if all(b is not None for b in by_bytes):
        ok = np.concatenate(by_bytes) if by_bytes else np.zeros(0, bool)
    else:
        ok = pc.match_substring_regex(col, plain).to_numpy(zero_copy_only=False)
    safe = col if ok.all() else pc.if_else(pa.array(ok), col, "0")
    dec = pc.cast(safe, pa.decimal128(11, 2))
    parts = []
    for chunk in dec.chunks:
        words = np.frombuffer(chunk.buffers()[1], np.int64)
        parts.append(words[2 * chunk.offset:2 * (chunk.offset + len(chunk)):2])
    fen = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    if not ok.all():
        fen = np.where(ok, fen, 0)
    return fen, ok


def string_series(col: pa.ChunkedArray):
    """A string column as a Polars Series (what the rest of the path works on)."""
    import polars as pl

    return pl.Series(col.combine_chunks() if col.num_chunks != 1 else col.chunk(0))


def rows(table: pa.Table, index: np.ndarray) -> list[tuple[str, ...]]:
    """The cells of some rows as text, in the table's column order."""
    part = table.take(pa.array(index))
    cols = [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in part.columns]
    return list(zip(*(c.to_pylist() for c in cols), strict=True))


__all__ = ["DICTIONARY_COLUMNS", "amounts", "dictionary", "ids_ok", "read_table", "rows",
           "single_thread", "string_series"]
