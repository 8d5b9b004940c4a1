"""`jkfp export --as USERNAME --out FILE.xlsx [--q TEXT] [--category CODE] [--region CODE]`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from jkfp.accounts.access import code_in_scope
from jkfp.accounts.commands import ActingCommand
from jkfp.categories import parse_category
from jkfp.registry import export


class Command(ActingCommand):
    help = ("导出家庭户检索结果的成员名单（Excel，身份证号和电话脱敏），与页面上的“导出”相同，"
            "范围为 --as 用户的管辖区域。")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="输出的 .xlsx 文件")
        parser.add_argument("--q", default="", help="姓名、身份证号（或后几位）、户编号")
        parser.add_argument("--category", default="", help="当前类别代码")
        parser.add_argument("--region", default="", help="区划代码（须在 --as 用户的管辖区域内）")

    def handle(self, *args, **opts):
        out = Path(opts["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(f"--out：文件“{out}”须以 .xlsx 结尾")
        if opts["category"] and parse_category(opts["category"]) is None:
            raise CommandError(f"--category：类别“{opts['category']}”不存在")
        region = opts["region"].strip()
        if region and not (region.isdigit() and code_in_scope(self.user, region)):
            raise CommandError(f"--region：区划“{region}”不在用户“{self.user.username}”的管辖区域内")
        category = parse_category(opts["category"]).value if opts["category"] else ""
        filters = export.ExportFilters(q=opts["q"], category=category, region_code=region)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        done = export.export_write(str(out), user=self.user, filters=filters,
                                   title=f"家庭户成员名单（导出于 {stamp}）")
        note = (f"（超过 {export.EXPORT_LIMIT:,} 人，仅导出前 {export.EXPORT_LIMIT:,} 人）"
                if done.truncated else "")
        self.stdout.write(f"已导出 {done.rows:,} 人{note} → {out}")
