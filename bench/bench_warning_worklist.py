"""Benchmark of the township worklist of warnings (decision 57g): on PostgreSQL, a table of N
warnings over many townships, the first 200 of one township's "to verify" list (scoped by the
region-code range, status pushed, earliest due first) and the region-overview counts.

    DATABASE_URL=postgres://…/jkfp_bench_warnings .venv/bin/python bench/bench_warning_worklist.py \
        [--warnings 500000] [--repeat 7]

Builds the rows with one INSERT … SELECT over generate_series (one household per village,
household-level warnings, a period per row so the rule/household/period key stays unique; 10 %
pushed, the rest spread over the other statuses). Prints the plan, wall and CPU medians and the
load average beside each figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jkfp.config.settings")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--warnings", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--skip-build", action="store_true", help="reuse the table of a former run")
    args = ap.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from jkfp.accounts.models import Department, Role, User
    from jkfp.monitoring.selectors import overview_counts, township_to_verify
    from jkfp.regions.services import region_load_rows
    from jkfp.registry.models import Household

    assert connection.vendor == "postgresql", "run on PostgreSQL (DATABASE_URL)"
    call_command("migrate", verbosity=0)
    townships = [f"640323{t:03d}" for t in range(500, 600)]
    region_load_rows(rows=[{"code": t, "name": f"基准镇{t[-3:]}", "level": "township",
                            "parent": "640323"} for t in townships]
                     + [{"code": t + "201", "name": f"基准村{t[-3:]}", "level": "village",
                         "parent": t} for t in townships], generated=True)
    hh = {t: Household.objects.get_or_create(household_number=f"BENCH-W-{t}",
                                             defaults={"village_id": t + "201",
                                                       "region_code": t + "201"})[0].pk
          for t in townships}
    if not args.skip_build:
        with connection.cursor() as cur:  # a rerun starts from an empty table, fast
            cur.execute("TRUNCATE monitoring_pushitem, monitoring_warningstep, "
                        "monitoring_riskwarning CASCADE")
        t0 = time.perf_counter()
        values = ",".join(f"({i}, {pk}, '{t}201')" for i, (t, pk) in enumerate(hh.items()))
        with connection.cursor() as cur:
            cur.execute(f"""
                WITH h(i, pk, code) AS (VALUES {values})
                INSERT INTO monitoring_riskwarning
                  (rule_id, subject_kind, household_id, region_code, period, status, found_on,
                   due_on, evidence, facts_hash, departments, uses_examples, visited_by, findings,
                   decision_reason, action_kind, action_ref, version, created_at)
                SELECT 'medical_cost_fall', 'household', h.pk, h.code, 'p' || g,
                       (ARRAY['pushed','found','verified','confirmed','acted','closed','closed',
                              'closed','dismissed','closed'])[1 + g %% 10],
                       DATE '2026-01-01' + (g %% 300), DATE '2026-01-16' + (g %% 300), '{{}}',
                       md5(g::text), '["civil_affairs"]', false, '', '', '', '', '', 1, now()
                FROM generate_series(1, %s) g JOIN h ON h.i = g %% {len(hh)}""", [args.warnings])
            cur.execute("ANALYZE monitoring_riskwarning")
        print(f"{args.warnings:,} warnings built in {time.perf_counter() - t0:.1f} s")
    user = User.objects.update_or_create(
        username="bench_cadre", defaults={"region_id": townships[10], "role": Role.DATA_ENTRY,
                                          "department": Department.RURAL_REVITALISATION})[0]
    county = User.objects.update_or_create(
        username="bench_county", defaults={"region_id": "640323", "role": Role.APPROVER,
                                           "department": Department.RURAL_REVITALISATION})[0]
    qs = township_to_verify(user=user)[:200]
    print(qs.explain())

    def timed(fn) -> tuple[float, float, float]:
        wall, cpu = [], []
        for _ in range(args.repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall.append(time.perf_counter() - w0)
            cpu.append(time.process_time() - c0)
        return statistics.median(wall) * 1000, statistics.median(cpu) * 1000, os.getloadavg()[0]

    n = len(list(qs))
    w, c, load = timed(lambda: list(township_to_verify(user=user)[:200]))
    print(f"township to-verify, first 200 of {n}: median {w:.1f} ms wall, {c:.1f} ms CPU "
          f"(load {load:.2f})")
    w, c, load = timed(lambda: overview_counts(user=county))
    print(f"county overview counts: median {w:.1f} ms wall, {c:.1f} ms CPU (load {load:.2f})")
    w, c, load = timed(lambda: overview_counts(user=user))
    print(f"township overview counts: median {w:.1f} ms wall, {c:.1f} ms CPU (load {load:.2f})")


if __name__ == "__main__":
    main()
