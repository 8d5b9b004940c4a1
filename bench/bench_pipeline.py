"""Benchmark of issue 10's list pipeline on PostgreSQL against a 1,000,000-person registry.

    .venv/bin/python bench/bench_pipeline.py [--persons 1000000] [--rows 1000000]
        [--apply-rows 100000] [--database-url postgres://postgres@127.0.0.1:5432/jkfp_bench_ex]
        [--reuse] [--no-xlsx]

1. The registry: `jkfp.demo.services.demo_data_load` (no stays) into a fresh database, unless
   `--reuse` finds it already there with `--persons` persons.
2. A monitoring export of `--rows` rows drawn from the registry (deterministic by --seed):
   5 % of ID numbers corrupted (wrong check character), 3 % of names with a typo, 2 % of
   phones changed, 0.1 % of rows with a bad date; as a UTF-8 CSV and as an .xlsx, cached
   under /tmp by rows and seed (writing a million-row .xlsx takes minutes).
3. Per file, one child process: read (`reading.read_table`), validate (`validation.check_table`
   with the village resolver), link (`linking.link_rows` against `selectors.registry_frame`),
   compare (`selectors.plan_state` + `compare.plan_monitoring`); wall and CPU time per phase,
   the child's peak memory (ru_maxrss) and the linkage quality against the known truth.
4. One child process: a civil-affairs list of `--apply-rows` changes (categories opened and
   ended) checked (`services.batch_check`) and applied (`services.batch_apply`), timed.

Every figure is printed with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jkfp_bench_ex"


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jkfp.config.settings")
    import django

    django.setup()


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def registry_ready(url: str, persons: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            (n,) = conn.execute("SELECT count(*) FROM registry_person").fetchone()
            return n == persons
    except psycopg.Error:
        return False


def setup(args) -> None:
    if args.reuse and registry_ready(args.database_url, args.persons):
        print(f"registry: reusing {args.persons:,} persons in {args.database_url}")
        return
    recreate_database(args.database_url)
    _django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from jkfp.demo.services import demo_data_load

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    demo_data_load(persons=args.persons, seed=1, stays=False)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"registry: {args.persons:,} persons loaded in {time.perf_counter() - t0:.1f} s "
          f"(load average {load()})")


#: Polars' jemalloc returns freed pages to the system at once instead of ~10 s later: the
#: file's text table and the checked frame, let go before the linkage, are then not still
#: resident while DuckDB (its own allocator) scores (decision 75)
JEMALLOC = "dirty_decay_ms:0,muzzy_decay_ms:0"


def child_env() -> dict:
    return {**os.environ, "_RJEM_MALLOC_CONF": os.environ.get("_RJEM_MALLOC_CONF", JEMALLOC)}


def child(phase: str, args, *extra: str) -> dict:
    """Run one measurement in a process of its own; its last line of output is JSON."""
    cmd = [sys.executable, __file__, "--phase", phase, "--database-url", args.database_url,
           "--rows", str(args.rows), "--apply-rows", str(args.apply_rows),
           "--seed", str(args.seed), *extra]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=child_env())
    sys.stderr.write(out.stderr[-4000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--apply-rows", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--database-url", default=DEFAULT_URL)
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--no-xlsx", action="store_true")
    ap.add_argument("--no-apply", action="store_true")
    ap.add_argument("--phase", default="")
    ap.add_argument("--setup-only", action="store_true")
    ap.add_argument("--file", default="")
    args = ap.parse_args()
    if args.phase:
        _django(args.database_url)
        import pipeline_phases

        result = getattr(pipeline_phases, args.phase)(args)
        print(json.dumps(result, ensure_ascii=False))
        return
    if args.setup_only:
        setup(args)
        return
    # the registry is loaded in a process of its own: Linux keeps ru_maxrss across exec, so
    # the children measured below would otherwise start at the loader's peak
    cmd = [sys.executable, __file__, "--setup-only", "--persons", str(args.persons),
           "--database-url", args.database_url, *(["--reuse"] if args.reuse else [])]
    subprocess.run(cmd, check=True)
    print(f"load average {load()}")
    files = child("make_files", args, *(["--no-xlsx"] if args.no_xlsx else []))
    for fmt, path in files["files"].items():
        r = child("pipeline", args, "--file", path)
        print(f"monitoring export, {args.rows:,} rows, {fmt} ({r['mb']:.1f} MB):")
        for name, p in r["phases"].items():
            print(f"  {name:<10} wall {p['wall']:6.1f} s  CPU {p['cpu']:6.1f} s  "
                  f"load average {p['load']}  peak so far {p['peak_mb']:,.0f} MB  "
                  f"resident after {p.get('rss_mb', 0):,.0f} MB")
        print(f"  total      wall {r['wall']:6.1f} s  CPU {r['cpu']:6.1f} s  "
              f"peak memory {r['peak_mb']:,.0f} MB  (target < 60 s, < 2,048 MB)")
        print(f"  rows with errors {r['error_rows']:,}; links {r['statuses']}")
        print(f"  plan {r['plan']}")
        print(f"  linkage: precision {r['precision']:.4%} recall {r['recall']:.4%} "
              f"of the auto-linked pairs, {r['review']:,} in review")
    if not args.no_apply:
        r = child("apply", args)
        print(f"apply, civil-affairs list of {r['rows']:,} rows "
              f"({r['opened']:,} opened, {r['ended']:,} ended):")
        for name, p in r["phases"].items():
            print(f"  {name:<10} wall {p['wall']:6.1f} s  CPU {p['cpu']:6.1f} s  "
                  f"load average {p['load']}  peak so far {p['peak_mb']:,.0f} MB")
        print(f"  peak memory {r['peak_mb']:,.0f} MB  (target: apply < 30 s)")


if __name__ == "__main__":
    main()
