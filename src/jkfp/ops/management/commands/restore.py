"""`jkfp restore FILE.tar [--as ADMIN]`: a backup into an empty database, checked table by table."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jkfp.accounts.commands import acting_user
from jkfp.accounts.models import User
from jkfp.errors import DomainError
from jkfp.ops.services import backup_restore


class Command(BaseCommand):
    help = ("把备份恢复到空数据库（先执行 jkfp migrate），恢复后逐表核对行数。数据库中已有账号时须以"
            "系统管理员身份执行（--as）。")

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件（.tar）")
        parser.add_argument("--as", dest="as_user", metavar="USERNAME",
                            help="系统管理员用户名（数据库中已有账号时必填）")

    def handle(self, *args, **opts):
        user = acting_user(opts["as_user"]) if (opts["as_user"] or User.objects.exists()) else None
        try:
            manifest = backup_restore(user=user, path=Path(opts["file"]),
                                      progress=lambda s: self.stderr.write(s))
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["counts"].values())
        self.stdout.write(f"已恢复 {len(manifest['counts'])} 张表、{rows:,} 行（{manifest['made_at']} 由 "
                          f"{manifest['made_by']} 备份），逐表核对一致")
