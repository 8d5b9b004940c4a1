"""`jkfp rules check`: every warning-rule file of policies/monitoring/ and the incomes file,
each problem with its file:line and error code (exit status 1 if any)."""

import sys

from django.core.management.base import BaseCommand

from jkfp.monitoring.rulefiles import check_all


class Command(BaseCommand):
    help = "检查监测预警规则文件（policies/monitoring/）：jkfp rules check"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check"])

    def handle(self, *args, **options):
        sets, problems = check_all()
        for p in problems:
            self.stderr.write(f"[{p.code}] {p.message}")
        for rs in sets:
            examples = sum(1 for r in rs.rules for p in r.parameters if p.example)
            self.stdout.write(f"{rs.file}：区划 {rs.region}，规则 {len(rs.rules)} 条"
                              f"（含示例参数 {examples} 处）")
        if problems:
            self.stderr.write(f"共 {len(problems)} 处错误")
            sys.exit(1)
        self.stdout.write("规则文件检查通过")
