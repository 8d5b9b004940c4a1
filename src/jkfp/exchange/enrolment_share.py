"""Sharing back to medical insurance (decision 49): the registered poor not enrolled in a year —
persons in the user's scope holding, on a date, a category that should be insured
(`policies/exchange/enrolment.yaml`) and with no insured `Enrolment` of that year — as a list
and as an Excel workbook in the department's own headers, the ID number masked or full as the
user's role allows, every export logged (`accounts.services.data_access_log`)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from jkfp.accounts.access import can_see_full_identity, scope_prefix, scoped
from jkfp.accounts.models import User
from jkfp.accounts.services import data_access_log
from jkfp.categories import LABELS, Category
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.policy.errors import PolicyError
from jkfp.policy.yamlfile import line_of, load_yaml_file, read_when_changed
from jkfp.regions.models import Region
from jkfp.registry.idnumber import mask
from jkfp.registry.selectors import category_period_scope, person_scope

from .kinds import KindsFileError
from .models import Enrolment, EnrolmentStatus

FILE = Path("exchange") / "enrolment.yaml"
_KEYS = {"description", "source", "example", "note", "categories"}
HEADERS = ["证件号码", "姓名", "性别", "参保年度", "参保状态", "人员类别", "所在村", "区划代码"]
LIMIT = 200_000


@dataclass(frozen=True)
class InsuredRule:
    categories: tuple[str, ...]
    example: bool
    note: str


def load_file(path: Path, *, display: str | None = None) -> InsuredRule:
    """Read and check the file strictly; every error names the file and the line."""
    name = display or str(path)
    try:
        data = load_yaml_file(path, display=name)
    except PolicyError as exc:
        raise ValidationErrors([KindsFileError(exc.message, file=name, line=exc.line)]) from None
    errors = []
    if not isinstance(data, dict):
        raise ValidationErrors([KindsFileError("须为映射", file=name, line=None)])
    for key in data:
        if key not in _KEYS:
            errors.append(KindsFileError(f"未知的键“{key}”", file=name, line=line_of(data, key)))
    cats = data.get("categories")
    known = {c.value for c in Category}
    if not isinstance(cats, list) or not cats:
        errors.append(KindsFileError("须有 categories：应参保的人员类别", file=name, line=None))
        cats = []
    for c in cats:
        if c not in known:
            line = line_of(data, "categories")
            errors.append(KindsFileError(f"类别“{c}”未知", file=name, line=line))
    example = data.get("example", False)
    if example is not True and not data.get("source"):
        errors.append(KindsFileError("无来源时须写 example: true", file=name, line=None))
    if errors:
        raise ValidationErrors(errors)
    return InsuredRule(tuple(cats), example is True, str(data.get("note") or ""))


def insured_rule() -> InsuredRule:
    path = Path(settings.JKFP_POLICIES_DIR) / FILE
    return read_when_changed(path, lambda p: load_file(p, display=str(FILE)))


def _on(year: int) -> dt.date:
    today = timezone.localdate()
    return min(today, dt.date(year, 12, 31)) if year <= today.year else dt.date(year, 1, 1)


def should_insure(*, user: User, on: dt.date) -> list[dict]:
    """The persons of the user's scope, alive, holding on `on` (in person or through their
    household) a category to be insured, with the categories' labels."""
    cats = insured_rule().categories
    held = category_period_scope(user=user).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on),
        category__in=cats,
        start_date__lte=on,
    )
    by_person: dict[int, set[str]] = {}
    by_household: dict[int, set[str]] = {}
    for pid, hid, cat in held.values_list("person_id", "household_id", "category"):
        if pid is not None:
            by_person.setdefault(pid, set()).add(cat)
        elif hid is not None:
            by_household.setdefault(hid, set()).add(cat)
    persons = (
        person_scope(user=user)
        .filter(Q(pk__in=list(by_person)) | Q(household_id__in=list(by_household)), alive=True)
        .order_by("region_code", "household_id", "pk")
        .values_list("pk", "household_id", "id_number", "name", "sex", "region_code")[:LIMIT]
    )
    out = []
    for pk, hid, id_number, name, sex, region in persons:
        held_cats = by_person.get(pk, set()) | by_household.get(hid, set())
        out.append(
            {
                "person_id": pk,
                "household_id": hid,
                "id_number": id_number,
                "name": name,
                "sex": sex,
                "region_code": region,
                "category_codes": [c for c in cats if c in held_cats],
                "categories": [LABELS[Category(c)] for c in cats if c in held_cats],
            }
        )
    return out


