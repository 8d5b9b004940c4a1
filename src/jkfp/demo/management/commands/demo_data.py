"""`jkfp demo_data --persons N --seed S [--if-empty] [--no-accounts] [--no-stays] [--no-health]`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError

from jkfp.accounts.models import Department, Role
from jkfp.demo.accounts import PASSWORD
from jkfp.demo.services import DemoDataExists, default_as_of, demo_data_load
from jkfp.errors import DomainError


class Command(BaseCommand):
    help = ("生成确定性的演示数据（长治市、盐池县的演示乡镇、村、家庭户和人员，类别、帮扶措施、"
            "纳入/退出申请、住院记录及其结算单，家庭医生团队、签约、慢病登记与随访、大病专项救治病例、两癌筛查）和演示账号。同样的 --persons 和 --seed 生成完全相同的数据。")

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=30000, help="人数（默认 30000）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
        parser.add_argument("--if-empty", action="store_true",
                            help="已有人员数据时不再生成，只确保演示账号存在")
        parser.add_argument("--accounts", action=argparse.BooleanOptionalAction, default=True,
                            help="创建演示账号（默认创建；无账号时不生成纳入/退出申请）")
        parser.add_argument("--stays", action=argparse.BooleanOptionalAction, default=True,
                            help="生成住院记录并按政策参数结算（默认生成；人数多时按比例减少，"
                                 "需要演示账号）")
        parser.add_argument("--health", action=argparse.BooleanOptionalAction, default=True,
                            help="生成健康服务数据：家庭医生团队、签约、慢病登记与随访、大病专项救治病例、"
                                 "两癌筛查（默认生成；需要演示账号）")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                            help=f"演示数据的“今天”（默认 {default_as_of()}）")

    def handle(self, *args, **opts):
        if opts["persons"] < 1:
            raise CommandError("--persons 至少为 1")
        bar = None

        def progress(total: int):
            nonlocal bar
            if opts["verbosity"] < 1:
                return None
            from tqdm import tqdm

            bar = tqdm(total=total, unit="行", unit_scale=True, file=sys.stderr,
                       desc="写入", dynamic_ncols=True, leave=False)

            def update(n: int, table: str) -> None:
                bar.set_postfix_str(table, refresh=False)
                bar.update(n)
            return update

        settle_bar = None

        def settle_progress(total: int):
            nonlocal settle_bar
            if opts["verbosity"] < 1 or not total:
                return None
            from tqdm import tqdm

            settle_bar = tqdm(total=total, unit="次住院", unit_scale=True, file=sys.stderr,
                              desc="结算", dynamic_ncols=True, leave=False)

            def update(n: int) -> None:
                settle_bar.update(n)
                if settle_bar.n >= total:
                    settle_bar.close()
            return update

        try:
            result = demo_data_load(persons=opts["persons"], seed=opts["seed"],
                                    as_of=opts["as_of"], if_empty=opts["if_empty"],
                                    accounts=opts["accounts"], stays=opts["stays"],
                                    health=opts["health"],
                                    progress=progress, settle_progress=settle_progress)
        except DemoDataExists as exc:
            raise CommandError(
                f"数据库中已有 {exc.args[0]} 名人员，未生成演示数据。请使用空数据库，"
                "或加 --if-empty 跳过生成。") from exc
        except DomainError as exc:
            raise CommandError(f"未生成演示数据：{exc}") from exc
        finally:
            for b in (settle_bar, bar):
                if b is not None:
                    b.close()
        out = self.stdout
        if result.skipped:
            out.write(f"已有 {result.existing_persons} 名人员，跳过生成（--if-empty）。")
        else:
            c = result.counts
            total = result.seconds_generate + result.seconds_load
            out.write(self.style.SUCCESS(
                f"已生成演示数据（种子 {opts['seed']}，演示日期 {result.as_of}）："
                f"{c['person']} 人，{c['household']} 户，{result.regions} 个演示乡镇和村，"
                f"{c['categoryperiod']} 个类别期间，{c['supportmeasure']} 条帮扶措施，"
                f"{c['householdincome']} 条收入，{c['changerequest']} 个纳入/退出申请"
                f"（{c['changerequeststep']} 个环节），{c['hospitalstay']} 次住院及其结算单。"))
            if c.get("chronicregistration") or c.get("contract"):
                out.write(
                    f"健康服务：{c.get('team', 0)} 个家庭医生团队（{c.get('teammember', 0)} 名成员），"
                    f"{c.get('contract', 0)} 份签约，{c.get('chronicregistration', 0)} 个慢病登记"
                    f"（{c.get('followup', 0)} 次随访），{c.get('specialcase', 0)} 个大病专项救治病例，"
                    f"{c.get('screeningresult', 0)} 个两癌筛查结果"
                    f"（生成用时 {result.seconds_health:.1f} 秒）。")
            if c.get("enrolment"):
                records = c.get("externalsettlement", 0)
                lists = c.get("batch", 0) - (result.platform_batches if records else 0)
                out.write(f"医保参保名单：{lists} 份（每县每年一份），{c['enrolment']} 条参保记录。")
            if c.get("externalsettlement"):
                out.write(f"医保平台结算记录：{result.platform_batches} 份（有住院的县各一份，"
                          f"上一年度），{c['externalsettlement']} 条，约 3% 与本系统结算有差异"
                          "（见“住院结算 → 结算差异”）。")
            if result.stays_scale < 1:
                out.write(f"人数较多，住院率缩减为正常的 {result.stays_scale:.1%}（每次住院都要"
                          "结算并生成完整的说明，全部生成太慢）；各地区、类别的构成不变。")
            settle = (f"（其中结算住院 {result.seconds_settle:.1f} 秒）" if c["hospitalstay"]
                      else "")
            out.write(f"用时：生成 {result.seconds_generate:.1f} 秒{settle}，"
                      f"写入 {result.seconds_load:.1f} 秒，"
                      f"合计 {c['person'] / max(total, 1e-9):,.0f} 人/秒"
                      f"（区划与账号另用 {result.seconds_setup:.1f} 秒）。")
            if not opts["accounts"] and not c["changerequest"]:
                out.write("未创建演示账号，因此没有生成纳入/退出申请。")
            if not opts["accounts"] and opts["stays"] and not c["hospitalstay"]:
                out.write("没有演示账号 admin，因此没有生成住院记录。")
        if result.accounts:
            self._accounts_table(result.accounts)

    def _accounts_table(self, rows) -> None:
        dept = dict(Department.choices)
        role = dict(Role.choices)
        lines = [("用户名", "区划", "部门", "角色", "状态")]
        for r in rows:
            u = r.user
            region = f"{u.region.display_name}（{u.region_id}）" if u.region_id else "全部（超级用户）"
            lines.append((u.username, region, dept.get(u.department, u.department),
                          role.get(u.role, u.role), "新建" if r.created else "已存在，未改动"))
        widths = [max(_width(line[i]) for line in lines) for i in range(5)]
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {PASSWORD}）：")
        for k, line in enumerate(lines):
            self.stdout.write("  " + "  ".join(_pad(v, w) for v, w in zip(line, widths, strict=False)))
            if k == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
