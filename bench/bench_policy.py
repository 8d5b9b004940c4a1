"""Benchmark of the policy engine (issue 3): `make bench` runs `.venv/bin/python bench/bench_policy.py`.

Generates 1,000,000 stays of 300,000 people (长治 and 盐池, 2019-2022, fixed seed), then measures
in one run, on one core (BLAS/OpenMP threads pinned to 1):
- settle_batch on all stays (policies loaded and tabulated beforehand, as a server holds them),
  with its compiled loop (JKFP_POLICY_KERNEL=numba, decision 83), and against its NumPy rounds
  (interleaved); the first compiled call of a fresh process (Numba's import, decision 84);
- settle_stay in a loop on a sample of the same stays, extrapolated to all of them (a full loop
  would take minutes); the sample's amounts are checked equal to the batch's, to the fen;
- a reform comparison (baseline and reform settled, compared by fund, category and county);
- `jkfp settle` end to end on the same stays written as a CSV file (read, check, settle,
  write): the in-process `settle_main` call with the compiled reader, loop and writer
  (JKFP_POLICY_KERNEL=numba, decision 101) and its ratio to settle_batch alone; the same
  by the columnar path (numpy), interleaved with it; and fresh processes
  `.venv/bin/jkfp settle` for CPU, wall and peak memory (/usr/bin/time): as a user runs it
  (the engine compiled ahead of time, decision 106), by Numba's JIT, and the columnar path;
- the memory traffic of settle_batch (its inputs read and outputs written once, bytes per
  stay × stays/s) against a NumPy copy of the same size;
- peers (peers.py): the first two tiers written as an analyst would, in Polars and in pandas,
  and as an OpenFisca model (in memory, against settle_batch), and an analyst's pandas script doing the command's job
  for two tiers (read the CSV, regimes, two tiers, write), against the command;
- peak memory of this process (resident set, getrusage).
settle_batch and the command are timed interleaved (one, then the other, --repeat times) and
their ratio is that of the two medians. The process first calls `memory.tune_memory()`, as the
command does. Timings are medians of 5 (--repeat), each with the 1-minute load average after
it.
Prints the figures side by side and writes them to docs/benchmarks.md (section "Policy engine").
"""

from __future__ import annotations

import os
import pickle

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
             "POLARS_MAX_THREADS"):
    os.environ[_var] = "1"

import argparse
import platform
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from jkfp.policy.csvarrow import single_thread

single_thread()  # pyarrow's reader and compute on one thread, as `jkfp settle` runs them
from jkfp.policy import csvfast, csvout, native
from jkfp.policy.batch import StayBatch, settle_batch  # noqa: E402
from jkfp.policy.comparison import compare
from jkfp.policy.compiled import load_compiled
from jkfp.policy.loader import load_policies
from jkfp.policy.memory import tune_memory
from jkfp.policy.overlay import load_overlay_text
from jkfp.policy.schema import CATEGORY_INDEX
from jkfp.policy.stay import settle_stay
from jkfp.policy.stay_input import Stay
from jkfp.policy.tables import regime_tables

sys.path.insert(0, str(REPO / "bench"))
from bench_settle_csv import (  # noqa: E402
    bytes_per_stay,
    copy_bandwidth,
    fresh_processes,
    interleaved,
    settle_command,
    timed,
    write_stays_csv,
)
from peers import (  # noqa: E402
    analyst_two_tiers,
    openfisca_system,
    openfisca_two_tiers,
    pandas_script,
    pandas_two_tiers,
)

CHANGZHI = [140403, 140404, 140405, 140406, 140423, 140425, 140426, 140427, 140428, 140429,
            140430, 140431]
YANCHI = 640323
CATEGORY_MIX = {  # share of people (generated, not statistics)
    "registered_poor": 0.30, "lifted_out": 0.10, "unstable_lifted": 0.03, "marginal": 0.03,
    "sudden_hardship": 0.01, "extreme_poor": 0.04, "minimum_living": 0.10,
    "near_minimum_living": 0.04, "returned_to_poverty": 0.02, "illness_impoverished": 0.03,
    "general": 0.30,
}
REFORM = """
name: 大病保险起付线降至3000元、比例提高5个百分点
changes:
  changzhi-2019-2020:
    critical_illness.deductible:
      2019-01-01: {value: {registered_poor: 3000, other: 8000}}
  yanchi-2021-2025:
    critical_illness.tilt.ratio_points:
      2021-01-01: {value: 0.1}
"""


