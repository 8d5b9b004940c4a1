"""The result file of `jkfp settle`, written column by column.

One row per stay in input order: stay_id, one column per tier (the tier ids of the regimes
used, empty where the stay's regime has no such tier), reimbursed_total, self_pay, policy
(regime id and version), then deposit_waived and example_values (true when an amount rests on
an example parameter). Amounts in yuan with two decimals (`money.fmt_fen`'s form, computed on
whole columns by Polars). The bytes are those of Python's `csv.writer` (CRLF line ends, a cell
quoted only when it holds a comma, a quote or a line end). Written to a temporary file and
renamed, so a failed run leaves no partial output.
"""

from __future__ import annotations

import csv
import ctypes
import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported where used: the compiled path needs neither (decision 106)
    import polars as pl

from . import kernel
from .batch import BatchResult
from .csvfast import OVERSHOOT, IdSlices


def result_columns(result: BatchResult) -> list[str]:
    # the regimes used (small non-negative indices: counted, not sorted)
    used = set(np.flatnonzero(np.bincount(result.regime_index,
                                          minlength=len(result.regimes))).tolist())
    tiers = [t for t in result.tier_ids
             if any(t in {x.id for x in result.regimes[i].tiers} for i in used)]
    return ["stay_id", *tiers, "reimbursed_total", "self_pay", "policy", "deposit_waived",
            "example_values"]


def _csv_cell(text: str) -> str:
    """A cell as csv.writer writes it (QUOTE_MINIMAL, excel dialect)."""
    buf = io.StringIO()
    csv.writer(buf).writerow([text, ""])
    return buf.getvalue()[:-3]  # drop the second, empty cell and the line end


def yuan_column(fen: np.ndarray, present: np.ndarray | None = None) -> pl.Series:
    """fen as yuan for a whole column: Polars' exact decimals at scale 2 whose unscaled
    integers are the fen (an Int128 reinterpreted, no arithmetic), which its CSV writer prints
    as money.fmt_fen does ('1234.50', '-0.05'); null (an empty cell) where not `present`."""
    import polars as pl

    yuan = pl.Series(fen).cast(pl.Int128).reinterpret(dtype=pl.Decimal(38, 2))
    return yuan if present is None or present.all() else yuan.set(pl.Series(~present), None)


def _ids(stay_ids) -> pl.Series:
    """The stay ids as their cells (quoted where csv.writer quotes)."""
    import polars as pl

    ids = pl.Series("stay_id", stay_ids, pl.String)
    if ids.str.contains(r'[",\r\n]').any():
        ids = ids.map_elements(_csv_cell, return_dtype=pl.String)
    return ids


def _tail_texts(result: BatchResult) -> list[str]:
    """policy, deposit_waived and example_values as one text "label,bool,bool" (the writer's
    time goes by cells), for every (regime, waived, examples): text regime * 4 + waived * 2 +
    examples."""
    return [f"{_csv_cell(r.label)},{w},{e}" for r in result.regimes
            for w in ("false", "true") for e in ("false", "true")]


def _tails(result: BatchResult) -> tuple[list[str], np.ndarray]:
    """The texts of `_tail_texts` and each row's."""
    tails = _tail_texts(result)
    which = result.regime_index * 4 + result.deposit_waived.view(np.uint8) * 2 \
        + result.uses_examples.view(np.uint8)
    return tails, which


def result_frame(stay_ids, result: BatchResult) -> tuple[list[str], pl.DataFrame]:
    """The header and the columns to write (null: an empty cell): one per result column, but
    the last three (policy, deposit_waived, example_values) as one text "label,bool,bool"."""
    import polars as pl

    columns = result_columns(result)
    tiers = columns[1:-5]
    data = {"stay_id": _ids(stay_ids)}
    for t in tiers:
        data[t] = yuan_column(result.amounts[t], result.has_tier(t))
    data["reimbursed_total"] = yuan_column(result.reimbursed)
    data["self_pay"] = yuan_column(result.self_pay)
    tails, which = _tails(result)
    data["policy,deposit_waived,example_values"] = pl.Series(tails, dtype=pl.String).gather(
        which)
    return [_csv_cell(c) for c in columns], pl.DataFrame(
        {f"c{i}": v for i, v in enumerate(data.values())})


#: Bytes of the compiled writer's buffer (written to the file each time it is full).
WRITE_BUFFER = 1 << 22
#: Rows whose amounts the compiled writer gathers at a time.
WRITE_ROWS = 1 << 15
#: The file's blocks are reserved for the size its first buffer foretells, times this.
RESERVE_MARGIN = 1.05


