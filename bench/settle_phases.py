"""The phases of `jkfp settle` timed one by one in a fresh process (wall and CPU time).

    .venv/bin/python bench/settle_phases.py [--stays-csv FILE] [--src SRC]

Writes the benchmark's 1,000,000 stays to FILE first if it does not exist (bench_policy's
generator). The file is read the way the command reads it: by the compiled reader
(`csvfast`, decision 101) where `csvfast.use_fast` takes it (the engine compiled ahead of
time, decision 106, or JKFP_POLICY_KERNEL=numba), else by the columnar path. `--src` times another checkout's `src` (e.g. an earlier commit unpacked with
`git archive COMMIT src policies | tar -x -C DIR`), so that two versions can be run
alternately on a shared machine. Prints one line: each phase as wall/CPU seconds, then
settle_batch twice more (warm), and the 1-minute load average.
"""

from __future__ import annotations

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import argparse
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stays-csv", type=Path, default=Path("/tmp/jkfp-bench-stays.csv"))
    ap.add_argument("--src", type=Path, default=REPO / "src")
    ap.add_argument("--out", type=Path, default=Path("/tmp/jkfp-bench-result.csv"))
    args = ap.parse_args()
    if not args.stays_csv.exists():
        sys.path.insert(0, str(REPO / "src"))
        sys.path.insert(0, str(REPO / "bench"))
        from bench_policy import generate
        from bench_settle_csv import write_stays_csv

        write_stays_csv(generate(1_000_000, 300_000), args.stays_csv)
        print(f"wrote {args.stays_csv}; run again in a fresh process", file=sys.stderr)
        return 0
    sys.path.insert(0, str(args.src))
    from jkfp.policy import csvio, csvout
    from jkfp.policy.batch import settle_batch
    from jkfp.policy.loader import load_policies
    from jkfp.policy.tables import regime_tables

    out: dict[str, tuple[float, float]] = {}

    def phase(name, fn):
        w, c = time.perf_counter(), cpu()
        result = fn()
        out[name] = (time.perf_counter() - w, cpu() - c)
        return result

    try:
        from jkfp.policy.memory import tune_memory
    except ImportError:  # a version before memory.py
        tune_memory = None
    if tune_memory is not None:
        phase("tune", tune_memory)
    try:  # the cache of compiled policies (decision 33), as the command reads them
        from jkfp.policy.compiled import load_compiled
    except ImportError:  # a version before compiled.py
        load_compiled = None
    if load_compiled is not None:
        load_compiled(args.src.parent / "policies")  # the cache file, when not there yet
        policies = phase("load", lambda: load_compiled(args.src.parent / "policies"))
    else:
        policies = phase("load", lambda: load_policies(args.src.parent / "policies"))
    phase("compile", lambda: [regime_tables(policies, r) for r in policies.regimes])
    try:  # the compiled reader (decision 101), where this version has it and it is asked for
        from jkfp.policy import csvfast
    except ImportError:
        csvfast = None
    size = args.stays_csv.stat().st_size
    # the path the command takes (`csvfast.use_fast`; before it, only with the kernel asked)
    use_fast = getattr(csvfast, "use_fast", lambda n: os.environ.get(
        "JKFP_POLICY_KERNEL") == "numba") if csvfast is not None else (lambda n: False)
    if use_fast(size):
        buf, size = phase("read_buffer", lambda: csvfast.read_buffer(args.stays_csv))
        # the compiled functions loaded (the module compiled ahead of time, or Numba's start)
        # and the enum tables built
        phase("load_compiled", csvfast._kernel)
        parsed = phase("fast_read", lambda: csvfast.read(buf, size, policies))
        assert parsed is not None, "the compiled reader refused the file"
    else:
        data = phase("read_bytes", args.stays_csv.read_bytes)
        cols = phase("split", lambda: csvio._split_fast(data))
        parsed = phase("check", lambda: csvio.check_columns(cols, policies))
    regime = getattr(parsed, "regime", None)  # the reader's regimes, where it keeps them
    result = phase("settle", lambda: settle_batch(parsed.batch, policies, **(
        {"regime": regime} if regime is not None else {})))
    phase("write", lambda: csvout.write_result(args.out, parsed.stay_ids, result))
    wall, total = sum(v[0] for v in out.values()), sum(v[1] for v in out.values())
    phase("settle_warm1", lambda: settle_batch(parsed.batch, policies))
    phase("settle_warm2", lambda: settle_batch(parsed.batch, policies))
    print(" ".join(f"{k} {w:.3f}/{c:.3f}" for k, (w, c) in out.items()),
          f"| command phases: wall {wall:.3f} s, CPU {total:.3f} s | load "
          f"{os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
