"""CPU per page of the pages the load test asks for (issue 7, decision 51).

    .venv/bin/python bench/bench_pages.py [--database-url postgres://…/jkfp_bench] [--n 60]
        [--user county_yc] [--profile person] [--only person,list]

On the registry that bench_load.py loads (run it first; this script loads nothing), with DEBUG
off as `make serve` runs, each page type is asked for --n times with varying URLs through
Django's test client in this process (the middleware, the view, the templates, the SQL). For
each: the median CPU time of this process (`time.process_time`, the Python side: templates,
ORM, psycopg), the median CPU time of the PostgreSQL backend that served it (utime + stime of
its process from /proc, the SQL side: the other half of what two cores must do), the median
wall time, and the number of SQL statements. CPU time hardly moves with the machine's load;
wall time does, so the load average is printed beside the figures.

--profile TYPE prints the 30 costliest functions (cumulative and own time, cProfile) of --n
requests of one page type. --src measures another checkout (before/after: run both in turns).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
CLK = os.sysconf("SC_CLK_TCK")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/jkfp_bench")
    p.add_argument("--n", type=int, default=60, help="requests per page type")
    p.add_argument("--user", default="county_yc")
    p.add_argument("--only", default="", help="comma-separated page types")
    p.add_argument("--profile", default="", help="a page type to profile with cProfile")
    p.add_argument("--label", default="", help="a name for this run (printed)")
    p.add_argument("--src", default=str(REPO / "src"),
                   help="the source tree to measure (another checkout's src/, to compare)")
    return p.parse_args()


def setup(url: str) -> None:
    os.environ.update(
        DATABASE_URL=url, DEBUG="0", SECRET_KEY="jkfp-pages-benchmark-secret-0123456789-abcdef",
        ALLOWED_HOSTS="testserver", DJANGO_SETTINGS_MODULE="jkfp.config.settings",
    )
    import django

    django.setup()


def page_urls(user, rng: random.Random) -> dict[str, list[str]]:
    """The page types of bench_load.py, each with many URLs (as its clients ask for them)."""
    from jkfp.registry import selectors

    persons = list(selectors.person_list(user=user).values_list("pk", flat=True)[:20000])
    names = list(selectors.person_list(user=user).values_list("name", flat=True)[:2000])
    out = {
        "person": [f"/persons/{pk}/" for pk in rng.sample(persons, 400)],
        "list": [f"/households/?page={rng.randint(1, 200)}" for _ in range(400)],
        "name": [f"/households/?q={quote(n[:1])}" for n in rng.sample(names, 400)],
        "category": ["/households/?category=minimum_living", "/households/?category=lifted_out"],
        # what the list page asks for itself once shown (hx-trigger="load")
        "count": ["/households/?category=minimum_living&count=1", "/households/?count=1",
                  f"/households/?q={quote(names[0][:1])}&count=1"],
    }
    return out


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a PostgreSQL backend process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


class Counter:
    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def measure(client, urls: list[str], n: int, rng: random.Random, pid_of) -> dict:
    from django.db import connection

    cpu, pg, wall, queries = [], [], [], []
    for i in range(n + 3):
        url = urls[rng.randrange(len(urls))]
        counter = Counter()
        pid = pid_of()
        b0 = backend_cpu(pid)
        w0, c0 = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(counter):
            r = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        c1, w1 = time.process_time(), time.perf_counter()
        b1 = backend_cpu(pid)
        if r.status_code != 200:
            sys.exit(f"{url}: {r.status_code}")
        if i < 3:  # the first requests of a page type warm caches (templates, statistics)
            continue
        cpu.append((c1 - c0) * 1000)
        pg.append((b1 - b0) * 1000)
        wall.append((w1 - w0) * 1000)
        queries.append(counter.n)
    return {"cpu": statistics.median(cpu), "pg": statistics.median(pg),
            "pg_mean": statistics.fmean(pg), "wall": statistics.median(wall),
            "queries": statistics.median(queries), "n": len(cpu)}


def main() -> None:
    args = parse_args()
    sys.path.insert(0, args.src)
    setup(args.database_url)
    from django.db import connection
    from django.test import Client

    from jkfp.accounts.models import User

    user = User.objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    rng = random.Random(11)
    types = page_urls(user, rng)
    if args.only:
        types = {k: v for k, v in types.items() if k in args.only.split(",")}

    def pid_of() -> int:
        connection.ensure_connection()
        return connection.connection.info.backend_pid

    if args.profile:
        urls = types[args.profile]
        for u in urls[:3]:
            client.get(u)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.n):
            client.get(urls[rng.randrange(len(urls))], HTTP_ACCEPT_LANGUAGE="zh-hans")
        prof.disable()
        for key in ("cumulative", "tottime"):
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats(key).print_stats(30)
            print(s.getvalue())
        return
    load0 = os.getloadavg()
    rows = {name: measure(client, urls, args.n, rng, pid_of) for name, urls in types.items()}
    load1 = os.getloadavg()
    print(f"{args.label or 'run'}: median of {args.n} requests each, load average "
          f"{load0[0]:.1f} → {load1[0]:.1f}")
    print(f"{'page':10} {'python CPU':>11} {'postgres CPU':>13} {'total CPU':>10} "
          f"{'wall':>8} {'SQL':>4}")
    for name, r in rows.items():
        print(f"{name:10} {r['cpu']:9.1f}ms {r['pg_mean']:11.1f}ms {r['cpu'] + r['pg_mean']:8.1f}ms "
              f"{r['wall']:6.1f}ms {r['queries']:4.0f}")


if __name__ == "__main__":
    main()
