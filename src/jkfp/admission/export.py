"""The request list as an Excel workbook, streamed like the person export (decision 26): the
rows come through the scoped selector of the list, as plain tuples; a header block says what
produced the file (title, filters, user and scope, count). The notice's rule applies: no ID
number, phone number or health detail (DOMAIN.md §5) — the reason is left out, as the notice
leaves it out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from django.utils import timezone
from django.utils.translation import gettext as _

from jkfp.accounts.access import scope_prefix
from jkfp.accounts.models import User
from jkfp.categories import LABELS, Category
from jkfp.regions.selectors import region_names
from jkfp.registry.xlsxstream import HEAD, TITLE, SheetWriter

from .models import ChangeRequest
from .selectors import change_request_list

EXPORT_LIMIT = 100_000  # requests in one file
COLUMNS = [  # (heading, width)
    ("编号", 8),
    ("提出日期", 12),
    ("事项", 8),
    ("类别", 18),
    ("对象", 12),
    ("户编号", 20),
    ("村（社区）", 18),
    ("状态", 22),
    ("公示开始", 12),
    ("公示结束", 12),
    ("生效日期", 12),
    ("提出人", 16),
]
HEADER_ROWS = 5


def request_rows(*, user: User, filters: dict, limit: int = EXPORT_LIMIT) -> Iterator[tuple]:
    """The rows of the requests `filters` select (the list's), in the order of `COLUMNS`."""
    qs = change_request_list(user=user, **filters).values_list(
        "pk",
        "created_at",
        "action",
        "category",
        "person__name",
        "household__household_number",
        "region_code",
        "status",
        "notice_start",
        "notice_end",
        "effective_date",
        "created_by__full_name",
        "created_by__username",
    )[:limit]
    rows = list(qs.iterator(chunk_size=2000))
    villages = region_names(codes={r[6] for r in rows})
    action = {v: _(label) for v, label in ChangeRequest.Action.choices}
    status = {v: _(label) for v, label in ChangeRequest.Status.choices}
    category = {c.value: _(LABELS[c]) for c in Category}
    whole = _("本户")
    for (
        pk,
        at,
        act,
        cat,
        person,
        number,
        code,
        st,
        n_start,
        n_end,
        effective,
        full,
        username,
    ) in rows:
        yield (
            pk,
            timezone.localtime(at).date(),
            action.get(act, act),
            category.get(cat, cat),
            person or whole,
            number,
            villages.get(code, code),
            status.get(st, st),
            n_start,
            n_end,
            effective,
            full or username,
        )


def request_export_write(
    target: str | IO[bytes],
    *,
    user: User,
    filters: dict,
    described: str,
    title: str,
    limit: int = EXPORT_LIMIT,
) -> int:
    """Write the workbook into `target` (a path or a binary file); the number of rows."""
    total = change_request_list(user=user, **filters)[: limit + 1].count()
    count = _("共 %(n)s 件") % {"n": f"{min(total, limit):,}"}
    if total > limit:
        count += _("（超过 %(n)s 件，仅导出前 %(n)s 件，请缩小筛选范围）") % {"n": f"{limit:,}"}
    head = HEADER_ROWS
    with SheetWriter(
        target,
        sheet=_("纳入退出申请"),
        widths=[w for _h, w in COLUMNS],
        freeze_rows=head + 1,
        autofilter_from=head + 1,
    ) as sheet:
        sheet.row([title], style=TITLE)
        sheet.row([_("筛选条件——") + (described or _("全部"))])
        sheet.row(
            [
                _("导出用户：%(u)s（管辖区划 %(s)s）；%(c)s")
                % {"u": user.get_username(), "s": scope_prefix(user) or _("全部"), "c": count}
            ]
        )
        sheet.row(
            [_("不含身份证号、电话和申请理由（理由可能涉及健康状况，与村级公示的规定一致）。")]
        )
        sheet.row([])
        sheet.row([_(h) for h, _w in COLUMNS], style=HEAD)
        for row in request_rows(user=user, filters=filters, limit=limit):
            sheet.row(row)
        return sheet.rows - head - 1
