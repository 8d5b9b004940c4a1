"""Management commands that read or write personal data act as a user (DESIGN.md rule 9).

`ActingCommand` adds `--as USERNAME` to a command and resolves it to an active account before
`handle` runs: the command then reads through the same scoped selectors and writes through the
same services as the pages, with that user's region, role and audit (history and access log
name the user). There is no default user: a command without `--as` is refused.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from .access import scope_prefix
from .models import User


def acting_user(username: str | None) -> User:
    """The active account a command acts as; a Chinese error naming `--as` otherwise."""
    if not username:
        raise CommandError("--as：须指定以哪个用户的身份执行（用户名），命令将使用该用户的管辖区域、角色并记入审计")
    user = User.objects.select_related("region").filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(f"--as：用户“{username}”不存在或已停用")
    if scope_prefix(user) is None:
        raise CommandError(f"--as：用户“{username}”未设置所属区划，不能读取任何个人数据")
    return user


class ActingCommand(BaseCommand):
    """A command with `--as USERNAME`; `self.user` is that account inside `handle`."""

    user: User

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument("--as", dest="as_user", metavar="USERNAME", required=False,
                            help="以该用户的身份执行：其管辖区域、角色和审计记录（必填）")
        return parser

    def execute(self, *args, **options):
        self.user = acting_user(options.get("as_user"))
        return super().execute(*args, **options)