def not_enrolled(*, user: User, year: int, on: dt.date | None = None) -> list[dict]:
    """`should_insure` on `on` (default: today, the last day of a past year, the first of a
    coming one) less those with an insured enrolment of `year`; each with the list's status
    of the year (未参保, 停保, or 无记录)."""
    status = dict(
        scoped(Enrolment.objects.filter(year=year, void=False), user).values_list(
            "person_id", "status"
        )
    )
    labels = dict(EnrolmentStatus.choices)
    out = []
    for p in should_insure(user=user, on=on or _on(year)):
        if status.get(p["person_id"]) == EnrolmentStatus.INSURED:
            continue
        out.append(p | {"status": labels.get(status.get(p["person_id"]), "无记录")})
    return out


def missing_from_enrolment_list(*, user: User, listed: set[tuple[int, int]]) -> list[dict]:
    """For the comparison of a batch: the persons to be insured with no row of the list for a
    year the list covers (`listed`: its (person, year) pairs)."""
    out = []
    for year in sorted({y for _p, y in listed}):
        for p in should_insure(user=user, on=_on(year)):
            if (p["person_id"], year) in listed:
                continue
            out.append(
                {
                    "person_id": p["person_id"],
                    "household_id": p["household_id"],
                    "category": "、".join(p["category_codes"]),
                    "start_date": f"{year}年度名单中无此人",
                    "name": p["name"],
                }
            )
    return out


def not_enrolled_shown(
    *, user: User, year: int, channel: str, path: str = ""
) -> tuple[list[dict], bool]:
    """`not_enrolled` as shown to the user: the ID number full when the role allows
    (`can_see_full_identity`), masked otherwise; the showing logged person by person."""
    if not isinstance(year, int) or not 1990 <= year <= 2099:
        raise DomainError(ErrorCode.INVALID, f"参保年度“{year}”无效：应为四位年份", field="year")
    rows = not_enrolled(user=user, year=year)
    full = can_see_full_identity(user)
    for r in rows:
        r["id_shown"] = r["id_number"] if full else mask(r["id_number"])
    data_access_log(
        user=user,
        person_ids=[r["person_id"] for r in rows],
        field="id_number" if full else "enrolment",
        channel=channel,
        path=path,
    )
    return rows, full


def not_enrolled_workbook(*, user: User, year: int, path: str = "") -> tuple[bytes, int]:
    """The list as .xlsx bytes in the department's headers (the showing is logged)."""
    rows, full = not_enrolled_shown(user=user, year=year, channel="export", path=path)
    villages = dict(
        Region.objects.filter(code__in={r["region_code"] for r in rows}).values_list("code", "name")
    )
    out = io.BytesIO()
    import xlsxwriter  # here, not at import: 0.4 s of every process that sets Django up

    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet(f"{year}年未参保")
    ws.write_row(0, 0, [f"{year}年度应参保未参保人员名单（登记的困难人员，医保名单中无参保记录）"])
    ws.write_row(
        1,
        0,
        [
            f"导出用户：{user.get_username()}（管辖区划 {scope_prefix(user) or '全部'}）；"
            f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}；"
            f"证件号码{'完整' if full else '已脱敏'}；本次导出已记录"
        ],
    )
    ws.write_row(3, 0, HEADERS, bold)
    sex = {"M": "男", "F": "女"}
    for i, r in enumerate(rows, start=4):
        ws.write_row(
            i,
            0,
            [
                r["id_shown"],
                r["name"],
                sex.get(r["sex"], ""),
                year,
                r["status"],
                "、".join(r["categories"]),
                villages.get(r["region_code"], ""),
                r["region_code"],
            ],
        )
    ws.set_column(0, 0, 22)
    ws.set_column(5, 6, 24)
    wb.close()
    return out.getvalue(), len(rows)
