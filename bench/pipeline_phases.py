"""The measurements of bench_pipeline.py, each run in a child process of its own (Django set
up on the benchmark database): `make_files`, `pipeline`, `apply`. Each returns a dict that
the parent prints."""

from __future__ import annotations

import datetime as dt
import gc
import os
import random
import resource
import time
from pathlib import Path

HEADER = ["县（市、区）", "乡（镇）", "行政村", "户编号", "姓名", "证件号码", "与户主关系",
          "劳动技能", "联系电话", "户类型", "监测对象类别", "识别监测时间", "风险是否已消除",
          "风险消除时间"]
RELATION = {"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母",
            "grandchild": "孙子女", "child_in_law": "儿媳", "grandparent": "祖父母",
            "sibling": "兄弟姐妹", "other": "其他"}
WORK = {"able": "普通劳动力", "skilled": "技能劳动力", "weak": "弱劳动力", "unable": "丧失劳动力",
        "none": "无劳动力"}
#: what compare.plan_monitoring reads of a row
PLAN_COLUMNS = ("id_number", "id_valid", "relation", "phone", "work_ability", "household_type",
                "exit_year", "monitored_type", "identified_month", "risk_cleared",
                "cleared_month", "clear_way")
TYPO = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


class Timer:
    def __init__(self):
        self.phases: dict[str, dict] = {}

    def __call__(self, name, fn, *a, **kw):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn(*a, **kw)
        self.phases[name] = {
            "wall": time.perf_counter() - w0,
            "cpu": time.process_time() - c0,
            "load": f"{os.getloadavg()[0]:.1f}",
            "peak_mb": peak_mb(),
            "rss_mb": rss_mb(),
        }
        return out


def peak_mb() -> float:
    """The process's peak resident memory so far. Linux keeps ru_maxrss across exec, so a
    child of a large parent starts at the parent's: run the phases from a small parent."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """The resident memory now (what a phase leaves to the next)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def bench_user():
    from jkfp.accounts.models import User

    user, _ = User.objects.get_or_create(username="bench_pipeline", defaults={"is_superuser": True})
    if not user.is_superuser:
        user.is_superuser = True
        user.save()
    return user


def _cache(args, ext: str) -> Path:
    return Path(f"/tmp/jkfp-bench-monitoring-{args.rows}-seed{args.seed}.{ext}")


def _rows(args) -> tuple[list[list[str]], list[int | None]]:
    """The export's rows (text cells) and the true person of each row."""
    from jkfp.regions.models import Region
    from jkfp.registry import idnumber
    from jkfp.registry.models import Person

    names = dict(Region.objects.values_list("code", "name"))
    rng = random.Random(args.seed)
    persons = list(
        Person.objects.order_by("pk").values_list(
            "pk", "name", "id_number", "relation", "work_ability", "phone", "region_code",
            "household__household_number",
        )[: args.rows]
    )
    rows, truth = [], []
    for i, (pk, name, number, relation, work, phone, region, hh) in enumerate(persons):
        if rng.random() < 0.05:  # a wrong check character
            c = number[17]
            number = number[:17] + idnumber.CHECK_CHARS[(idnumber.CHECK_CHARS.index(c) + 1) % 11]
        if rng.random() < 0.03:
            name = name[0] + TYPO[rng.randrange(len(TYPO))] + name[2:] if len(name) > 2 else (
                TYPO[rng.randrange(len(TYPO))] + name[1:])
        if rng.random() < 0.02:
            phone = f"13{rng.randrange(10**9):09d}"
        month = f"{rng.randrange(2021, 2026)}{rng.randrange(1, 13):02d}"
        if i % 1000 == 999:
            month = "202113"
        monitored = rng.random() < 0.3
        cleared = monitored and rng.random() < 0.5
        rows.append([
            names.get(region[:6], ""), names.get(region[:9], ""), names.get(region, ""), hh,
            name, number, RELATION.get(relation, "其他"), WORK.get(work, ""), phone or "",
            "监测户" if monitored else "一般农户", "边缘易致贫户" if monitored else "",
            month if monitored else "", ("是" if cleared else "否") if monitored else "",
            "202512" if cleared else "",
        ])
        truth.append(pk)
    return rows, truth


def make_files(args) -> dict:
    import polars as pl

    csv_path, xlsx_path = _cache(args, "csv"), _cache(args, "xlsx")
    truth_path = _cache(args, "truth.parquet")
    files = {"CSV": str(csv_path)}
    if not args.no_xlsx:
        files["xlsx"] = str(xlsx_path)
    if all(Path(p).exists() for p in files.values()) and truth_path.exists():
        return {"files": files}
    rows, truth = _rows(args)
    pl.DataFrame({"line": range(4, 4 + len(truth)), "person_id": truth}).write_parquet(truth_path)
    with open(csv_path, "w", encoding="utf-8", newline="") as f:
        f.write("全国防返贫监测信息系统导出\n\n" + ",".join(HEADER) + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")
    if not args.no_xlsx and not xlsx_path.exists():
        import xlsxwriter

        wb = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True})
        ws = wb.add_worksheet()
        ws.write_row(0, 0, ["全国防返贫监测信息系统导出"])
        ws.write_row(2, 0, HEADER)
        for i, r in enumerate(rows, start=3):
            ws.write_row(i, 0, r)
        wb.close()
    return {"files": files}


