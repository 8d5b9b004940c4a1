"""The health department's list of institutions (kind `institutions`, decision 79): one row
per county hospital, township centre or village clinic, with the other villages a clinic
serves. Rows are not persons: an institution is matched by its region, kind and name among
the institutions of the user's scope. The rules are the facilities services' own
(`facilities.services.institution_check`, `village_check`): an institution outside any
region or at the wrong level, a served village outside the county, dates out of order — each
a row error naming its column. The write goes through `facilities.services.
institutions_import` (history, gaps recomputed, indicators told); undo voids what it created
and restores what it changed."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from jkfp.accounts.models import User
from jkfp.errors import ErrorCode
from jkfp.facilities import selectors as fac_selectors
from jkfp.facilities import services as fac_services
from jkfp.facilities.models import Coverage, InstitutionKind, Post
from jkfp.regions.codes import normalize_code

from .compare import Plan, RowIn, RowPlan, State
from .kinds import header_key
from .models import Batch, Change, RowStatus, change_counts

MODEL, COVERAGE = "facilities.Institution", "facilities.Coverage"
FIELDS = (  # the columns a list may change (facilities.imported.INSTITUTION_IMPORT_FIELDS)
    "name", "opened_on", "closed_on", "grade", "is_tcm", "second_grade_capacity",
    "centre_standard", "tcm_corner", "fever_clinic", "standardised")
_LABELS = {"name": "机构名称", "opened_on": "开业日期", "closed_on": "撤销日期",
           "grade": "医院等级", "is_tcm": "中医医院", "second_grade_capacity": "二级服务能力",
           "centre_standard": "服务能力标准", "tcm_corner": "中医馆", "fever_clinic": "发热诊室",
           "standardised": "标准化村卫生室"}
_COLUMN = {"region_code": "region"}  # a service's field → this list's field
_SPLIT = re.compile(r"[、,，;；\s]+")


def _show(v) -> str:
    if v is None or v == "":
        return "无"
    if v is True:
        return "是"
    if v is False:
        return "否"
    return str(v)


def _json(v):
    return v.isoformat() if isinstance(v, dt.date) else v


def _values(d: dict) -> dict:
    """The row's values of FIELDS that the file gives (an empty cell changes nothing)."""
    out = {n: d.get(n) for n in FIELDS if d.get(n) is not None}
    if "grade" in out:
        out["grade"] = int(out["grade"])
    if isinstance(out.get("name"), str):
        out["name"] = out["name"].strip()
    return out


def plan_institutions(rows: list[RowIn], state: State, *, user: User, batch: Batch,
                      columns: dict[str, str]) -> Plan:
    held = {(i["region_code"], i["kind"], header_key(i["name"])): i for i in
            fac_selectors.institution_scope(user=user).values("pk", "kind", "region_code",
                                                             *FIELDS)}
    ids = [i["pk"] for i in held.values()]
    served = defaultdict(set)
    for inst, village in Coverage.objects.filter(institution_id__in=ids, void=False).values_list(
            "institution_id", "village_code"):
        served[inst].add(village)
    open_posts = defaultdict(list)
    for inst, start, end in Post.objects.filter(institution_id__in=ids, void=False).values_list(
            "institution_id", "start_date", "end_date"):
        open_posts[inst].append((start, end))
    out = Plan(rows={})
    for row in sorted(rows, key=lambda r: r.line):
        d, errors = row.data, []

        def err(code, message, name, errors=errors):
            errors.append({"code": str(code), "message": message,
                           "column": columns.get(name, name)})

        kind, region = d["kind"], d["region"]
        values = _values(d)
        opened = values["opened_on"]
        for e in fac_services.institution_check(kind, region, {**values, "name": d["name"]},
                                                opened):
            err(e.code, e.message, _COLUMN.get(e.field, e.field))
        villages = []
        for raw in _SPLIT.split(d.get("villages") or ""):
            if not raw:
                continue
            try:
                code = normalize_code(raw)
            except ValueError:
                err(ErrorCode.REGION_NOT_VILLAGE, f"服务村代码“{raw}”不是12位村级代码", "villages")
                continue
            for e in fac_services.village_check(code, region[:6], "villages"):
                err(e.code, f"服务村“{code}”：{e.message}", "villages")
            if kind != InstitutionKind.VILLAGE_CLINIC:
                err(ErrorCode.INVALID, "只有村卫生室可登记服务其他村", "villages")
            elif code == region:
                err(ErrorCode.INVALID, "本村卫生室不必登记为服务本村", "villages")
            villages.append(code)
        start = d.get("serves_from") or opened
        if villages and (start < opened or (values.get("closed_on") and
                                            start >= values["closed_on"])):
            err(ErrorCode.FACILITY_CLOSED, "服务开始日期应在卫生室开业期间内", "serves_from")
        old = held.get((region, kind, header_key(d["name"])))
        closed = values.get("closed_on")
        if old is not None and closed is not None and any(
                end is None or end > closed for _s, end in open_posts[old["pk"]]):
            err(ErrorCode.FACILITY_CLOSED, "该机构仍有在岗人员：请先登记他们离岗，再撤销机构",
                "closed_on")
        if old is not None and any(s < opened for s, _e in open_posts[old["pk"]]):
            err(ErrorCode.FACILITY_CLOSED, "开业日期晚于已有人员的到岗日期", "opened_on")
        if errors:
            out.rows[row.line] = _error(errors)
            continue
        label = InstitutionKind(kind).label
        cover = [{"village_code": v, "start_date": start} for v in dict.fromkeys(villages)
                 if old is None or v not in served[old["pk"]]]
        cover_changes = [{"field": "服务其他村", "before": "无", "after": f"{c['village_code']}"
                          f"（{start} 起）"} for c in cover]
        if old is None:
            out.rows[row.line] = _plan(RowStatus.CREATED, [
                {"field": label, "before": "无", "after": f"{values['name']}（{region}，"
                                                           f"{opened} 开业）"}, *cover_changes],
                {"id": None, "create": {"kind": kind, "region_code": region, **values},
                 "cover": cover})
            held[(region, kind, header_key(d["name"]))] = {"pk": None, **values}
            continue
        if old["pk"] is None:  # a second row of an institution the file creates
            out.rows[row.line] = _plan(RowStatus.IGNORED, reason="同一机构已在本文件前面的行中")
            continue
        diff = {n: v for n, v in values.items() if old[n] != v}
        if not diff and not cover:
            out.rows[row.line] = _plan(RowStatus.UNCHANGED)
            continue
        out.rows[row.line] = _plan(RowStatus.UPDATED, [
            *({"field": _LABELS[n], "before": _show(old[n]), "after": _show(v)}
              for n, v in diff.items()), *cover_changes],
            {"id": old["pk"], "after": diff, "cover": cover})
    return out


