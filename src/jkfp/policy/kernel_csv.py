r"""The compiled passes of `csvfast.py` (Numba): a plain stays file's bytes to typed columns.

`parse_rows`: one loop over the bytes of the rows after the header. Each row is cut into
exactly the header's number of cells (each cell's end found 8 bytes at a time), and each cell
of a known column is parsed as it is read (no text object): the county as six digits, the
grade as one digit 0-3, category, location and referred by a small table of the texts taken
(`csvfast._enum_forms`), the dates as YYYY-MM-DD of the proleptic calendar, the amounts in the
plain form `^[0-9]{1,9}(\.[0-9]{1,2})?$` as fen; the ids are kept as offsets in the buffer.
The first byte or cell it cannot prove to be what `csvio`'s columnar path accepts outright
stops the pass: the caller then reads the whole file the usual way (`csvfast.py`), so errors
are always that path's.

Words rather than bytes (SWAR, decision 107): a county code, the YYYY-MM- of a date and up to
seven integer digits of an amount are loaded as one 8-byte word, checked to be digits and
dashes by masks (`_nondigits`) and read by three multiplications (`_value_of_eight`): no loop
and no branch per digit, which cost a mispredicted branch at each number's end. A text cell's
end is found by one comparison for every byte below '-' (`_cell_end`), where `_scan` made six.

`kernel_ids.codes_and_ids` then makes the person ids (at most `ID_WORDS` × 8 bytes, compared
in full) dense codes and looks for two stay ids hashing alike.

This module imports Numba; `csvfast.py` imports it only where the compiled paths run
(`kernel.use_compiled`, decisions 84 and 102). `cache=True`: compiled once into `__pycache__`.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from .csvfast import (  # the pass's layout, kept where no Numba is imported (decision 106)
    ADMISSION,
    CATEGORY,
    COUNTY,
    DISCHARGE,
    DONE,
    GRADE,
    ID_WORDS,
    IGNORED,
    IN_POLICY,
    LOCATION,
    PERSON_ID,
    REFUSED,
    STAY_ID,
    TOTAL,
)
from .kernel_bytes import (
    _HIGH,
    _NOT_HIGH,
    _TEN,
    _U8,
    _U16,
    _U32,
    _ZEROS,
    _cell_end,
    _load8,
    _mix,
    _nondigits,
    _words,
)


@njit(cache=True, nogil=True, inline="always")
def _enum(keys, values, w0, w1, w2, size):
    """The value of a code (its words and size) in an enum's table, -1 if not there."""
    mask = keys.shape[0] - 1
    s = _mix(w0, w1, w2, size) & mask
    while keys[s, 3] != 0:
        if keys[s, 3] == size and keys[s, 0] == w0 and keys[s, 1] == w1 and keys[s, 2] == w2:
            return values[s]
        s = (s + 1) & mask
    return -1


@njit(cache=True, nogil=True)
def build_enum(codes, offsets, values, keys, out):
    """Fill an enum's table: code k is `codes[offsets[k]:offsets[k + 1]]`, value values[k]."""
    mask = keys.shape[0] - 1
    for k in range(len(offsets) - 1):
        a, e = offsets[k], offsets[k + 1]
        w0, w1, w2 = _words(codes, a, e)
        s = _mix(w0, w1, w2, e - a) & mask
        while keys[s, 3] != 0:
            s = (s + 1) & mask
        keys[s, 0], keys[s, 1], keys[s, 2], keys[s, 3] = w0, w1, w2, e - a
        out[s] = values[k]


@njit(cache=True, nogil=True, inline="always")
def _digits(buf, pos):
    """The decimal digits from pos: their value (up to 18 digits), count and the next pos."""
    v = np.int64(0)
    nd = 0
    d = np.int64(buf[pos]) - 48
    while 0 <= d <= 9:
        if nd < 18:
            v = v * 10 + d
        nd += 1
        pos += 1
        d = np.int64(buf[pos]) - 48
    return v, nd, pos


