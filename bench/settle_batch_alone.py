"""settle_batch alone on bench_policy's 1,000,000 stays: median CPU and wall time of repeated
warm calls in one process (after one warm-up call), for before/after comparisons.

    .venv/bin/python bench/settle_batch_alone.py [--src SRC] [--kernel numba|numpy|auto]

`--src` times another checkout's `src` (`git archive COMMIT src policies | tar -x -C DIR`);
`--kernel` sets JKFP_POLICY_KERNEL (decision 84). Prints one line: median CPU and wall
seconds, stays per CPU second, the load average before and after.
"""

from __future__ import annotations

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=REPO / "src")
    ap.add_argument("--kernel", default=None)
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    if args.kernel:
        os.environ["JKFP_POLICY_KERNEL"] = args.kernel
    sys.path.insert(0, str(args.src))
    sys.path.insert(1, str(REPO / "bench"))
    from bench_policy import generate

    from jkfp.policy.batch import settle_batch
    from jkfp.policy.loader import load_policies
    from jkfp.policy.memory import tune_memory
    from jkfp.policy.tables import regime_tables

    tune_memory()
    policies = load_policies(args.src.parent / "policies")
    for r in policies.regimes:
        regime_tables(policies, r)
    batch = generate(1_000_000, 300_000)
    before = os.getloadavg()[0]
    settle_batch(batch, policies)  # warm-up (and Numba's import and cache load)
    cpu, wall = [], []
    for _ in range(args.repeat):
        c, w = time.process_time(), time.perf_counter()
        settle_batch(batch, policies)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    c, w = statistics.median(cpu), statistics.median(wall)
    print(f"{args.src} kernel={args.kernel or 'auto'}: CPU {c:.3f} s = {len(batch) / c:,.0f} "
          f"stays per CPU second, wall {w:.3f} s | load {before:.1f} → {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
