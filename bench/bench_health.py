"""Benchmark of the health services (issue 9): `make bench` runs `.venv/bin/python bench/bench_health.py`.

On PostgreSQL: drops and recreates the benchmark database, migrates, then
1. loads the registry of the demo province (`demo_data_load(..., stays=False, health=False)`,
   the registry benchmark's data), then generates its health data with the demo's generator
   (`jkfp.demo.health`, as `jkfp demo_data` does) and bulk-loads it alone (`demo.load.write_tables`:
   COPY, indexes and constraints rebuilt, ANALYZE, commit): health rows per second, the median of
   --load-runs loads (the health tables emptied between runs);
2. VACUUM ANALYZE, then measures (median and 95th percentile of the server time in the Django
   process):
   - the management status of every patient for a year (set-based SQL), through the function of
     `jkfp.contracts.selectors` named in STATUS_FUNCTIONS (or --status-function) when it exists;
   - a township's overdue worklist: its open registrations whose next visit is before today,
     through the one scope rule (`accounts.access.scoped`, or `health.selectors.registration_scope`
     once it exists) as the township user sees them — first page of 50 with the count, and the
     whole list;
   - the person page `GET /persons/<id>/` (Django test client, county health user) of the
     person of 盐池县 with the most health records;
3. prints a table and writes it to docs/benchmarks.md, section "## Health services (issue 9)".

    .venv/bin/python bench/bench_health.py [--persons 1000000]
        [--database-url postgres://postgres@127.0.0.1:5432/jkfp_bench_health] [--no-docs]
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_registry import DOC, REPO, machine, ms, recreate_database, slowest_query, timed  # noqa: E402

SECTION = "## Health services (issue 9)"
PAGE = 50
TARGETS = {"load": 50_000, "status": 5_000.0, "overdue": 100.0, "person": 100.0}
# the set-based management status of every patient for a year (contracts helper)
STATUS_FUNCTIONS = ("management_status", "management_statuses", "management_status_year",
                    "patient_status", "patients_status", "status_of_patients")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--database-url",
                   default="postgres://postgres@127.0.0.1:5432/jkfp_bench_health")
    p.add_argument("--repeat", type=int, default=30, help="measurements per query")
    p.add_argument("--load-runs", type=int, default=3,
                   help="bulk loads of the health data; the median rate is reported")
    p.add_argument("--status-function", default=None,
                   help="name of the management-status function in jkfp.contracts.selectors")
    p.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    p.add_argument("--measures-only", action="store_true",
                   help="only the query measures, printed, on the database as an earlier run "
                        "loaded it")
    return p.parse_args()


def _status_function(name: str | None):
    try:
        from jkfp.contracts import selectors
    except ImportError:
        return None, None
    for n in ([name] if name else STATUS_FUNCTIONS):
        fn = getattr(selectors, n, None)
        if callable(fn):
            return n, fn
    return None, None


def _call_status(fn, *, user, year: int, today: dt.date):
    """Call with the keywords it takes (user, year, on/today/as_of), and read every row."""
    params = inspect.signature(fn).parameters
    kw = {}
    for key, value in (("user", user), ("year", year), ("on", today), ("today", today),
                       ("as_of", today)):
        if key in params:
            kw[key] = value
    out = fn(**kw)
    if hasattr(out, "__iter__") and not isinstance(out, dict | str):
        return len(list(out))
    return out


def main() -> None:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jkfp.config.settings")
    os.environ.setdefault("CONN_MAX_AGE", "600")
    if not args.measures_only:
        print(f"recreating {urlsplit(args.database_url).path.lstrip('/')} …", flush=True)
        recreate_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from jkfp.demo.accounts import demo_users
    from jkfp.demo.health import HEALTH_MODELS
    from jkfp.demo.load import next_ids, write_tables
    from jkfp.demo.requests import Actor
    from jkfp.demo.services import MODELS, demo_data_load, demo_generate

    load_before = os.getloadavg()
    if args.measures_only:
        measures(args, dt.date(2026, 11, 1))
        return
    call_command("migrate", verbosity=0)
    print(f"loading the registry of {args.persons:,} persons …", flush=True)
    reg = demo_data_load(persons=args.persons, seed=args.seed, stays=False, health=False)
    as_of = reg.as_of
    print(f"  {reg.seconds_generate + reg.seconds_load:.1f} s", flush=True)
    actors = {name: Actor(u.pk, u.region_code) for name, u in demo_users().items()}
    # the registry was loaded into an empty database from id 1: generating again from the same
    # ids gives the same persons, categories and accounts, and the health rows that go with them
    first = dict.fromkeys(MODELS, 1)
    assert next_ids(HEALTH_MODELS) == dict.fromkeys(HEALTH_MODELS, 1)
    runs, last = [], None
    for run in range(args.load_runs):
        if run:
            with connection.cursor() as cur:
                names = ", ".join(connection.ops.quote_name(m._meta.db_table)
                                  for m in HEALTH_MODELS)
                cur.execute(f"TRUNCATE {names} RESTART IDENTITY")
        t0 = time.perf_counter()
        data = demo_generate(persons=args.persons, seed=args.seed, as_of=as_of, first_ids=first,
                             actors=actors, stays=False)
        gen_all = time.perf_counter() - t0
        tables = [t for t in data.tables if t.model in HEALTH_MODELS]
        rows = sum(len(t) for t in tables)
        t1 = time.perf_counter()
        with transaction.atomic():
            timings = write_tables(tables)
            t2 = time.perf_counter()
        commit = time.perf_counter() - t2
        load_s = time.perf_counter() - t1
        rate = rows / (data.seconds_health + load_s)
        runs.append((rate, rows / load_s))
        last = {"rows": rows, "gen": data.seconds_health, "gen_all": gen_all, "load": load_s,
                "timings": timings, "commit": commit,
                "counts": {t.model._meta.model_name: len(t) for t in tables},
                "load_avg": os.getloadavg()[0]}
        print(f"  health run {run + 1}: {rows:,} rows, generate {data.seconds_health:.1f} s + "
              f"load {load_s:.1f} s = {rate:,.0f} rows/s (load alone {rows / load_s:,.0f}); "
              f"load average {last['load_avg']:.1f}", flush=True)
        print("    " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items())
              + f", commit {commit:.2f} s", flush=True)
    rate = statistics.median(r[0] for r in runs)
    rate_load = statistics.median(r[1] for r in runs)
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]
    vacuum_s = time.perf_counter() - t
    rows_out, status_note = measures(args, as_of)
    info = machine()
    load_after = os.getloadavg()
    print()
    print(f"{'health data, generation + bulk load, rows/s':70s} {rate:10,.0f}   ≥ "
          f"{TARGETS['load']:,}")
    print(f"{'health data, bulk load alone, rows/s':70s} {rate_load:10,.0f}")
    if not args.no_docs:
        write_doc(args, info, pg_version, reg, last, runs, rate, rate_load, vacuum_s, rows_out,
                  status_note, load_before, load_after)
        print(f"\nwritten to {DOC.relative_to(REPO)}")


def measures(args, as_of: dt.date) -> tuple[list[tuple], str]:
    """The query measures on the loaded database (printed as they go)."""
    from django.db import connection
    from django.test import Client

    from jkfp.accounts import access
    from jkfp.accounts.models import User
    from jkfp.contracts.models import FollowUp
    from jkfp.health.models import ChronicRegistration

    n = args.repeat
    county = User.objects.get(username="county_yc")
    township = User.objects.get(username="township_yc")
    rows_out: list[tuple] = []  # label, path, median, p95, target, load avg, note

    def measure(label, path, fn, inputs, target="", note=""):
        samples, result = timed(fn, inputs)
        med, p95 = ms(samples)
        slow = slowest_query(connection, lambda: fn(inputs[0]))
        rows_out.append((label, path, med, p95, target, os.getloadavg()[0], note, slow))
        print(f"  {label}: {med:.1f} ms (p95 {p95:.1f})", flush=True)
        return result

    # 1. the management status of every patient for a year
    year = as_of.year - 1
    name, fn = _status_function(args.status_function)
    status_note = ""
    if fn is None:
        status_note = ("not measured: `jkfp.contracts.selectors` has no management-status "
                       f"function yet (looked for {', '.join(STATUS_FUNCTIONS)})")
        print("  " + status_note)
    else:
        admin = User.objects.get(username="admin")
        got = measure(f"management status of every patient, {year}",
                      f"contracts.selectors.{name}()",
                      lambda _: _call_status(fn, user=admin, year=year, today=as_of),
                      list(range(max(3, n // 6))), f"< {TARGETS['status']:,.0f} ms")
        if isinstance(got, int):
            rows_out[-1] = rows_out[-1][:6] + (f"{got:,} patients",) + rows_out[-1][7:]

    # 2. a township's overdue worklist
    try:
        from jkfp.health import selectors as health_selectors
        scope = getattr(health_selectors, "registration_scope", None)
    except ImportError:
        scope = None

    def overdue_qs():
        qs = (scope(user=township) if scope else
              access.scoped(ChronicRegistration.objects.all(), township))
        return (qs.filter(ended_on__isnull=True, next_visit_on__lt=as_of)
                .select_related("person").order_by("next_visit_on", "id"))

    via = ("health.selectors.registration_scope" if scope else "access.scoped(ChronicRegistration)")
    total = overdue_qs().count()
    measure(f"overdue worklist of 花马池镇, first page + count ({total:,} overdue)",
            f"{via}.filter(next_visit_on__lt=today)[:50] + .count()",
            lambda _: (len(list(overdue_qs()[:PAGE])), overdue_qs().count()), list(range(n)),
            f"< {TARGETS['overdue']:.0f} ms")
    measure(f"overdue worklist of 花马池镇, the whole list ({total:,} rows)",
            f"{via}.filter(next_visit_on__lt=today) (every row)",
            lambda _: len([(r.person.name, r.disease_code, r.next_visit_on)
                           for r in overdue_qs()]), list(range(n)),
            f"< {TARGETS['overdue']:.0f} ms")

    # 3. the person page of the person with the most health records
    with connection.cursor() as cur:
        cur.execute("""
            SELECT p.id, (SELECT count(*) FROM contracts_followup f WHERE f.person_id = p.id)
                 + (SELECT count(*) FROM health_chronicregistration r WHERE r.person_id = p.id)
                 + (SELECT count(*) FROM contracts_contract c WHERE c.person_id = p.id)
                 + (SELECT count(*) FROM health_specialcase s WHERE s.person_id = p.id)
                 + (SELECT count(*) FROM screening_screeningresult x WHERE x.person_id = p.id)
                   AS records
            FROM registry_person p
            WHERE p.id IN (SELECT person_id FROM health_chronicregistration
                           WHERE region_code LIKE '640323%%'
                           GROUP BY person_id HAVING count(*) >= 2)
            ORDER BY records DESC, p.id LIMIT 1""")
        found = cur.fetchone()
    client = Client()
    client.force_login(county)
    person_note = ""
    if found:
        pid, records = found
        follow = FollowUp.objects.filter(person_id=pid).count()
        resp = client.get(f"/persons/{pid}/")
        if resp.status_code == 200:
            person_note = f"{records} health records ({follow} follow-ups)"
            measure("person page", "GET /persons/<id>/ (test client)",
                    lambda _: client.get(f"/persons/{pid}/"), list(range(n)),
                    f"< {TARGETS['person']:.0f} ms", person_note)
            if client.get(f"/persons/{pid}/health/").status_code == 200:
                body = client.get(f"/persons/{pid}/health/").content.decode()
                shown = ", ".join(w for w in ("慢病", "随访", "签约", "筛查", "大病") if w in body)
                measure("person's health page with the full timeline",
                        "GET /persons/<id>/health/ (test client)",
                        lambda _: client.get(f"/persons/{pid}/health/"), list(range(n)),
                        f"< {TARGETS['person']:.0f} ms",
                        f"{person_note}; the timeline shows: {shown or 'none of them yet'}")
        else:
            person_note = f"GET /persons/{pid}/ answered {resp.status_code}: not measured"
            print("  " + person_note)

    for label, _path, med, p95, target, la, _note, _slow in rows_out:
        print(f"{label:70s} {med:8.1f}ms {p95:8.1f}ms  {target}  (load {la:.1f})")
    return rows_out, status_note


def write_doc(args, info, pg_version, reg, last, runs, rate, rate_load, vacuum_s, rows_out,
              status_note, load_before, load_after) -> None:
    c = last["counts"]
    lines = [
        SECTION,
        "",
        f"Measured {dt.date.today():%Y-%m-%d} with",
        "",
        "```sh",
        f".venv/bin/python bench/bench_health.py --persons {args.persons} "
        f"--database-url {args.database_url}" + ("" if args.seed == 1 else f" --seed {args.seed}"),
        "```",
        "",
        (f"Machine: {info['cores']} cores, {info['cpu']}, {info['memory']} RAM; PostgreSQL "
         f"{pg_version} on the same machine (default settings); Python {info['python']}. Load "
         f"average (1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after the measures, "
         "and after each figure in the table (2 cores: above 2, other work shared the machine). "
         "Server time in the Django process around the call; median and 95th percentile of "
         f"{args.repeat} runs unless said."),
        "",
        (f"Data: the registry of `jkfp demo_data --persons {args.persons} --seed {args.seed} "
         f"--no-stays` ({reg.counts.get('person', 0):,} persons), and its health data generated "
         f"by `jkfp.demo.health` (demo date {reg.as_of}): {c.get('chronicregistration', 0):,} "
         f"chronic registrations, {c.get('followup', 0):,} follow-ups over "
         f"{reg.as_of.year - 1} and {reg.as_of.year} to the demo date, "
         f"{c.get('contract', 0):,} contracts, {c.get('servicedelivery', 0):,} services "
         f"delivered, {c.get('team', 0):,} teams with {c.get('teammember', 0):,} members, "
         f"{c.get('specialcase', 0):,} special-treatment cases ({c.get('specialcasestep', 0):,} "
         f"steps), {c.get('screeningresult', 0):,} screening results "
         f"({c.get('resultstep', 0):,} steps) — {last['rows']:,} rows."),
        "",
        "| measure | code path | median | p95 | load avg | target | note |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
        (f"| health data, generation + bulk load (one transaction, with commit) | "
         f"`demo.health.generate_health` + `demo.load.write_tables` | **{rate:,.0f} rows/s** | | "
         f"{last['load_avg']:.1f} | ≥ {TARGETS['load']:,} rows/s | median of {len(runs)} runs "
         f"({', '.join(f'{r[0]:,.0f}' for r in runs)}); last run {last['gen']:.1f} s generate + "
         f"{last['load']:.1f} s load |"),
        (f"| health data, bulk load alone | `demo.load.write_tables` | **{rate_load:,.0f} rows/s** "
         f"| | {last['load_avg']:.1f} | | COPY, indexes and constraints re-created, ANALYZE, "
         "commit |"),
    ]
    for label, path, med, p95, target, la, note, _slow in rows_out:
        lines.append(f"| {label} | `{path}` | **{med:.1f} ms** | {p95:.1f} ms | {la:.1f} | "
                     f"{target} | {note} |")
    if status_note:
        lines.append(f"| management status of every patient for a year | "
                     f"`contracts.selectors` | | | | < {TARGETS['status']:,.0f} ms | "
                     f"{status_note} |")
    t = last["timings"]
    phases = ", ".join(f"{k.removeprefix('write:')} {v:.1f} s" for k, v in t.items() if v >= 0.05)
    lines += [
        "",
        (f"Where the health load goes (last run): {phases}, commit {last['commit']:.1f} s. "
         f"The VACUUM ANALYZE after the loads took {vacuum_s:.1f} s (not counted)."),
    ]
    slow = [(label, s) for label, *_rest, s in rows_out if s]
    if slow:
        lines += ["", "Slowest statement of each measure (one traced call):", ""]
        for label, (ms_, sql, _plan) in slow:
            lines.append(f"- {label}: {ms_:.1f} ms — `{sql[:160]}{' …' if len(sql) > 160 else ''}`")
    text = "\n".join(lines).rstrip("\n") + "\n"
    old = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    if SECTION in old:
        start = old.index(SECTION)
        nxt = old.find("\n## ", start + len(SECTION))
        new = old[:start] + text + (old[nxt:] if nxt != -1 else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    DOC.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
