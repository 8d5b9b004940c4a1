"""Benchmark of the indicators (issue 12): a full rebuild of every indicator for every level
and the 12 months (with the quarters and the year) of 2025, an incremental refresh after one
day's changes, the city dashboard page and one drill-down step.

    DATABASE_URL=postgres://…/jkfp_bench_ind .venv/bin/python bench/bench_indicators.py \
        [--persons 1000000] [--repeat 3]

Builds (in the database given, migrated first; the bench rows of earlier runs are removed) a
province of `--persons` persons in households of 3 in 9 townships × 100 generated villages of
盐池县: 30 % of households 脱贫户 (household periods), 5 % of persons 低保; enrolments for 90 %
of the poor, contracts for 80 %, one stay with its statement for 5 % of persons, a chronic
registration for 10 % with 3 follow-ups each (fixed seed, bulk inserts). One day's changes:
200 persons in 100 villages (deaths, new contracts, new stays) marked dirty, then refreshed.
Prints every figure with the load average and the process CPU time.
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
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-load", action="store_true", help="reuse the data of a previous run")
    ap.add_argument("--load-only", action="store_true", help="load the data and stop")
    args = ap.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from jkfp.accounts.models import User
    from jkfp.indicators import services
    from jkfp.regions.services import region_load_builtin, region_load_rows

    call_command("migrate", verbosity=0)
    region_load_builtin()
    towns = ["640323100", "640323101", "640323102", "640323103", "640323200", "640323201",
             "640323202", "640323203", "640323001"]
    villages = [f"{t}{200 + i:03d}" for t in towns for i in range(100)]
    region_load_rows(rows=[{"code": v, "name": f"演示村{v[-5:]}", "level": "village",
                            "parent": v[:9]} for v in villages], generated=True)
    admin, _ = User.objects.get_or_create(username="bench_ind_admin",
                                          defaults={"is_superuser": True, "region_id": "64"})
    city, _ = User.objects.get_or_create(username="bench_ind_city",
                                         defaults={"region_id": "6403", "role": "reviewer",
                                                   "department": "health"})
    if not args.skip_load:
        t0 = time.perf_counter()
        _load(args.persons, villages, admin)
        print(f"load {args.persons:,} persons: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    if args.load_only:
        return

    def server_cpu() -> float:
        """CPU seconds of this connection's PostgreSQL backend (the server on this machine),
        the figure to read when the machine is shared (0 where it cannot be read)."""
        if connection.vendor != "postgresql":
            return 0.0
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def figure(name: str, fn, repeat: int = args.repeat, setup=None):
        """The median of `repeat` timed runs of `fn`; `setup()`, untimed, before each."""
        wall, cpu, db = [], [], []
        before = os.getloadavg()
        for _ in range(repeat):
            if setup:
                setup()
            s, c, t = server_cpu(), time.process_time(), time.perf_counter()
            fn()
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            db.append(server_cpu() - s)
        load = os.getloadavg()
        print(f"{name}: median {statistics.median(wall) * 1000:,.0f} ms wall, "
              f"{statistics.median(cpu) * 1000:,.0f} ms CPU of this process, "
              f"{statistics.median(db) * 1000:,.0f} ms CPU of the database backend "
              f"(n={repeat}, walls {', '.join(f'{w * 1000:,.0f}' for w in wall)} ms; "
              f"load average before {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}, "
              f"after {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})", flush=True)

    today = dt.date(2026, 1, 15)
    figure("full rebuild (all indicators, all levels, 2025: 12 months + 4 quarters + year)",
           lambda: services.indicators_rebuild(years=[2025], today=today))
    rnd = random.Random(7)

    # the day's changes are written (and their villages marked) untimed: the target is the
    # refresh that follows them, which the worker runs every ten minutes
    figure("incremental refresh after one day's changes (200 persons, 100 villages)",
           lambda: services.indicators_refresh(today=today),
           setup=lambda: _one_day(rnd, villages, admin))
    client = Client()
    client.force_login(city)
    client.get("/indicators/6403/?period=2025")  # warm the definitions and templates
    figure("city dashboard page /indicators/6403/?period=2025",
           lambda: _ok(client.get("/indicators/6403/?period=2025&indicator=insurance_coverage_poor")),
           repeat=max(5, args.repeat))
    figure("drill-down step /indicators/640323100/ (a township)",
           lambda: _ok(client.get("/indicators/640323100/?period=2025&indicator=insurance_coverage_poor")),
           repeat=max(5, args.repeat))


def _ok(resp):
    assert resp.status_code == 200, resp.status_code


def _load(n: int, villages: list[str], admin) -> None:
    from django.db import transaction

    from jkfp.contracts.models import Contract, FollowUp, Team, TeamMember
    from jkfp.exchange.models import Batch, Enrolment
    from jkfp.health.models import ChronicRegistration
    from jkfp.registry.models import CategoryPeriod, Household, Person
    from jkfp.settlement.models import HospitalStay, Statement

    rnd = random.Random(1)
    with transaction.atomic():
        for m in (FollowUp, ChronicRegistration, Statement, HospitalStay, Contract, TeamMember,
                  Team, Enrolment, Batch, CategoryPeriod):
            m.objects.all().delete()
        Person.objects.filter(id_number__startswith="I").delete()
        Household.objects.filter(household_number__startswith="IND").delete()
    B = 20_000
    hh = [Household(household_number=f"IND{i:09d}", village_id=villages[i % len(villages)],
                    region_code=villages[i % len(villages)], address="") for i in range(n // 3)]
    Household.objects.bulk_create(hh, batch_size=B)
    persons = [Person(household=hh[i // 3], name="演示", id_number=f"I{i:017d}",
                      id_rev=f"I{i:017d}"[::-1], sex="M", relation="head",
                      birth_date=dt.date(rnd.randint(1935, 2010), rnd.randint(1, 12), 15),
                      region_code=hh[i // 3].region_code) for i in range(len(hh) * 3)]
    Person.objects.bulk_create(persons, batch_size=B)
    poor_hh = [h for h in hh if rnd.random() < 0.30]
    CategoryPeriod.objects.bulk_create([CategoryPeriod(
        household=h, category="lifted_out", region_code=h.region_code,
        start_date=dt.date(2016, 1, 1)) for h in poor_hh], batch_size=B)
    poor_hh_ids = {h.id for h in poor_hh}
    low = [p for p in persons if rnd.random() < 0.05]
    CategoryPeriod.objects.bulk_create([CategoryPeriod(
        person=p, category="minimum_living", region_code=p.region_code,
        start_date=dt.date(2022, 1, 1)) for p in low], batch_size=B)
    poor = [p for p in persons if p.household_id in poor_hh_ids] + low
    batch = Batch.objects.create(kind="enrolment", file_name="b.xlsx", file_sha256="0" * 64,
                                 region_code="64", created_by=admin)
    seen = set()
    enrol = []
    for p in poor:
        if p.id not in seen and rnd.random() < 0.9:
            seen.add(p.id)
            enrol.append(Enrolment(person=p, year=2025, status="insured", batch=batch,
                                   region_code=p.region_code))
    Enrolment.objects.bulk_create(enrol, batch_size=B)
    team = Team.objects.create(name="bench", region_code="640323", institution="x",
                               created_by=admin)
    member = TeamMember.objects.create(team=team, name="x", role="village_doctor",
                                       start_date=dt.date(2020, 1, 1))
    Contract.objects.bulk_create([Contract(
        person=p, region_code=p.region_code, year=2025, team=team,
        signed_on=dt.date(2025, rnd.randint(1, 12), 1), created_by=admin)
        for p in {q.id: q for q in poor}.values() if rnd.random() < 0.8], batch_size=B)
    stays = []
    for p in persons:
        if rnd.random() < 0.05:
            d = dt.date(2025, 1, 1) + dt.timedelta(days=rnd.randrange(365))
            total = rnd.randint(100_000, 3_000_000)
            stays.append(HospitalStay(
                person=p, region_code=p.region_code, county_code="640323", hospital_name="县医院",
                hospital_grade=2, location=rnd.choice(["county"] * 8 + ["city", "outside"]),
                admission_date=d - dt.timedelta(days=5), discharge_date=d, total_fen=total,
                in_policy_fen=total, category="general", created_by=admin))
    HospitalStay.objects.bulk_create(stays, batch_size=B)
    Statement.objects.bulk_create([Statement(
        stay=s, person_id=s.person_id, region_code=s.region_code, year=2025, policy="bench",
        reimbursed_fen=s.total_fen * 8 // 10, self_pay_fen=s.total_fen - s.total_fen * 8 // 10,
        detail={}, created_by=admin) for s in stays], batch_size=B)
    regs = [ChronicRegistration(person=p, region_code=p.region_code,
                                disease_code=rnd.choice(["hypertension"] * 6 + [
                                    "diabetes_type2"] * 3 + ["tuberculosis",
                                                             "severe_mental_disorder"]),
                                icd10="I10", diagnosed_on=dt.date(2020, 1, 1), confirmed_by="县医院",
                                registered_on=dt.date(2020, 1, 1), created_by=admin)
            for p in persons if rnd.random() < 0.10]
    ChronicRegistration.objects.bulk_create(regs, batch_size=B)
    visits = []
    for r in regs:
        for _ in range(3):
            day = dt.date(2025, 1, 1) + dt.timedelta(days=rnd.randrange(365))
            visits.append(FollowUp(
                registration=r, person_id=r.person_id, region_code=r.region_code, visited_on=day,
                way=rnd.choice(["clinic", "home", "phone"]), member=member, systolic=130,
                diastolic=80, classification="controlled",
                next_visit_on=day + dt.timedelta(days=90), created_by=admin))
        if len(visits) >= B:
            FollowUp.objects.bulk_create(visits, batch_size=B)
            visits = []
    FollowUp.objects.bulk_create(visits, batch_size=B)


def _one_day(rnd: random.Random, villages: list[str], admin) -> None:
    """One day's changes written directly, with their villages marked as the events do."""
    from jkfp.contracts.models import Contract, Team
    from jkfp.indicators.services import villages_mark_dirty
    from jkfp.registry.models import Person

    chosen = rnd.sample(villages, 100)
    people = []
    for v in chosen:
        people += list(Person.objects.filter(region_code=v, alive=True)[:2])
    team = Team.objects.first()
    for i, p in enumerate(people):
        if i % 3 == 0:
            Person.objects.filter(pk=p.pk).update(alive=False, death_date=dt.date(2025, 12, 20))
        elif i % 3 == 1 and not Contract.objects.filter(person=p, year=2025).exists():
            Contract.objects.create(person=p, region_code=p.region_code, year=2025, team=team,
                                    signed_on=dt.date(2025, 12, 20), created_by=admin)
    villages_mark_dirty(region_codes=chosen)


if __name__ == "__main__":
    main()