#: YYYY-MM-: the digits' high bits, the dashes' bytes and their value.
_DATE_DIGITS = np.uint64(0x0080800080808080)
_DATE_DASH_BYTES = np.uint64(0xFF0000FF00000000)
_DATE_DASHES = np.uint64(0x2D00002D00000000)
#: A county code: bytes 0-5 digits, byte 6 not one.
_SIX_DIGITS = np.uint64(0x0000808080808080)
_SEVENTH = np.uint64(0x0080000000000000)
_LOW_BYTES = np.uint64(0x000000FF000000FF)
_MUL_A = np.uint64(100 + (1000000 << 32))
_MUL_B = np.uint64(1 + (10000 << 32))


@njit(cache=True, nogil=True, inline="always")
def _value_of_eight(v):
    """The value of 8 digits, their bytes minus '0', the first (most significant) in the lowest
    byte; leading zero bytes count as leading zeros (SWAR: three multiplications, no loop)."""
    v = v * _TEN + (v >> _U8)
    return np.int64(((v & _LOW_BYTES) * _MUL_A + ((v >> _U16) & _LOW_BYTES) * _MUL_B) >> _U32)


@njit(cache=True, nogil=True, inline="always")
def _county(buf, pos):
    """A county code of exactly six digits at pos and the next pos; -1 when it is not one."""
    w = _load8(buf, pos)
    nd = _nondigits(w)
    if (nd & _SIX_DIGITS) != 0 or (nd & _SEVENTH) == 0:
        return -1, pos
    return _value_of_eight((w ^ _ZEROS) << _U16), pos + 6


@njit(cache=True, nogil=True, inline="always")
def _date(buf, pos):
    """Days since 1970-01-01 of a YYYY-MM-DD at pos that `date.fromisoformat` accepts (year
    1-9999, the month's days in the proleptic Gregorian calendar), and the next pos; -2**62
    when it is not one. The first 8 bytes are checked and read as one word."""
    bad = np.int64(-(2**62))
    w = _load8(buf, pos)
    if (w & _DATE_DASH_BYTES) != _DATE_DASHES or (_nondigits(w) & _DATE_DIGITS) != 0:
        return bad, pos
    d1 = np.int64(buf[pos + 8]) - 48
    d2 = np.int64(buf[pos + 9]) - 48
    if d1 < 0 or d1 > 9 or d2 < 0 or d2 > 9:
        return bad, pos
    v = np.int64(w ^ _ZEROS)  # digits' bytes 0-9
    y = (v & 0xFF) * 1000 + ((v >> 8) & 0xFF) * 100 + ((v >> 16) & 0xFF) * 10 + (
        (v >> 24) & 0xFF)
    m = ((v >> 40) & 0xFF) * 10 + ((v >> 48) & 0xFF)
    d = d1 * 10 + d2
    if y < 1 or m < 1 or m > 12 or d < 1:
        return bad, pos
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    month_days = 28 + ((0x3BBEECC >> (2 * m)) & 3) + (leap & (m == 2))
    if d > month_days:
        return bad, pos
    y -= m <= 2  # days from the civil date (H. Hinnant), exact for years >= 1
    era = y // 400
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468, pos + 10


@njit(cache=True, nogil=True, inline="always")
def _amount(buf, pos):
    """Fen of an amount in plain form at pos (1-9 integer digits, optionally a dot and 1-2
    digits), and the next pos; -1 when it is not one. Up to 7 integer digits are found and
    read in one word (`_nondigits`, `_value_of_eight`), more by a loop."""
    w = _load8(buf, pos)
    nd = _nondigits(w)
    if nd == 0:  # 8 digits or more
        v, n, pos = _digits(buf, pos)
        if n > 9:
            return -1, pos
    else:
        n = np.int64(trailing_zeros(nd)) >> 3
        if n == 0:
            return -1, pos
        v = _value_of_eight((w ^ _ZEROS) << np.uint64(8 * (8 - n)))
        pos += n
    fen = v * 100
    if buf[pos] == 46:
        f1 = np.int64(buf[pos + 1]) - 48
        f2 = np.int64(buf[pos + 2]) - 48
        if f1 < 0 or f1 > 9:
            return -1, pos
        if f2 < 0 or f2 > 9:
            return fen + f1 * 10, pos + 2
        f3 = np.int64(buf[pos + 3]) - 48
        if 0 <= f3 <= 9:
            return -1, pos
        return fen + f1 * 10 + f2, pos + 3
    return fen, pos


