"""`jkfp policy check|show|compare|test|compile ...`: a thin wrapper of `jkfp.policy.cli.policy_main`."""

import sys

from django.core.management.base import BaseCommand

from jkfp.policy.cli import policy_main


class Command(BaseCommand):
    help = ("检查、查看政策参数，比较改革方案，运行政策案例：jkfp policy check [DIR] | "
            "show REGION DATE | compare STAYS.csv --reform OVERLAY.yaml [--xlsx OUT.xlsx] | "
            "test CASES.yaml [DIR ...] | compile [--force]（预先编译结算引擎）")

    def run_from_argv(self, argv):
        status = policy_main(argv[2:], prog=f"{argv[0]} policy")
        if status:
            sys.exit(status)

    def add_arguments(self, parser):
        parser.add_argument("args", nargs="*")

    def handle(self, *args, **options):
        """For call_command("policy", "check")."""
        status = policy_main(list(args))
        if status:
            sys.exit(status)
