"""`jkfp settle STAYS.csv --out RESULT.csv [--policies DIR]`: a thin wrapper of
`jkfp.policy.cli.settle_main`, which parses its own arguments."""

import argparse
import sys

from django.core.management.base import BaseCommand

from jkfp.policy.cli import settle_main


class Command(BaseCommand):
    help = "按政策参数结算一批住院：jkfp settle STAYS.csv --out RESULT.csv [--policies DIR]"

    def run_from_argv(self, argv):
        # argv = [prog, "settle", ...]: the policy engine's own parser takes the rest
        status = settle_main(argv[2:], prog=f"{argv[0]} settle")
        if status:
            sys.exit(status)

    def add_arguments(self, parser):
        parser.add_argument("args", nargs=argparse.REMAINDER)

    def handle(self, *args, **options):
        """For call_command("settle", "STAYS.csv", "--out", "RESULT.csv")."""
        status = settle_main(list(args))
        if status:
            sys.exit(status)
