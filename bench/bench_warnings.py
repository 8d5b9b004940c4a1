"""Benchmark of the warning scans (issue 11): `make bench` runs `.venv/bin/python bench/bench_warnings.py`.

On PostgreSQL: recreates the benchmark database, migrates, loads the demo registry of the demo
province (`demo_data_load(..., stays=False, health=True)`: persons, categories, chronic
registrations), then writes one settled stay per person (a stay and its current statement, in
two INSERT … SELECT statements, amounts spread so that some cross the thresholds), ANALYZE, and
measures with the wall time, the CPU time of this process and the load average:
- a full scan of every rule of the province's file (`scan.full_scan`, system actor, which pushes
  what it found) on an empty warnings table — the first run, writing every warning — and the
  median of the --repeat - 1 rescans that find them again;
- an incremental check after one settled stay (`scan.check_after` of the household) — median of
  --checks runs over different households;
- the worklists of the demo accounts (township to verify, county overdue and overview counts,
  city counts by county and rule) over the warnings the scans wrote — medians of 7.

    .venv/bin/python bench/bench_warnings.py [--persons 1000000] [--repeat 3] [--checks 20]
        [--diagnoses] [--database-url postgres://postgres@127.0.0.1:5432/jkfp_bench_warn]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_registry import recreate_database  # noqa: E402

SCAN_ON = dt.date(2026, 11, 30)


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--checks", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--skip-build", action="store_true",
                   help="reuse the database an earlier run built (the demo and its stays)")
    p.add_argument("--diagnoses", action="store_true",
                   help="give the stays main diagnoses (5%% 肺癌 C34.1, 5%% I10, decision 61) "
                        "and time major_disease_new on its own")
    p.add_argument("--database-url",
                   default="postgres://postgres@127.0.0.1:5432/jkfp_bench_warn")
    return p.parse_args()


def load_stays(user_id: int) -> int:
    """One settled stay per person of 2026, discharged before the scan date."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO settlement_hospitalstay (person_id, region_code, county_code, "
            "hospital_name, hospital_grade, location, referred, admission_date, discharge_date, "
            "total_fen, in_policy_fen, category, diagnosis_icd10, admission_number, "
            "created_by_id, created_at) "
            "SELECT p.id, p.region_code, substr(p.region_code, 1, 6), '县人民医院', 2, 'county', "
            "false, DATE '2026-01-01' + (p.id * 37 %% 320)::int, DATE '2026-01-05' + (p.id * 37 %% 320)::int, "
            "(p.id * 7919 %% 1200000) * 3, (p.id * 7919 %% 1200000) * 2, 'general', '', '', %s, "
            "now() FROM registry_person p", [user_id])
        n = cur.rowcount
        cur.execute(
            "INSERT INTO settlement_statement (stay_id, person_id, region_code, year, policy, "
            "reimbursed_fen, self_pay_fen, tier_amounts, fund_amounts, accumulators_after, "
            "detail, deposit_waived, uses_examples, created_by_id, created_at, status, reason) "
            "SELECT s.id, s.person_id, s.region_code, 2026, 'bench', s.in_policy_fen, "
            "s.total_fen / 3, '{}', '{}', '{}', '{}', false, false, %s, now(), 'current', '' "
            "FROM settlement_hospitalstay s", [user_id])
        cur.execute("ANALYZE")
    return n


def worklists(repeat: int) -> list[tuple[str, float, float, float]]:
    """The worklists of the demo accounts over the warnings the scans wrote: (what, median wall,
    median CPU, load average) of `repeat` runs each."""
    from jkfp.accounts.models import User
    from jkfp.monitoring import selectors as sel

    by = {u.username: u for u in User.objects.filter(
        username__in=["township_yc", "county_yc", "city_wz", "rural_yc"])}
    cases = []
    if "township_yc" in by:
        t = by["township_yc"]
        cases.append(("township worklist, to verify (first 200)",
                      lambda: list(sel.township_to_verify(user=t)[:200])))
    if "county_yc" in by:
        c = by["county_yc"]
        cases.append(("county: overdue by township", lambda: sel.overdue_by_township(user=c)))
        cases.append(("county, health (sees what is pushed to it): overview counts, live",
                      lambda: sel.overview_counts(user=c)))
    if "rural_yc" in by:
        r = by["rural_yc"]
        cases.append(("county, rural revitalisation (sees every warning): overview counts "
                      "from the summaries", lambda: sel.overview_counts(user=r)))
    if "city_wz" in by:
        w = by["city_wz"]
        cases.append(("city: open and overdue by county and rule",
                      lambda: sel.counts_by_county_and_rule(user=w)))
    out = []
    for what, fn in cases:
        runs = [_timed(fn) for _ in range(repeat)]
        med = statistics.median
        out.append((what, med(r[0] for r in runs), med(r[1] for r in runs),
                    med(r[2] for r in runs)))
    return out