@njit(cache=True, nogil=True)
def parse_rows(buf, pos, end, kinds, space, enums, enum_values, cap, max_id,
               id_start, id_end, person, county, category, grade, location, referred,
               admission, total, in_policy):
    """The rows of `buf[pos:end]` (a LF at buf[end] or before it ends the last row) into the
    columns (each of length `cap`). `kinds[f]`: the parse of field f; `enums[k]`: the table of
    category (0), location (1), referred (2); `person[i]` gets the person id's offset << 8 |
    its length (`kernel_ids.codes_and_ids` makes them codes). Returns (status, rows): REFUSED at the
    first row this path cannot prove valid."""
    width = len(kinds)
    last = width - 1
    i = 0
    while pos < end:
        if i == cap:
            return REFUSED, i
        adm = np.int64(0)
        dis = np.int64(0)
        for f in range(width):
            k = kinds[f]
            if k == TOTAL or k == IN_POLICY:
                fen, pos = _amount(buf, pos)
                if fen < 0:
                    return REFUSED, i
                if k == TOTAL:
                    total[i] = fen
                else:
                    in_policy[i] = fen
            elif k == ADMISSION or k == DISCHARGE:
                day, pos = _date(buf, pos)
                if day < -(2**61):
                    return REFUSED, i
                if k == ADMISSION:
                    admission[i] = day
                    adm = day
                else:
                    dis = day
            elif k == COUNTY:
                v, pos = _county(buf, pos)
                if v < 0:
                    return REFUSED, i
                county[i] = v
            elif k == GRADE:
                g = np.int64(buf[pos]) - 48
                if g < 0 or g > 3:
                    return REFUSED, i
                grade[i] = g
                pos += 1
            else:  # a text cell: ids, codes, ignored columns
                a = pos
                # a category may be its Chinese name (UTF-8: taken only if it is one of the
                # table's), every other cell is ASCII
                pos = _cell_end(buf, pos, _NOT_HIGH if k == CATEGORY else _HIGH)
                e = pos
                if k == IGNORED:
                    pass
                elif k == STAY_ID or k == PERSON_ID:
                    if e == a or e - a > max_id or space[buf[a]] or space[buf[e - 1]]:
                        return REFUSED, i
                    if k == STAY_ID:
                        id_start[i] = a
                        id_end[i] = e
                    else:
                        if e - a > 8 * ID_WORDS:
                            return REFUSED, i
                        person[i] = a << 8 | (e - a)  # codes: `person_codes`, after
                else:  # category, location, referred: exact codes
                    if e - a > 24:
                        return REFUSED, i
                    w0, w1, w2 = _words(buf, a, e)
                    ek = 0 if k == CATEGORY else (1 if k == LOCATION else 2)
                    v = _enum(enums[ek], enum_values[ek], w0, w1, w2, e - a)
                    if v < 0:
                        return REFUSED, i
                    if k == CATEGORY:
                        category[i] = v
                    elif k == LOCATION:
                        location[i] = v
                    else:
                        referred[i] = v
            b = buf[pos]
            if f < last:
                if b != 44:
                    return REFUSED, i
            else:
                if b == 13:
                    pos += 1
                    b = buf[pos]
                if b != 10:
                    return REFUSED, i
            pos += 1
        if dis < adm or in_policy[i] > total[i]:
            return REFUSED, i
        i += 1
    return DONE, i
