"""Benchmark of reading and validating a list (issue 10): a generated civil-affairs list of
`--rows` rows (valid IDs, 5 % with a wrong check character, a few bad dates), as a GB18030 CSV
and as an .xlsx, read (`exchange.reading.read_table`) and checked
(`exchange.validation.check_table`); no database is touched.

    .venv/bin/python bench/bench_exchange.py [--rows 200000] [--repeat 3] [--no-xlsx]

Prints the median time of each phase and the process's peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import resource
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jkfp.config.settings")


def _ids(n: int, rng: random.Random):
    from jkfp.registry import idnumber

    start = dt.date(1930, 1, 1)
    for i in range(n):
        birth = start + dt.timedelta(days=rng.randrange(0, 30000))
        number = idnumber.make("640323", birth, i % 1000)
        if rng.random() < 0.05:
            number = number[:17] + ("0" if number[17] != "0" else "1")
        yield number


def build_rows(n: int) -> list[list[str]]:
    rng = random.Random(20261202)
    cats = ["低保", "特困人员", "低保边缘家庭成员", "低保对象"]
    rows = []
    for i, number in enumerate(_ids(n, rng)):
        start = f"{rng.randrange(2018, 2025)}-{rng.randrange(1, 13):02d}-01"
        if i % 997 == 0:
            start = "2021/13/01"
        rows.append([str(i + 1), f"姓名{i % 5000}", number, cats[i % 4], start, ""])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-xlsx", action="store_true")
    args = ap.parse_args()
    import django

    django.setup()
    import xlsxwriter

    from jkfp.exchange import kinds
    from jkfp.exchange.reading import read_table
    from jkfp.exchange.validation import check_table

    header = ["序号", "姓名", "身份证号码", "保障类别", "认定日期", "终止日期"]
    rows = build_rows(args.rows)
    csv = (
        "低保名单\n" + ",".join(header) + "\n" + "\n".join(",".join(r) for r in rows) + "\n"
    ).encode("gb18030")
    files = {"csv (GB18030)": csv}
    if not args.no_xlsx:
        out = io.BytesIO()
        wb = xlsxwriter.Workbook(out, {"constant_memory": True})
        ws = wb.add_worksheet()
        ws.write_row(0, 0, ["低保名单"])
        ws.write_row(1, 0, header)
        for i, r in enumerate(rows, start=2):
            ws.write_row(i, 0, r)
        wb.close()
        files["xlsx"] = out.getvalue()
    spec = kinds.kind("civil_affairs")
    print(f"rows {args.rows:,}; load average {os.getloadavg()[0]:.2f}")
    for name, data in files.items():
        t_read, t_check = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            table = read_table(data, spec)
            t1 = time.perf_counter()
            checked = check_table(table, spec)
            t2 = time.perf_counter()
            t_read.append(t1 - t0)
            t_check.append(t2 - t1)
        print(
            f"{name}: {len(data) / 1e6:.1f} MB, read {statistics.median(t_read):.2f} s, "
            f"validate {statistics.median(t_check):.2f} s, errors {len(checked.errors):,}, "
            f"wrong check digits {checked.frame['id_valid'].not_().sum():,}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
