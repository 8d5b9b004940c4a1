"""Benchmark of the derived management status (issue 9): the status of every chronic patient for a
year as one set-based query, and a township's overdue worklist.

    DATABASE_URL=postgres://…/jkfp_bench .venv/bin/python bench/bench_management.py \
        [--patients 150000] [--visits 600000]

Builds (in the database given, migrated first; its contracts and health tables are emptied) one
patient per person in 9 townships × 20 generated villages of 盐池县, registrations of the four
diseases, and follow-ups spread over the year (fixed seed), loaded with bulk inserts; then
times `management.status_rows` for the whole province (a superuser's scope), the rates by
township, and `selectors.overdue_registrations` of one township (first page of 50).
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=150_000)
    ap.add_argument("--visits", type=int, default=600_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from jkfp.accounts.models import User
    from jkfp.contracts import management, selectors
    from jkfp.contracts.models import FollowUp, Team, TeamMember
    from jkfp.health.models import ChronicRegistration
    from jkfp.regions.services import region_load_builtin, region_load_rows
    from jkfp.registry.models import Household, Person

    call_command("migrate", verbosity=0)
    region_load_builtin()
    towns = ["640323100", "640323101", "640323102", "640323103", "640323200", "640323201",
             "640323202", "640323203", "640323001"]
    villages = [f"{t}{200 + i:03d}" for t in towns for i in range(20)]
    region_load_rows(rows=[{"code": v, "name": f"演示村{v[-5:]}", "level": "village",
                            "parent": v[:9]} for v in villages], generated=True)
    user, _ = User.objects.get_or_create(username="bench_admin",
                                         defaults={"is_superuser": True, "region_id": "640323"})
    rnd = random.Random(1)
    year = 2025
    t0 = time.perf_counter()
    with transaction.atomic():
        FollowUp.objects.all().delete()
        TeamMember.objects.all().delete()
        Team.objects.all().delete()
        ChronicRegistration.objects.all().delete()
        Person.objects.filter(id_number__startswith="B").delete()
        Household.objects.filter(household_number__startswith="BENCH").delete()
        hh = [Household(household_number=f"BENCH{i:08d}", village_id=villages[i % len(villages)],
                        region_code=villages[i % len(villages)], address="")
              for i in range(args.patients)]
        Household.objects.bulk_create(hh, batch_size=10_000)
        persons = [Person(household=h, name="演示", id_number=f"B{i:017d}",
                          id_rev=f"B{i:017d}"[::-1], sex="M",
                          birth_date=dt.date(rnd.randint(1935, 1990), rnd.randint(1, 12), 15),
                          relation="head", region_code=h.region_code)
                   for i, h in enumerate(hh)]
        Person.objects.bulk_create(persons, batch_size=10_000)
        diseases = ["hypertension"] * 6 + ["diabetes_type2"] * 3 + ["tuberculosis",
                                                                     "severe_mental_disorder"]
        regs = [ChronicRegistration(person=p, region_code=p.region_code,
                                    disease_code=rnd.choice(diseases), icd10="I10",
                                    diagnosed_on=dt.date(2020, 1, 1),
                                    confirmed_by="县医院",
                                    registered_on=dt.date(rnd.choice([2020, 2024, 2025]),
                                                          rnd.randint(1, 12), 1),
                                    created_by=user)
                for p in persons]
        ChronicRegistration.objects.bulk_create(regs, batch_size=10_000)
        team = Team.objects.create(name="bench", region_code="640323", institution="x",
                                   created_by=user)
        member = TeamMember.objects.create(team=team, name="x", role="village_doctor",
                                           start_date=dt.date(2020, 1, 1))
        visits = []
        for _ in range(args.visits):
            r = regs[rnd.randrange(len(regs))]
            day = dt.date(year, 1, 1) + dt.timedelta(days=rnd.randrange(365))
            visits.append(FollowUp(
                registration=r, person_id=r.person_id, region_code=r.region_code,
                visited_on=day, way=rnd.choice(["clinic", "home", "home", "phone"]),
                member=member, systolic=rnd.randint(110, 170), diastolic=rnd.randint(60, 100),
                classification="controlled", next_visit_on=day + dt.timedelta(days=90),
                created_by=user))
        FollowUp.objects.bulk_create(visits, batch_size=10_000)
    load = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    def timed(fn):
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t)
        return statistics.median(times), out

    registrations = ChronicRegistration.objects.all()
    status_s, rows = timed(lambda: management.status_rows(registrations, year=year,
                                                          on=dt.date(year, 12, 31)))
    rates_s, rates = timed(lambda: management.rates_by_region(
        registrations, year=year, on=dt.date(year, 12, 31), length=9))
    township = User.objects.filter(username="bench_township").first() or User.objects.create(
        username="bench_township", region_id="640323100", department="health")
    overdue_s, page = timed(lambda: list(selectors.overdue_registrations(
        user=township, today=dt.date(year, 12, 31))[:50]))
    print(f"load {args.patients:,} patients, {args.visits:,} visits: {load:.1f} s", file=sys.stderr)
    print(f"status of every patient ({len(rows):,} rows, one query): {status_s:.2f} s")
    print(f"rates by township ({len(rates)} rows): {rates_s:.2f} s")
    print(f"a township's overdue worklist (first {len(page)}): {overdue_s * 1000:.1f} ms")


if __name__ == "__main__":
    main()