def time_major_disease(province: str, repeat: int = 3) -> None:
    """Diagnoses on the stays (idempotent), then major_disease_new alone, median of `repeat`."""
    from django.db import connection, transaction

    from jkfp.monitoring import engine, scan
    from jkfp.monitoring.rulefiles import incomes

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE settlement_hospitalstay SET diagnosis_icd10 = CASE "
                    "WHEN mod(id, 20) = 0 THEN 'C34.1' WHEN mod(id, 20) = 1 THEN 'I10' ELSE '' END")
        cur.execute("ANALYZE settlement_hospitalstay")
    [(prefix, rules, exclude)] = [u for u in scan.units_of(province) if u[0] == province]
    rule = next(r for r in rules.rules if r.id == "major_disease_new")
    runs = []
    for _ in range(repeat):
        wall, cpu, load, hits = _timed(lambda: engine.evaluate(
            rule, on_date=SCAN_ON, prefix=prefix, incomes=incomes(), exclude=exclude))
        runs.append((wall, cpu, load, len(hits)))
    med = statistics.median
    print(f"major_disease_new with diagnoses: median {med(r[0] for r in runs):.2f} s wall, "
          f"{med(r[1] for r in runs):.2f} s CPU, load {med(r[2] for r in runs):.1f}, "
          f"{runs[-1][3]:,} persons flagged", flush=True)


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, os.getloadavg()[0], out


def main() -> None:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jkfp.config.settings")
    os.environ["JKFP_MONITORING_INCREMENTAL"] = "0"
    if not args.skip_build:
        recreate_database(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.JKFP_MONITORING_INCREMENTAL = False
    from jkfp.accounts.models import User
    from jkfp.demo.services import demo_data_load
    from jkfp.monitoring import scan
    from jkfp.registry.models import Household
    from jkfp.settlement.models import HospitalStay

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    if not args.skip_build:
        demo_data_load(persons=args.persons, seed=args.seed, stays=False, health=True)
    user, _ = User.objects.get_or_create(username="bench_warn", defaults={"is_superuser": True})
    stays = HospitalStay.objects.count() or load_stays(user.pk)
    from jkfp.health.models import ChronicRegistration

    chronic = ChronicRegistration.objects.count()
    print(f"built {args.persons:,} persons, {stays:,} stays, {chronic:,} chronic patients in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    from django.db import connection

    with connection.cursor() as cur:  # the first scan writes every warning (a new system's)
        cur.execute("TRUNCATE monitoring_pushitem, monitoring_push, monitoring_warningstep, "
                    "monitoring_historicalriskwarning, monitoring_riskwarning, "
                    "monitoring_scanrun CASCADE")
        cur.execute("DELETE FROM summaries_regioncount WHERE summary LIKE 'monitoring.%%'")
    province = "64"
    if args.diagnoses:
        time_major_disease(province)
    fulls = []
    for i in range(args.repeat):
        wall, cpu, load, run = _timed(lambda: scan.full_scan(user=None, region_code=province,
                                                             on_date=SCAN_ON))
        fulls.append((wall, cpu, load))
        new = sum(c["new"] for c in run.counts.values())
        print(f"full scan {i + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU (this process), "
              f"load {load:.1f}, new {new:,}, counts {run.counts}", flush=True)
    ids = list(HospitalStay.objects.filter(region_code__startswith=province)
               .values_list("person__household_id", flat=True)[:args.checks])
    checks = []
    for hid in ids:
        wall, cpu, load, _ = _timed(lambda h=hid: scan.check_after(household_ids=[h],
                                                                   on_date=SCAN_ON))
        checks.append((wall, cpu, load))
    med = statistics.median
    w0, c0, l0 = fulls[0]
    print(f"\nfirst full scan of province {province} (writes and pushes every warning): "
          f"{w0:.2f} s wall, {c0:.2f} s CPU, load {l0:.1f}")
    again = fulls[1:] or fulls
    print(f"rescans of province {province}, all rules: median {med(w for w, _, _ in again):.2f} s "
          f"wall, {med(c for _, c, _ in again):.2f} s CPU, load {med(x for _, _, x in again):.1f}")
    print(f"incremental check after one stay: median {med(w for w, _, _ in checks) * 1000:.1f} ms "
          f"wall, {med(c for _, c, _ in checks) * 1000:.1f} ms CPU, load "
          f"{med(x for _, _, x in checks):.1f} ({len(checks)} households of "
          f"{Household.objects.count():,})")
    from jkfp.monitoring.models import RiskWarning

    print(f"\nworklists over {RiskWarning.objects.count():,} warnings (medians of 7):")
    for what, wall, cpu, load in worklists(7):
        print(f"  {what}: {wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU, load {load:.1f}")

if __name__ == "__main__":
    main()
