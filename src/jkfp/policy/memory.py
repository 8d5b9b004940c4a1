"""Memory settings for a process that settles a large batch once (`jkfp settle`, the benchmark).

A fresh process paid twice for the memory of its first `settle_batch` (1.7 M stays/s on its
first run against 5 M warm, issue 8):

- NumPy asks the kernel for transparent huge pages on every array of 4 MB or more
  (`madvise(MADV_HUGEPAGE)`); with the kernel's `defrag=madvise` the first touch of each such
  page may compact memory in the page fault. In a fresh process that was 0.3-0.6 s of system
  time for 1,000,000 stays, as much as a whole warm run. Off: small pages, faulted cheaply
  (0.1-0.2 s; the arrays are read once or twice, so TLB misses cost little);
- glibc's malloc hands each block of 128 KiB or more back to the kernel when it is freed
  (`mmap`/`munmap`), and only raises that threshold as it sees blocks freed, so every
  temporary array of a run is faulted in afresh. With fixed thresholds freed blocks are kept
  and reused (peak resident memory of `jkfp settle` on 1,000,000 stays: 586 MB, 590 MB
  before).

`tune_memory()` changes the process as a whole, so only commands call it, once, at start; the
web server keeps the defaults. Where the calls do not exist (not glibc, another NumPy) it does
nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

import numpy as np

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Blocks of at most this size come from the heap and are reused once freed: every column of
#: a batch of a few million stays (glibc caps the value at 32 MiB on 64-bit systems).
MMAP_THRESHOLD = 32 << 20
#: Free memory at the top of the heap kept for reuse rather than given back.
TRIM_THRESHOLD = 256 << 20

_done = False


@functools.cache
def libc() -> ctypes.CDLL | None:
    """The C library (glibc's calls that Python does not wrap), or None where it cannot be
    loaded. By its usual name first: `find_library` runs `ldconfig` in a child process."""
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        pass
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name, use_errno=True) if name else None
    except OSError:
        return None


def tune_memory() -> bool:
    """Huge pages off for NumPy's arrays, fixed malloc thresholds; True if both applied."""
    global _done
    if _done:
        return True
    ok = True
    try:
        np._core.multiarray._set_madvise_hugepage(False)
    except AttributeError:
        ok = False
    mallopt = getattr(libc(), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    ok &= mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    ok &= mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    _done = ok
    return ok


__all__ = ["libc", "tune_memory"]
