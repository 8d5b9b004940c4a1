"""Benchmark of record linkage (issue 10): `make bench` runs `.venv/bin/python bench/bench_linkage.py`.

No database: `exchange.linkage.link` is pure Polars + splink (DuckDB).
1. generates a registry of --persons and a list of --rows with known truth (bench/linkage_data.py:
   Faker zh_CN names, 5% of IDs corrupted, 3% of names with typos half of them homophones, 1% of
   birth dates with two digits swapped, 5% of regions given to the township only, 2% new
   persons) and writes both to Parquet (not timed);
2. in a fresh process (so that its peak memory is the linkage's): reads them, runs `link` once
   for its time and peak resident memory (ru_maxrss), writes the result;
3. compares the result with the truth: precision and recall of the auto-linked pairs (exact +
   linked), what went to review, by kind of row; checks a second run gives the same result
   (--repeat);
4. prints a table and writes it to docs/benchmarks.md, section "## Record linkage (issue 10)".

    .venv/bin/python bench/bench_linkage.py [--persons 1000000] [--rows 1000000] [--no-docs]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_registry import DOC, machine  # noqa: E402
from linkage_data import dataset  # noqa: E402

SECTION = "## Record linkage (issue 10)"
AUTO = ("exact", "linked")
REVIEW = ("doubtful", "conflict")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--high", type=float, default=0.95)
    p.add_argument("--low", type=float, default=0.6)
    p.add_argument("--repeat", action="store_true", help="run link twice, check the same result")
    p.add_argument("--no-docs", action="store_true")
    p.add_argument("--child", help=argparse.SUPPRESS)
    return p.parse_args()


def child(args) -> None:
    """Read the inputs, link once, report time and peak memory (this process only)."""
    folder = Path(args.child)
    registry = pl.read_parquet(folder / "registry.parquet")
    incoming = pl.read_parquet(folder / "incoming.parquet").drop("truth")
    from jkfp.exchange.linkage import link

    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    start = time.perf_counter()
    out = link(incoming, registry, high=args.high, low=args.low)
    seconds = time.perf_counter() - start
    out.write_parquet(folder / f"result{os.getpid()}.parquet")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    peak_mb = usage.ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu_s": cpu, "peak_mb": peak_mb, "pid": os.getpid()}))


def run_child(args, folder: Path) -> tuple[dict, pl.DataFrame]:
    cmd = [sys.executable, __file__, "--child", str(folder), "--high", str(args.high),
           "--low", str(args.low)]  # fmt: skip
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    info = json.loads(done.stdout.strip().splitlines()[-1])
    return info, pl.read_parquet(folder / f"result{info['pid']}.parquet")


def quality(incoming: pl.DataFrame, result: pl.DataFrame) -> tuple[dict, list[tuple]]:
    j = result.join(incoming.select("row", "truth", "id_valid", "id_number", "kind"), on="row")
    auto = j.filter(pl.col("status").is_in(AUTO))
    right = auto.filter(pl.col("person_id") == pl.col("truth")).height
    held = j.filter(pl.col("truth").is_not_null()).height
    review = j.filter(pl.col("status").is_in(REVIEW))
    review_right = review.filter(
        pl.col("candidates").list.eval(pl.element().struct.field("person_id"))
        .list.contains(pl.col("truth"))
    ).height  # fmt: skip
    figures = {
        "auto": auto.height,
        "precision": right / auto.height if auto.height else 1.0,
        "recall": right / held if held else 1.0,
        "review": review.height,
        "review_with_truth": review_right,
        "wrong_links": auto.height - right,
        "new": j.filter(pl.col("status") == "new").height,
        "missed_new": j.filter((pl.col("status") == "new") & pl.col("truth").is_not_null()).height,
    }
    by_kind = (
        j.group_by("kind")
        .agg(
            pl.len().alias("rows"),
            pl.col("status").is_in(AUTO).sum().alias("auto"),
            (pl.col("status").is_in(AUTO) & (pl.col("person_id") == pl.col("truth")))
            .sum()
            .alias("right"),
            pl.col("status").is_in(REVIEW).sum().alias("review"),
            (pl.col("status") == "new").sum().alias("new"),
        )
        .sort("kind")
    )
    return figures, by_kind.rows()


def kinds(incoming: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    truth = registry.select(pl.col("person_id").alias("truth"), pl.col("id_number").alias("_id"),
                            pl.col("name").alias("_name"))  # fmt: skip
    j = incoming.join(truth, on="truth", how="left")
    kind = (
        pl.when(pl.col("truth").is_null()).then(pl.lit("new person"))
        .when(pl.col("id_number").is_null()).then(pl.lit("ID missing"))
        .when(pl.col("id_number") != pl.col("_id")).then(pl.lit("ID corrupted"))
        .when(pl.col("name") != pl.col("_name")).then(pl.lit("name typo, good ID"))
        .otherwise(pl.lit("good ID"))
    )  # fmt: skip
    return j.with_columns(kind.alias("kind")).drop("_id", "_name")


def main() -> None:
    args = parse_args()
    if args.child:
        child(args)
        return
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    registry, incoming = dataset(persons=args.persons, rows=args.rows, seed=args.seed)
    generated = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="bench_linkage") as tmp:
        folder = Path(tmp)
        registry.write_parquet(folder / "registry.parquet")
        incoming.write_parquet(folder / "incoming.parquet")
        info, result = run_child(args, folder)
        load_after = os.getloadavg()[0]
        same = None
        if args.repeat:
            _, again = run_child(args, folder)
            same = again.equals(result)
    figures, by_kind = quality(kinds(incoming, registry), result)
    report = {"generated_s": generated, **info, **figures, "same_again": same,
              "load_before": load_before, "load_after": load_after}  # fmt: skip
    print(json.dumps(report, indent=1))
    for row in by_kind:
        print(row)
    if not args.no_docs:
        write_doc(args, report, by_kind)


def write_doc(args, r: dict, by_kind: list[tuple]) -> None:
    info = machine()
    cmd = f".venv/bin/python bench/bench_linkage.py --persons {args.persons} --rows {args.rows}"
    cmd += " --repeat" if args.repeat else ""
    lines = [
        SECTION,
        "",
        f"Measured {dt.date.today():%Y-%m-%d} with",
        "",
        "```sh",
        cmd,
        "```",
        "",
        f"Machine: {info['cores']} cores, {info['cpu']}, {info['memory']} RAM; Python {info['python']}. "
        f"Load average (1 min) {r['load_before']:.1f} before, {r['load_after']:.1f} after the run "
        "(2 cores: above 2, other work shared the machine). One run of `exchange.linkage.link` in a "
        "process of its own (reading the two Parquet files is not timed; its peak memory is).",
        "",
        f"Data (`bench/linkage_data.py`, seed {args.seed}): a registry of {args.persons:,} persons and a "
        f"list of {args.rows:,} rows with known truth — 5% of ID numbers corrupted (wrong check "
        "character, one wrong digit, two digits swapped or missing, a quarter each), 3% of names "
        "with a typo (half homophones), 1% of birth dates with two digits swapped, 5% of regions "
        f"only to the township, 2% persons not in the registry. Thresholds high {args.high}, "
        f"low {args.low}.",
        "",
        "| measure | figure | target |",
        "| --- | ---: | --- |",
        f"| link, wall time | **{r['seconds']:.1f} s** | < 60 s for parse + validate + link + compare |",
        f"| link, CPU time of the process (user + system, all threads) | {r['cpu_s']:.1f} s | |",
        f"| link, peak resident memory of the process | **{r['peak_mb']:,.0f} MB** | < 2 GB |",
        f"| precision of the auto-linked pairs (exact + linked) | **{r['precision']:.4%}** "
        f"({r['wrong_links']} wrong of {r['auto']:,}) | ≥ 99.5% |",
        f"| recall of the auto-linked pairs (of the rows whose person we hold) | **{r['recall']:.4%}** | ≥ 98% |",
        f"| rows sent to review (doubtful + conflict) | {r['review']:,} "
        f"({r['review_with_truth']:,} with the right person among the candidates) | the rest in review |",
        f"| rows new (no candidate) | {r['new']:,} ({r['missed_new']:,} of them are in the registry) | |",
    ]
    if r["same_again"] is not None:
        lines.append(
            f"| a second run gives the same result | {'yes' if r['same_again'] else '**no**'} | yes |"
        )
    lines += [
        "",
        "By kind of row:",
        "",
        "| kind | rows | auto-linked | of them right | review | new |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *[f"| {k} | {n:,} | {a:,} | {ok:,} | {rv:,} | {nw:,} |" for k, n, a, ok, rv, nw in by_kind],
        "",
    ]
    text = "\n".join(lines)
    old = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if SECTION in old:
        start = old.index(SECTION)
        nxt = old.find("\n## ", start + len(SECTION))
        old = old[:start] + text + (old[nxt + 1 :] if nxt != -1 else "")
    else:
        old = old.rstrip("\n") + "\n\n" + text
    DOC.write_text(old)


if __name__ == "__main__":
    main()
