"""`jkfp literacy import|activities --as USERNAME ...` (decision 66c): health-literacy survey
results and health-education activities from CSV files, in the user's scope."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jkfp.accounts.commands import acting_user
from jkfp.errors import DomainError, ValidationErrors

from ... import literacy


class Command(BaseCommand):
    help = "健康素养：导入调查结果（import）、导入健康教育活动（activities）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        im = sub.add_parser("import", help="导入一次调查的结果（列：sample、region_code、score）")
        ac = sub.add_parser("activities",
                            help="导入健康教育活动（列：what、region_code、held_on、reached）")
        for p in (im, ac):
            p.add_argument("--as", dest="as_user", metavar="USERNAME",
                           help="以该用户的身份导入：其管辖区域（必填）")
            p.add_argument("file")
        im.add_argument("--year", type=int, required=True)
        im.add_argument("--region", required=True, help="调查的区划代码")
        im.add_argument("--name", required=True, help="调查名称")
        im.add_argument("--scale", type=Decimal, default=Decimal(100), help="满分（默认100）")
        im.add_argument("--threshold", type=Decimal, help="具备健康素养的得分线（默认满分的80%%）")

    def handle(self, *args, **opts):
        user = acting_user(opts.get("as_user"))
        path = Path(opts["file"])
        try:
            if opts["action"] == "import":
                s = literacy.literacy_import(
                    user=user, year=opts["year"], region_code=opts["region"].strip(),
                    name=opts["name"], path=path, scale_max=opts["scale"],
                    threshold=opts["threshold"])
                self.stdout.write(self.style.SUCCESS(
                    f"已导入调查“{s.name}”{s.results.count()} 个样本（得分线 {s.threshold}）"))
            else:
                n = literacy.activities_import(user=user, path=path)
                self.stdout.write(self.style.SUCCESS(f"已导入 {n} 项健康教育活动"))
        except ValidationErrors as exc:
            raise CommandError("；".join(f"[{e.code}] {e.message}" for e in exc.errors)) from None
        except DomainError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from None
        except OSError as exc:
            raise CommandError(f"无法读取文件：{exc}") from None
