"""Speed where users wait: the Excel export and the region overview, measured by
`bench/bench_registry.py` (`make bench`) on the database it has just loaded.

- export of ~50,000 persons: the region (county or township) whose persons come nearest to
  50,000, exported by the city user with that region as filter: `export.export_write` into a
  temporary file, and the real download `GET /households/export.xlsx?region=…` (streamed body
  read to the end); median of 3 each;
- the region overview (the home page's table and chart) for the city user of 长治市, the county
  user of 盐池县 and the superuser (every person): `selectors.region_overview` and `GET /`,
  median and 95th percentile; beside it, what the same counts cost as a full recount (the
  query the overview ran before the summaries, decision 25);
- the largest export, every person (1,000,000) as the superuser, once, with the file's size
  and how much the process's peak memory grew;
- the household list's count (`GET /households/?count=1`), which must stay as fast;
- the rebuild of the summaries (`jkfp summary rebuild`).

The load average (1 minute) is read after each figure and printed beside it.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import dataclass

SECTION = "## Speed where users wait (issue 5)"


@dataclass
class Figure:
    label: str
    path: str
    median: float
    p95: float | None
    load: float
    target: str = ""
    note: str = ""


def _ms(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s) * 1000, s[min(len(s) - 1, int(len(s) * 0.95))] * 1000


def _timed(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t)
    return out


def _region_near(connection, target: int) -> tuple[str, int]:
    """The county or township of 长治 whose persons come nearest to `target`."""
    with connection.cursor() as cur:
        cur.execute("""SELECT code, n FROM (
                         SELECT substr(region_code, 1, 6) AS code, count(*) AS n
                         FROM registry_person WHERE region_code LIKE '1404%%' GROUP BY 1
                         UNION ALL
                         SELECT substr(region_code, 1, 9), count(*)
                         FROM registry_person WHERE region_code LIKE '1404%%' GROUP BY 1) t
                       ORDER BY abs(n - %s), code LIMIT 1""", [target])
        code, n = cur.fetchone()
    return code, int(n)


def speed_measures(connection, repeat: int = 30) -> list[Figure]:
    from django.db.models import Count
    from django.db.models.functions import Substr
    from django.test import Client

    from jkfp.accounts.access import scoped
    from jkfp.accounts.models import User
    from jkfp.registry import export, selectors
    from jkfp.summaries.services import summary_rebuild

    out: list[Figure] = []

    def add(label, path, samples, target="", note="", p95=True):
        med, p = _ms(samples)
        out.append(Figure(label, path, med, p if p95 else None, os.getloadavg()[0], target, note))
        print(f"  {label}: {med:.1f} ms" + (f" (p95 {p:.1f})" if p95 else "")
              + f", load {out[-1].load:.1f}", flush=True)

    city = User.objects.get(username="city_cz")
    county = User.objects.get(username="county_yc")
    admin = User.objects.get(username="admin")

    # ---- export
    code, persons = _region_near(connection, 50_000)
    filters = export.ExportFilters(region_code=code)

    def to_file(_):
        with tempfile.TemporaryFile() as f:
            done = export.export_write(f, user=city, filters=filters, title="bench")
        assert done.rows == persons, (done.rows, persons)
    add(f"export of {persons:,} persons (region {code}) to a file", "export.export_write()",
        _timed(to_file, 3), "< 2,000 ms", "median of 3", p95=False)
    client = Client()
    client.force_login(city)

    def download(_):
        r = client.get(f"/households/export.xlsx?region={code}")
        size = sum(len(c) for c in r.streaming_content)
        assert r.status_code == 200 and size > 0
    add(f"download of the same {persons:,} persons", "GET /households/export.xlsx?region=…",
        _timed(download, 3), "< 2,000 ms", "median of 3; the streamed body read to the end",
        p95=False)

    # ---- the largest export: every person, one run, streamed into a file
    import resource

    everyone = admin if os.environ.get("BENCH_EXPORT_ALL", "1") == "1" else None
    if everyone is not None:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with tempfile.TemporaryFile() as f:
            t = time.perf_counter()
            done = export.export_write(f, user=admin, filters=export.ExportFilters(),
                                       title="bench")
            seconds = time.perf_counter() - t
            size = f.tell()
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
        add(f"export of every person ({done.rows:,}), superuser, to a file",
            "export.export_write()", [seconds], "",
            f"one run; {size / 1e6:.0f} MB file; peak memory grew {grown:.0f} MB", p95=False)

    # ---- region overview
    for user, name in ((city, "city user 长治市"), (county, "county user 盐池县"),
                       (admin, "superuser (every person)")):
        add(f"region overview, {name}", "selectors.region_overview()",
            _timed(lambda _, u=user: selectors.region_overview(user=u), repeat), "< 100 ms")
        c = Client()
        c.force_login(user)
        assert c.get("/").status_code == 200
        add(f"home page with the overview, {name}", "GET / (test client)",
            _timed(lambda _, c=c: c.get("/"), repeat), "< 100 ms")

    def recount(_):  # what region_overview counted before the summaries
        prefix = city.region_code
        periods = scoped(selectors.current_periods(), city).filter(region_code__startswith=prefix)
        list(periods.annotate(child=Substr("region_code", 1, 6)).values("child", "category")
             .annotate(n=Count("id")).order_by())
        persons_ = selectors.person_scope(user=city).filter(alive=True)
        list(persons_.annotate(child=Substr("region_code", 1, 6)).values("child")
             .annotate(n=Count("id")).order_by())
    add("for comparison: the same counts as a full recount, city user 长治市",
        "current_periods() + person_scope() GROUP BY", _timed(recount, 5),
        note="the overview's query before decision 25; median of 5")

    # ---- household list count (unchanged path)
    c = Client()
    c.force_login(county)
    add("household list count (capped at 10,000), county user 盐池县",
        "GET /households/?count=1", _timed(lambda _: c.get("/households/?count=1"), repeat),
        "as before (5.2 ms)")

    # ---- rebuild
    add("rebuild of every summary (one INSERT … SELECT … GROUP BY each)",
        "jkfp summary rebuild", _timed(lambda _: summary_rebuild(), 3), "",
        "median of 3", p95=False)
    return out


def speed_doc(figures: list[Figure], *, command: str, persons: int, when: str,
              machine: str) -> str:
    lines = [
        SECTION, "",
        f"Measured {when} with", "", "```sh", command, "```", "",
        (f"{machine} Data: the registry benchmark's `jkfp demo_data --persons {persons} "
         "--seed 1 --no-stays`, loaded just before (the summaries rebuilt in the load's "
         "transaction). Server time in the Django process around the call; load average "
         "(1 minute) read after each figure (2 cores: above 1, other work shared the machine)."),
        "",
        "| measure | code path | median | p95 | load avg | target | note |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for f in figures:
        p95 = f"{f.p95:,.1f} ms" if f.p95 is not None else ""
        lines.append(f"| {f.label} | `{f.path}` | **{f.median:,.1f} ms** | {p95} | {f.load:.1f} "
                     f"| {f.target} | {f.note} |")
    lines += [
        "",
        ("Before this issue: the export of 50,000 persons took 14-18 s (model instances per row, "
         "`get_*_display`, 257,000 `gettext` calls, a sort spilling to disk) and the region "
         "overview 180-590 ms (one full scan counting persons). See decisions 25 and 26 in "
         "docs/architecture.md."),
    ]
    return "\n".join(lines) + "\n"


def write_section(doc, text: str) -> None:
    old = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    if SECTION in old:
        start = old.index(SECTION)
        nxt = old.find("\n## ", start + len(SECTION))
        new = old[:start] + text + (old[nxt:] if nxt != -1 else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    doc.write_text(new, encoding="utf-8")


def run(args, connection, info: dict[str, str], doc) -> None:
    """Measure, print and (unless --no-docs) write the section; `info` from machine()."""
    import datetime as dt

    print("export and region overview …", flush=True)
    figures = speed_measures(connection, repeat=min(args.repeat, 30))
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    base = (f".venv/bin/python bench/bench_registry.py --persons {args.persons} "
            f"--database-url {args.database_url}")
    command = (f"{base} --load-runs 1 --no-docs   # loads the database\n"
               f"{base} --speed-only   # these figures" if args.speed_only
               else f"{base}   # make bench runs this")
    text = speed_doc(
        figures, persons=args.persons, when=f"{dt.date.today():%Y-%m-%d}", command=command,
        machine=(f"Machine: {info['cores']} cores, {info['cpu']}, {info['memory']} RAM; "
                 f"PostgreSQL {pg.split()[0]} (default settings) on the same machine; "
                 f"Python {info['python']}."))
    if not args.no_docs:
        write_section(doc, text)
        print(f"written to docs/benchmarks.md ({SECTION})")
