"""Benchmark of the registry (issue 2): `make bench` runs `.venv/bin/python bench/bench_registry.py`.

On PostgreSQL: drops and recreates the benchmark database, migrates, then
1. generates and loads the demo population (`jkfp.demo.services.demo_data_load`, the code of
   `jkfp demo_data`): persons per second over generation + load (with the commit), the median
   of --load-runs (3) loads, each into a freshly created and migrated database;
2. VACUUM ANALYZE (what autovacuum does soon after a load), then measures, each many times with
   varying input, the server time (median and 95th percentile) of
   - the household list of a county, first page: `selectors.household_list(user=<county user>)`
     sliced to the first page (50, the web page's size) plus its `.count()`;
   - the real page `GET /households/` through Django's test client (middleware, view, template),
     logged in as the county user, if the web UI serves it;
   - look-up by full ID number: `selectors.person_get_by_id_number`;
   - search by the last 4 digits of an ID and by a name prefix: `selectors.person_list(q=...)`,
     first page plus count;
3. prints a table and writes it to docs/benchmarks.md, section "## Registry (issue 2)".

    .venv/bin/python bench/bench_registry.py [--persons 1000000]
        [--database-url postgres://postgres@127.0.0.1:5432/jkfp_bench] [--explain]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
DOC = REPO / "docs" / "benchmarks.md"
SECTION = "## Registry (issue 2)"
PAGE = 50  # rows of the household list page (jkfp.web.http.PER_PAGE)
TARGETS = {"load": 50_000, "list": 150.0, "id": 20.0}


@dataclass
class Measure:
    label: str
    path: str
    median: float
    p95: float
    target: str = ""
    slowest: tuple[float, str, str] | None = None  # ms, SQL, EXPLAIN ANALYZE


def slowest_query(connection, fn) -> tuple[float, str, str] | None:
    """The slowest SQL statement of one call of fn, with its EXPLAIN ANALYZE."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    if not queries:
        return None
    q = max(queries, key=lambda q: float(q["time"]))
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
        plan = "\n".join(r[0] for r in cur.fetchall())
    return float(q["time"]) * 1000, q["sql"], plan


def _plan_excerpt(plan: str, limit: int = 8) -> str:
    keep = [ln.rstrip() for ln in plan.splitlines()
            if re.search(r"Seq Scan|Index Scan|Index Only Scan|Bitmap Index|Rows Removed|Filter:|"
                         r"Hash Join|Execution Time", ln)]
    return "\n".join(keep[:limit])


def _redundant_indexes(connection) -> list[str]:
    """Indexes of the registry duplicated by another index or by the leading column of one."""
    with connection.cursor() as cur:
        cur.execute("""SELECT tablename, indexname, indexdef FROM pg_indexes
                       WHERE tablename LIKE 'registry\\_%%' ORDER BY 1, 2""")
        rows = cur.fetchall()
    cols = {}
    for table, name, definition in rows:
        m = re.search(r"USING btree \((.*)\)$", definition)
        if m and "UNIQUE" not in definition:
            cols[(table, name)] = [c.strip() for c in m.group(1).split(",")]
    out = []
    for (table, name), c in cols.items():
        for (t2, other), c2 in cols.items():
            if t2 != table or other == name:
                continue
            if c == c2 and name > other:
                out.append(f"`{name}` duplicates `{other}` on {table} ({', '.join(c)})")
            elif len(c) < len(c2) and c2[:len(c)] == c:
                out.append(f"`{name}` ({', '.join(c)}) is the leading part of `{other}` "
                           f"({', '.join(c2)}) on {table}")
    return out


def _what_if_range(user, n: int) -> float:
    """Median ms of the first page + count with the scope as a range instead of LIKE."""
    from jkfp.registry.models import Household

    prefix = user.region_code
    upper = f"{int(prefix) + 1:0{len(prefix)}d}"
    qs = (Household.objects.filter(region_code__gte=prefix, region_code__lt=upper)
          .select_related("village", "head").order_by("region_code", "id"))
    samples, _ = timed(lambda _: (list(qs[:PAGE]), qs.count()), range(n))
    return ms(samples)[0]