def generate(n_stays: int, n_people: int, seed: int = 20240601) -> StayBatch:
    rng = np.random.default_rng(seed)
    counties = np.array(CHANGZHI + [YANCHI], np.int64)
    person_county = counties[rng.integers(0, len(counties), n_people)]
    cats = np.array([CATEGORY_INDEX[c] for c in CATEGORY_MIX], np.int8)
    person_cat = rng.choice(cats, n_people, p=np.array(list(CATEGORY_MIX.values())))
    person = rng.integers(0, n_people, n_stays).astype(np.int64)
    county = person_county[person]
    start = np.datetime64(date(2019, 1, 1))
    span = np.where(county == YANCHI, 4 * 365, 2 * 365)  # 盐池 2019-2022, 长治 2019-2020
    admission = start + (rng.random(n_stays) * span).astype(np.int64).astype("timedelta64[D]")
    grade = rng.choice(np.array([0, 1, 2, 3], np.int8), n_stays, p=[0.25, 0.3, 0.3, 0.15])
    location = rng.choice(np.array([0, 1, 2, 3], np.int8), n_stays, p=[0.6, 0.2, 0.15, 0.05])
    total = np.round(rng.lognormal(9.2, 1.0, n_stays) * 100).astype(np.int64)  # fen
    in_policy = total * rng.integers(70, 101, n_stays) // 100
    referred = rng.random(n_stays) < 0.7
    return StayBatch(person, county, person_cat[person], grade, location, referred, admission,
                     total, in_policy)


def as_stays(batch: StayBatch, index: np.ndarray) -> list[Stay]:
    days = batch.admission[index].astype(object)
    return [Stay(f"s{i}", str(int(batch.person[i])), f"{int(batch.county[i]):06d}",
                 int(batch.category[i]), int(batch.grade[i]), int(batch.location[i]),
                 bool(batch.referred[i]), d, d, int(batch.total[i]), int(batch.in_policy[i]))
            for i, d in zip(index, days, strict=True)]


def with_kernel(mode: str, fn):
    """`fn()` with JKFP_POLICY_KERNEL set to `mode` (numba / numpy), restored after."""
    old = os.environ.get("JKFP_POLICY_KERNEL")
    os.environ["JKFP_POLICY_KERNEL"] = mode
    try:
        return fn()
    finally:
        if old is None:
            del os.environ["JKFP_POLICY_KERNEL"]
        else:
            os.environ["JKFP_POLICY_KERNEL"] = old


FIRST_CALL = """
import os, resource, sys, time
sys.path[:0] = [{src!r}, {bench!r}]
w = time.perf_counter()
from jkfp.policy import kernel
from jkfp.policy.batch import settle_batch
from jkfp.policy.compiled import load_compiled
from bench_policy import generate
policies, batch = load_compiled({policies!r}), generate(1_000, 300)
r = resource.getrusage(resource.RUSAGE_SELF)
c, w = r.ru_utime + r.ru_stime, time.perf_counter()
settle_batch(batch, policies)
r = resource.getrusage(resource.RUSAGE_SELF)
print(r.ru_utime + r.ru_stime - c, time.perf_counter() - w)
"""


def numba_first_call() -> tuple[float, float, float]:
    """CPU and wall seconds of the first compiled settle_batch call in a fresh process (Numba
    imported, the loop read from its cache, 1,000 stays), after one run that fills the cache;
    and the load average."""
    import subprocess

    code = FIRST_CALL.format(src=str(REPO / "src"), bench=str(REPO / "bench"),
                             policies=str(REPO / "policies"))
    env = {**os.environ, "JKFP_POLICY_KERNEL": "numba"}
    for _ in range(2):  # the first run may compile (an empty cache); the second reads it
        out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1]), os.getloadavg()[0]


