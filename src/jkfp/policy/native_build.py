"""Building the engine's module ahead of time (`native.py`, decision 106): `build()` compiles
`native.FUNCTIONS` with `numba.pycc` for this machine's processor into this version's folder,
and `run_compile()` is `jkfp policy compile`. Imported only by the command: a process that
settles loads the module (`native.py`) and never this."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import TextIO

from . import native


def build() -> Path:
    """Compile `native.FUNCTIONS` ahead of time into this key's folder and return the module's
    path. Built in a temporary folder beside it and renamed into place, so that a process
    never loads half a module. Needs Numba and setuptools (`numba.pycc`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc is "pending deprecation" (decision 106)
        from numba.pycc import CC

    final = native.module_path()
    dest = final.parent
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=dest.parent))
    try:
        cc = CC(native.MODULE)
        cc.output_dir = str(work)
        cc.verbose = False
        cc.target_cpu = "host"  # the key names the processor (native._cpu)
        for name, (_, _, sig) in native.FUNCTIONS.items():
            fn = native.python_function(name)
            cc.export(name, sig)(getattr(fn, "py_func", fn))
        cc.compile()
        staged = work / "ready"
        staged.mkdir()
        os.replace(next(work.glob(f"{native.MODULE}*")), staged / final.name)
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(staged, dest)
        return final
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_compile(*, force: bool = False, progress: bool | None = None,
                stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Compile the engine's functions ahead of time (native.py, decision 106), unless this
    version is compiled already. Returns the exit status."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    path = native.module_path()
    if path.is_file() and not force:
        print(f"结算引擎已是预编译版本（{path}），无需重新编译", file=stdout)
        return 0
    missing = [m for m in ("numba", "setuptools") if importlib.util.find_spec(m) is None]
    if missing:
        print(f"无法预编译结算引擎：缺少 {'、'.join(missing)}（pip install {' '.join(missing)}）；"
              "jkfp settle 仍可运行，启动时由 Numba 即时编译", file=stderr)
        return 1
    bar = None
    if progress is not False:  # the build is one call: the bar shows the time it has taken
        from tqdm import tqdm

        bar = tqdm(total=None, desc=f"正在编译结算引擎的 {len(native.FUNCTIONS)} 个函数（约 15 秒）",
                   bar_format="{desc}，已用 {elapsed}", file=stderr, leave=False,
                   disable=None if progress is None else False)
    done = threading.Event()
    if bar is not None:
        def tick():
            while not done.wait(0.5):
                bar.refresh()
        threading.Thread(target=tick, daemon=True).start()
    start = time.monotonic()
    try:
        built = build()
    except Exception as e:  # the compiler's own error, shown as it is
        print(f"预编译结算引擎失败：{e}；jkfp settle 仍可运行，启动时由 Numba 即时编译",
              file=stderr)
        return 1
    finally:
        done.set()
        if bar is not None:
            bar.close()
    print(f"已预编译结算引擎（{time.monotonic() - start:.1f} 秒）：{built}", file=stdout)
    return 0


__all__ = ["build", "run_compile"]
