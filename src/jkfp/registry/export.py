"""The person list of a household search as an Excel workbook (decision 26).

The rows come from `person_rows`, which reads plain tuples (`values_list`) through the scoped
selectors of the registry, one server-side cursor, no model instance per row. Labels (sex,
relation, work ability, categories, region names) are translated once per distinct value.
Numbers are masked as in the lists (DESIGN.md rule 12). The workbook is written row by row
by `xlsxstream.SheetWriter` into a zip stream (a temporary file for a download), which the view
then streams: up to `EXPORT_LIMIT` persons, memory flat whatever the size.

Each file states what produced it: the title, the filters (search, category, region) and the
user's scope, the number of persons and whether the result was cut at the limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlencode

from django.db import connection, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from jkfp.accounts.access import in_region, scope_prefix, scoped
from jkfp.accounts.models import User
from jkfp.categories import LABELS, Category
from jkfp.regions.models import Region

from . import idnumber
from .models import Relation, Sex, WorkAbility
from .selectors import current_periods, household_list, person_scope
from .xlsxstream import HEAD, TITLE, SheetWriter

EXPORT_LIMIT = 1_000_000  # persons in one file (more: the file says it is cut)
CHUNK = 5_000             # rows fetched per round trip of the server-side cursor
COLUMNS = [  # (heading, width)
    ("户编号", 20), ("县（区）", 12), ("乡镇（街道）", 14), ("村（社区）", 16), ("姓名", 10),
    ("身份证号（脱敏）", 22), ("性别", 6), ("出生年份", 10), ("与户主关系", 12),
    ("劳动能力", 16), ("状态", 6), ("联系电话（脱敏）", 16), ("当前类别", 36),
    ("本户人数（在世）", 10),
]
HEADER_ROWS = 5  # title, filters, scope and count, note, blank; the column heads follow


@dataclass(frozen=True)
class ExportFilters:
    q: str = ""
    category: str = ""
    region_code: str = ""

    def query(self) -> str:
        """The household search's query string of these filters (its own field names)."""
        return urlencode({k: v for k, v in (("q", self.q), ("category", self.category),
                                            ("region", self.region_code)) if v})


def _persons(user: User, f: ExportFilters):
    households = household_list(user=user, q=f.q, category=f.category, region_code=f.region_code)
    return (person_scope(user=user)
            .filter(household__in=households.order_by().values("pk"))
            .order_by("region_code", "household_id", "id"))


def person_count(*, user: User, filters: ExportFilters, limit: int = EXPORT_LIMIT) -> int:
    """How many persons the export holds, counted up to `limit + 1` (more means cut)."""
    return _persons(user, filters)[:limit + 1].count()


class _Names:
    """Region names by code, read once for the part of the tree the export can touch."""

    def __init__(self, prefix: str):
        base = prefix[:6] if len(prefix) > 6 else prefix  # a township's county is named too
        qs = Region.objects.filter(in_region(base, "code")) if base else Region.objects.all()
        demo = _("（演示）")
        self.names = {c: n + (demo if g else "")
                      for c, n, g in qs.values_list("code", "name", "is_generated")}

    def __call__(self, code: str) -> str:
        return self.names.get(code, code)


def _category_text(user: User, region_code: str):
    """Function (person id, household id) → the current categories' labels, joined."""
    periods = scoped(current_periods(), user)
    if region_code:
        periods = periods.filter(in_region(region_code))
    of_person: dict[int, set[str]] = {}
    of_household: dict[int, set[str]] = {}
    for pid, hid, cat in periods.values_list("person_id", "household_id", "category"):
        if pid is not None:
            of_person.setdefault(pid, set()).add(cat)
        else:
            of_household.setdefault(hid, set()).add(cat)
    order = {c.value: i for i, c in enumerate(Category)}
    labels = {c.value: _(LABELS[c]) for c in Category}
    texts: dict[frozenset, str] = {frozenset(): ""}
    empty: set[str] = set()

    def text(pid: int, hid: int) -> str:
        held = frozenset(of_person.get(pid, empty) | of_household.get(hid, empty))
        t = texts.get(held)
        if t is None:
            t = texts[held] = "、".join(labels.get(c, c)
                                       for c in sorted(held, key=lambda c: order.get(c, 99)))
        return t

    return text