def pipeline(args) -> dict:
    import polars as pl

    from jkfp.exchange import kinds, selectors
    from jkfp.exchange.compare_frame import plan_monitoring_frame
    from jkfp.exchange.linking import link_rows
    from jkfp.exchange.reading import read_table
    from jkfp.exchange.validation import check_table

    user = bench_user()
    spec = kinds.kind("monitoring")
    data = Path(args.file).read_bytes()
    size = len(data)
    t = Timer()
    w0, c0 = time.perf_counter(), time.process_time()
    table = t("read", read_table, data, spec)
    del data
    villages = selectors.village_resolver(user=user)
    checked = t("validate", check_table, table, spec, villages=villages)
    bad = checked.error_lines()
    # what links and compares is the valid rows: the file, its text table and the checked
    # frame are let go first (decision 75)
    good = checked.frame.filter(~pl.col("_line").is_in(list(bad)))
    del table, checked
    gc.collect()  # errors caught with their tracebacks hold the frames in reference cycles
    registry = t("registry", selectors.registry_frame, user=user)
    links = t("link", link_rows, good, registry, scope="")
    del registry

    def compare():
        # column-wise (decision 74): the plan's rows stay columns until one is read
        used = [c for c in good.columns if c in PLAN_COLUMNS]
        frame = good.select(pl.col("_line").alias("line"), *used).join(
            links.select(pl.col("row").alias("line"), "person_id"), on="line"
        )
        state = selectors.plan_state_frame(
            user=user, kind="monitoring", person_ids=frame["person_id"]
        )
        return plan_monitoring_frame(frame, state, note="bench")

    plan = t("compare", compare)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    truth = pl.read_parquet(_cache(args, "truth.parquet"))
    scored = links.join(truth.rename({"line": "row", "person_id": "true"}), on="row")
    auto = scored.filter(pl.col("status").is_in(["exact", "linked"]))
    right = auto.filter(pl.col("person_id") == pl.col("true")).height
    statuses = dict(links.group_by("status").len().rows())
    return {
        "mb": size / 1e6,
        "phases": t.phases,
        "wall": wall,
        "cpu": cpu,
        "peak_mb": peak_mb(),
        "error_rows": len(bad),
        "statuses": statuses,
        "planned": len(plan.rows),
        "plan": plan.rows.status_counts(),
        "precision": right / max(auto.height, 1),
        "recall": right / max(scored.filter(pl.col("true").is_not_null()).height, 1),
        "review": statuses.get("doubtful", 0) + statuses.get("conflict", 0),
    }


def _civil_list(args) -> tuple[bytes, int, int]:
    """A civil-affairs list of apply_rows rows: the open 低保 periods ended (up to 40 %),
    the rest new 低保 periods for persons without one."""
    from jkfp.registry.models import CategoryPeriod, Person

    n = args.apply_rows
    open_ = list(
        CategoryPeriod.objects.filter(category="minimum_living", end_date__isnull=True,
                                      person__isnull=False)
        .order_by("pk").values_list("person_id", "start_date")[: n * 2 // 5]
    )
    held = set(
        CategoryPeriod.objects.filter(category="minimum_living", person__isnull=False)
        .values_list("person_id", flat=True)
    )
    ended = dict(open_)
    fresh = []
    for pid in Person.objects.filter(alive=True).order_by("-pk").values_list("pk", flat=True):
        if len(fresh) >= n - len(ended):
            break
        if pid not in held:
            fresh.append(pid)
    ids = dict(Person.objects.filter(pk__in=list(ended) + fresh).values_list("pk", "id_number"))
    names = dict(Person.objects.filter(pk__in=list(ended) + fresh).values_list("pk", "name"))
    end = dt.date(2026, 6, 30)
    lines = ["序号,姓名,身份证号码,保障类别,认定日期,终止日期"]
    for i, (pid, start) in enumerate(ended.items(), start=1):
        lines.append(f"{i},{names[pid]},{ids[pid]},低保,{start},{max(start, end)}")
    for i, pid in enumerate(fresh, start=len(ended) + 1):
        lines.append(f"{i},{names[pid]},{ids[pid]},低保,2026-01-01,")
    return ("\n".join(lines) + "\n").encode("utf-8"), len(fresh), len(ended)


def apply(args) -> dict:
    from jkfp.exchange import services

    user = bench_user()
    data, opened, ended = _civil_list(args)
    t = Timer()
    batch = t("check", services.batch_check, user=user, kind="civil_affairs", data=data,
              file_name="bench.csv")
    summary = t("apply", services.batch_apply, user=user, batch=batch)
    t("undo", services.batch_undo, user=user, batch=batch)
    return {
        "rows": opened + ended,
        "opened": summary.get("periods_opened", 0),
        "ended": summary.get("periods_ended", 0),
        "phases": t.phases,
        "peak_mb": peak_mb(),
    }


def apply_checked(args) -> dict:
    """Apply (and undo) the last batch a previous `apply` left checked: the apply alone."""
    from jkfp.exchange import services
    from jkfp.exchange.models import Batch, BatchState

    user = bench_user()
    batch = Batch.objects.filter(state=BatchState.CHECKED).latest("pk")
    t = Timer()
    summary = t("apply", services.batch_apply, user=user, batch=batch)
    t("undo", services.batch_undo, user=user, batch=batch)
    return {
        "rows": summary.get("applied_rows", 0),
        "opened": summary.get("periods_opened", 0),
        "ended": summary.get("periods_ended", 0),
        "phases": t.phases,
        "peak_mb": peak_mb(),
    }


def read(args) -> dict:
    """`read_table` alone on --file: CPU, wall and peak memory of one call."""
    from jkfp.exchange import kinds
    from jkfp.exchange.reading import read_table

    data = Path(args.file).read_bytes()
    t = Timer()
    table = t("read", read_table, data, kinds.kind("monitoring"))
    return {"rows": table.frame.height, "phases": t.phases, "peak_mb": peak_mb()}
