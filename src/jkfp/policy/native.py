"""The engine's compiled functions: compiled ahead of time where built, else by Numba's JIT.

A fresh `jkfp settle` of 1,000,000 stays spent more on starting Numba than on the stays:
importing it and starting its code generator cost 0.9-1.2 s of CPU before the first compiled
function could be read from Numba's cache, against 0.55 s for reading, settling and writing
the stays (issue 8, decision 106). `jkfp policy compile` (run by `make install`) compiles the
same seven functions ahead of time with `numba.pycc` (`native_build.py`) into one extension
module kept in the user's cache folder; a process then loads it as any extension (NumPy only: Numba is not
imported) and calls its functions at once.

- **One list** (`FUNCTIONS`): each function's module, name and signature, in Numba's own
  syntax (`int64[::1]` a C-contiguous int64 array). The build reads it for the exported
  types; the loader for the argument checks; the JIT path for the Python function.
- **Checked calls.** An ahead-of-time function trusts its arguments: an array of another type,
  rank or layout is read as if it were right (a crash, or wrong money). `function(name)`
  wraps each in a check of every argument against its signature (a NumPy array of that
  dtype and rank, C-contiguous; an integer), raising `TypeError` naming the function and the
  argument; the checks cost microseconds per call, the functions are called a few dozen
  times per batch.
- **The key.** The module's folder is named by a hash of the source of every module the
  functions are compiled from (`SOURCES`), of Python's, NumPy's and Numba's versions and of
  the processor (the module is compiled for this machine's CPU: a home folder shared with
  another machine finds no module there, rather than one using instructions it lacks). Any
  edit gives another key: the old module is never loaded, and the JIT path serves until
  `jkfp policy compile` runs again.
- **Where.** `$XDG_CACHE_HOME/jkfp/native` (`~/.cache/jkfp/native`), created private to the
  user like the compiled policies' folder (an extension module is code); built in a
  temporary folder and renamed into place, so a process never sees half a module.
  `JKFP_POLICY_AOT=off` never loads it (the JIT path, as before this decision).

The JIT path is unchanged: `njit(cache=True, nogil=True)` of the same Python functions,
Numba imported on the first call. tests/policy/test_native.py builds a module and checks
that both give the same bytes.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import re
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

import numpy as np

#: The extension module's name (its init function is PyInit_ this).
MODULE = "_jkfp_policy_native"
#: The modules the compiled functions come from, and what they read at compile time.
SOURCES = ("kernel.py", "kernel_bytes.py", "kernel_csv.py", "kernel_ids.py", "kernel_order.py",
           "kernel_write.py", "csvfast.py", "money.py", "schema.py", "native.py",
           "native_build.py")

_I = "int64[::1]"
_I2 = "int64[:, ::1]"
_U = "uint8[::1]"
_B = "int8[::1]"
#: name: (module, attribute, signature)
FUNCTIONS: dict[str, tuple[str, str, str]] = {
    "settle_loop": ("kernel", "_settle_loop", f"void(int64, int64, {', '.join([_I] * 5)}, "
                    f"{_I2}, {', '.join([_I] * 4)}, {_I2}, {_I2}, {_I}, {_I2}, {_I})"),
    "write_rows": ("kernel_write", "write_rows", f"UniTuple(int64, 2)(int64, int64, {_I}, {_I}, "
                   f"{_U}, {_I2}, uint8[:, ::1], {_I}, {_U}, {_U}, {_I}, {_U}, {_U}, {_U}, "
                   "uint64[::1])"),
    "person_day_order": ("kernel_order", "_person_day_order",
                         f"void({_I}, {_I}, {_I}, int64, int64, {_I}, {_I})"),
    "scatter_into": ("kernel_order", "_scatter_into", f"void({_I2}, {_I}, {_I2})"),
    "parse_rows": ("kernel_csv", "parse_rows", f"UniTuple(int64, 2)({_U}, int64, int64, {_I}, "
                   f"{_U}, int64[:, :, ::1], {_I2}, int64, int64, {', '.join([_I] * 4)}, "
                   f"{', '.join([_B] * 4)}, {', '.join([_I] * 3)})"),
    "build_enum": ("kernel_csv", "build_enum", f"void({_U}, {_I}, {_I}, {_I2}, {_I})"),
    "codes_and_ids": ("kernel_ids", "codes_and_ids",
                      f"Tuple((int64, boolean))({_U}, {_I}, {_I}, {_I})"),
}

_loaded: dict[str, Callable] = {}
_module = None  # the extension module, False where there is none
_key: str | None = None


def reset() -> None:
    """Forget the functions and the module found (tests: another folder or setting)."""
    global _module, _key
    _loaded.clear()
    _module, _key = None, None


def aot_enabled() -> bool:
    """Whether a module compiled ahead of time may be loaded (`JKFP_POLICY_AOT`)."""
    value = os.environ.get("JKFP_POLICY_AOT", "auto").strip().lower()
    return value not in ("0", "off", "no", "false", "jit")


def folder() -> Path:
    """The folder of the modules compiled ahead of time (one subfolder per key)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jkfp" / "native"


