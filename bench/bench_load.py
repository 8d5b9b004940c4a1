"""Load benchmark of the production server (issue 7): `make bench` runs it after the registry.

    .venv/bin/python bench/bench_load.py [--persons 1000000] [--clients 200] [--seconds 60]
        [--database-url postgres://postgres@127.0.0.1:5432/jkfp_bench] [--workers 3 --threads 8]

What `make serve` runs — gunicorn with threads, DEBUG off, static files collected and served by
whitenoise — on the PostgreSQL registry of bench_registry.py (loaded here first when it holds
fewer than --persons persons, without stays or health data). Then --clients concurrent clients on
loopback, each with one keep-alive HTTP/1.1 connection and the session of a county user, ask for
household list pages (pages, name searches, category filters) and person pages for --seconds
seconds. Reported: requests, errors (any answer but 200, or a dropped connection), throughput,
latency median / p95 / p99 / max, and the database connections of the server (pg_stat_activity of
the benchmark database, sampled every 0.5 s): their maximum must stay at most WORKERS × THREADS.
Targets: no error, p99 < 500 ms. Written to docs/benchmarks.md, section "## Load (issue 7)".

The clients are asyncio streams in this process (one core at most); the server has the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))
DOC = REPO / "docs" / "benchmarks.md"
SECTION = "## Load (issue 7)"
P99_TARGET_MS = 500.0
SECRET = "jkfp-load-benchmark-secret-key-not-for-production-0123456789"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/jkfp_bench")
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument(
        "--think",
        type=float,
        default=10.0,
        help="mean pause of a client between two pages, seconds (exponential); "
        "0 = no pause, the server's saturation",
    )
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--user", default="county_yc", help="the account whose session the clients use")
    p.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    return p.parse_args()


def server_env(args) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        SECRET_KEY=SECRET,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="jkfp.config.settings",
    )
    return env


def ensure_database(url: str) -> None:
    from urllib.parse import urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(args) -> tuple[str, list[str]]:
    """Load the registry when needed; return the session cookie and the URLs to ask for."""
    os.environ.update(server_env(args))
    ensure_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from jkfp.accounts.models import User

    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM registry_person")
        have = cur.fetchone()[0]
    if have < args.persons:
        from bench_registry import recreate_database
        from django.db import connections

        connections.close_all()
        recreate_database(args.database_url)
        call_command("migrate", verbosity=0)
        from jkfp.demo.services import demo_data_load

        print(f"loading {args.persons:,} persons …", flush=True)
        demo_data_load(persons=args.persons, seed=1, stays=False, health=False)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    call_command("collectstatic", interactive=False, verbosity=0)

    user = User.objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value

    from jkfp.registry import selectors

    rng = random.Random(7)
    persons = list(selectors.person_list(user=user).values_list("pk", flat=True)[:20000])
    names = list(selectors.person_list(user=user).values_list("name", flat=True)[:2000])
    urls = [f"/persons/{pk}/" for pk in rng.sample(persons, min(len(persons), 3000))]
    urls += [f"/households/?page={rng.randint(1, 200)}" for _ in range(1000)]
    urls += [f"/households/?q={n[:1]}" for n in rng.sample(names, min(len(names), 500))]
    urls += ["/households/?category=minimum_living", "/households/?category=lifted_out"] * 250
    from urllib.parse import quote

    urls = [quote(u, safe="/?=&") for u in urls]
    rng.shuffle(urls)
    from django.db import connections

    connections.close_all()
    return cookie, urls


def connections_sampler(url: str, stop: threading.Event, out: list[int]) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.is_set():
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'",
                (name,),
            ).fetchone()
            out.append(row[0])
            stop.wait(0.5)


async def client_loop(
    port: int,
    cookie: str,
    urls: list[str],
    deadline: float,
    lat: list[float],
    errors: list[str],
    seed: int,
    think: float,
) -> None:
    rng = random.Random(seed)
    reader = writer = None
    if think:  # the clients start spread over one pause, as users do
        await asyncio.sleep(rng.uniform(0, think))
    asked = False
    while time.perf_counter() < deadline:
        if think and asked:
            await asyncio.sleep(
                min(rng.expovariate(1 / think), max(0.0, deadline - time.perf_counter()))
            )
            if time.perf_counter() >= deadline:
                break
        url = urls[rng.randrange(len(urls))]
        asked = True
        t = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                (
                    f"GET {url} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sessionid={cookie}\r\n"
                    "Accept-Language: zh-hans\r\n\r\n"
                ).encode()
            )
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {
                k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
            }
            if "content-length" in headers:
                await reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding") == "chunked":
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            else:
                await reader.read()
                writer.close()
                writer = None
            lat.append(time.perf_counter() - t)
            if status != 200:
                errors.append(f"{status} {url}")
            # gunicorn keeps an idle connection 2 s: a client that pauses longer opens a new one
            # for its next page, as a browser does
            close = think > 2 or headers.get("connection", "").lower() == "close"
            if close and writer is not None:
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, ValueError) as e:
            errors.append(f"{type(e).__name__} {url}")
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.05)
    if writer is not None:
        writer.close()


async def run_clients(args, cookie, urls) -> tuple[list[float], list[str], float]:
    lat: list[float] = []
    errors: list[str] = []
    t0 = time.perf_counter()
    deadline = t0 + args.seconds
    await asyncio.gather(
        *(
            client_loop(args.port, cookie, urls, deadline, lat, errors, i, args.think)
            for i in range(args.clients)
        )
    )
    return lat, errors, time.perf_counter() - t0


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    import socket

    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            sys.exit("gunicorn ended before it served")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not start")


def pct(s: list[float], q: float) -> float:
    return s[min(len(s) - 1, int(len(s) * q))] * 1000


def main() -> None:
    args = parse_args()
    cookie, urls = prepare(args)
    cmd = [
        str(REPO / ".venv/bin/gunicorn"),
        "jkfp.config.wsgi",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env=server_env(args), cwd=REPO)
    try:
        wait_ready(args.port, proc)
        # warm each worker's first requests (template loading, connections) before measuring
        asyncio.run(
            run_clients(
                argparse.Namespace(
                    **{
                        **vars(args),
                        "seconds": 3.0,
                        "think": 0.0,
                        "clients": args.workers * args.threads,
                    }
                ),
                cookie,
                urls,
            )
        )
        load_before = os.getloadavg()
        stop = threading.Event()
        conns: list[int] = []
        sampler = threading.Thread(
            target=connections_sampler, args=(args.database_url, stop, conns), daemon=True
        )
        sampler.start()
        print(f"{args.clients} clients for {args.seconds:.0f} s …", flush=True)
        lat, errors, wall = asyncio.run(run_clients(args, cookie, urls))
        stop.set()
        sampler.join()
        load_after = os.getloadavg()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    s = sorted(lat)
    bound = args.workers * args.threads
    res = {
        "requests": len(s),
        "errors": len(errors),
        "rps": len(s) / wall,
        "p50": statistics.median(s) * 1000 if s else 0.0,
        "p95": pct(s, 0.95) if s else 0.0,
        "p99": pct(s, 0.99) if s else 0.0,
        "max": s[-1] * 1000 if s else 0.0,
        "conns": max(conns) if conns else 0,
        "bound": bound,
    }
    ok = res["errors"] == 0 and res["p99"] < P99_TARGET_MS and res["conns"] <= bound
    print(
        f"requests {res['requests']:,} ({res['rps']:.0f}/s), errors {res['errors']}, "
        f"p50 {res['p50']:.0f} ms, p95 {res['p95']:.0f} ms, p99 {res['p99']:.0f} ms, "
        f"max {res['max']:.0f} ms; database connections max {res['conns']} (bound {bound}); "
        f"load average {load_before[0]:.1f} → {load_after[0]:.1f}; "
        f"{'targets met' if ok else 'TARGETS NOT MET'}"
    )
    if errors:
        print("first errors:", *errors[:10], sep="\n  ")
    if not args.no_docs:
        write_doc(args, res, load_before, load_after, errors)


def write_doc(args, r, before, after, errors) -> None:
    lines = [
        SECTION,
        "",
        f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} cores, load average "
        f"{before[0]:.1f} before and {after[0]:.1f} after the run. Command: "
        f"`.venv/bin/python bench/bench_load.py --persons {args.persons} --clients {args.clients} "
        f"--seconds {args.seconds:.0f} --think {args.think:g}` (each client pauses {args.think:g} s "
        f"on average between two pages; gunicorn {args.workers} workers × {args.threads} threads, "
        "DEBUG off, PostgreSQL, the clients in the same machine).",
        "",
        "| figure | value | target |",
        "| --- | --- | --- |",
        f"| requests in {args.seconds:.0f} s | {r['requests']:,} ({r['rps']:.0f}/s) | |",
        f"| errors (not 200, or dropped) | {r['errors']} | 0 |",
        f"| latency median / p95 | {r['p50']:.0f} / {r['p95']:.0f} ms | |",
        f"| latency p99 | {r['p99']:.0f} ms | < {P99_TARGET_MS:.0f} ms |",
        f"| latency max | {r['max']:.0f} ms | |",
        f"| database connections (max of samples) | {r['conns']} | ≤ {r['bound']} |",
        "",
        "Pages asked for: person pages, household list pages, name searches and category filters "
        "of the 盐池县 county user, at random.",
    ]
    if errors:
        lines += ["", "First errors: " + "; ".join(errors[:5])]
    text = "\n".join(lines) + "\n"
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
