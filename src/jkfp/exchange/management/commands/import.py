"""`jkfp import KIND FILE --as USERNAME [--sheet S] (--dry-run | --apply) [--skip-invalid]
[--report OUT.xlsx] [--summary-json OUT.json]` — the same pipeline as the upload page.

Exit 0 when the file was processed (also with doubtful rows left waiting for a person), 1 when
errors stop the apply (or the file cannot be read as a list of the kind)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import CommandError
from tqdm import tqdm

from jkfp.accounts.commands import ActingCommand
from jkfp.errors import DomainError
from jkfp.exchange import kinds, report, services
from jkfp.exchange.models import STATUS_KEYS

SHOW_ERRORS = 50


class Command(ActingCommand):
    help = "导入其他部门的名单：校验、关联、比对（--dry-run），或校验后导入（--apply）。"

    def add_arguments(self, parser):
        parser.add_argument("kind", help="名单种类：" + "、".join(kinds.DEPARTMENTS))
        parser.add_argument("file", help=".xlsx、.xls 或 .csv 文件")
        parser.add_argument("--sheet", default="", help="工作表名称（默认第一个）")
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--dry-run", action="store_true", help="只校验和比对，不写入")
        mode.add_argument("--apply", action="store_true", help="校验后导入")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="有错误的行跳过，只导入无错误的行（跳过的行列在汇总中）",
        )
        parser.add_argument("--report", default="", help="比对结果 .xlsx")
        parser.add_argument("--summary-json", default="", help="汇总 JSON 文件")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"文件“{path}”不存在")
        bar = tqdm(
            total=6 if opts["apply"] else 5,
            desc="名单导入",
            unit="步",
            file=sys.stderr,
            disable=None,
        )
        try:
            def step(done, total, message=""):  # the check's steps: read, validate, link, compare
                bar.n = done
                bar.set_postfix_str(message)
                bar.refresh()

            batch = services.batch_check(
                user=self.user,
                kind=opts["kind"],
                data=path.read_bytes(),
                file_name=path.name,
                sheet=opts["sheet"] or None,
                progress=step,
            )
        except DomainError as exc:
            bar.close()
            self.stderr.write(f"无法导入：{exc}")
            for e in getattr(exc, "errors", [])[1:]:
                self.stderr.write(f"  {e}")
            sys.exit(1)
        summary = batch.summary
        code = 0
        if opts["apply"]:
            bar.set_postfix_str("导入")
            try:
                summary = services.batch_apply(
                    user=self.user, batch=batch, skip_invalid=opts["skip_invalid"]
                )
            except DomainError as exc:
                self.stderr.write(f"未导入：{exc.message}")
                code = 1
            bar.update(1)
        if opts["report"]:
            Path(opts["report"]).write_bytes(report.batch_workbook(user=self.user, batch=batch))
        bar.update(1)
        bar.close()
        if opts["summary_json"]:
            Path(opts["summary_json"]).write_text(
                json.dumps({"batch": batch.pk, **summary}, ensure_ascii=False, indent=2),
                encoding="utf-8",
            )
        self._print(batch, summary)
        if code:
            sys.exit(code)

    def _print(self, batch, summary) -> None:
        counts = "，".join(f"{k} {summary.get(k, 0)}" for k in ("rows", *STATUS_KEYS))
        self.stdout.write(f"批次#{batch.pk}（{batch.file_name}）：{counts}")
        shown = 0
        for e in summary.get("file_errors") or []:
            self.stdout.write(f"  第{e.get('row', '')}行：{e['message']}")
        for row in batch.rows.filter(status="error").order_by("line")[:SHOW_ERRORS]:
            for e in row.errors:
                self.stdout.write(f"  第{row.line}行 {e['column']}：{e['message']}")
                shown += 1
        if summary.get("errors", 0) and shown >= SHOW_ERRORS:
            self.stdout.write("  ……（全部错误见 --report 的“错误”工作表）")
        if summary.get("doubtful"):
            self.stdout.write(f"  {summary['doubtful']} 行待人工确认：在“名单导入”页面处理后再导入")