def _plan(status, changes=None, record=None, reason=""):
    return RowPlan(status, reason=reason, changes=list(changes or []), record=record or {})


def _error(errors):
    return RowPlan(RowStatus.ERROR, errors=errors)


def institutions_write(*, user: User, batch: Batch, records: list[tuple[int, dict]]
                       ) -> list[Change]:
    creates = [(line, r) for line, r in records if r["id"] is None]
    updates = {r["id"]: r["after"] for _l, r in records if r["id"] is not None and r["after"]}
    lines = {r["id"]: line for line, r in records if r["id"] is not None}
    coverages, cover_lines = [], []
    for n, (line, r) in enumerate(creates):
        coverages += [{"new": n, **c} for c in r["cover"]]
        cover_lines += [line] * len(r["cover"])
    for line, r in records:
        if r["id"] is not None:
            coverages += [{"institution_id": r["id"], **c} for c in r["cover"]]
            cover_lines += [line] * len(r["cover"])
    made, befores, covs = fac_services.institutions_import(
        user=user, reason=f"导入批次#{batch.pk}", creates=[r["create"] for _l, r in creates],
        updates=updates, coverages=coverages)
    changes = [Change(batch=batch, line=line, model=MODEL, object_id=i.pk,
                      action=Change.Action.CREATE,
                      after={k: _json(v) for k, v in r["create"].items()})
               for (line, r), i in zip(creates, made, strict=True)]
    changes += [Change(batch=batch, line=lines[b["id"]], model=MODEL, object_id=b["id"],
                       action=Change.Action.UPDATE, before=b,
                       after={k: _json(v) for k, v in updates[b["id"]].items()})
                for b in befores]
    changes += [Change(batch=batch, line=line, model=COVERAGE, object_id=c.pk,
                       action=Change.Action.CREATE,
                       after={"institution_id": c.institution_id, "village_code": c.village_code,
                              "start_date": c.start_date.isoformat()})
                for c, line in zip(covs, cover_lines, strict=True)]
    return changes


def facility_undo(models: tuple[str, ...]):
    """The undo of a facilities list: void what it created of `models`, restore the rest."""

    def undo(*, user: User, batch: Batch, changes: list[Change]) -> int:
        mine = [c for c in changes if c.model in models]
        if not mine:
            return 0
        created, changed = defaultdict(list), defaultdict(dict)
        for c in mine:
            if c.action == Change.Action.CREATE:
                created[c.model].append(c.object_id)
            else:
                changed[c.model][c.object_id] = c.before
        return fac_services.facilities_import_undo(
            user=user, reason=f"撤销导入批次#{batch.pk}", created=dict(created),
            changed=dict(changed))

    return undo


institutions_undo = facility_undo((MODEL, COVERAGE))


def institutions_summary(changes: list[Change]) -> dict:
    return change_counts(changes, institutions_created=(MODEL, Change.Action.CREATE),
                         institutions_updated=(MODEL, Change.Action.UPDATE),
                         coverages_created=(COVERAGE, Change.Action.CREATE))