def _reserve(fh, size: int) -> None:
    """Reserve the blocks of the first `size` bytes of the file being written (Linux's
    fallocate(2); the file's size becomes `size` until `write_result` cuts it to what was
    written). On ext4, blocks allocated as the pages are written back (delayed allocation)
    made the rename over an old result file wait for their allocation (`auto_da_alloc`):
    0.03-0.05 s of wall time for a result of 90 MB, against 0.005 s with the blocks
    reserved (docs/benchmarks.md). Where the call is missing or fails (another file system, no
    space for the estimate) nothing is reserved and the file is written as before."""
    from .memory import libc

    fallocate = getattr(libc(), "fallocate", None)
    if fallocate is None or size <= 0:
        return
    fh.flush()
    if fallocate(fh.fileno(), 0, ctypes.c_int64(0), ctypes.c_int64(size)) != 0:
        os.ftruncate(fh.fileno(), fh.tell())  # what a failed call may have allocated


def _write_compiled(fh, stay_ids, result: BatchResult) -> None:
    """The rows as `result_frame` and Polars' writer give them, byte for byte, by
    `kernel.write_rows` (decision 89): every amount formatted straight into a buffer of
    `WRITE_BUFFER` bytes, written to the file whenever it is full."""
    columns = result_columns(result)
    tiers = columns[1:-5]
    n = len(result.reimbursed)
    if isinstance(stay_ids, IdSlices):  # the file's own bytes (csvfast: never to be quoted)
        id_start, id_end, id_bytes = stay_ids.start, stay_ids.end, stay_ids.buf
    else:
        import pyarrow as pa

        ids = _ids(stay_ids).to_arrow()
        if ids.type != pa.large_string():
            ids = ids.cast(pa.large_string())
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks()
        _, off, data = ids.buffers()
        id_off = np.frombuffer(off, np.int64)[ids.offset:ids.offset + n + 1]
        id_start, id_end = id_off[:-1], id_off[1:]
        # the writer reads 8 bytes at a time: a copy with 8 bytes after the data
        id_bytes = np.zeros(OVERSHOOT + (data.size if data is not None else 0), np.uint8)
        if data is not None:
            id_bytes[:data.size] = np.frombuffer(data, np.uint8)
    columns_out = [result.amounts[t] for t in tiers] + [result.reimbursed, result.self_pay]
    # which amount cells a regime's rows have (the last two, every regime)
    has = np.ones((len(columns_out), max(len(result.regimes), 1)), np.uint8)
    for c, t in enumerate(tiers):
        has[c, :len(result.regimes)] = [any(x.id == t for x in r.tiers) for r in result.regimes]
    encoded = [t.encode("utf-8") for t in _tail_texts(result)]
    tail_off = np.concatenate(([0], np.cumsum([len(t) for t in encoded]))).astype(np.int64)
    tail_bytes = np.frombuffer(b"".join(encoded) + bytes(OVERSHOOT), np.uint8)
    regime = result.regime_index.astype(np.int64, copy=False)
    waived = result.deposit_waived.view(np.uint8)
    examples = result.uses_examples.view(np.uint8)
    buf = np.empty(WRITE_BUFFER, np.uint8)
    for s in range(0, n, WRITE_ROWS):
        e = min(s + WRITE_ROWS, n)
        # a block's amounts as rows of one array (the results are strided views: copied a
        # block at a time, in the cache, not all at once: 0.03 s and 50 MB on 1,000,000)
        amounts = np.stack([c[s:e] for c in columns_out])
        i = 0
        while i < e - s:
            done, size = kernel.write_rows(
                i, e - s, id_start[s:e], id_end[s:e], id_bytes, amounts, has, regime[s:e],
                waived[s:e], examples[s:e], tail_off, tail_bytes, buf)
            if done == i:  # one row longer than the buffer
                buf = np.empty(2 * len(buf), np.uint8)
                continue
            fh.write(memoryview(buf)[:size])
            if s == 0 and i == 0 and done < n:  # the first buffer: bytes per row known
                _reserve(fh, int(fh.tell() / done * n * RESERVE_MARGIN))
            i = done


def write_result(path: Path | str, stay_ids, result: BatchResult) -> None:
    """Write the result file atomically (temporary file in the same folder, then rename).
    The rows by the compiled writer where `kernel.use_compiled` takes the compiled loop (the
    same rule: Numba's import paid once for both, decision 89), else by Polars."""
    path = Path(path)
    n = len(result.reimbursed)
    # ids read by csvfast: Numba is loaded already, and they are bytes, not a column
    compiled = n > 0 and (kernel.use_compiled(n) or isinstance(stay_ids, IdSlices))
    if compiled:
        header, frame = [_csv_cell(c) for c in result_columns(result)], None
    else:
        header, frame = result_frame(stay_ids, result)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write((",".join(header) + "\r\n").encode("utf-8"))
            if compiled:
                _write_compiled(fh, stay_ids, result)
                fh.flush()
                os.ftruncate(fh.fileno(), fh.tell())  # the blocks reserved beyond the rows
            elif frame.height:
                frame.write_csv(fh, include_header=False, quote_style="never",
                                line_terminator="\r\n", null_value="")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["result_columns", "result_frame", "write_result", "yuan_column"]
