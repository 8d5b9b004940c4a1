"""Parts of the policy benchmark (bench_policy.py) around `jkfp settle` and settle_batch:
the stays as a CSV file, the command timed in process and in a subprocess (peak memory), the
memory traffic of settle_batch against a NumPy copy (the peers written as an analyst would are
in peers.py)."""

from __future__ import annotations

import io
import os
import resource
import statistics
import subprocess
import time
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import polars as pl

from jkfp.policy.batch import BatchResult, StayBatch
from jkfp.policy.cli import settle_main
from jkfp.policy.schema import CATEGORIES, LOCATIONS


def load() -> float:
    return os.getloadavg()[0]


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median of `repeat` wall times, the 1-minute load average after them, the last result."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), load(), out


def cpu_time() -> float:
    """CPU seconds (user + system) of this process so far: what waiting for a shared core
    does not add to."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def interleaved(first, second, repeat: int
                ) -> tuple[float, float, float, object, tuple[float, float]]:
    """Median wall times of `first` and of `second` run alternately `repeat` times, the
    1-minute load average after them, the last result of `first`, and the median CPU times of
    the two."""
    a, b, ca, cb, out = [], [], [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), cpu_time()
        out = first()
        a.append(time.perf_counter() - t)
        ca.append(cpu_time() - c)
        t, c = time.perf_counter(), cpu_time()
        second()
        b.append(time.perf_counter() - t)
        cb.append(cpu_time() - c)
    return (statistics.median(a), statistics.median(b), load(), out,
            (statistics.median(ca), statistics.median(cb)))


def write_stays_csv(batch: StayBatch, path: Path) -> int:
    """The stays as `jkfp settle` reads them (ids S0.. and P.., yuan with two decimals)."""
    def yuan(fen: np.ndarray) -> pl.Series:
        return (pl.Series(fen).cast(pl.Decimal(20, 2)) / 100).cast(pl.String)

    cats = np.array([c.value for c in CATEGORIES])
    locs = np.array([loc.value for loc in LOCATIONS])
    frame = pl.DataFrame({
        "stay_id": "S" + pl.Series(np.arange(len(batch))).cast(pl.String),
        "person_id": "P" + pl.Series(batch.person).cast(pl.String),
        "county_code": pl.Series(batch.county).cast(pl.String),
        "category": cats[batch.category], "hospital_grade": batch.grade.astype(np.int64),
        "location": locs[batch.location],
        "referred": np.where(batch.referred, "true", "false"),
        "admission_date": pl.Series(batch.admission).cast(pl.String),
        "discharge_date": pl.Series(batch.admission + np.timedelta64(7, "D")).cast(pl.String),
        "total_cost": yuan(batch.total), "in_policy_cost": yuan(batch.in_policy)})
    frame.write_csv(path)
    return path.stat().st_size


def settle_command(csv_path: Path, out: Path, policies_dir: Path) -> int:
    with redirect_stdout(io.StringIO()):
        status = settle_main([str(csv_path), "--out", str(out), "--policies", str(policies_dir),
                              "--no-progress"])
    assert status == 0, status
    return status


def settle_subprocess(repo: Path, csv_path: Path, out: Path, policies_dir: Path,
                      settings: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Wall time, CPU time (user + system) and peak RSS (MB) of `.venv/bin/jkfp settle` (as a
    user runs it) in a child process, with the environment variables `settings`. The figures
    are `/usr/bin/time -v`'s, which measures the command alone: getrusage(RUSAGE_CHILDREN)
    would also count the pages a child forked from this (large) process starts with; it is
    the fallback when /usr/bin/time is missing."""
    cmd = [str(repo / ".venv" / "bin" / "jkfp"), "settle", str(csv_path), "--out", str(out),
           "--policies", str(policies_dir), "--no-progress"]
    env = {k: v for k, v in os.environ.items()
           if k not in ("JKFP_POLICY_KERNEL", "JKFP_POLICY_AOT")}
    env.update(settings or {})
    timer = Path("/usr/bin/time")
    t = time.perf_counter()
    if timer.exists():
        done = subprocess.run([str(timer), "-v", *cmd], check=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=env)
        wall = time.perf_counter() - t
        field = {line.rsplit(":", 1)[0].strip(): line.rsplit(":", 1)[1]
                 for line in done.stderr.splitlines() if ":" in line}
        cpu = float(field["User time (seconds)"]) + float(field["System time (seconds)"])
        return wall, cpu, int(field["Maximum resident set size (kbytes)"]) / 1024
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, after.ru_maxrss / 1024


#: The ways a fresh `jkfp settle` is run by `fresh_processes`: as a user runs it (`auto`: the
#: engine compiled ahead of time where `jkfp policy compile` has run, decision 106); the
#: compiled paths by Numba's JIT (`jit`, as before that decision); the columnar path (`numpy`).
FRESH = {"auto": {}, "jit": {"JKFP_POLICY_KERNEL": "numba", "JKFP_POLICY_AOT": "off"},
         "numpy": {"JKFP_POLICY_KERNEL": "numpy"}}


def fresh_processes(repo: Path, csv_path: Path, out: Path, policies_dir: Path, repeat: int
                    ) -> dict[str, tuple[float, float, float, float]]:
    """`settle_subprocess` in each way of `FRESH`, alternately `repeat` times after one run
    of each (Numba's cache filled): per way the median wall, median CPU, largest peak RSS and
    the load after."""
    runs: dict[str, list[tuple[float, float, float]]] = {k: [] for k in FRESH}
    for k in runs:
        settle_subprocess(repo, csv_path, out, policies_dir, FRESH[k])
    for _ in range(repeat):
        for k, found in runs.items():
            found.append(settle_subprocess(repo, csv_path, out, policies_dir, FRESH[k]))
    return {k: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v),
                max(r[2] for r in v), load()) for k, v in runs.items()}


def bytes_per_stay(batch: StayBatch, result: BatchResult) -> float:
    """Least memory traffic of a batch: its inputs read once, its outputs written once."""
    inputs = sum(getattr(batch, f).nbytes for f in batch.__dataclass_fields__)
    used = {t.id for i in np.unique(result.regime_index) for t in result.regimes[i].tiers}
    arrays = [result.amounts[t] for t in used] + [
        result.reimbursed, result.self_pay, result.regime_index, result.deposit_waived,
        result.uses_examples, result.person_year, *result.funds.values()]
    # a fund of one tier is that tier's array (settle_batch writes it once): counted once
    outputs = sum({id(a): a.nbytes for a in arrays}.values())
    return (inputs + outputs) / len(batch)


def copy_bandwidth(nbytes: int, repeat: int = 3, *, cpu: bool = False) -> float:
    """Bytes per second of a NumPy copy of `nbytes` (read and write counted, like a batch),
    median of `repeat`; of CPU time with `cpu` (what a shared core's waits do not add to)."""
    src = np.ones(nbytes // 2 // 8, np.int64)
    dst = np.empty_like(src)
    np.copyto(dst, src)  # both arrays faulted in first
    if cpu:
        times = []
        for _ in range(repeat):
            c = cpu_time()
            np.copyto(dst, src)
            times.append(cpu_time() - c)
        return 2 * src.nbytes / max(statistics.median(times), 1e-9)
    t, _, _ = timed(lambda: np.copyto(dst, src), repeat)
    return 2 * src.nbytes / t
