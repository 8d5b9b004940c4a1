"""`jkfp warnings scan --as USERNAME [--region CODE] [--on DATE] [--rule ID ...]` (a full scan
by hand, with a progress bar) and `jkfp warnings export --as USERNAME --out FILE.csv
[--region CODE] [--status S]`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone
from tqdm import tqdm

from jkfp.accounts.access import code_in_scope
from jkfp.accounts.commands import ActingCommand
from jkfp.errors import DomainError
from jkfp.monitoring import scan
from jkfp.monitoring.csv_export import export_csv
from jkfp.monitoring.models import WarningStatus


class Command(ActingCommand):
    help = "监测预警：scan（按规则全面扫描管辖区域）、export（导出预警为 CSV）"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["scan", "export"])
        parser.add_argument("--region", default="", help="区划代码（须在 --as 用户的管辖区域内）")
        parser.add_argument("--on", default="", help="扫描日期 YYYY-MM-DD（默认今天）")
        parser.add_argument("--rule", action="append", default=[], help="只扫描这些规则")
        parser.add_argument("--out", default="", help="export：输出的 .csv 文件")
        parser.add_argument("--status", default="", help="export：只导出该状态的预警")
        parser.add_argument("--push", action="store_true",
                            help="scan：扫描后把新发现的预警推送给乡镇和相关部门")

    def _region(self, opts) -> str:
        region = opts["region"].strip() or self.user.region_code
        if not region and code_in_scope(self.user, ""):  # a user of every region: all of them
            return ""
        if not (region.isdigit() and code_in_scope(self.user, region)):
            raise CommandError(f"--region：区划“{region}”不在用户“{self.user.username}”的管辖区域内")
        return region

    def handle(self, *args, **opts):
        if opts["action"] == "scan":
            return self._scan(opts)
        return self._export(opts)

    def _scan(self, opts):
        region = self._region(opts)
        try:
            on = dt.date.fromisoformat(opts["on"]) if opts["on"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--on：日期“{opts['on']}”须为 YYYY-MM-DD") from None
        bar = tqdm(total=None, unit="条规则", desc="扫描", disable=None)

        def progress(done, total, message):
            bar.total = total
            bar.set_postfix_str(message[:20])
            bar.update(done - bar.n)

        try:
            run = scan.full_scan(user=self.user, region_code=region, on_date=on,
                                 rules=opts["rule"] or None, progress=progress)
        except DomainError as e:
            raise CommandError(str(e)) from None
        finally:
            bar.close()
        for rule, c in sorted(run.counts.items()):
            self.stdout.write(f"{rule}：新增 {c['new']}，仍存在 {c['still']}，依据变化 {c['changed']}")
        self.stdout.write(f"扫描 #{run.pk} 完成：区划 {region or '全部'}，日期 {on}")
        if opts["push"]:
            from jkfp.monitoring.services import push_found

            pushes = push_found(user_or_none=self.user, region_code=region, on_date=on)
            self.stdout.write(f"已推送：{len(pushes)} 份推送单（乡镇和部门各一份）")

    def _export(self, opts):
        out = Path(opts["out"] or "")
        if out.suffix.lower() != ".csv":
            raise CommandError(f"--out：文件“{out}”须以 .csv 结尾")
        if opts["status"] and opts["status"] not in WarningStatus.values:
            raise CommandError(f"--status：状态“{opts['status']}”不存在"
                               f"（可用：{'、'.join(WarningStatus.values)}）")
        region = opts["region"].strip()
        if region:
            region = self._region(opts)
        done = export_csv(str(out), user=self.user, region_code=region, status=opts["status"])
        self.stdout.write(f"已导出 {done.rows:,} 条预警 → {out}")