def _cpu() -> str:
    """What identifies the processor's instruction set (its flags on Linux)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith(("flags", "Features")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def key() -> str:
    """The hash naming the module built from this source for this machine."""
    global _key
    if _key is None:
        h = hashlib.sha256(b"jkfp-native-1\0")
        for part in (sys.version, platform.machine(), _cpu(), np.__version__):
            h.update(part.encode() + b"\0")
        h.update(_numba_version() + b"\0")
        here = Path(__file__).parent
        for name in SOURCES:
            h.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
        _key = h.hexdigest()[:32]
    return _key


def _numba_version() -> bytes:
    """Numba's version file, read without importing Numba or `importlib.metadata` (30 ms)."""
    spec = importlib.util.find_spec("numba")
    if spec is None or not spec.submodule_search_locations:
        return b"none"
    try:
        return (Path(next(iter(spec.submodule_search_locations))) / "_version.py").read_bytes()
    except OSError:
        return b"unknown"


def module_path() -> Path:
    """Where this key's module is (or would be)."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    return folder() / key() / f"{MODULE}{suffix}"


def _aot_module():
    """The module compiled ahead of time for this key, or None."""
    global _module
    if _module is None:
        _module = False
        path = module_path() if aot_enabled() else None
        if path is not None and path.is_file():
            loader = importlib.machinery.ExtensionFileLoader(MODULE, str(path))
            spec = importlib.util.spec_from_file_location(MODULE, path, loader=loader)
            try:
                mod = importlib.util.module_from_spec(spec)
                loader.exec_module(mod)
            except ImportError:  # a module this interpreter cannot load: the JIT path
                mod = None
            if mod is not None and all(hasattr(mod, n) for n in FUNCTIONS):
                _module = mod
    return _module or None


def ahead_of_time() -> bool:
    """Whether the functions are served compiled ahead of time in this process."""
    return _aot_module() is not None


def available() -> bool:
    """Whether compiled functions can be had at all (ahead of time, or Numba installed)."""
    return ahead_of_time() or importlib.util.find_spec("numba") is not None


def function(name: str) -> Callable:
    """The compiled function `name` of `FUNCTIONS`: the module's, its arguments checked, else
    Numba's JIT of the Python function (imported and compiled or read from Numba's cache on
    the first call)."""
    fn = _loaded.get(name)
    if fn is None:
        mod = _aot_module()
        if mod is not None:
            fn = _checked(name, getattr(mod, name), _argument_specs(FUNCTIONS[name][2]))
        else:
            fn = _jit(name)
        _loaded[name] = fn
    return fn


def python_function(name: str):
    """The Python function (or, where the module compiles it itself, its Numba dispatcher)."""
    module, attr, _ = FUNCTIONS[name]
    mod = importlib.import_module(f"{__package__}.{module}")
    return getattr(mod, attr)


def _jit(name: str) -> Callable:
    fn = python_function(name)
    if hasattr(fn, "py_func"):  # decorated in its module (it calls other compiled helpers)
        return fn
    from numba import njit

    return njit(cache=True, nogil=True)(fn)


_ARG = re.compile(r"^(\w+)(?:\[(.*)\])?$")


def _split_top(text: str) -> list[str]:
    """`text` split at the commas outside brackets and parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _argument_specs(signature: str) -> list[tuple[np.dtype | None, int]]:
    """(dtype, rank) of each argument of a signature; (None, 0) for an integer."""
    args = signature[signature.rindex("(", 0, len(signature) - 1) + 1:-1]
    specs = []
    for arg in _split_top(args):
        m = _ARG.match(arg)
        if m is None or (m.group(2) is None and m.group(1) != "int64"):
            raise ValueError(f"unsupported argument type {arg!r}")
        if m.group(2) is None:
            specs.append((None, 0))
        else:
            specs.append((np.dtype(m.group(1)), m.group(2).count(",") + 1))
    return specs


def _checked(name: str, fn: Callable, specs: list) -> Callable:
    def call(*args):
        if len(args) != len(specs):
            raise TypeError(f"{name}: {len(args)} arguments, expected {len(specs)}")
        for i, (a, (dtype, rank)) in enumerate(zip(args, specs, strict=True)):
            if dtype is None:
                if not isinstance(a, int | np.integer) or isinstance(a, bool):
                    raise TypeError(f"{name}: argument {i} must be an integer, not {type(a)}")
            elif not (isinstance(a, np.ndarray) and a.dtype == dtype and a.ndim == rank
                      and a.flags.c_contiguous):
                got = (f"{a.dtype}, rank {a.ndim}, contiguous {a.flags.c_contiguous}"
                       if isinstance(a, np.ndarray) else type(a).__name__)
                raise TypeError(f"{name}: argument {i} must be a C-contiguous {dtype} array "
                                f"of rank {rank}, not {got}")
        return fn(*args)

    call.__name__ = name
    return call


__all__ = ["FUNCTIONS", "ahead_of_time", "available", "folder", "function", "key",
           "module_path", "python_function", "reset"]