def _what_if_split(user, n: int) -> float:
    """Median ms of household_rows' category query split in two (household, members)."""
    from jkfp.registry import selectors

    ids = [h.pk for h in selectors.household_list(user=user)[:PAGE]]
    current = selectors._current_periods

    def run(_):
        a = list(current().filter(household_id__in=ids).values_list("household_id", "category"))
        b = list(current().filter(person__household_id__in=ids)
                 .values_list("person__household_id", "category"))
        return a + b
    samples, _ = timed(run, range(n))
    return ms(samples)[0]


def find_problems(connection, rows: list[Measure], user=None, n: int = 20) -> list[str]:
    """Causes of slow measures, read from their slowest statement's plan (markdown)."""
    out = []
    by_label = {m.label.split(" (")[0]: m for m in rows}

    def evidence(m: Measure) -> str:
        ms_, sql, plan = m.slowest
        sql = re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql, count=1, flags=re.DOTALL)
        return (f"Its slowest statement ({ms_:.0f} ms in one traced call):\n\n"
                f"```\n{sql[:600]}{' …' if len(sql) > 600 else ''}\n```\n\n"
                f"```\n{_plan_excerpt(plan)}\n```")

    m = by_label.get("household list, first page + count, 盐池县")
    if m and m.slowest and re.search(r"Filter: .*region_code.*~~", m.slowest[2]) and \
            "Rows Removed by Filter" in m.slowest[2]:
        out.append(
            "The region scope `region_code LIKE '640323%'` is not an index condition on "
            "`(region_code, id)`: PostgreSQL uses a btree for a LIKE prefix only with the C "
            "collation or a `varchar_pattern_ops` index, and `C.UTF-8` on PostgreSQL 15 does not "
            "count as C (nor would zh_CN.UTF-8). The first page walks the index in order and "
            "filters out every household of the codes before the county. Fix (in "
            "`registry/selectors.py`, `_scoped`): add the equivalent range "
            "`region_code >= prefix AND region_code < prefix+1` (same length, e.g. `640323` → "
            "`640324`; digit codes sort the same in every collation) beside the `startswith`; "
            "then the page is an index range scan: page + count measured "
            f"{_what_if_range(user, n):.1f} ms instead of {m.median:.1f} ms on this data."
            "\n\n" + evidence(m))
    m = by_label.get("household list page, 盐池县 county user")
    if m and m.slowest and 'OR "registry_person"."household_id" IN' in m.slowest[1]:
        out.append(
            "`GET /households/` spends most of its time in `selectors.household_rows`, which "
            "reads the current categories of the 50 households shown with "
            "`Q(household_id__in=ids) | Q(person__household_id__in=ids)`: the OR across a LEFT "
            "JOIN cannot use an index, so PostgreSQL hashes the whole person table. Fix (in "
            "`registry/selectors.py`): two queries, `household_id__in=ids` and "
            "`person__household_id__in=ids` (an inner join through "
            "`registry_person_household_id` and `period_person_cat`), then merge in Python: "
            f"{_what_if_split(user, n):.1f} ms for the two queries instead of "
            f"{m.slowest[0]:.0f} ms for the one, on this data.\n\n" + evidence(m))
    m = by_label.get("household list filtered by category 低保, 盐池县")
    if m and m.slowest and "Seq Scan on registry_person" in m.slowest[2]:
        out.append(
            "`household_list(category=…)` tests `EXISTS(periods of the household) OR "
            "EXISTS(periods of a member)`; the planner hashes all current periods of the category "
            "joined to the whole person table, then walks the county's households (the LIKE "
            "above is a filter too). Fix (in `registry/selectors.py`): restrict the period "
            "subqueries to the user's scope through `categoryperiod.region_code` (indexed with "
            "the category in `period_region_cat`) and use the range scope; or keep a household "
            "column for person-level periods.\n\n" + evidence(m))
    redundant = _redundant_indexes(connection)
    if redundant:
        out.append(
            "Redundant indexes slow every write and the bulk load (each is rebuilt after the "
            "COPY) without serving a query: " + "; ".join(redundant) + ". Model change: drop "
            "`Meta.indexes` `hh_number_pattern` (Django already creates the "
            "`_like` index of a unique CharField), `db_index=True` on the `region_code` fields "
            "that lead a composite index (once the scope is a range, see above), and set "
            "`db_index=False` on the foreign keys `CategoryPeriod.person` / `.household`, whose "
            "composite indexes with the category serve the same look-ups.")
    return out


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/jkfp_bench")
    p.add_argument("--repeat", type=int, default=60, help="measurements per query")
    p.add_argument("--load-runs", type=int, default=3,
                   help="loads into a fresh database; the median rate is reported")
    p.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the queries")
    p.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    p.add_argument("--speed-only", action="store_true",
                   help="only the export and overview figures (bench_speed.py), on the database "
                        "as it is (loaded by an earlier run)")
    return p.parse_args()


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        sys.exit(f"unsafe database name: {name!r}")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def ms(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s) * 1000, s[min(len(s) - 1, int(len(s) * 0.95))] * 1000


