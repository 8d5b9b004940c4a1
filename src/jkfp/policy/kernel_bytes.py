"""The byte and word primitives of the compiled reader, person codes and writer (Numba):
`kernel_csv.py`, `kernel_ids.py`, `kernel_write.py` (decisions 101, 107).

Unaligned 8-byte loads and stores (`_load8`, `_store8`: the buffers have `csvfast.PAD` or
`csvfast.OVERSHOOT` bytes after their data), the end of a cell found 8 bytes at a time
(`_scan`, and `_cell_end` in one comparison for the common bytes), a cell's bytes as words
(`_word`, `_words`) and their hashes (`_mix`, `_hash_bytes`), and which bytes of a word are
not digits (`_nondigits`). Each is inlined where it is used; `cache=True`.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.extending import intrinsic

_M1 = np.int64(-7046029254386353131)  # 0x9E3779B97F4A7C15 as int64
_M2 = np.int64(-4417276706812531889)  # 0xC2B2AE3D27D4EB4F
_M3 = np.int64(1609587929392839161)  # 0x165667B19E3779F9
#: Shift counts and a factor as uint64 (an int64 with a uint64 is a float64 in Numba).
_U8, _U16, _U32 = np.uint64(8), np.uint64(16), np.uint64(32)
_TEN = np.uint64(10)


def _pointer64(context, builder, sig, args):
    """The address of arr[index] (args 0 and 1) as a pointer to a 64-bit integer."""
    ary = context.make_array(sig.args[0])(context, builder, args[0])
    return builder.bitcast(builder.gep(ary.data, [args[1]]), ir.IntType(64).as_pointer())


@intrinsic
def _load8(typingctx, arr, index):
    """The 8 bytes from arr[index] as one little-endian uint64 (an unaligned load: the
    buffers have `PAD` bytes after their end)."""
    def codegen(context, builder, sig, args):
        return builder.load(_pointer64(context, builder, sig, args), align=1)
    return types.uint64(arr, types.intp), codegen


@intrinsic
def _store8(typingctx, arr, index, value):
    """Store the uint64 `value` at arr[index] as 8 little-endian bytes (unaligned)."""
    def codegen(context, builder, sig, args):
        builder.store(args[2], _pointer64(context, builder, sig, args), align=1)
        return context.get_dummy_value()
    return types.void(arr, types.intp, types.uint64), codegen


@intrinsic
def _bswap(typingctx, value):
    def codegen(context, builder, sig, args):
        return builder.bswap(args[0])
    return types.uint64(types.uint64), codegen


_ONES = np.uint64(0x0101010101010101)
_HIGH = np.uint64(0x8080808080808080)
_NOT_HIGH = np.uint64(0)
#: The bytes that end a scan: ',' LF CR '"' NUL, each in every byte of a word.
_STOPS = tuple(np.uint64(c * 0x0101010101010101) for c in (44, 10, 13, 34))


@njit(cache=True, nogil=True, inline="always")
def _zero_bytes(x):
    """The high bit of each zero byte of x (exact up to the first one)."""
    return (x - _ONES) & ~x & _HIGH


@njit(cache=True, nogil=True, inline="always")
def _scan(buf, j, high):
    """The first position from j whose byte ends a cell or is refused (',', LF, CR, '"', NUL,
    and, unless `high` is _HIGH's complement, any byte above 127), 8 bytes at a time."""
    while True:
        v = _load8(buf, j)
        m = (v & high) | _zero_bytes(v) | _zero_bytes(v ^ _STOPS[0]) | _zero_bytes(
            v ^ _STOPS[1]) | _zero_bytes(v ^ _STOPS[2]) | _zero_bytes(v ^ _STOPS[3])
        if m != 0:
            return j + (trailing_zeros(m) >> 3)
        j += 8


#: '-' in every byte (`_cell_end`: every byte `_scan` stops at but the high ones is below it).
_DASHES = np.uint64(0x2D2D2D2D2D2D2D2D)


@njit(cache=True, nogil=True, inline="always")
def _below_dash(buf, j, high):
    """The first position from j whose byte is below '-' or, unless `high` is _HIGH's
    complement, above 127: one comparison for all of them, 8 bytes at a time."""
    while True:
        v = _load8(buf, j)
        m = (v & high) | ((v - _DASHES) & ~v & _HIGH)
        if m != 0:
            return j + (trailing_zeros(m) >> 3)
        j += 8


@njit(cache=True, nogil=True, inline="always")
def _cell_end(buf, j, high):
    """`_scan`'s answer, found first by `_below_dash` (every byte `_scan` stops at, and a
    space or '!'-'+'); only where that stops at neither ',' nor LF does `_scan` go on from
    there (a space inside an id, a CR, a quote)."""
    j = _below_dash(buf, j, high)
    b = buf[j]
    if b == 44 or b == 10:
        return j
    return _scan(buf, j, high)


@njit(cache=True, nogil=True, inline="always")
def _word(buf, a, k):
    """The first k bytes (0-8) from buf[a] as a big-endian integer."""
    v = _bswap(_load8(buf, a))
    shift = np.uint64(64 - 8 * max(min(k, 8), 1))
    return np.int64(v >> shift) if k > 0 else np.int64(0)


@njit(cache=True, nogil=True, inline="always")
def _words(buf, a, e):
    """The bytes a..e-1 (at most 24) as three big-endian words (zero-padded)."""
    size = e - a
    return _word(buf, a, size), _word(buf, a + 8, size - 8), _word(buf, a + 16, size - 16)


@njit(cache=True, nogil=True, inline="always")
def _mix(w0, w1, w2, size):
    h = (w0 * _M1) ^ (w1 * _M2) ^ (w2 * _M3) ^ size
    h ^= h >> 29
    h *= _M2
    h ^= h >> 32
    return h


@njit(cache=True, nogil=True, inline="always")
def _hash_bytes(buf, a, e):
    """A 64-bit hash of any bytes (the stay ids: equal hashes are only suspects)."""
    h = np.int64(e - a)
    j = a
    while j < e:
        w0, w1, w2 = _words(buf, j, e)
        h = _mix(w0 ^ h, w1, w2, h)
        j += 24
    return h


_ZEROS = np.uint64(0x3030303030303030)  # '0' in every byte
_SEVENTY_SIX = np.uint64(0x7676767676767676)


@njit(cache=True, nogil=True, inline="always")
def _nondigits(w):
    """The high bit of each byte of w that is not an ASCII digit (exact up to the first one:
    a carry only runs up from a byte that is not a digit)."""
    t = w ^ _ZEROS
    return ((t + _SEVENTY_SIX) | t) & _HIGH
