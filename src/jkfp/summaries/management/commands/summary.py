"""`jkfp summary rebuild [NAME …]`: recompute the summary counts from their source tables.

The summaries hold counts by village, no personal data, and a rebuild reads every row of the
source tables whatever a user's region: so this command takes no `--as` (decision 25).
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from jkfp.summaries import definitions
from jkfp.summaries.services import Rebuilt, summary_rebuild


class Command(BaseCommand):
    help = "重建汇总计数（按村、类别的人数/户数），全表集合运算，不含个人信息，无需 --as。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="由源表重新计算汇总")
        rebuild.add_argument("names", nargs="*", help="汇总名称（默认全部）")
        sub.add_parser("list", help="列出已定义的汇总")

    def handle(self, *args, **opts):
        known = {d.name: d for d in definitions.definitions()}
        if opts["action"] == "list":
            for d in known.values():
                self.stdout.write(f"{d.name}\t{d.description}")
            return
        unknown = [n for n in opts["names"] if n not in known]
        if unknown:
            raise CommandError(f"汇总“{'、'.join(unknown)}”不存在；已定义：{'、'.join(known)}")
        names = opts["names"] or list(known)
        from tqdm import tqdm

        bar = tqdm(total=len(names), unit="汇总", disable=None, file=sys.stderr)

        def progress(done: Rebuilt) -> None:
            bar.update(1)
            self.stdout.write(f"{done.name}: {done.rows:,} 行，合计 {done.total:,}，"
                              f"{done.seconds:.2f} 秒")

        summary_rebuild(names=names, progress=progress)
        bar.close()
        self.stdout.write(self.style.SUCCESS(f"已重建 {len(names)} 个汇总"))
