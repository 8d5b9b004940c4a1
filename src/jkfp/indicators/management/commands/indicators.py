"""`jkfp indicators rebuild|refresh|export` (docs/indicators.md).

`rebuild` and `refresh` write figures (counts and sums by region, no personal data) from
whole tables, like `jkfp summary rebuild`: no `--as`. `export` reads figures for a user's
region and takes `--as USERNAME` (the user's scope decides which regions it may export).
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from jkfp.accounts.commands import acting_user
from jkfp.errors import DomainError

from ... import selectors, services
from ...periods import parse


class Command(BaseCommand):
    help = "指标：全量重算（rebuild）、增量刷新（refresh）、导出（export）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rb = sub.add_parser("rebuild", help="由源表重新计算全部指标（各级区划、各期间）")
        rb.add_argument("--year", type=int, action="append", help="年度（可多次；默认已算年度与今年）")
        sub.add_parser("refresh", help="只重算有变动的村及其上级")
        ex = sub.add_parser("export", help="导出某区划及其下级的指标（CSV）")
        ex.add_argument("--as", dest="as_user", metavar="USERNAME",
                        help="以该用户的身份导出：其管辖区域（必填）")
        ex.add_argument("--region", required=True)
        ex.add_argument("--period", required=True)
        ex.add_argument("--out", required=True)
        ex.add_argument("--bom", action="store_true",
                        help="文件开头写入 UTF-8 BOM（供 Excel 直接打开中文）")

    def handle(self, *args, **opts):
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except (DomainError, Http404) as exc:  # Http404: a region outside the user's scope
            raise CommandError(str(exc)) from None

    def _bar(self):
        """A bar and the progress callback that moves it (the service knows the total: the
        indicators × the years × the chunks of villages)."""
        from tqdm import tqdm
        bar = tqdm(total=None, unit="项", disable=None, file=sys.stderr)

        def step(done: int, total: int, indicator_id: str) -> None:
            bar.total = total
            bar.update(done - bar.n)
            bar.set_postfix_str(indicator_id, refresh=False)
        return bar, step

    def _rebuild(self, opts):
        bar, step = self._bar()
        done = services.indicators_rebuild(years=opts["year"], progress=step)
        bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"已重算 {done.indicators} 项指标、{done.periods} 个期间，{done.seconds:.2f} 秒"))

    def _refresh(self, opts):
        bar, step = self._bar()
        done = services.indicators_refresh(progress=step)
        bar.close()
        what = (f"{done.villages} 个村" if done.villages is not None
                else "全部村（标记待刷新的村过多，已整体重算）")
        self.stdout.write(self.style.SUCCESS(f"已刷新 {what}的指标，{done.seconds:.2f} 秒"))

    def _export(self, opts):
        user = acting_user(opts.get("as_user"))
        period = parse(opts["period"])
        n = selectors.figures_export_csv(user=user, region_code=opts["region"].strip(),
                                         period=period.code, path=opts["out"],
                                         bom=opts["bom"])
        self.stdout.write(self.style.SUCCESS(f"已导出 {n} 行 → {opts['out']}"))