def in_child(fn):
    """fn() run in a forked child process; its (picklable) result sent back through a pipe.

    For a peer whose memory should not count in this process's peak (getrusage's RUSAGE_SELF
    leaves a child's out); the child inherits every array already built, copy on write."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, send, leave without running the parent's exit handlers
        os.close(read_end)
        code = 0
        try:
            payload = pickle.dumps(("ok", fn()))
        except BaseException as exc:  # noqa: BLE001 -- sent to the parent, raised there
            payload = pickle.dumps(("error", repr(exc)))
            code = 1
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
        os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as inp:
        data = inp.read()
    _, wait_status = os.waitpid(pid, 0)
    if not data:  # killed before it could send (the out-of-memory killer, a signal)
        raise RuntimeError(f"the child process sent nothing: wait status {wait_status}")
    status, value = pickle.loads(data)
    if status != "ok":
        raise RuntimeError(f"the child process failed: {value}")
    return value


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stays", type=int, default=1_000_000)
    ap.add_argument("--people", type=int, default=300_000)
    ap.add_argument("--sample-people", type=int, default=3_000,
                    help="people whose stays settle_stay settles in a loop")
    ap.add_argument("--repeat", type=int, default=5, help="median of N timings")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = ap.parse_args()

    tune_memory()  # as `jkfp settle` does at start (memory.py): no huge pages, malloc reuse
    policies = load_policies(REPO / "policies")
    t = time.perf_counter()
    for regime in policies.regimes:
        regime_tables(policies, regime)
    t_compile = time.perf_counter() - t
    load_compiled(REPO / "policies")  # builds the cache file when this version is not there
    t_cached, _, _ = timed(lambda: load_compiled(REPO / "policies"), args.repeat)
    batch = generate(args.stays, args.people)

    # settle_batch's compiled loop (kernel.py, decision 83) is what "settle_batch" measures;
    # `jkfp settle` keeps the NumPy rounds at this size (kernel.AUTO_MIN_STAYS: Numba's import
    # costs a fresh process more than the loop saves), and so does the in-process command
    def compiled() -> object:
        return with_kernel("numba", lambda: settle_batch(batch, policies))

    def rounds() -> object:
        return with_kernel("numpy", lambda: settle_batch(batch, policies))

    numba_first = numba_first_call()
    # the first run of a process is reported apart (its arrays are fresh memory: what the
    # command pays, once); the medians are of runs after one warm-up run of each
    t_first, _, _ = timed(compiled, 1)
    t_rounds, t_compiled, load_rounds, _, (cpu_rounds, cpu_compiled) = interleaved(
        rounds, compiled, args.repeat)

    with tempfile.TemporaryDirectory(prefix="jkfp-bench-") as tmp:
        csv_path, out = Path(tmp) / "stays.csv", Path(tmp) / "result.csv"
        csv_bytes = write_stays_csv(batch, csv_path)
        # the command as a warm process runs it: the compiled reader, loop and writer
        # (JKFP_POLICY_KERNEL=numba, decision 101); and by the columnar path for comparison
        def command() -> object:
            return with_kernel("numba", lambda: settle_command(csv_path, out,
                                                                REPO / "policies"))

        def columnar() -> object:
            return with_kernel("numpy", lambda: settle_command(csv_path, out,
                                                                REPO / "policies"))

        command()  # warm-up (page cache, imports, Numba's cache)
        # interleaved: settle_batch alone, then the command, `repeat` times, so that both see
        # the same load of this shared machine; the ratio is of the two medians
        t_batch, t_cmd, load_batch, result, (cpu_batch, cpu_cmd) = interleaved(
            compiled, command, args.repeat)
        load_cmd = load_batch
        t_col, t_cmd2, load_col, _, (cpu_col, cpu_cmd2) = interleaved(
            columnar, command, args.repeat)
        # the command's text alone: the file read and checked by the compiled reader, and a
        # result settled beforehand written, no settling; interleaved with settle_batch alone
        parsed = with_kernel("numba", lambda: csvfast.read(*csvfast.read_buffer(csv_path),
                                                           policies))
        settled = settle_batch(parsed.batch, policies, regime=parsed.regime)

        def text_only() -> object:
            def run() -> None:
                got = csvfast.read(*csvfast.read_buffer(csv_path), policies)
                csvout.write_result(out, got.stay_ids, settled)
            return with_kernel("numba", run)

        _, t_text, load_text, _, (cpu_batch3, cpu_text) = interleaved(
            compiled, text_only, args.repeat)
        del parsed
        # the analyst's pandas script for the same job (two tiers only), interleaved with the
        # command (3 times: each run takes seconds)
        t_cmd4, t_script, load_script, _, (cpu_cmd4, cpu_script) = interleaved(
            command, lambda: pandas_script(csv_path, Path(tmp) / "pandas.csv", policies), 3)
        fresh = fresh_processes(REPO, csv_path, out, REPO / "policies", 5)
        _, _, sub_peak_mb, load_sub = fresh["auto"]
        sub_peak_mb = max(v[2] for v in fresh.values())
        aot = native.ahead_of_time()
    per_stay_bytes = bytes_per_stay(batch, result)
    copy_rate = copy_bandwidth(int(per_stay_bytes * args.stays))
    copy_cpu_rate = copy_bandwidth(int(per_stay_bytes * args.stays), 5, cpu=True)
    batch_rate = per_stay_bytes * args.stays / t_batch
    batch_cpu_rate = per_stay_bytes * args.stays / cpu_batch
    t_peer, load_peer, polars_pays = timed(lambda: analyst_two_tiers(batch, policies),
                                           args.repeat)
    t_pandas, load_pandas, pandas_pays = timed(lambda: pandas_two_tiers(batch, policies),
                                               args.repeat)
    # Polars' amounts as NumPy, the other peers' reference (and before the fork below: the
    # child touches no Polars object)
    expected = {c: polars_pays[c].to_numpy() for c in ("pay1", "pay2")}
    peers_agree = all(np.array_equal(expected[c], pandas_pays[c].to_numpy()) for c in expected)

    def openfisca_run() -> tuple[float, float, float, bool, float] | None:
        """The OpenFisca peer, in a child process of its own (see in_child); None where
        OpenFisca is not installed."""
        t = time.perf_counter()
        system = openfisca_system(policies)
        t_system = time.perf_counter() - t
        if system is None:
            return None
        t_run, load_run, pays = timed(lambda: openfisca_two_tiers(batch, policies, system), 3)
        agrees = all(np.array_equal(expected[c], pays[c]) for c in expected)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return (t_system, t_run, load_run, agrees, peak)

    # OpenFisca holds about 1.6 GB of its own for the million stays: it runs in a forked child,
    # so that the benchmark's peak below is the engine's and the Python peers', and the child's
    # peak is printed beside OpenFisca's figure (3 times: each run takes seconds)
    of_run = in_child(openfisca_run)
    if of_run is not None:
        t_of_system, t_of, load_of, of_agrees, of_peak = of_run
        openfisca = (f"{t_of:.3f} s (median of 3: the stays ordered, a simulation built from "
                     f"the arrays, the two formulas; the system built once before, "
                     f"{t_of_system:.2f} s; in a process of its own, peak RSS "
                     f"{of_peak:,.0f} MB with the stays it inherits; load {load_of:.1f}): "
                     f"settle_batch, all tiers, is {t_of / t_batch:.1f}× as fast; the same two "
                     f"amounts as Polars' on every stay: {'yes' if of_agrees else 'NO'}")
    else:
        openfisca = "not measured: openfisca_core is not installed (a dev dependency)"

    # settle_stay in a loop on every stay of a sample of people (their accumulators carried)
    sample_people = np.arange(args.sample_people)
    index = np.flatnonzero(np.isin(batch.person, sample_people))
    index = index[np.lexsort((index, batch.admission[index], batch.person[index]))]
    stays = as_stays(batch, index)
    t = time.perf_counter()
    acc: dict[str, object] = {}
    amounts = []
    for s in stays:
        st = settle_stay(s, policies=policies, accumulators=acc.get(s.person_id))
        acc[s.person_id] = st.accumulators_after
        amounts.append(st.reimbursed_fen)
    t_loop_sample = time.perf_counter() - t
    mismatches = int((np.array(amounts, np.int64) != result.reimbursed[index]).sum())
    per_stay = t_loop_sample / len(stays)
    t_loop = per_stay * args.stays

    overlay = load_overlay_text(REFORM, file="<bench reform>")
    def reform() -> object:
        reformed = load_policies(REPO / "policies", overlay=overlay)
        return compare(batch, policies, reformed, threshold_fen=500_000)

    t_compare, load_compare, comparison = timed(reform, args.repeat)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rate = args.stays / t_batch
    cmd_rate = args.stays / t_cmd
    med = f"median of {args.repeat}"
    figures = [
        ("stays / people", f"{args.stays:,} / {args.people:,}", "1,000,000 / 300,000"),
        ("settle_batch", (f"CPU time {cpu_batch:.3f} s = {args.stays / cpu_batch:,.0f} "
                          f"stays per CPU second ({med}, interleaved with the command's); wall "
                          f"{t_batch:.3f} s = {rate:,.0f} stays/s; the first run of the process"
                          f" took {t_first:.3f} s wall = {args.stays / t_first:,.0f} stays/s; "
                          f"load {load_batch:.1f}"),
         "≥ 5,000,000 stays/s"),
        ("settle_batch, NumPy rounds against the compiled loop", (
            f"CPU time {cpu_rounds:.3f} s = {args.stays / cpu_rounds:,.0f} against "
            f"{cpu_compiled:.3f} s = {args.stays / cpu_compiled:,.0f} stays per CPU second "
            f"({med}, the two interleaved; wall {t_rounds:.3f} against {t_compiled:.3f} s); "
            f"load {load_rounds:.1f}"), ""),
        ("compiled loop, first call of a process", (
            f"{numba_first[0]:.2f} s CPU ({numba_first[1]:.2f} s wall) to import Numba and "
            f"load the loop from its cache, then settle 1,000 stays (once, load "
            f"{numba_first[2]:.1f})"), ""),
        ("settle_batch memory traffic", (
            f"{per_stay_bytes:.0f} bytes/stay (inputs read, outputs written once) × "
            f"{args.stays / cpu_batch:,.0f} stays per CPU second = {batch_cpu_rate / 1e9:.2f} "
            f"GB per CPU second; a NumPy copy of the same "
            f"{per_stay_bytes * args.stays / 1e6:,.0f} MB: {copy_cpu_rate / 1e9:.2f} GB per CPU "
            f"second ({batch_cpu_rate / copy_cpu_rate:.0%} of it; by wall time "
            f"{batch_rate / 1e9:.2f} against {copy_rate / 1e9:.2f} GB/s)"), ""),
        ("jkfp settle, end to end", (
            f"CPU time {cpu_cmd:.3f} s = {args.stays / cpu_cmd:,.0f} stays per CPU second "
            f"(in-process settle_main, warm, compiled: the policies from the cache, read and check "
            f"{csv_bytes / 1e6:,.0f} MB of CSV, settle, write; {med}, interleaved with "
            f"settle_batch's); wall {t_cmd:.3f} s = {cmd_rate:,.0f} stays/s; load "
            f"{load_cmd:.1f}"),
         "≥ 1,000,000 stays/s"),
        ("settle command / settle_batch", f"{cpu_cmd / cpu_batch:.1f}× CPU, {t_cmd / t_batch:.1f}× "
                                          "wall (medians of the same interleaved runs)", "≤ 2×"),
        ("jkfp settle without settling", (
            f"CPU time {cpu_text:.3f} s = {cpu_text / cpu_batch3:.1f}× settle_batch's "
            f"{cpu_batch3:.3f} s (the {csv_bytes / 1e6:,.0f} MB of CSV read and checked by the "
            f"compiled reader and a result settled beforehand written: the command's text "
            f"alone; {med}, interleaved with settle_batch; wall {t_text:.3f} s); load "
            f"{load_text:.1f}"), "(≤ 1× leaves room for 2×)"),
        ("jkfp settle, the columnar path", (
            f"CPU time {cpu_col:.3f} s = {args.stays / cpu_col:,.0f} stays per CPU second "
            f"(JKFP_POLICY_KERNEL=numpy: pyarrow's reader and the column checks, the NumPy "
            f"rounds, Polars' writer), against {cpu_cmd2:.3f} s compiled in the same "
            f"interleaved runs ({med}; wall {t_col:.3f} against {t_cmd2:.3f} s); load "
            f"{load_col:.1f}"), ""),
        ("jkfp settle, a fresh process as a user runs it", (
            f"wall {fresh['auto'][0]:.2f} s = {args.stays / fresh['auto'][0]:,.0f} stays/s, "
            f"CPU {fresh['auto'][1]:.2f} s (`.venv/bin/jkfp settle` under /usr/bin/time: "
            f"Python's start, imports, policies from their cache, read, settle, write; the "
            f"engine {'compiled ahead of time' if aot else 'NOT compiled ahead of time: run jkfp policy compile'}"
            f", decision 106; median of 5; load {load_sub:.1f})"), "≥ 1,000,000 stays/s"),
        ("jkfp settle, fresh processes, other paths", (
            f"compiled by Numba's JIT (JKFP_POLICY_AOT=off, as before decision 106): "
            f"{fresh['jit'][1]:.2f} s CPU, {fresh['jit'][0]:.2f} s wall; columnar "
            f"(JKFP_POLICY_KERNEL=numpy): {fresh['numpy'][1]:.2f} s CPU, "
            f"{fresh['numpy'][0]:.2f} s wall (medians of 5, alternated with the above)"), ""),
        ("jkfp settle subprocess, peak memory", (f"peak RSS {sub_peak_mb:,.0f} MB (the largest "
                                                 "of the three)"), "< 1,024 MB"),
        ("peer: two tiers in Polars", (
            f"{t_peer:.3f} s ({med}; load {load_peer:.1f}): settle_batch, all tiers, is "
            f"{t_peer / t_batch:.1f}× as fast"), ""),
        ("peer: two tiers in pandas", (
            f"{t_pandas:.3f} s ({med}; load {load_pandas:.1f}): settle_batch, all tiers, is "
            f"{t_pandas / t_batch:.1f}× as fast; the same two amounts as Polars' on every stay: "
            f"{'yes' if peers_agree else 'NO'}"), ""),
        ("peer: two tiers as an OpenFisca model", openfisca, ""),
        ("peer: an analyst's pandas script for jkfp settle's job", (
            f"wall {t_script:.2f} s, CPU {cpu_script:.2f} s (read the CSV, a regime for every "
            f"stay by a merge on the county and a filter on the dates, two tiers only, write "
            f"yuan; median of 3, interleaved with the command in process, {t_cmd4:.3f} s wall, "
            f"{cpu_cmd4:.3f} s CPU): jkfp settle, every tier and every check, is "
            f"{t_script / t_cmd4:.1f}× as fast; load {load_script:.1f}"), ""),
        ("settle_stay loop", (f"{per_stay * 1e6:.1f} µs/stay → {t_loop:.0f} s for all "
                              f"(measured on {len(stays):,} stays of {args.sample_people:,} "
                              "people, extrapolated)"), ""),
        ("batch vs loop", f"{t_loop / t_batch:,.0f}×", "≥ 100×"),
        ("same fen on the sample", f"{len(stays) - mismatches:,} of {len(stays):,} stays", "all"),
        ("reform comparison", (f"{t_compare:.3f} s (load and compile the reform, settle "
                               f"twice, compare; {med}; load {load_compare:.1f})"), "< 5 s"),
        ("compile of the regimes", f"{t_compile:.3f} s (once per policy version: `jkfp settle` "
                                   f"reads them from the cache of compiled policies in "
                                   f"{t_cached * 1000:.1f} ms, {med}; decision 33)", ""),
        ("peak memory of the benchmark", f"{peak_mb:,.0f} MB", "< 2,048 MB"),
    ]
    width = max(len(f[0]) for f in figures)
    load = os.getloadavg()[0]
    machine = (f"{os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}, "
               f"NumPy {np.__version__}, Polars {pl.__version__}, threads pinned to 1 (BLAS, "
               f"Polars), load average {load:.1f} at the end (other work shares the machine "
               "when above 1)")
    print(f"Policy engine benchmark — {machine}")
    for name, value, target in figures:
        print(f"  {name:<{width}}  {value:<70} {target}")
    # the targets on CPU time: the machine is shared, its waits for the core are not ours
    ok = (args.stays / cpu_batch >= 5_000_000 and args.stays / cpu_cmd >= 1_000_000
          and cpu_cmd / cpu_batch <= 2 and args.stays / fresh["auto"][0] >= 1_000_000
          and sub_peak_mb < 1024 and t_loop / t_batch >= 100 and t_compare < 5
          and peak_mb < 2048 and mismatches == 0)
    if not args.no_write:
        write_doc(figures, machine)
        print("written to docs/benchmarks.md")
    print("\nReform:", comparison.name)
    print(comparison.summary_text())
    return 0 if ok else 1


def write_doc(figures: list[tuple[str, str, str]], machine: str) -> None:
    path = REPO / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    lines = ["## Policy engine (issue 3)", "",
             "Command: `make bench` (runs `.venv/bin/python bench/bench_policy.py`).", "",
             f"Machine: {machine}. Measured {date.today().isoformat()}.", "",
             "| measure | figure | target |", "| --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in figures]
    lines += ["", ("The stays are generated (fixed seed): 长治 counties in 2019-2020 and 盐池 in "
                   "2019-2022, categories mixed, costs log-normal. The settle_stay figure is "
                   "measured on every stay of a sample of people, accumulators carried, and "
                   "extrapolated; the sample's amounts are compared with settle_batch's to the "
                   "fen."), "",
              ("`jkfp settle` is timed on the same stays written to a temporary CSV file "
               "(ids S0…, P…; yuan with two decimals): in process (`settle_main`, policies "
               "read from the cache of compiled policies, as the command does once a policy "
               "version has been compiled; the compiled reader, loop and writer, "
               "JKFP_POLICY_KERNEL=numba, decision 101), interleaved with settle_batch alone "
               "on the same stays and, apart, with the columnar path (numpy); and as "
               "`.venv/bin/jkfp settle` in fresh processes of both paths under "
               "`/usr/bin/time -v` (CPU, wall, peak resident memory). The memory traffic is the least a batch must move "
               "(each input column read once, each output column written once) at "
               "settle_batch's rate, against `np.copyto` of as many bytes. The peers compute "
               "only two tiers (per-stay and per-year deductible and a ratio, no caps or "
               "segments) with a join and a cumulative sum per person-year, as an analyst "
               "would, in Polars and in pandas, and as an OpenFisca model (entities stay and "
               "person-year, the parameters as OpenFisca's vectorial parameters, two formulas; "
               "every peer gives the same amounts as Polars', checked); their "
               "amounts are not the rules' and are not compared with the engine's. The pandas "
               "script also reads the CSV (`read_csv`), finds each stay's regime by a merge on "
               "the county and a filter on the dates, and writes stay ids and yuan "
               "(`to_csv`). Polars runs on one thread (POLARS_MAX_THREADS=1), pandas on one by "
               "its nature. Every figure carries the 1-minute "
               "load average after it: on this shared machine a load above 1 means other "
               "work took part of the core; the CPU time (user + system, getrusage) beside "
               "the wall time of settle_batch and of the command is what they cost when "
               "the wait for the core is left out."), ""]
    section = "\n".join(lines)
    head, marker, rest = text.partition("## Policy engine (issue 3)")
    if marker:
        nxt = rest.find("\n## ")
        tail = rest[nxt + 1:] if nxt >= 0 else ""
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
