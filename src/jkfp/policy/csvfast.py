"""`jkfp settle`'s reader in one compiled pass, for the common file (issue 8, decision 101).

The columnar path (`csvio.py`: pyarrow's parse, then checks on typed columns) costs about
0.7 s of CPU per 1,000,000 stays, four times what settling them costs. Most files are plain:
no quote, every row with the header's cells, every value in its plain form. For those,
`kernel_csv.parse_rows` reads the bytes once into the columns of a `StayBatch`,
`kernel_ids.codes_and_ids` makes the person codes and looks for two stay ids hashing alike
(only suspects: then the usual path decides), and one check is left on whole arrays: a regime
in force for every (county, admission) (`batch.regime_index`, kept for `settle_batch`).

Its rule: it accepts a file only when it can prove every row is one that `csvio`'s path
accepts outright, with the same values. Anything else — a quote, a byte not ASCII outside the
header and the category's Chinese names, a NUL, a lone CR, a blank or ragged row, a cell with
a space at either end, a value in any other form than the plain one (`TRUE`, ` 1`, `00`,
`1e3`, a category name with two 户), a person id longer than 24 bytes, a day without a regime,
two stay ids with equal hashes — and `read` answers None: the caller reads the whole file the
usual way, so errors (messages, lines) and unusual but valid forms are exactly that path's,
and a bad file still writes nothing.

Where it runs: `use_fast(nbytes)`, the rule of the compiled loop (`kernel.use_compiled`,
decisions 84 and 102) on the rows the file's size suggests (`ROW_BYTES` a row):
`JKFP_POLICY_KERNEL=numba` always, `numpy` never, else from `AUTO_MIN_ROWS` rows (from
`kernel.WARM_MIN_STAYS` in a process where a compiled function has run) — Numba's start is
paid once for the reader, the loop and the writer, which then follow it (`auto`: warm).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import kernel
from .batch import StayBatch
from .schema import CATEGORIES, GRADES, LOCATION_INDEX

#: Bytes a row is taken to have when the rule of use guesses the rows from a file's size
#: (the benchmark's rows have 88.7).
ROW_BYTES = 80
#: Rows from which a process that has run no compiled function yet takes this path: Numba's
#: start (0.6-0.7 s of CPU) against the 0.6-0.8 s per 1,000,000 rows the compiled reader,
#: loop and writer save (docs/benchmarks.md, ninth pass: a fresh `jkfp settle` of 1,000,000
#: plain stays 1.8 s of CPU against 2.0-2.4 s; one the pass refuses at its last row 0.45 s
#: slower, Numba's start and a parse for little; decision 102).
AUTO_MIN_ROWS = 1_000_000
#: Longest stay id this path takes (longer ones: the usual path and its limits).
MAX_ID = 4096
#: Bytes after a buffer's data: a LF (the pass's sentinel), then room for 8-byte loads.
PAD = 32
#: Bytes the compiled writer (`kernel_write.py`) may read past an id or a tail, and write
#: past a row: its 8-byte loads and stores. The ids of a stays file are bytes of its buffer.
OVERSHOOT = 8
assert PAD >= OVERSHOOT
#: What a field of the header is to `kernel_csv.parse_rows`: the parse applied to its cells
#: (csvio.COLUMNS' order), or none.
(STAY_ID, PERSON_ID, COUNTY, CATEGORY, GRADE, LOCATION, REFERRED, ADMISSION, DISCHARGE,
 TOTAL, IN_POLICY) = range(11)
IGNORED = -1
#: Words of 8 bytes of a person id kept in the pass's table (longer ids: not this path).
ID_WORDS = 3
#: Slots of an enum's table (category, location, referred), a power of two.
ENUM_SLOTS = 64
#: Status of a pass.
DONE, REFUSED = 0, 1
_BOM = b"\xef\xbb\xbf"
_mod = None


def use_fast(nbytes: int) -> bool:
    """Whether `read_stays` tries the compiled pass on a file of `nbytes` bytes: the rule of
    the compiled loop (`kernel.use_compiled`) on the rows the size suggests, from
    `AUTO_MIN_ROWS` in a process that has not run a compiled function yet."""
    return kernel.use_compiled(max(nbytes // ROW_BYTES, 1), AUTO_MIN_ROWS)


@dataclass
class IdSlices:
    """The stay ids as slices of the file's bytes (what the compiled writer copies out)."""

    buf: np.ndarray  # uint8, the file
    start: np.ndarray  # int64 per row
    end: np.ndarray

    def __len__(self) -> int:
        return len(self.start)

    def __iter__(self) -> Iterator[str]:
        data = self.buf
        for a, e in zip(self.start.tolist(), self.end.tolist(), strict=True):
            yield bytes(data[a:e]).decode("ascii")

    def longest(self) -> int:
        return int((self.end - self.start).max()) if len(self) else 0