def timed(fn, inputs) -> tuple[list[float], object]:
    out, last = [], None
    for x in inputs:
        t = time.perf_counter()
        last = fn(x)
        out.append(time.perf_counter() - t)
    return out, last


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": mem,
            "python": platform.python_version()}


def main() -> None:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jkfp.config.settings")
    os.environ.setdefault("CONN_MAX_AGE", "600")
    if not args.speed_only:
        print(f"recreating {urlsplit(args.database_url).path.lstrip('/')} …", flush=True)
        recreate_database(args.database_url)

    import django

    django.setup()
    if args.speed_only:
        from django.db import connection

        run_speed(args, connection)
        return
    from django.core.management import call_command
    from django.db import connection, connections
    from django.http import Http404
    from django.test import Client

    from jkfp.accounts.models import User
    from jkfp.demo.services import demo_data_load
    from jkfp.registry import selectors
    from jkfp.registry.models import Person

    load_before = os.getloadavg()
    runs = []
    for run in range(args.load_runs):
        if run:
            connections.close_all()
            recreate_database(args.database_url)
        call_command("migrate", verbosity=0)
        print(f"generating and loading {args.persons:,} persons (run {run + 1} of "
              f"{args.load_runs}) …", flush=True)
        t0 = time.perf_counter()
        # the registry alone: hospital stays are settled by the policy engine, measured
        # in bench_policy.py (the demo's `--no-stays`)
        result = demo_data_load(persons=args.persons, seed=args.seed, stays=False)
        wall = time.perf_counter() - t0
        rate = result.persons / (result.seconds_generate + result.seconds_load)
        runs.append(rate)
        print(f"  generate {result.seconds_generate:.1f} s + load {result.seconds_load:.1f} s"
              f" = {rate:,.0f} persons/s (regions and accounts {result.seconds_setup:.1f} s)")
    rate = statistics.median(runs)
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]
        cur.execute("SHOW shared_buffers")
        shared_buffers = cur.fetchone()[0]
        cur.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        collation = cur.fetchone()[0]
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    vacuum_s = time.perf_counter() - t

    county_yc = User.objects.get(username="county_yc")
    county_cz = User.objects.get(username="county_cz")
    rows: list[Measure] = []
    n = args.repeat

    def measure(label, path, fn, inputs, target=""):
        samples, last = timed(fn, inputs)
        med, p95 = ms(samples)
        m = Measure(label, path, med, p95, target)
        m.slowest = slowest_query(connection, lambda: fn(inputs[0]))
        rows.append(m)
        return last

    def first_page_and_count(user):
        def run(_):
            qs = selectors.household_list(user=user)
            page = list(qs[:PAGE])
            return len(page), qs.count()
        return run

    for user, label in ((county_yc, "盐池县"), (county_cz, "潞州区")):
        _shown, total = measure(f"household list, first page + count, {label}",
                                "selectors.household_list()[:50] + .count()",
                                first_page_and_count(user), list(range(n)),
                                f"< {TARGETS['list']:.0f} ms")
        rows[-1].label += f" ({total:,} households)"

    client = Client()
    client.force_login(county_yc)
    page_note = ""
    resp = client.get("/households/")
    if resp.status_code == 200:
        measure("household list page, 盐池县 county user", "GET /households/ (test client)",
                lambda _: client.get("/households/"), list(range(n)),
                f"< {TARGETS['list']:.0f} ms")
        if client.get("/households/?count=1").status_code == 200:
            measure("household count of that page (capped at 10,000)",
                    "GET /households/?count=1", lambda _: client.get("/households/?count=1"),
                    list(range(n)))
    else:
        page_note = f"GET /households/ answered {resp.status_code}: the page was not measured."
        print("  " + page_note)

    # inputs: persons of 盐池县 spread over the table
    sample = list(Person.objects.filter(region_code__startswith="640323")
                  .order_by("id").values_list("id_number", "name")[::max(1, 300_000 // 500)][:500])
    ids = [s[0] for s in sample][:n]

    def by_id(number):
        return selectors.person_get_by_id_number(user=county_yc, id_number=number)

    measure("look-up by full ID number", "selectors.person_get_by_id_number()", by_id, ids,
            f"< {TARGETS['id']:.0f} ms")

    def missing(number):
        try:
            by_id(number)
        except Http404:
            pass
    measure("look-up of an ID not registered (404)", "selectors.person_get_by_id_number()",
            missing, ["110105194912310021"] * n)  # valid, not in the registry

    def search(q):
        qs = selectors.person_list(user=county_yc, q=q)
        return len(list(qs[:PAGE])), qs.count()

    measure("search by last 4 digits of the ID, 盐池县", "selectors.person_list(q=…)[:50] + .count()",
            search, [i[-4:] for i in ids])
    measure("search by name prefix (2 characters), 盐池县",
            "selectors.person_list(q=…)[:50] + .count()", search, [nm[:2] for _, nm in sample][:n])

    def hh_search(q):
        return len(list(selectors.household_list(user=county_yc, q=q)[:PAGE]))
    measure("household list searched by last 4 ID digits, 盐池县",
            "selectors.household_list(q=…)[:50]", hh_search, [i[-4:] for i in ids])

    def hh_category(_):
        qs = selectors.household_list(user=county_yc, category="minimum_living")
        return len(list(qs[:PAGE]))
    measure("household list filtered by category 低保, 盐池县",
            "selectors.household_list(category=…)[:50]", hh_category, list(range(n)))

    if args.explain:
        for m in rows:
            if m.slowest:
                print(f"\n-- {m.label}: slowest statement {m.slowest[0]:.1f} ms\n{m.slowest[1]}"
                      f"\n{m.slowest[2]}")

    findings = find_problems(connection, rows, user=county_yc, n=n)
    load_avg = os.getloadavg()
    info = machine()
    info.update(runs=", ".join(f"{r:,.0f}" for r in runs), pg=pg_version, shared_buffers=shared_buffers, collation=collation,
                load_before=f"{load_before[0]:.1f}", load_after=f"{load_avg[0]:.1f}")
    print()
    print(f"{'measure':66s} {'median':>9s} {'p95':>9s}  target")
    print(f"{'generation + load, persons/s':66s} {rate:9,.0f} {'':9s}  ≥ {TARGETS['load']:,}")
    for m in rows:
        print(f"{m.label:66s} {m.median:7.1f}ms {m.p95:7.1f}ms  {m.target}")
    for f in findings:
        print("\n* " + f.splitlines()[0])
    if not args.no_docs:
        write_doc(args, info, result, rate, wall, vacuum_s, rows, page_note, findings)
        print(f"\nwritten to {DOC.relative_to(REPO)}")
    run_speed(args, connection)


def run_speed(args, connection) -> None:
    """The export and region-overview figures, in their own section (bench_speed.py)."""
    import bench_speed

    bench_speed.run(args, connection, machine(), DOC)


def write_doc(args, info, result, rate, wall, vacuum_s, rows, page_note, findings) -> None:
    c = result.counts
    url = args.database_url
    lines = [
        SECTION,
        "",
        f"Measured {dt.date.today():%Y-%m-%d} with",
        "",
        "```sh",
        f".venv/bin/python bench/bench_registry.py --persons {args.persons} "
        f"--database-url {url}" + ("" if args.seed == 1 else f" --seed {args.seed}"),
        "```",
        "",
        (f"Machine: {info['cores']} cores, {info['cpu']}, {info['memory']} RAM; "
        f"PostgreSQL {info['pg']} on the same machine (shared_buffers {info['shared_buffers']}, "
        f"collation {info['collation']}, otherwise default settings); Python {info['python']}. "
        f"Load average (1 min) {info['load_before']} before the load, {info['load_after']} "
         "after the queries (other work shared the machine when above 1). "
         "Server time is measured in the Django process around the call (Python + database round "
        f"trips), each query {args.repeat} times with varying input; median and 95th percentile."),
        "",
        (f"Data: `jkfp demo_data --persons {args.persons} --seed {args.seed} --no-stays` — "
        f"{c['person']:,} persons in {c['household']:,} households (30 % in 盐池县, 70 % in "
        f"the 12 counties of 长治市), {c['categoryperiod']:,} category periods, "
        f"{c['supportmeasure']:,} support measures, {c['householdincome']:,} incomes, "
        f"{c['changerequest']:,} change requests with {c['changerequeststep']:,} steps. "
         "Hospital stays are left out here: their settlement is the policy engine's benchmark "
         "below; with stays (about 10,000, settled one by one with their explanation) the "
         "load measured 57,124 persons/s on 2026-11-24."),
        "",
        "| measure | code path | median | p95 | target |",
        "| --- | --- | ---: | ---: | --- |",
        (f"| generation + load (one transaction, with commit) | `jkfp.demo.services.demo_data_load` "
        f"| **{rate:,.0f} persons/s** (median of {args.load_runs} loads, each into a fresh "
        f"database: {info['runs']} persons/s; last run {result.seconds_generate:.1f} s "
        f"generate + {result.seconds_load:.1f} s load) | | ≥ {TARGETS['load']:,} persons/s |"),
    ]
    for m in rows:
        lines.append(f"| {m.label} | `{m.path}` | **{m.median:.1f} ms** | {m.p95:.1f} ms "
                     f"| {m.target} |")
    t = result.timings
    phases = ", ".join(f"{k.removeprefix('write:registry_')} {v:.1f} s" for k, v in t.items()
                       if v >= 0.05)
    lines += [
        "",
        (f"Where the load time goes (last run): {phases}. Regions and demo accounts took "
        f"{result.seconds_setup:.1f} s more, the whole command {wall:.1f} s; the VACUUM ANALYZE "
        f"after the load {vacuum_s:.1f} s (not counted)."),
        "",
        ("How the load is fast: ids are assigned before writing, so a household's head and a "
        "person's household need no round trip; PostgreSQL gets one `COPY` per table; tables "
        "that receive more rows than they hold have their secondary indexes, unique and "
        "foreign-key constraints dropped before the copy and re-created (and validated) after it, "
        "as pg_restore does, inside the same transaction; no simple_history rows are written "
        "for the demo (history starts with the first real change)."),
    ]
    if page_note:
        lines += ["", page_note]
    if findings:
        lines += ["", "### Findings (from the plans of this run)", ""]
        for f in findings:
            lines += [f"- {f}".replace("\n", "\n  ").replace("\n  \n", "\n\n"), ""]
    text = "\n".join(lines).rstrip("\n") + "\n"
    DOC.parent.mkdir(exist_ok=True)
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
