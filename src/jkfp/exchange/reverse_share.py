"""Sharing back the two-way check of a civil-affairs or monitoring list (decision 52): a
workbook in the department's own headers (the kind's first header of each field) with
(1) the persons or households our registry holds in a category of the kind that the list
lacks (the batch's comparison, decision 43), and (2) the list's rows that our registry lacks:
the category it would open (`created`) or a person we do not hold (`ignored`, not in the
registry). The ID full or masked as the role allows; the showing logged person by person."""

from __future__ import annotations

import io

from django.db.models import F
from django.utils import timezone

from jkfp.accounts.access import can_see_full_identity
from jkfp.accounts.models import User
from jkfp.accounts.services import data_access_log
from jkfp.categories import LABELS, Category
from jkfp.errors import DomainError, ErrorCode
from jkfp.registry.idnumber import mask
from jkfp.registry.selectors import person_scope

from . import kinds, selectors
from .models import Batch, RowStatus

KINDS = ("civil_affairs", "monitoring")
NOT_HELD = "登记中无此人"


def reverse_workbook(*, user: User, batch: Batch, path: str = "") -> tuple[bytes, int, int]:
    batch = selectors.batch_get(user=user, pk=batch.pk)
    if batch.kind not in KINDS:
        raise DomainError(ErrorCode.INVALID, "只有民政名单和监测名单有双向核对名单", field="kind")
    spec = kinds.kind(batch.kind)
    full = can_see_full_identity(user)
    missing = (batch.comparison or {}).get("missing") or []
    pids = {m["person_id"] for m in missing if m.get("person_id")}
    hids = {m["household_id"] for m in missing if not m.get("person_id") and m.get("household_id")}
    people = {}
    for pk, number, name, region in person_scope(user=user).filter(
        pk__in=list(pids)
    ).values_list("pk", "id_number", "name", "region_code"):
        people[pk] = (number, name, region)
    heads = {}
    for pk, hid, number, name, region in person_scope(user=user).filter(
        household_id__in=list(hids), household__head_id=F("pk")
    ).values_list("pk", "household_id", "id_number", "name", "region_code"):
        heads[hid] = (pk, number, name, region)
    fields = list(spec.fields.values())
    headers = [f.label for f in fields]
    out = io.BytesIO()
    import xlsxwriter  # here, not at import: 0.4 s of every process that sets Django up

    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = wb.add_format({"bold": True})
    note = (f"批次#{batch.pk}（{batch.file_name}）；导出用户：{user.get_username()}；导出时间："
            f"{timezone.localtime():%Y-%m-%d %H:%M}；证件号码{'完整' if full else '已脱敏'}；"
            "本次导出已记录")
    ours = wb.add_worksheet("登记中有而名单中无")
    ours.write_row(0, 0, [f"本系统登记为{spec.name}相关类别而名单中没有的人员（或户）"])
    ours.write_row(1, 0, [note])
    ours.write_row(3, 0, ["证件号码", "姓名", "类别", "开始日期", "区划代码", "说明"], bold)
    logged = []
    i = 4
    for m in missing:
        if m.get("person_id") in people:
            number, name, region = people[m["person_id"]]
            logged.append(m["person_id"])
            why = ""
        elif m.get("household_id") in heads:
            pk, number, name, region = heads[m["household_id"]]
            logged.append(pk)
            why = "户的类别（列户主）"
        else:
            continue
        cat = m.get("category") or ""
        label = LABELS.get(Category(cat), cat) if cat in Category._value2member_map_ else cat
        ours.write_row(i, 0, [number if full else mask(number), name, label,
                              m.get("start_date", ""), region, why])
        i += 1
    theirs = wb.add_worksheet("名单中有而登记中无")
    theirs.write_row(0, 0, [f"{spec.name}中有、本系统登记中没有的类别或人员"])
    theirs.write_row(1, 0, [note])
    theirs.write_row(3, 0, ["行号", *headers, "核对结果"], bold)
    rows = batch.rows.filter(status__in=(RowStatus.CREATED, RowStatus.IGNORED)).order_by("line")
    j = 4
    for r in rows:
        if r.status == RowStatus.IGNORED and NOT_HELD not in (r.reason or ""):
            continue
        values = []
        for f in fields:
            v = r.data.get(f.name, "")
            if f.type == "id_number":
                raw = r.data.get("id_number") or r.data.get("id_raw") or ""
                v = raw if full else mask(raw) if len(raw) >= 15 else raw
            elif f.type == "enum":
                back = {code: label for label, code in f.values.items()}
                v = back.get(v, v)
            values.append("" if v is None else v)
        result = "登记中无此人" if r.status == RowStatus.IGNORED else "登记中无此类别（导入将新增）"
        theirs.write_row(j, 0, [r.line, *values, result])
        if r.person_id:
            logged.append(r.person_id)
        j += 1
    wb.close()
    data_access_log(user=user, person_ids=logged,
                    field="id_number" if full else "exchange_check", channel="export", path=path)
    return out.getvalue(), i - 4, j - 4

