"""A policies folder loaded, validated and tabulated once per version, kept on disk.

`jkfp settle` spends about 0.1 s loading the YAML files and 0.15-0.3 s tabulating the regimes
(`tables.build_tables`: Python per cell, tier and snapshot) on every run, a fifth of the whole
command on 1,000,000 stays (issue 8). `load_compiled(root)` keeps the result — the `PolicySet`
with every regime's tables — in a pickle file named by a hash of everything it was built from
(architecture decision 33):

- the bytes and the relative path of every file under the folder (any edit, new or removed
  file gives another name), and the folder as given, as the loader displays it in error
  messages and statements (`trees.display_path`, relative to the working directory) and as
  an absolute path;
- the engine itself: the bytes of every module of this package, and the versions of Python,
  NumPy (a new engine never reads an old engine's tables; the tables are NumPy's and Python's
  alone, so Polars' version is not part of it: reading it cost `jkfp settle` 30 ms).

A missing, unreadable or foreign cache file is rebuilt; a policies folder with errors is
never cached (its errors are raised as `load_policies` raises them, every time). The cache is
an optimisation only: with `JKFP_POLICY_CACHE=off`, or where its folder cannot be written,
the policies are loaded as before. The folder is `$JKFP_POLICY_CACHE`, else
`$XDG_CACHE_HOME/jkfp/policy` (`~/.cache/jkfp/policy`), created private to the user (a pickle
is code: only the user's own files are read); at most `KEEP` files are kept.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np

from .loader import load_policies
from .regimes import PolicySet
from .tables import regime_tables
from .trees import display_path

#: Cache files kept in the folder (the newest by modification time).
KEEP = 8
_FORMAT = b"jkfp-compiled-policies-1"
_engine_hash: bytes | None = None


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    env = os.environ.get("JKFP_POLICY_CACHE")
    if env is not None:
        return None if env.strip().lower() in ("", "0", "off", "no", "false") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jkfp" / "policy"


def engine_hash() -> bytes:
    """Hash of this package's modules and of the libraries' versions the tables depend on."""
    global _engine_hash
    if _engine_hash is None:
        h = hashlib.sha256(_FORMAT)
        for name in (sys.version, np.__version__, platform.machine()):
            h.update(name.encode() + b"\0")
        for path in sorted(Path(__file__).parent.glob("*.py")):
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        _engine_hash = h.digest()
    return _engine_hash


def folder_hash(root: Path) -> str:
    """The cache key of a policies folder: its files' paths and bytes, how the loader displays
    it, and the engine."""
    h = hashlib.sha256(engine_hash())
    h.update(f"{root}\0{display_path(root)}\0{root.resolve()}\0".encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def compile_policies(root: Path | str) -> PolicySet:
    """`load_policies` and every regime's tables (what a cache file holds)."""
    policies = load_policies(root)
    for regime in policies.regimes:
        regime_tables(policies, regime)
    return policies


def load_compiled(root: Path | str) -> PolicySet:
    """The policies of `root` with their tables, from the cache when this version is there.
    Raises what `load_policies` raises for a folder with errors."""
    root = Path(root)
    folder = cache_dir()
    if folder is None or not root.is_dir():
        return compile_policies(root)
    key = folder_hash(root)
    path = folder / f"{key}.pickle"
    try:
        with open(path, "rb") as fh:
            if fh.read(len(_FORMAT)) == _FORMAT:
                policies = pickle.load(fh)
                if isinstance(policies, PolicySet):
                    return policies
    except (
        OSError,
        pickle.UnpicklingError,
        EOFError,
        AttributeError,
        ImportError,
        TypeError,
        ValueError,
    ):
        pass  # no usable cache file: rebuilt below
    policies = compile_policies(root)
    _store(folder, path, policies)
    return policies


def _store(folder: Path, path: Path, policies: PolicySet) -> None:
    """Write the cache file atomically; any failure leaves the cache as it was."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".policy-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_FORMAT)
                pickle.dump(policies, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        old = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[KEEP:]:
            stale.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        pass


__all__ = ["cache_dir", "compile_policies", "engine_hash", "folder_hash", "load_compiled"]
