"""Benchmark of importing the platform's settlement records (issue 10, kind
`insurance_settlements`, decision 52): a generated GB18030 CSV of `--rows` records of the
persons of 盐池县 (640323) in a registry loaded by `jkfp demo_data --persons 1000000`, read,
validated, linked by ID and stored as a batch (`exchange.services.batch_check`), then applied
(`batch_apply`: bulk insert of the records and their provenance). The batch is removed
afterwards (raw DELETE, bench only), so the run can be repeated.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_settlement_import.py [--rows 1000000]

Prints wall and CPU time (process) of each phase with the load average, and the peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jkfp.config.settings")

HEADER = [
    "序号", "姓名", "证件号码", "险种类型", "人员类别", "医疗类别", "定点医药机构名称", "医院等级",
    "就医地", "入院日期", "出院日期", "结算流水号", "医疗费总额", "全自费金额", "符合政策范围金额",
    "统筹基金支出", "大病保险支出", "医疗救助基金支出", "其他基金支出", "基金支付总额",
    "医院负担金额", "个人负担总金额", "个人账户支出", "个人现金支出",
]
HOSPITALS = ["盐池县人民医院", "盐池县中医医院", "宁夏医科大学总医院", "吴忠市人民医院"]


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def build_csv(persons: list[tuple[str, str]], n: int, seed: int = 20261202,
              year: int = 2025) -> bytes:
    """The records of `year`; another year's records have their own settlement numbers."""
    rng = random.Random(seed)
    start = dt.date(year, 1, 1)
    prefix = "JS" if year == 2025 else f"JS{year}"
    lines = ["盐池县医疗保障局结算清单", ",".join(HEADER)]
    for i in range(n):
        name, number = persons[i % len(persons)]
        adm = start + dt.timedelta(days=rng.randrange(0, 350))
        dis = adm + dt.timedelta(days=rng.randrange(0, 15))
        total = rng.randrange(10_000, 5_000_000)
        basic = total * 6 // 10
        critical = total // 10 if total > 1_000_000 else 0
        assistance = total // 20
        fund = basic + critical + assistance
        personal = total - fund
        inpatient = i % 3 != 0
        lines.append(",".join([
            str(i + 1), name, number, "城乡居民基本医疗保险", "普通居民",
            "住院" if inpatient else "门诊慢特病", HOSPITALS[i % 4], "二级甲等", "县域内",
            adm.isoformat(), dis.isoformat(), f"{prefix}{i:09d}", _yuan(total), "0", _yuan(total),
            _yuan(basic), _yuan(critical), _yuan(assistance), "0", _yuan(fund), "0",
            _yuan(personal), "0", _yuan(personal),
        ]))
    return ("\n".join(lines) + "\n").encode("gb18030")


def _cpu() -> float:
    return time.process_time()


