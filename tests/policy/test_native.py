"""The engine compiled ahead of time (`native.py`, decision 106): `jkfp policy compile` builds
one module for this version; a process loads it instead of starting Numba; its functions give
the JIT's results to the byte; wrong arguments raise instead of reading memory wrongly; and a
module of another version or processor is never loaded."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jkfp.policy import native, native_build, settle_batch
from jkfp.policy.cli import run_settle
from jkfp.policy.native_build import run_compile

from .conftest import POLICIES, REPO
from .test_batch_chunks import generate
from .test_csv_columnar import files
from .test_csv_fast import SETTINGS, good_row, good_text, plain_files
from .test_kernel import assert_same


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """A cache folder holding this version's module, built by `jkfp policy compile`."""
    home = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(home))
        mp.delenv("JKFP_POLICY_AOT", raising=False)
        native.reset()
        out, err = io.StringIO(), io.StringIO()
        assert run_compile(progress=False, stdout=out, stderr=err) == 0, err.getvalue()
        assert "已预编译结算引擎" in out.getvalue()
        assert native.module_path().is_file()
    native.reset()
    return home


@pytest.fixture
def aot(cache: Path, monkeypatch):
    """The process served by the module in `cache`."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("JKFP_POLICY_AOT", raising=False)
    native.reset()
    assert native.ahead_of_time()
    yield
    native.reset()


def use(mode: str, monkeypatch) -> None:
    """The compiled paths (`JKFP_POLICY_KERNEL=numba`) served ahead of time (`aot`) or by
    Numba's JIT (`jit`): the module of the `aot` fixture's folder, or none."""
    monkeypatch.setenv("JKFP_POLICY_KERNEL", "numba")
    monkeypatch.setenv("JKFP_POLICY_AOT", "auto" if mode == "aot" else "off")
    native.reset()
    assert native.ahead_of_time() == (mode == "aot")


def settle_text(text: str, tmp_path: Path, mode: str, monkeypatch) -> tuple[int, bytes | None,
                                                                          str]:
    """`jkfp settle` of a file in `mode`: status, the result's bytes (None: none written), the
    messages."""
    stays, out = tmp_path / "stays.csv", tmp_path / f"{mode}.csv"
    stays.write_text(text, encoding="utf-8")
    out.unlink(missing_ok=True)
    use(mode, monkeypatch)
    err = io.StringIO()
    status = run_settle(stays, out, policies_dir=POLICIES, progress=False,
                        stdout=io.StringIO(), stderr=err)
    return status, out.read_bytes() if out.exists() else None, err.getvalue()


def test_compile_builds_once_and_says_so(cache: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    native.reset()
    path = native.module_path()
    assert path.is_relative_to(cache / "jkfp" / "native" / native.key())
    before = path.stat().st_mtime_ns
    out = io.StringIO()
    assert run_compile(progress=False, stdout=out, stderr=io.StringIO()) == 0
    assert "已是预编译版本" in out.getvalue() and path.stat().st_mtime_ns == before
    native.reset()


def test_the_module_serves_every_function(aot) -> None:
    for name in native.FUNCTIONS:
        fn = native.function(name)
        assert not hasattr(fn, "py_func"), name  # not a Numba dispatcher
        assert fn.__name__ == name


def test_off_is_the_jit(cache: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("JKFP_POLICY_AOT", "off")
    native.reset()
    assert not native.ahead_of_time()
    assert hasattr(native.function("settle_loop"), "py_func")
    native.reset()


@SETTINGS
@given(text=st.one_of(plain_files(), files()))
def test_random_files_settle_to_the_same_bytes_and_errors(aot, tmp_path: Path, monkeypatch,
                                                          text: str) -> None:
    """Plain files (the compiled reader's) and any files (the columnar path's, its errors)."""
    ahead = settle_text(text, tmp_path, "aot", monkeypatch)
    assert ahead == settle_text(text, tmp_path, "jit", monkeypatch)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_settle_batch_gives_the_jits_results(aot, policies, monkeypatch, seed: int) -> None:
    stays = generate(20_000, 2_000, seed=seed)
    use("aot", monkeypatch)
    ahead = settle_batch(stays, policies)
    use("jit", monkeypatch)
    assert_same(ahead, settle_batch(stays, policies))


def test_a_bad_file_writes_nothing_and_names_its_rows(aot, tmp_path: Path, monkeypatch) -> None:
    text = good_text(good_row(1), good_row(2, referred="maybe"), good_row(3, total_cost="1e3"))
    status, written, messages = settle_text(text, tmp_path, "aot", monkeypatch)
    assert status == 1 and written is None
    assert "第3行，列 referred" in messages and "第4行，列 total_cost" in messages


@pytest.mark.parametrize(("args", "says"), [
    ((np.zeros((2, 3), np.int64), np.zeros(3, np.int32), np.zeros((3, 2), np.int64)),
     "argument 1 must be a C-contiguous int64 array of rank 1, not int32"),
    ((np.zeros((2, 3), np.int64), np.zeros(6, np.int64)[::2], np.zeros((3, 2), np.int64)),
     "argument 1 must be a C-contiguous int64 array of rank 1, not int64, rank 1, contiguous "
     "False"),
    ((np.zeros(3, np.int64), np.zeros(3, np.int64), np.zeros((3, 2), np.int64)),
     "argument 0 must be a C-contiguous int64 array of rank 2"),
    ((np.zeros((2, 3), np.int64), [0, 1, 2], np.zeros((3, 2), np.int64)),
     "argument 1 must be a C-contiguous int64 array of rank 1, not list"),
    ((np.zeros((2, 3), np.int64), np.zeros(3, np.int64)), "2 arguments, expected 3"),
])
def test_wrong_arguments_raise_instead_of_reading_memory_wrongly(aot, args, says) -> None:
    with pytest.raises(TypeError, match="^scatter_into: ") as e:
        native.function("scatter_into")(*args)
    assert says in str(e.value)


def test_an_integer_argument_is_checked(aot) -> None:
    a = np.zeros(4, np.int64)
    for bad in (1.5, True, "3"):
        with pytest.raises(TypeError, match="^person_day_order: argument 3 must be an integer"):
            native.function("person_day_order")(a, a, a, bad, 3, a, a)


def test_a_module_for_another_processor_or_version_is_not_loaded(cache: Path, tmp_path: Path,
                                                                 monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    native.reset()
    built = native.module_path()
    monkeypatch.setattr(native, "_cpu", lambda: "another processor")
    native.reset()
    assert native.module_path() != built and not native.ahead_of_time()
    monkeypatch.undo()
    # the same file under a folder whose name is not this version's key
    other = tmp_path / "jkfp" / "native" / ("0" * 32)
    other.mkdir(parents=True)
    (other / built.name).write_bytes(built.read_bytes())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    native.reset()
    assert not native.ahead_of_time()
    native.reset()


def test_compile_names_what_is_missing(monkeypatch) -> None:
    real = native_build.importlib.util.find_spec
    monkeypatch.setattr(native_build.importlib.util, "find_spec",
                        lambda name, *a: None if name == "setuptools" else real(name, *a))
    monkeypatch.setattr(native, "module_path", lambda: Path("/nonexistent/module.so"))
    err = io.StringIO()
    assert run_compile(progress=False, stdout=io.StringIO(), stderr=err) == 1
    assert "缺少 setuptools" in err.getvalue() and "由 Numba 即时编译" in err.getvalue()


def test_a_fresh_command_starts_without_numba_polars_or_pyarrow(cache: Path,
                                                                tmp_path: Path) -> None:
    """What decision 106 is for: `jkfp settle` in a new process, the module built, imports
    neither Numba (its start: 0.9-1.2 s of CPU) nor Polars nor pyarrow (nor the builder of
    the module), and writes the bytes that Numba's JIT writes."""
    stays = tmp_path / "stays.csv"
    stays.write_text(good_text(*(good_row(k, person_id=f"p{k % 7}") for k in range(200))),
                     encoding="utf-8")
    code = ("import sys\nfrom jkfp.policy import cli\n"
            "status = cli.main(sys.argv[1:])\n"
            "print(status, sorted(m for m in ('numba', 'llvmlite', 'polars', 'pyarrow', "
            "'jkfp.policy.native_build') if m in sys.modules))\n")
    runs = {}
    for mode in ("auto", "off"):
        env = {**os.environ, "XDG_CACHE_HOME": str(cache), "JKFP_POLICY_KERNEL": "numba",
               "JKFP_POLICY_AOT": mode}
        out = tmp_path / f"{mode}.csv"
        runs[mode] = subprocess.run(
            [sys.executable, "-c", code, "settle", str(stays), "--out", str(out),
             "--policies", str(POLICIES), "--no-progress"], capture_output=True, text=True,
            env=env, timeout=300, check=True, cwd=REPO).stdout.splitlines()[-1]
    assert runs["auto"] == "0 []"
    assert runs["off"] == "0 ['llvmlite', 'numba']"
    assert (tmp_path / "auto.csv").read_bytes() == (tmp_path / "off.csv").read_bytes()
