"""The rows of `jkfp settle`'s result file formatted in one compiled pass (Numba), for
`csvout.py` (decision 89).

`write_rows` writes each row straight into a buffer: no text object per cell. An amount of
less than 100,000,000 yuan (every real one) is formatted without a loop or a branch on its
digits (`_text_of_eight`): its yuan as eight digits in one 8-byte word, split by
multiplications in every lane at once, the word shifted past its leading zeros and stored at
once; ids and the row's tail are copied 8 bytes at a time. Larger amounts take a loop over
pairs of digits, out of line. The cell is written out in the loop rather than by an inlined
helper, which made the loop twice as slow (0.083 against 0.046 s for 6,000,000 amounts).
Both write `money.fmt_fen`'s form ('-0.05', '1234.50'); tests/policy/test_compiled_writer.py
compares the bytes with Polars' writer on random amounts over the whole int64 range.

Imports Numba like `kernel_csv.py` (its byte primitives: `kernel_bytes.py`); compiled ahead of time by `jkfp policy compile` or by
Numba on the first call (`native.py`, decision 106).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

from .csvfast import OVERSHOOT  # the 8-byte stores of `_copy` and of an amount overshoot
from .kernel_bytes import _TEN, _U8, _U16, _U32, _ZEROS, _load8, _store8

_U10, _U20 = np.uint64(10), np.uint64(20)
_HUNDRED = np.uint64(100)
_BY_100 = np.uint64(10486)
_BY_10 = np.uint64(103)
_LANES_32 = np.uint64(0x0000007F0000007F)
_LANES_16 = np.uint64(0x000F000F000F000F)
_LAST_BYTE = np.uint64(1 << 56)
_TEN_THOUSAND = np.uint64(10_000)
_EIGHT_DIGITS = np.uint64(100_000_000)


@njit(cache=True, nogil=True, inline="always")
def _copy(dst, at, src, a, b):
    """src[a:b] into dst from `at`, 8 bytes at a time (src has 8 readable bytes after b; up to
    7 bytes of dst past the copy are overwritten); the position after it."""
    j = a
    while j < b:
        _store8(dst, at + j - a, _load8(src, j))
        j += 8
    return at + b - a


@njit(cache=True, nogil=True, inline="always")
def _text_of_eight(y):
    """y (< 10**8) as eight ASCII digits in a little-endian word, the first digit in the lowest
    byte, and the number of leading zeros (at most 7: "0" keeps its digit). Two 4-digit halves
    in 32-bit lanes, split into pairs and then digits by multiplications in every lane at once
    (x * 10486 >> 20 is x // 100 below 43,699; x * 103 >> 10 is x // 10 below 179)."""
    high = y // _TEN_THOUSAND
    x = high | ((y - high * _TEN_THOUSAND) << _U32)
    q = ((x * _BY_100) >> _U20) & _LANES_32
    x = ((x - q * _HUNDRED) << _U16) | q
    q = ((x * _BY_10) >> _U10) & _LANES_16
    x = ((x - q * _TEN) << _U8) | q
    lead = np.int64(trailing_zeros(x | _LAST_BYTE) >> np.uint64(3))
    return x | _ZEROS, lead


@njit(cache=True, nogil=True)
def _put_large(buf, at, y, pairs, pow10):
    """The yuan y (10**8 or more) from buf[at], two digits per division; the position after
    them (a rare case, kept out of the writer's loop)."""
    nd = 8
    while nd < 20 and y >= pow10[nd]:
        nd += 1
    pos = at + nd
    while y >= _HUNDRED:
        q = y // _HUNDRED
        r = np.int64(y - q * _HUNDRED) * 2
        buf[pos - 1] = pairs[r + 1]
        buf[pos - 2] = pairs[r]
        pos -= 2
        y = q
    r = np.int64(y) * 2
    if pos - at == 2:
        buf[at] = pairs[r]
        buf[at + 1] = pairs[r + 1]
    elif pos - at == 1:
        buf[at] = pairs[r + 1]
    return at + nd


@njit(cache=True, nogil=True)
def write_rows(start, n, id_start, id_end, id_bytes, amounts, has, regime, waived, examples,
               tail_off, tail_bytes, buf, pairs, pow10):
    """The rows of the result file (`csvout.py`) from row `start` on, into `buf`, as many as
    fit: the row's stay id (`id_bytes[id_start[i]:id_end[i]]`, quoted already where needed:
    the text of an id column, or the stays file itself, decision 101), a comma and each amount
    column's cell (yuan with two decimals; empty where the row's regime has no such tier,
    `has[c, regime[i]]` 0), a comma, the text regime[i] * 4 + waived[i] * 2 + examples[i] of
    the tail table (policy, deposit_waived, example_values), CRLF. `id_bytes` and
    `tail_bytes` have `OVERSHOOT` readable bytes after their data. Returns the next row and
    the bytes written."""
    k = amounts.shape[0]
    size = len(buf)
    at = 0
    i = start
    while i < n:
        a = id_start[i]
        b = id_end[i]
        g = regime[i]
        w = g * 4 + waived[i] * 2 + examples[i]
        ta = tail_off[w]
        tb = tail_off[w + 1]
        # a cell: at most 23 bytes
        if at + (b - a) + k * 24 + (tb - ta) + 3 + OVERSHOOT > size:
            break
        at = _copy(buf, at, id_bytes, a, b)
        for c in range(k):
            buf[at] = 44  # ,
            at += 1
            if has[c, g]:
                # the amount (fen, not int64's least) as yuan with two decimals: written out
                # here, not as an inlined function, which made the loop twice as slow
                v = amounts[c, i]
                if v < 0:
                    buf[at] = 45  # -
                    at += 1
                    v = -v
                u = np.uint64(v)
                y = u // _HUNDRED
                cents = np.int64(u - y * _HUNDRED) * 2  # int64 with uint64 is float64
                if y < _EIGHT_DIGITS:
                    word, lead = _text_of_eight(y)
                    _store8(buf, at, word >> np.uint64(8 * lead))
                    at += 8 - lead
                else:
                    at = _put_large(buf, at, y, pairs, pow10)
                buf[at] = 46  # .
                buf[at + 1] = pairs[cents]
                buf[at + 2] = pairs[cents + 1]
                at += 3
        buf[at] = 44
        at = _copy(buf, at + 1, tail_bytes, ta, tb)
        buf[at] = 13
        buf[at + 1] = 10
        at += 2
        i += 1
    return i, at


__all__ = ["write_rows"]
