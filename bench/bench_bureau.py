"""Benchmark of the insurance bureau's list of statements (settlement decision 37): the totals
of a selection in one aggregate query (amounts per fund read from JSON), its first page sorted
by self-pay, and the Excel export.

    DATABASE_URL=postgres://…/jkfp_bench_bureau .venv/bin/python bench/bench_bureau.py \
        [--persons 100000] [--repeat 5]

Builds the demo population with its settled stays (`jkfp demo_data --persons N --seed 1`, into
the database given, migrated first and emptied by the demo), then times, for a superuser's
scope: `bureau_totals` without a threshold (the 90th percentile from the data: two queries),
`bureau_totals` with one (one query), the first page of 50 by self-pay, and the export of one
county's 2025 statements into memory. Prints the medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jkfp.config.settings")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip-build", action="store_true")
    args = ap.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from jkfp.accounts.models import User
    from jkfp.settlement import export
    from jkfp.settlement.bureau import BureauFilters, bureau_statements, bureau_totals
    from jkfp.settlement.models import Statement

    call_command("migrate", verbosity=0)
    if not args.skip_build:
        t0 = time.perf_counter()
        call_command(
            "demo_data", "--persons", str(args.persons), "--seed", "1", "--no-health", verbosity=0
        )
        print(f"demo of {args.persons:,} persons built in {time.perf_counter() - t0:.1f} s")
    user, _ = User.objects.get_or_create(username="bench_bureau", defaults={"is_superuser": True})
    print(f"statements: {Statement.objects.count():,}")

    def timed(label, fn):
        runs = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            out = fn()
            runs.append(time.perf_counter() - t)
        print(
            f"{label}: median {statistics.median(runs) * 1000:.1f} ms "
            f"(min {min(runs) * 1000:.1f}, max {max(runs) * 1000:.1f})"
        )
        return out

    everything = BureauFilters()
    t = timed("totals, threshold from the data", lambda: bureau_totals(user=user, f=everything))
    print(
        f"  {t.count:,} statements, coverage {t.coverage_percent} %, "
        f"high ≥ {t.high_self_pay_fen / 100:.2f}: {t.high_count:,}"
    )
    fixed = BureauFilters(high_self_pay_fen=1_000_000)
    timed("totals, threshold given", lambda: bureau_totals(user=user, f=fixed))
    by_pay = BureauFilters(sort="-self_pay")
    timed(
        "first page by self-pay",
        lambda: list(bureau_statements(user=user, f=by_pay, threshold_fen=0)[:51]),
    )
    county = BureauFilters(
        region_code="640323",
        discharged_from=dt.date(2025, 1, 1),
        discharged_to=dt.date(2025, 12, 31),
        high_self_pay_fen=1_000_000,
    )
    ct = bureau_totals(user=user, f=county)

    def write():
        buf = io.BytesIO()
        export.export_write(buf, user=user, f=county, totals=ct, title="bench")
        return buf.tell()

    size = timed(f"export of 640323's 2025 statements ({ct.count:,} rows)", write)
    print(f"  {size:,} bytes")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