def _server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the PostgreSQL backend serving this process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--county", default="640323")
    ap.add_argument("--year", type=int, default=2025,
                    help="the records' year (another year: new settlement numbers; run after "
                         "--keep of 2025 for an import into a table already holding a year)")
    ap.add_argument("--explain", action="store_true",
                    help="print EXPLAIN ANALYZE of the import's WITH statements in a transaction "
                         "(run in a savepoint rolled back, then for real: times double)")
    ap.add_argument("--keep", action="store_true", help="keep the batch (no clean-up)")
    ap.add_argument("--sql-times", action="store_true",
                    help="print each SQL statement that takes more than half a second")
    args = ap.parse_args()
    import django

    django.setup()
    from django.db import connection

    from jkfp.accounts.models import Department, Role, User
    from jkfp.exchange import kinds, services
    from jkfp.exchange.models import Batch
    from jkfp.exchange.reading import read_table
    from jkfp.exchange.validation import check_table
    from jkfp.registry.models import Person

    if args.sql_times or args.explain:
        def timed(execute, sql, params, many, context):
            if args.explain and not many and sql.lstrip().startswith("WITH") and \
                    connection.in_atomic_block:
                cur = context["cursor"]  # the plan of the statement, then undone
                cur.execute("SAVEPOINT bench_explain")
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                print("\n".join("      " + r[0] for r in cur.fetchall()))
                cur.execute("ROLLBACK TO SAVEPOINT bench_explain")
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                if (d := time.perf_counter() - t) > 0.5:
                    print(f"    SQL {d:.1f} s: {' '.join(sql.split())[:110]}")

        connection.execute_wrappers.append(timed)
    user, _ = User.objects.get_or_create(
        username="bench_settle",
        defaults={"region_id": args.county, "role": Role.REVIEWER,
                  "department": Department.MEDICAL_INSURANCE, "full_name": "结算导入基准"})
    persons = list(Person.objects.filter(region_code__startswith=args.county, alive=True)
                   .order_by("pk").values_list("name", "id_number"))
    registry = Person.objects.count()
    data = build_csv(persons, args.rows, year=args.year)
    print(f"registry {registry:,} persons, {len(persons):,} in {args.county}; rows "
          f"{args.rows:,}; file {len(data) / 1e6:.1f} MB; load average "
          f"{os.getloadavg()[0]:.2f}")
    spec = kinds.kind("insurance_settlements")
    t0, c0 = time.perf_counter(), _cpu()
    table = read_table(data, spec)
    t1, c1 = time.perf_counter(), _cpu()
    checked = check_table(table, spec)
    t2, c2 = time.perf_counter(), _cpu()
    print(f"  (read alone {t1 - t0:.1f} s wall / {c1 - c0:.1f} s CPU, validate alone "
          f"{t2 - t1:.1f} s / {c2 - c1:.1f} s, errors {len(checked.errors)})")
    del table, checked
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 0")
        (backend,) = cur.fetchone()
    print(f"peak memory after read + validate {_peak_mb():.0f} MB")
    t0, c0, la0 = time.perf_counter(), _cpu(), os.getloadavg()[0]
    s0 = _server_cpu(backend)
    batch = services.batch_check(user=user, kind="insurance_settlements", data=data,
                                 file_name="bench.csv")
    t1, c1, s1 = time.perf_counter(), _cpu(), _server_cpu(backend)
    s = batch.summary
    print(f"check (read, validate, link, plan, store): {t1 - t0:.1f} s wall, {c1 - c0:.1f} s "
          f"CPU, server {s1 - s0:.1f} s CPU; created {s['created']:,} errors {s['errors']:,} "
          f"ignored {s['ignored']:,} doubtful {s['doubtful']:,}; load average {la0:.2f} → "
          f"{os.getloadavg()[0]:.2f}; peak memory {_peak_mb():.0f} MB")
    t2, c2, la2 = time.perf_counter(), _cpu(), os.getloadavg()[0]
    out = services.batch_apply(user=user, batch=batch)
    t3, c3, s3 = time.perf_counter(), _cpu(), _server_cpu(backend)
    print(f"apply: {t3 - t2:.1f} s wall, {c3 - c2:.1f} s CPU, server {s3 - s1:.1f} s CPU; "
          f"records {out['settlements_created']:,}; load average {la2:.2f} → "
          f"{os.getloadavg()[0]:.2f}; peak memory {_peak_mb():.0f} MB")
    print(f"total check + apply: {t3 - t0:.1f} s wall, {c3 - c0:.1f} s CPU, server "
          f"{s3 - s0:.1f} s CPU (target < 60 s wall)")
    if not args.keep:
        with connection.cursor() as cur:
            for sql in (
                "DELETE FROM settlement_externalsettlement WHERE batch_id = %s",
                "DELETE FROM exchange_change WHERE batch_id = %s",
                "DELETE FROM exchange_batchrow WHERE batch_id = %s",
                "DELETE FROM exchange_settlementstage WHERE batch_id = %s",
                "DELETE FROM exchange_historicalbatch WHERE id = %s",
            ):
                cur.execute(sql, [batch.pk])
        Batch.objects.filter(pk=batch.pk).delete()


if __name__ == "__main__":
    main()
