"""Benchmark of the indicators over regional units (decisions 65, 66): the village query of
each of facility_gaps, gp_in_township_centres, village_clinics_standard,
warnings_closed_in_time, special_treatment_diseases and health_literacy, for a year and a month.

    DATABASE_URL=postgres://…/h3_bench .venv/bin/python bench/bench_indicators_units.py \
        [--villages 20000] [--repeat 3]

Builds (in the database given, migrated first; earlier bench rows removed) one clinic per
village (half standardised), one township centre per 20 villages, a gap for every tenth
village (half closed in 2025), 5 warnings per village due in 2025 and 10 literacy respondents
per village in 2025 (fixed seed, bulk inserts). Prints the median wall and CPU time of each
query with the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jkfp.config.settings")
IDS = ("facility_gaps", "gp_in_township_centres", "village_clinics_standard",
       "warnings_closed_in_time", "special_treatment_diseases", "health_literacy")


def build(villages: int) -> None:
    from decimal import Decimal

    from django.db import transaction

    from jkfp.accounts.models import User
    from jkfp.facilities.models import Gap, Institution
    from jkfp.indicators.models import LiteracyResult, LiteracySurvey
    from jkfp.monitoring.models import RiskWarning
    from jkfp.regions.services import region_load_builtin, region_load_rows
    from jkfp.registry.models import Household

    rnd = random.Random(12)
    region_load_builtin()
    user, _ = User.objects.get_or_create(username="bench_units", defaults={"region_id": None})
    codes = [f"640323{100 + i // 100:03d}{200 + i % 100:03d}" for i in range(villages)]
    region_load_rows(rows=[{"code": codes[0], "name": "bench", "level": "village",
                            "parent": codes[0][:9]}], generated=True)
    with transaction.atomic():
        RiskWarning.objects.filter(rule_id="bench").delete()
        Gap.objects.filter(region_code__startswith="640323").delete()
        LiteracySurvey.objects.filter(name="bench").delete()
        Institution.objects.filter(name__startswith="bench").delete()
        Household.objects.filter(household_number__startswith="BENCHU").delete()
        d0 = dt.date(2019, 1, 1)
        Institution.objects.bulk_create(
            [Institution(name=f"bench{c}", kind="village_clinic", region_code=c, opened_on=d0,
                         standardised=i % 2 == 0, created_by=user) for i, c in enumerate(codes)]
            + [Institution(name=f"bench{c[:9]}", kind="township_centre", region_code=c[:9],
                           opened_on=d0, created_by=user) for c in codes[::20]],
            batch_size=5000)
        Gap.objects.bulk_create([Gap(kind="clinic_no_doctor", region_code=c,
                                     opened_on=dt.date(2024, 6, 1),
                                     closed_on=dt.date(2025, 7, 1) if i % 20 == 0 else None)
                                 for i, c in enumerate(codes) if i % 10 == 0], batch_size=5000)
        # one household holds every warning (the figures read the warning's own region)
        h = Household.objects.create(household_number="BENCHU0000001", village_id=codes[0],
                                     region_code=codes[0], address="bench")
        ws = []
        for c in codes:
            for _k in range(5):
                found = dt.date(2025, 1, 1) + dt.timedelta(days=rnd.randrange(340))
                due = found + dt.timedelta(days=15)
                ws.append(RiskWarning(rule_id="bench", subject_kind="household", household=h,
                                      region_code=c, period=f"b{len(ws)}",
                                      found_on=found, due_on=due, facts_hash="b",
                                      decided_on=found + dt.timedelta(days=rnd.randrange(30))))
        RiskWarning.objects.bulk_create(ws, batch_size=5000)
        s = LiteracySurvey.objects.create(year=2025, region_code="640323", name="bench",
                                          scale_max=Decimal(100), threshold=Decimal(80),
                                          created_by=user)
        LiteracyResult.objects.bulk_create(
            [LiteracyResult(survey=s, sample=f"{i}", region_code=codes[i // 10],
                            score=Decimal(rnd.randrange(101))) for i in range(villages * 10)],
            batch_size=5000)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--villages", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from jkfp.indicators import compute, definitions
    from jkfp.indicators.periods import parse

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    build(args.villages)
    print(f"built {args.villages} villages in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    defs = definitions.current()
    print(f"load average {os.getloadavg()}")
    for iid in IDS:
        ind = defs.indicators[iid]
        for code in ("2025", "2025-07"):
            if parse(code).unit not in ind.periods:
                continue
            walls, cpus, n = [], [], 0
            for _ in range(args.repeat):
                c0, w0 = time.process_time(), time.perf_counter()
                sql, params = compute.village_sql(ind, parse(code), poor=defs.poor)
                with connection.cursor() as cur:
                    cur.execute(sql, params)
                    n = len(cur.fetchall())
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
            print(f"{iid:28} {code:8} rows {n:6}  wall {statistics.median(walls) * 1000:8.1f} ms"
                  f"  cpu {statistics.median(cpus) * 1000:7.1f} ms")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
