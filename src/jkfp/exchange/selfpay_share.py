"""Sharing back to civil affairs and rural revitalisation (decision 52): the monitored persons
with a high medical self-pay in a year.

A person is listed when, alive and in the user's scope, they hold on the year's date (today,
or the 31st of December of a past year), in person or through their household, a category of
`WATCHED` (lifted out of poverty or one of the three monitored kinds), and their personal
medical expense of the year is above the threshold. The expense is counted once per stay:
every imported platform record (not voided) discharged in the year with its 个人负担总金额,
plus jkfp's own current statements of the year (`self_pay_fen`) whose stay has no such record
— a platform record replaces our statement of the same stay, since it is what the insurance
actually settled. The default threshold is half the province's rural per-capita disposable
income of the previous year (`policies/monitoring/incomes.yaml`, example values).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from jkfp.accounts.access import can_see_full_identity, scope_prefix, scoped
from jkfp.accounts.models import User
from jkfp.accounts.services import data_access_log
from jkfp.categories import LABELS, MONITORED, Category
from jkfp.errors import DomainError, ErrorCode
from jkfp.policy.yamlfile import load_yaml_file, read_when_changed
from jkfp.regions.models import Region
from jkfp.registry.idnumber import mask
from jkfp.registry.selectors import category_period_scope, person_scope
from jkfp.settlement.models import ExternalSettlement, Statement, StatementStatus

INCOMES = Path("monitoring") / "incomes.yaml"
WATCHED = (Category.LIFTED_OUT.value, *sorted(c.value for c in MONITORED))
LIMIT = 200_000
#: each department's headers
HEADERS = {
    "civil_affairs": ["证件号码", "姓名", "性别", "区划代码", "所在村", "人员类别", "年度",
                      "个人医疗费用负担（元）", "其中医保平台结算（元）", "其中本系统结算（元）",
                      "标准（元）"],
    "rural_revitalisation": ["县（市、区）", "乡（镇）", "行政村", "户编号", "姓名", "证件号码",
                             "监测对象类别", "年度", "年度个人自付医疗费用（元）",
                             "其中医保平台结算（元）", "其中本系统结算（元）", "标准（元）"],
}
DEPARTMENT_NAMES = {"civil_affairs": "民政", "rural_revitalisation": "乡村振兴"}


@dataclass(frozen=True)
class Threshold:
    fen: int
    from_data: bool  # the default from the incomes file (else given by the user)
    text: str  # where it comes from, shown on the page and in the workbook


def incomes() -> dict:
    path = Path(settings.JKFP_POLICIES_DIR) / INCOMES

    def load(p: Path) -> dict:
        data = load_yaml_file(p, display=str(INCOMES))
        return {str(k): {int(y): int(v) for y, v in (years or {}).items()}
                for k, years in (data.get("incomes") or {}).items()} | {
            "_example": data.get("example") is True}

    return read_when_changed(path, load)


def default_threshold(*, user: User, year: int) -> Threshold:
    """Half the province's rural per-capita disposable income of the year before `year` (the
    latest year before it the file has, said so)."""
    province = (scope_prefix(user) or "")[:2]
    table = incomes()
    years = {y: v for y, v in table.get(province, {}).items() if y < year}
    if not years:
        raise DomainError(ErrorCode.INVALID, "没有本省上一年度农村居民人均可支配收入，请填写标准",
                          field="threshold")
    base_year = max(years)
    base = years[base_year]
    note = "（示例值）" if table.get("_example") else ""
    late = "" if base_year == year - 1 else f"，{year - 1}年数据缺，取{base_year}年"
    return Threshold(base * 50, True,
                     f"本省{base_year}年农村居民人均可支配收入{base:,}元的50%{note}{late}")


def _on(year: int) -> dt.date:
    today = timezone.localdate()
    return min(today, dt.date(year, 12, 31))


def watched_persons(*, user: User, on: dt.date) -> dict[int, dict]:
    held = category_period_scope(user=user).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on), category__in=WATCHED, start_date__lte=on)
    by_person: dict[int, set[str]] = {}
    by_household: dict[int, set[str]] = {}
    for pid, hid, cat in held.values_list("person_id", "household_id", "category"):
        (by_person.setdefault(pid, set()) if pid is not None
         else by_household.setdefault(hid, set())).add(cat)
    out = {}
    for pk, hid, hnum, id_number, name, sex, region in (
        person_scope(user=user)
        .filter(Q(pk__in=list(by_person)) | Q(household_id__in=list(by_household)), alive=True)
        .values_list("pk", "household_id", "household__household_number", "id_number", "name",
                     "sex", "region_code")
    ):
        cats = by_person.get(pk, set()) | by_household.get(hid, set())
        out[pk] = {"person_id": pk, "household_number": hnum, "id_number": id_number,
                   "name": name, "sex": sex, "region_code": region,
                   "categories": [LABELS[Category(c)] for c in WATCHED if c in cats]}
    return out


def year_expenses(*, user: User, year: int, person_ids: list[int]) -> dict[int, tuple[int, int]]:
    """person → (platform fen, ours fen) of the year, each stay counted once."""
    ext = scoped(ExternalSettlement.objects.filter(voided_at__isnull=True,
                                                   discharge_date__year=year), user)
    platform = dict(ext.filter(person_id__in=person_ids).values("person_id")
                    .annotate(s=Sum("personal_fen")).values_list("person_id", "s"))
    covered = ExternalSettlement.objects.filter(voided_at__isnull=True, stay__isnull=False)
    ours = dict(
        scoped(Statement.objects.filter(status=StatementStatus.CURRENT, year=year,
                                        person_id__in=person_ids), user)
        .exclude(stay_id__in=covered.values("stay_id"))
        .values("person_id").annotate(s=Sum("self_pay_fen")).values_list("person_id", "s"))
    return {p: (platform.get(p) or 0, ours.get(p) or 0) for p in set(platform) | set(ours)}


def high_self_pay(*, user: User, year: int, threshold_fen: int | None = None
                  ) -> tuple[list[dict], Threshold]:
    if not 1990 <= year <= 2099:
        raise DomainError(ErrorCode.INVALID, f"年度“{year}”无效：应为四位年份", field="year")
    if threshold_fen is not None:
        if threshold_fen < 0:
            raise DomainError(ErrorCode.INVALID, "标准不能为负数", field="threshold")
        threshold = Threshold(threshold_fen, False, "查询时填写")
    else:
        threshold = default_threshold(user=user, year=year)
    persons = watched_persons(user=user, on=_on(year))
    spent = year_expenses(user=user, year=year, person_ids=list(persons))
    rows = []
    for pid, (platform, ours) in spent.items():
        if platform + ours > threshold.fen:
            rows.append(persons[pid] | {"platform_fen": platform, "ours_fen": ours,
                                        "total_fen": platform + ours})
    rows.sort(key=lambda r: (-r["total_fen"], r["region_code"], r["person_id"]))
    return rows[:LIMIT], threshold


def _yuan(fen: int) -> float:
    return fen / 100


def high_self_pay_workbook(*, user: User, year: int, department: str,
                           threshold_fen: int | None = None, path: str = "") -> tuple[bytes, int]:
    """The list as .xlsx in the department's headers; the ID full or masked as the role allows;
    the showing logged person by person."""
    if department not in HEADERS:
        raise DomainError(ErrorCode.INVALID, f"部门“{department}”无效", field="department")
    rows, threshold = high_self_pay(user=user, year=year, threshold_fen=threshold_fen)
    full = can_see_full_identity(user)
    codes = {r["region_code"] for r in rows}
    codes |= {c[:6] for c in codes} | {c[:9] for c in codes}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    out = io.BytesIO()
    import xlsxwriter  # here, not at import: 0.4 s of every process that sets Django up

    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = wb.add_format({"bold": True})
    money = wb.add_format({"num_format": "0.00"})
    ws = wb.add_worksheet(f"{year}年高额医疗自付")
    ws.write_row(0, 0, [f"{year}年度个人医疗费用负担较重的脱贫人口和监测对象（报{DEPARTMENT_NAMES[department]}）"])
    ws.write_row(1, 0, [f"标准：个人负担超过{threshold.fen / 100:,.2f}元（{threshold.text}）；"
                        f"导出用户：{user.get_username()}；导出时间："
                        f"{timezone.localtime():%Y-%m-%d %H:%M}；证件号码"
                        f"{'完整' if full else '已脱敏'}；本次导出已记录"])
    ws.write_row(3, 0, HEADERS[department], bold)
    sex = {"M": "男", "F": "女"}
    for i, r in enumerate(rows, start=4):
        shown = r["id_number"] if full else mask(r["id_number"])
        code = r["region_code"]
        amounts = [_yuan(r["total_fen"]), _yuan(r["platform_fen"]), _yuan(r["ours_fen"]),
                   _yuan(threshold.fen)]
        if department == "civil_affairs":
            head = [shown, r["name"], sex.get(r["sex"], ""), code, names.get(code, ""),
                    "、".join(r["categories"]), year]
        else:
            head = [names.get(code[:6], ""), names.get(code[:9], ""), names.get(code, ""),
                    r["household_number"], r["name"], shown, "、".join(r["categories"]), year]
        ws.write_row(i, 0, head)
        for j, v in enumerate(amounts, start=len(head)):
            ws.write_number(i, j, v, money)
    ws.set_column(0, len(HEADERS[department]), 16)
    wb.close()
    data_access_log(user=user, person_ids=[r["person_id"] for r in rows],
                    field="id_number" if full else "medical_self_pay", channel="export",
                    path=path)
    return out.getvalue(), len(rows)
