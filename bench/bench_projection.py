"""How early `projected_cost` warns, on the demo data (issue 11; decision 55b).

On PostgreSQL: recreates the database, migrates, loads the demo (`demo_data_load`: persons,
categories, hospital stays settled into statements, health data), then replays every year that
has stays scan date by scan date — the days of the 10-day schedule (1st, 11th, 21st of each
month) and 31 December — evaluating `projected_cost`, `medical_cost_return` and
`medical_cost_fall` with the engine (`engine.evaluate`, the full scan's statements; nothing is
written). For each person a medical-cost rule flags in a year:
- the crossing stay: the first stay or visit of the year whose personal expense took the
  running total strictly over the rule's line (from the evidence items of the first scan that
  flagged the person);
- the lead: days from the first scan date on which `projected_cost` flagged the person to the
  discharge of the crossing stay (none if the projection never flagged them before);
and the false alarms: persons the projection flagged in a year whom `medical_cost_return`
never flagged that year. Prints the figures and writes them to docs/benchmarks.md, section
"## How early the projection warns (issue 11, `bench/bench_projection.py`)".

    .venv/bin/python bench/bench_projection.py [--persons 30000] [--seed 1]
        [--database-url postgres://postgres@127.0.0.1:5432/jkfp_bench_proj] [--skip-build]
        [--no-docs]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_registry import DOC, recreate_database  # noqa: E402

SECTION = "## How early the projection warns (issue 11, `bench/bench_projection.py`)"
SCAN_DAYS = (1, 11, 21)
RULES = ("projected_cost", "medical_cost_return", "medical_cost_fall")


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--persons", type=int, default=30_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--skip-build", action="store_true",
                   help="reuse the database an earlier run built")
    p.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    p.add_argument("--database-url",
                   default="postgres://postgres@127.0.0.1:5432/jkfp_bench_proj")
    return p.parse_args()


def scan_dates(year: int) -> list[dt.date]:
    days = [dt.date(year, m, d) for m in range(1, 13) for d in SCAN_DAYS]
    return days + [dt.date(year, 12, 31)]


def crossing(hit) -> tuple[dt.date, int] | None:
    """The discharge date of the item that took the running total over the line, and how many
    items of the year came before it (0: the year's first expense crossed it alone)."""
    total = 0
    items = sorted(hit.evidence.get("items", []), key=lambda i: (i["discharged_on"], i["id"]))
    for n, item in enumerate(items):
        total += item["fen"]
        if total > hit.threshold_fen:
            return dt.date.fromisoformat(item["discharged_on"]), n
    return None


def replay(years: list[int]):
    """{rule: {(year, person): first scan date flagged}}, {(rule, year, person): crossing}."""
    from jkfp.monitoring import engine, scan
    from jkfp.monitoring.rulefiles import incomes

    found_incomes = incomes()
    first: dict[str, dict] = {r: {} for r in RULES}
    crossed: dict[tuple, dt.date | None] = {}
    units = [(prefix, {r.id: r for r in rs.rules if r.id in RULES}, exclude)
             for prefix, rs, exclude in scan.units_of("")]
    dates = [(y, d) for y in years for d in scan_dates(y)]
    for year, on in tqdm(dates, desc="scan dates", unit="date"):
        for prefix, rules, exclude in units:
            for rid, rule in rules.items():
                for h in engine.evaluate(rule, on_date=on, prefix=prefix, incomes=found_incomes,
                                         exclude=exclude):
                    key = (year, h.person_id)
                    if key not in first[rid]:
                        first[rid][key] = on
                        if rid != "projected_cost":
                            crossed[(rid, year, h.person_id)] = crossing(h)
    return first, crossed


def _quantiles(xs: list[int]) -> str:
    if not xs:
        return "—"
    s = sorted(xs)
    q = statistics.quantiles(s, n=4, method="inclusive") if len(s) > 1 else [s[0]] * 3
    return f"median {statistics.median(s):.0f}, quartiles {q[0]:.0f}-{q[2]:.0f}, range {s[0]}-{s[-1]}"


def figures(years, first, crossed):
    proj = first["projected_cost"]
    rows = []
    for rid in ("medical_cost_return", "medical_cost_fall"):
        flagged = first[rid]
        for year in [*years, None]:
            keys = [k for k in flagged if year is None or k[0] == year]
            leads, none, alone = [], 0, 0
            scan_delay = []
            for k in keys:
                found = crossed.get((rid, *k))
                cross = found[0] if found else None
                if found is not None:
                    scan_delay.append((flagged[k] - cross).days)
                    alone += found[1] == 0
                p = proj.get(k)
                if p is not None and cross is not None and p < cross:
                    leads.append((cross - p).days)
                else:
                    none += 1
            rows.append({"rule": rid, "year": "all" if year is None else str(year),
                         "flagged": len(keys), "early": len(leads), "none": none,
                         "alone": alone,
                         "lead": _quantiles(leads), "leads": leads,
                         "scan_delay": _quantiles(scan_delay)})
    alarms = []
    for year in [*years, None]:
        keys = [k for k in proj if year is None or k[0] == year]
        false = [k for k in keys if k not in first["medical_cost_return"]]
        alarms.append({"year": "all" if year is None else str(year), "projected": len(keys),
                       "false": len(false)})
    return rows, alarms


def write_doc(args, info, rows, alarms, wall, cpu, load) -> None:
    lines = [
        SECTION,
        f"Command: `.venv/bin/python bench/bench_projection.py --persons {args.persons} "
        f"--seed {args.seed}` on PostgreSQL ({info}); load average {load:.1f} at the end "
        f"(`uptime`); the replay took {wall:.0f} s wall, {cpu:.0f} s CPU of this process.",
        "",
        "How the projection is made: on a scan date D after the rule's `min_days` (30, an example "
        "value), a watched person's personal expense of the year so far is extrapolated in a "
        "straight line to the whole year, so_far × days_in_year / days_elapsed; if that is over "
        "the return-to-poverty line (50% of the province's rural income of the year before) "
        "while the real figure is not, `projected_cost` warns (decision 55b).",
        "",
        "The replay evaluates the three rules with the engine on every scan date of the 10-day "
        "schedule (1st, 11th, 21st of each month, and 31 December) of each year that has stays. "
        "*Lead* = days from the first scan date on which the projection flagged the person to "
        "the discharge of the stay that took the year over the rule's line; *no early warning* = "
        "flagged by the rule with no projection before the crossing stay (for "
        "`medical_cost_fall` this includes everyone the projection does not watch: it watches "
        "lifted-out and monitored people only); *crossed by the year's first expense* = the "
        "crossing stay was the person's first of the year, which no projection from the year so "
        "far can foresee. *Scan delay* = days from the crossing stay to "
        "the first scheduled scan that flagged the person (an incremental check after the "
        "settlement flags them the same day).",
        "",
        "| rule | year | flagged | crossed by the year's first expense | warned early | "
        "no early warning | lead (days) | scan delay (days) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {r['rule']} | {r['year']} | {r['flagged']} | {r['alone']} | {r['early']} | "
              f"{r['none']} | "
              f"{r['lead']} | {r['scan_delay']} |" for r in rows]
    lines += ["", "| year | persons the projection flagged | never flagged by medical_cost_return "
              "that year (false alarms) |", "| --- | --- | --- |"]
    for a in alarms:
        share = f" ({a['false'] / a['projected']:.0%})" if a["projected"] else ""
        lines.append(f"| {a['year']} | {a['projected']} | {a['false']}{share} |")
    ret = next(r for r in rows if r["rule"] == "medical_cost_return" and r["year"] == "all")
    alarm = alarms[-1]
    could = ret["flagged"] - ret["alone"]
    lines += ["", f"In short: of the {ret['flagged']} person-years `medical_cost_return` flagged, "
              f"{ret['alone']} crossed the line with their first expense of the year; of the other "
              f"{could}, the projection warned {ret['early']} before the crossing stay "
              f"(lead {ret['lead']} days). Of the {alarm['projected']} person-years the "
              f"projection flagged, {alarm['false']} never crossed the line that year. The demo "
              "data has no imported settlement records (so no outpatient visits) and gives those "
              "admitted 1-3 stays a year, so most crossings are one large stay; the scan delays "
              "of more than 10 days were not examined one by one."]
    text = "\n".join(lines) + "\n"
    old = DOC.read_text(encoding="utf-8")
    if SECTION in old:
        start = old.index(SECTION)
        nxt = old.find("\n## ", start + len(SECTION))
        old = old[:start] + text + (old[nxt + 1:] if nxt >= 0 else "")
        DOC.write_text(old, encoding="utf-8")
    else:
        DOC.write_text(old.rstrip("\n") + "\n\n" + text, encoding="utf-8")


def main() -> None:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jkfp.config.settings")
    if not args.skip_build:
        recreate_database(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.JKFP_MONITORING_INCREMENTAL = False
    from jkfp.demo.services import demo_data_load
    from jkfp.settlement.models import ExternalSettlement, HospitalStay

    call_command("migrate", verbosity=0)
    if not args.skip_build:
        t0 = time.perf_counter()
        demo_data_load(persons=args.persons, seed=args.seed)
        print(f"demo of {args.persons:,} persons loaded in {time.perf_counter() - t0:.0f} s",
              flush=True)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    years = sorted({d.year for d in HospitalStay.objects.values_list("discharge_date", flat=True)})
    print(f"{HospitalStay.objects.count():,} stays, {ExternalSettlement.objects.count():,} imported "
          f"records, years {years}", flush=True)
    w, c = time.perf_counter(), time.process_time()
    first, crossed = replay(years)
    wall, cpu, load = time.perf_counter() - w, time.process_time() - c, os.getloadavg()[0]
    rows, alarms = figures(years, first, crossed)
    for r in rows:
        print(f"{r['rule']:20} {r['year']:>4}: flagged {r['flagged']:5}, by the first expense "
              f"{r['alone']:5}, warned early "
              f"{r['early']:5}, none {r['none']:5}; lead {r['lead']}; scan delay {r['scan_delay']}")
    for a in alarms:
        print(f"projected {a['year']:>4}: {a['projected']:5} persons, {a['false']:5} false alarms")
    print(f"replay {wall:.0f} s wall, {cpu:.0f} s CPU, load {load:.1f}")
    if not args.no_docs:
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            info = f"server {cur.fetchone()[0]}, {args.persons:,} demo persons"
        write_doc(args, info, rows, alarms, wall, cpu, load)
        print(f"written to {DOC}")


if __name__ == "__main__":
    main()
