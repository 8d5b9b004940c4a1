"""`jkfp catalog check [DIR]` and `jkfp catalog show REGION DATE [--kind KIND] [--dir DIR]`.

check: reads and validates every catalog file (docs/catalogs.md); exit status 0 when all are
valid, 1 with every problem listed on stderr as file:line. show: the lists in force in a region on
a date, each disease with its ICD-10 codes, dates and source, and who may open a case.
Exit status 2: a bad command line (unknown region form, date not YYYY-MM-DD).
"""

import datetime as dt
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jkfp.categories import LABELS, Category
from jkfp.errors import ValidationErrors
from jkfp.health import catalog as cat


class Command(BaseCommand):
    help = ("检查、查看疾病目录：jkfp catalog check [DIR] | "
            "show REGION DATE [--kind KIND] [--dir DIR]")
    requires_system_checks = []  # the catalog's own check reports the errors itself

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="check|show")
        check = sub.add_parser("check", help="校验目录文件夹中的全部文件（默认 JKFP_CATALOG_DIR）")
        check.add_argument("directory", nargs="?", help="目录文件夹")
        show = sub.add_parser("show", help="某区划某日有效的疾病目录")
        show.add_argument("region", help="区划代码（如 640323 或村级 12 位代码）")
        show.add_argument("date", help="日期 YYYY-MM-DD")
        show.add_argument("--kind", choices=cat.KINDS, help="只看一类目录")
        show.add_argument("--dir", dest="directory", help="目录文件夹（默认 JKFP_CATALOG_DIR）")

    def _load(self, directory):
        folder = Path(directory) if directory else cat.catalog_dir()
        try:
            return folder, cat.load(folder)
        except ValidationErrors as exc:
            self.stderr.write(f"疾病目录有 {len(exc.errors)} 处错误（{folder}）：")
            for err in exc.errors:
                self.stderr.write(f"  {err.message}")
            sys.exit(1)

    def handle(self, *args, **options):
        if options["action"] == "check":
            self._check(options.get("directory"))
        else:
            self._show(options["region"], options["date"], options.get("kind"),
                       options.get("directory"))

    def _check(self, directory):
        folder, catalog = self._load(directory)
        examples = sum(d.example for d in catalog.diseases)
        self.stdout.write(f"疾病目录有效（{folder}）：{len(catalog.files)} 个文件，"
                          f"{len(catalog.diseases)} 个病种条目（其中示例 {examples} 个），"
                          f"{len(catalog.rules)} 条准入规则。")
        for file in catalog.files:
            diseases = [d for d in catalog.diseases if d.file == file]
            rules = [r for r in catalog.rules if r.file == file]
            if diseases:
                d = diseases[0]
                region = d.region or "national"
                what = (f"{region} {cat.KIND_LABELS[d.kind]} {len(diseases)} 个病种"
                        f"（示例 {sum(x.example for x in diseases)} 个）")
            else:
                what = f"准入规则 {len(rules)} 条（示例 {sum(r.example for r in rules)} 条）"
            self.stdout.write(f"  {file}：{what}")

    def _show(self, region, date, kind, directory):
        if not region.isdigit() and region != "national":
            raise CommandError(f"区划“{region}”须为数字代码或 national", returncode=2)
        try:
            on = dt.date.fromisoformat(date)
        except ValueError:
            raise CommandError(f"日期“{date}”须写成 YYYY-MM-DD", returncode=2) from None
        code = "" if region == "national" else region
        folder, catalog = self._load(directory)
        self.stdout.write(f"{region} 在 {on} 的疾病目录（{folder}）：")
        for k in (kind,) if kind else cat.KINDS:
            list_region = catalog.list_region(region_code=code, on=on, kind=k)
            diseases = catalog.in_force(region_code=code, on=on, kind=k)
            if list_region is None:
                self.stdout.write(f"{cat.KIND_LABELS[k]}（{k}）：无有效目录")
                continue
            self.stdout.write(f"{cat.KIND_LABELS[k]}（{k}）：{list_region or 'national'} 目录，"
                              f"{len(diseases)} 种")
            for d in diseases:
                until = f"至 {d.end}" if d.end else "起"
                self.stdout.write(f"  {d.code:<32} {d.name}  ICD-10 {d.icd10_text}  "
                                  f"{d.start} {until}  {'示例' if d.example else '来源：' + d.source}")
            if k == cat.SPECIAL_TREATMENT:
                rule = catalog.eligibility_rule(region_code=code, on=on, programme=k)
                if rule is None:
                    self.stdout.write("  可建档人员类别：无有效规则")
                else:
                    names = "、".join(f"{c}（{LABELS[Category(c)]}）"
                                     for c in sorted(rule.categories))
                    self.stdout.write(f"  可建档人员类别（{rule.region or 'national'}，"
                                      f"{'示例' if rule.example else '来源：' + rule.source}）："
                                      f"{names}")
