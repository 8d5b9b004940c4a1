"""`jkfp backup FILE.tar --as ADMIN`: the whole database (and uploaded files) in one file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from jkfp.accounts.commands import ActingCommand
from jkfp.errors import DomainError
from jkfp.ops.services import backup_write


class Command(ActingCommand):
    help = "备份整个数据库（PostgreSQL 用 pg_dump，SQLite 用在线备份）及上传文件到一个 .tar 文件；须以系统管理员身份执行。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件（.tar）")

    def handle(self, *args, **opts):
        try:
            manifest = backup_write(user=self.user, path=Path(opts["file"]),
                                    progress=lambda s: self.stderr.write(s))
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["counts"].values())
        self.stdout.write(f"已备份 {len(manifest['counts'])} 张表、{rows:,} 行 → {opts['file']}")