def person_rows(*, user: User, filters: ExportFilters = ExportFilters(),
                limit: int = EXPORT_LIMIT) -> Iterator[tuple]:
    """The export's rows, in the order of `COLUMNS`, at most `limit`; numbers masked."""
    prefix = filters.region_code or scope_prefix(user) or ""
    name = _Names(prefix)
    cats = _category_text(user, filters.region_code)
    sex = {v: _(label) for v, label in Sex.choices}
    relation = {v: _(label) for v, label in Relation.choices}
    ability = {v: _(label) for v, label in WorkAbility.choices}
    alive, dead = _("在世"), _("已故")
    mask, mask_phone, year = idnumber.mask, idnumber.mask_phone, idnumber.birth_year
    qs = _persons(user, filters).values_list(
        "household__household_number", "region_code", "name", "id_number", "sex", "birth_date",
        "relation", "work_ability", "alive", "phone", "id", "household_id")[:limit]
    for (number, code, pname, id_number, s, birth, rel, work, is_alive, phone, pid,
         hid) in qs.iterator(chunk_size=CHUNK):
        yield (number, name(code[:6]), name(code[:9]), name(code), pname, mask(id_number),
               sex.get(s, s), year(birth), relation.get(rel, rel), ability.get(work, work),
               alive if is_alive else dead, mask_phone(phone), cats(pid, hid))


def with_household_size(rows, *, user: User, filters: ExportFilters):
    """Each row with its household's member count — its living members, as on every page
    (`selectors.living_counts`); the deceased are rows of their own with the state 已故."""
    households = household_list(user=user, q=filters.q, category=filters.category,
                                region_code=filters.region_code)
    sizes = dict(person_scope(user=user)
                 .filter(household__in=households.order_by().values("pk"), alive=True)
                 .values_list("household__household_number").annotate(n=Count("id")).order_by())
    for row in rows:
        yield (*row, sizes.get(row[0], 0))


def person_export(*, user: User, q: str = "", category: str = "", region_code: str = "",
                  limit: int = EXPORT_LIMIT) -> tuple[list[tuple], bool]:
    """The rows as a list (at most `limit`) and whether more were left out."""
    filters = ExportFilters(q, category, region_code)
    rows = list(with_household_size(person_rows(user=user, filters=filters, limit=limit + 1),
                                    user=user, filters=filters))
    return rows[:limit], len(rows) > limit


def filters_text(user: User, f: ExportFilters) -> str:
    """The filters that produced a file, in words (its second line)."""
    parts = [_("关键词：%(q)s") % {"q": f.q} if f.q else _("关键词：无")]
    parts.append(_("类别：%(c)s") % {"c": _(LABELS[Category(f.category)])} if f.category
                 else _("类别：全部"))
    prefix = scope_prefix(user) or ""
    region = f.region_code or prefix
    if region:
        names = Region.objects.filter(code__in=[region[:n] for n in (2, 4, 6, 9, 12)
                                                if n <= len(region)]).order_by("code")
        label = "".join(r.name for r in names) or region
        parts.append(_("区划：%(r)s（%(c)s）") % {"r": label, "c": region})
    else:
        parts.append(_("区划：全部"))
    return _("筛选条件——") + "；".join(parts)


@dataclass
class Written:
    rows: int
    truncated: bool


def export_write(target: str | IO[bytes], *, user: User, filters: ExportFilters, title: str,
                 limit: int = EXPORT_LIMIT,
                 progress: Callable[[int, int], None] | None = None) -> Written:
    """Write the workbook of `filters` for `user` into `target` (a path or a binary file);
    `progress(rows written, rows in all)` every `CHUNK` rows (the export job's bar)."""
    total = person_count(user=user, filters=filters, limit=limit)
    truncated = total > limit
    head = HEADER_ROWS
    scope = scope_prefix(user)
    count = _("共 %(n)s 人") % {"n": f"{min(total, limit):,}"}
    if truncated:
        count += _("（结果超过 %(n)s 人，仅导出前 %(n)s 人，请缩小查询范围）") % {"n": f"{limit:,}"}
    with SheetWriter(target, sheet=_("人员名单"), widths=[w for _h, w in COLUMNS],
                     freeze_rows=head + 1, autofilter_from=head + 1) as sheet:
        sheet.row([title], style=TITLE)
        sheet.row([filters_text(user, filters)])
        sheet.row([_("导出用户：%(u)s（管辖区划 %(s)s）；%(c)s") % {
            "u": user.get_username(), "s": scope or _("全部"), "c": count}])
        sheet.row([_("身份证号和电话已脱敏。带“（演示）”的区划为演示数据生成。")])
        sheet.row([])
        sheet.row([_(h) for h, _w in COLUMNS], style=HEAD)
        write = sheet.row
        with transaction.atomic():  # the server-side cursor and the sort's memory live in it
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:  # the rows sort in memory, not on disk
                    cur.execute("SET LOCAL work_mem = '64MB'")
            rows = person_rows(user=user, filters=filters, limit=limit)
            every = min(total, limit)
            for i, row in enumerate(with_household_size(rows, user=user, filters=filters), 1):
                write(row)
                if progress and i % CHUNK == 0:
                    progress(i, every)
        n = sheet.rows - head - 1
    return Written(rows=n, truncated=truncated)