def _kernel():
    """The compiled pass's tables (made by `build_enum`, compiled as the pass is:
    `kernel.compiled`, ahead of time or by Numba on the first call of the process)."""
    global _mod
    if _mod is None:
        from . import csvio

        build_enum = kernel.compiled("build_enum")
        keys = np.zeros((3, ENUM_SLOTS, 4), np.int64)
        out = np.full((3, ENUM_SLOTS), -1, np.int64)
        for j, forms in enumerate(_enum_forms()):
            raw = [f.encode("utf-8") for f in forms]
            offsets = np.cumsum([0] + [len(r) for r in raw]).astype(np.int64)
            build_enum(buffer_of(b"".join(raw))[0], offsets,
                       np.array(list(forms.values()), np.int64), keys[j], out[j])
        space = np.zeros(256, np.uint8)
        space[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = 1
        kinds = dict(zip(csvio.COLUMNS, range(11), strict=True))  # STAY_ID...
        assert list(GRADES) == [0, 1, 2, 3]
        _mod = (keys, out, space, kinds)
    return _mod


def _enum_forms() -> list[dict[str, int]]:
    """The texts of category, location and referred that the pass takes, with their values:
    the codes, and a category's Chinese name with and without its last 户 (two of
    `parse_category`'s forms; others go the usual path). Each text is checked against the
    columnar path's own parser of the column (`cellparse.parsers`), so the two cannot differ;
    each fits the table's three words."""
    from jkfp.categories import LABELS

    from .cellparse import parsers as column_parsers

    category = {c.value: i for i, c in enumerate(CATEGORIES)}
    for c, label in LABELS.items():
        for form in (label, label.rstrip("户"), label.rstrip("户") + "户"):
            if len(form.encode()) <= 24:  # the table's three words
                category.setdefault(form, category[c.value])
    forms = [category, dict(LOCATION_INDEX), {"false": 0, "true": 1}]
    parsers = column_parsers()
    for column, table in zip(("category", "location", "referred"), forms, strict=True):
        for text, value in table.items():
            assert parsers[column](text) == value and len(text.encode()) <= 24, text
    return forms


def read_buffer(path: Path | str) -> tuple[np.ndarray, int]:
    """The file's bytes in an array `PAD` bytes longer (a LF, then zeros), and their number."""
    with open(path, "rb", buffering=0) as fh:
        size = os.fstat(fh.fileno()).st_size
        buf = np.empty(size + PAD, np.uint8)
        view, got = memoryview(buf), 0
        while got < size:
            n = fh.readinto(view[got:size])
            if not n:
                break
            got += n
    buf[got] = 10
    buf[got + 1:] = 0
    return buf[:got + PAD], got


def buffer_of(data: bytes) -> tuple[np.ndarray, int]:
    """`read_buffer` of bytes held already."""
    return np.frombuffer(data + b"\n" + bytes(PAD - 1), np.uint8).copy(), len(data)


def read(buf: np.ndarray, size: int, policies):
    """The good stays of the file in `buf[:size]` (`read_buffer`) as a `csvio.StayFile`, or
    None where this path does not take the file (then nothing it found counts)."""
    from .batch import regime_index
    from .csvio import COLUMNS, StayFile

    keys, values, space, kinds = _kernel()
    pos = 3 if size >= 3 and bytes(buf[:3]) == _BOM else 0
    end = _line_end(buf, pos, size)
    if end < 0:
        return None
    head = bytes(buf[pos:end]).removesuffix(b"\r")
    if b'"' in head or b"\0" in head or b"\r" in head:
        return None
    try:
        names = [h.strip() for h in head.decode("utf-8").split(",")]
    except UnicodeDecodeError:
        return None
    if any(c not in names for c in COLUMNS):
        return None  # the usual path names the missing columns
    field = np.full(len(names), IGNORED, np.int64)
    for c in COLUMNS:
        field[names.index(c)] = kinds[c]
    pos = end + 1
    if pos >= size:
        return None  # no row: the usual path decides
    # a valid row has at least this many bytes, so `cap` rows are enough
    least = len(names) + 1 + 1 + 6 + 1 + 10 + 10 + 1 + 1 + min(
        len(c.value) for c in CATEGORIES) + min(len(x) for x in LOCATION_INDEX) + 4
    cap = (size - pos) // least + 1
    id_start, id_end, person, county, admission, total, in_policy = (
        np.empty(cap, np.int64) for _ in range(7))
    category, grade, location, referred = (np.empty(cap, np.int8) for _ in range(4))
    status, n = kernel.compiled("parse_rows")(
        buf, pos, size, field, space, keys, values, cap, MAX_ID, id_start, id_end,
        person, county, category, grade, location, referred, admission, total,
        in_policy)
    if status != DONE or n == 0:
        return None
    _, suspect = kernel.compiled("codes_and_ids")(buf, person[:n], id_start[:n], id_end[:n])
    if suspect:
        return None  # maybe two equal stay ids: the usual path names them
    day = admission[:n].view("datetime64[D]")
    regime = regime_index(county[:n], day, policies)
    if (regime < 0).any():
        return None  # the usual path names the stays without a regime
    batch = StayBatch(person[:n], county[:n], category[:n], grade[:n], location[:n],
                      referred[:n].view(bool), day, total[:n], in_policy[:n])
    return StayFile(IdSlices(buf, id_start[:n], id_end[:n]), batch, [], regime)


def _line_end(buf: np.ndarray, start: int, stop: int) -> int:
    """The position of the first LF in buf[start:stop], or -1 (searched a block at a time)."""
    step = 1 << 16
    for a in range(start, stop, step):
        at = bytes(buf[a:min(a + step, stop)]).find(b"\n")
        if at >= 0:
            return a + at
    return -1


__all__ = ["IdSlices", "ROW_BYTES", "read", "read_buffer", "use_fast"]
