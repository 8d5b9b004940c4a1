from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jkfp.errors import DomainError
from jkfp.regions.services import region_load_builtin, region_load_csv


class Command(BaseCommand):
    help = "导入行政区划（CSV：code,name,level,parent[,source]），全部成功或全部不写入"

    def add_arguments(self, parser):
        parser.add_argument("csv", nargs="?", help="统计局格式的区划 CSV 文件（UTF-8）")
        parser.add_argument("--builtin", action="store_true", help="导入内置的长治市、盐池县区划")
        parser.add_argument("--generated", action="store_true", help="标记为演示生成的区划")

    def handle(self, *args, **opts):
        try:
            if opts["builtin"]:
                n = region_load_builtin()
            elif opts["csv"]:
                n = region_load_csv(path=Path(opts["csv"]), generated=opts["generated"])
            else:
                raise CommandError("请给出 CSV 文件或 --builtin")
        except DomainError as exc:
            raise CommandError(f"未导入任何区划。{exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"已导入 {n} 个区划"))
