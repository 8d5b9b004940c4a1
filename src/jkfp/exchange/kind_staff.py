"""The health department's list of staff and their posts (kind `staff`, decision 79): one
row per post; a person with two posts has two rows. Rows are not registry persons: a staff
member is matched by certificate number, else by name in the institution's county (two
namesakes without a number is a row error, not a guess); the institution by name (and its
region code when the list gives one) among the institutions of the user's scope — the list
of institutions goes first. The facilities rules per row: the dates in order and within the
institution's open dates, a department only of a county hospital and registered, and one
full-time post at a time (`STAFF_POST_OVERLAP`, against the posts held and the rows above).
The write is `facilities.services.staff_posts_import`; undo voids what it created."""

from __future__ import annotations

from collections import defaultdict

from jkfp.accounts.models import User
from jkfp.errors import ErrorCode
from jkfp.facilities import selectors as fac_selectors
from jkfp.facilities import services as fac_services
from jkfp.facilities.models import HospitalDepartment, InstitutionKind, Post, Qualification

from .compare import Plan, RowIn, RowPlan, State
from .kind_institutions import _json, facility_undo
from .kinds import header_key
from .models import Batch, Change, RowStatus, change_counts

STAFF, POST = "facilities.Staff", "facilities.Post"
_QUAL = dict(Qualification.choices)


def _overlap(spans, start, end):
    """The first full-time span of `spans` ((start, end, institution name)) overlapping
    [start, end) — `facilities.services.post_overlap`'s rule on rows in memory."""
    for s, e, name in spans:
        if (e is None or e > start) and (end is None or s < end):
            return s, name
    return None


def plan_staff(rows: list[RowIn], state: State, *, user: User, batch: Batch,
               columns: dict[str, str]) -> Plan:
    insts = {i["pk"]: i for i in fac_selectors.institution_scope(user=user).values(
        "pk", "name", "kind", "region_code", "opened_on", "closed_on")}
    inst_by_name = defaultdict(list)
    for i in insts.values():
        inst_by_name[header_key(i["name"])].append(i)
    depts = {(d["institution_id"], header_key(d["name"])): d["pk"] for d in
             HospitalDepartment.objects.filter(institution_id__in=list(insts)).values(
                 "pk", "institution_id", "name")}
    staff = {s["pk"]: s for s in fac_selectors.staff_scope(user=user).values(
        "pk", "name", "qualification", "certificate_number", "region_code")}
    by_cert, by_name = defaultdict(list), defaultdict(list)
    for s in staff.values():
        if s["certificate_number"]:
            by_cert[header_key(s["certificate_number"])].append(s["pk"])
        by_name[(s["region_code"], header_key(s["name"]))].append(s["pk"])
    held = defaultdict(list)  # staff → posts held
    for p in Post.objects.filter(staff_id__in=list(staff), void=False).select_related(
            "institution"):
        held[p.staff_id].append(p)
    busy = defaultdict(list)  # staff key → full-time spans of the rows above
    new_staff: dict[str, dict] = {}
    out = Plan(rows={})
    for row in sorted(rows, key=lambda r: r.line):
        d, errors = row.data, []

        def err(code, message, name, errors=errors):
            errors.append({"code": str(code), "message": message,
                           "column": columns.get(name, name)})

        name, cert = d["name"].strip(), (d.get("certificate_number") or "").strip()
        start, end = d["start_date"], d.get("end_date")
        full_time = d.get("full_time") is not False
        found = inst_by_name.get(header_key(d["institution"]), [])
        if d.get("institution_region"):
            found = [i for i in found if i["region_code"] == d["institution_region"]]
        inst = None
        if not found:
            err(ErrorCode.FACILITY_REGION, f"机构“{d['institution']}”不在您管辖区域的机构登记中："
                "请先导入机构名单或在“机构人员”中登记", "institution")
        elif len(found) > 1:
            err(ErrorCode.INVALID, f"名为“{d['institution']}”的机构有{len(found)}个：请填写机构区划代码",
                "institution_region")
        else:
            inst = found[0]
        if end is not None and end <= start:
            err(ErrorCode.DATE_ORDER, "离岗日期应晚于到岗日期", "end_date")
        dept = None
        if inst is not None:
            if start < inst["opened_on"] or (inst["closed_on"] is not None and (
                    end is None or end > inst["closed_on"])):
                err(ErrorCode.FACILITY_CLOSED, f"到岗日期应在“{inst['name']}”开业期间内"
                    f"（{inst['opened_on']} 起"
                    f"{'' if inst['closed_on'] is None else '，' + str(inst['closed_on']) + ' 撤销'}）",
                    "start_date")
            if d.get("department"):
                if inst["kind"] != InstitutionKind.COUNTY_HOSPITAL:
                    err(ErrorCode.INVALID, "只有县级医院的岗位填写科室", "department")
                else:
                    dept = depts.get((inst["pk"], header_key(d["department"])))
                    if dept is None:
                        err(ErrorCode.INVALID, f"科室“{d['department']}”未在“{inst['name']}”登记",
                            "department")
        county = inst["region_code"][:6] if inst else ""
        pks = by_cert.get(header_key(cert), []) if cert else by_name.get(
            (county, header_key(name)), [])
        if len(pks) > 1:
            err(ErrorCode.INVALID, f"“{name}”有{len(pks)}位同名人员：请填写执业证书编号",
                "certificate_number")
        who = staff.get(pks[0]) if len(pks) == 1 else None
        key = f"s{who['pk']}" if who else f"n{county}:{header_key(cert) or header_key(name)}"
        same = None
        if who is not None and inst is not None:
            same = next((p for p in held[who["pk"]] if p.institution_id == inst["pk"]
                         and p.start_date == start), None)
        if full_time and not errors:
            spans = list(busy[key])
            if who is not None:
                spans += [(p.start_date, p.end_date, p.institution.name) for p in held[who["pk"]]
                          if p.full_time and p is not same]
            hit = _overlap(spans, start, end)
            if hit is not None:
                err(ErrorCode.STAFF_POST_OVERLAP, f"{name}同期已在“{hit[1]}”全职在岗（{hit[0]} 起）："
                    "同一人同时只能有一个全职岗位，请先登记原岗位离岗", "start_date")
        if errors:
            out.rows[row.line] = RowPlan(RowStatus.ERROR, errors=errors)
            continue
        if full_time:
            busy[key].append((start, end, inst["name"]))
        changes, record = [], {"key": key, "staff_id": who["pk"] if who else None}
        if who is None:
            if key not in new_staff:
                new_staff[key] = {"name": name, "qualification": d["qualification"],
                                  "region_code": county, "certificate_number": cert}
                changes.append({"field": "人员", "before": "无",
                                "after": f"{name}（{_QUAL[d['qualification']]}）"})
            record["staff_create"] = new_staff[key]
        else:
            diff = {n: v for n, v in (("qualification", d["qualification"]),
                                      ("certificate_number", cert)) if v and who[n] != v}
            if diff:
                changes += [{"field": "执业资格" if n == "qualification" else "执业证书编号",
                             "before": _QUAL.get(who[n], who[n]) or "无",
                             "after": _QUAL.get(v, v)} for n, v in diff.items()]
                who.update(diff)
                record["staff_update"] = diff
        post = {"institution_id": inst["pk"], "region_code": inst["region_code"],
                "department_id": dept, "full_time": full_time, "start_date": start,
                "end_date": end}
        if same is None:
            changes.append({"field": "岗位", "before": "无", "after": f"{inst['name']}，"
                            f"{start} 到岗{'' if end is None else '，' + str(end) + ' 离岗'}"
                            f"{'' if full_time else '（兼职）'}"})
            record["post_create"] = post
        else:
            after = {"end_date": end, "full_time": full_time, "department_id": dept}
            diff = {n: v for n, v in after.items() if getattr(same, n) != v}
            if diff:
                changes += [{"field": {"end_date": "离岗日期", "full_time": "全职",
                                       "department_id": "科室"}[n],
                             "before": str(getattr(same, n) or "无"), "after": str(v or "无")}
                            for n, v in diff.items()]
                record["post_update"] = (same.pk, diff)
        if not changes:
            out.rows[row.line] = RowPlan(RowStatus.UNCHANGED)
            continue
        created = "staff_create" in record or "post_create" in record
        out.rows[row.line] = RowPlan(RowStatus.CREATED if created else RowStatus.UPDATED,
                                     changes=changes, record=record)
    return out


def staff_write(*, user: User, batch: Batch, records: list[tuple[int, dict]]) -> list[Change]:
    creates, index, create_lines = [], {}, []
    for line, r in records:
        if "staff_create" in r and r["key"] not in index:
            index[r["key"]] = len(creates)
            creates.append(r["staff_create"])
            create_lines.append(line)
    staff_updates, staff_lines = {}, {}
    for line, r in records:
        if "staff_update" in r:
            staff_updates.setdefault(r["staff_id"], {}).update(r["staff_update"])
            staff_lines[r["staff_id"]] = line
    posts, post_lines, post_updates, update_lines = [], [], {}, {}
    for line, r in records:
        if "post_create" in r:
            who = {"staff_id": r["staff_id"]} if r["staff_id"] else {"new": index[r["key"]]}
            posts.append({**who, **r["post_create"]})
            post_lines.append(line)
        if "post_update" in r:
            pk, diff = r["post_update"]
            post_updates[pk] = diff
            update_lines[pk] = line
    made, staff_befores, new_posts, post_befores = fac_services.staff_posts_import(
        user=user, reason=f"导入批次#{batch.pk}", staff_creates=creates,
        staff_updates=staff_updates, posts=posts, post_updates=post_updates)

    def after(values):
        return {k: _json(v) for k, v in values.items()}

    changes = [Change(batch=batch, line=line, model=STAFF, object_id=s.pk,
                      action=Change.Action.CREATE, after=after(values))
               for s, line, values in zip(made, create_lines, creates, strict=True)]
    changes += [Change(batch=batch, line=staff_lines[b["id"]], model=STAFF, object_id=b["id"],
                       action=Change.Action.UPDATE, before=b, after=staff_updates[b["id"]])
                for b in staff_befores]
    changes += [Change(batch=batch, line=line, model=POST, object_id=p.pk,
                       action=Change.Action.CREATE,
                       after=after({k: v for k, v in values.items() if k != "new"}))
                for p, line, values in zip(new_posts, post_lines, posts, strict=True)]
    changes += [Change(batch=batch, line=update_lines[b["id"]], model=POST, object_id=b["id"],
                       action=Change.Action.UPDATE, before=b, after=after(post_updates[b["id"]]))
                for b in post_befores]
    return changes


staff_undo = facility_undo((STAFF, POST))


def staff_summary(changes: list[Change]) -> dict:
    return change_counts(changes, staff_created=(STAFF, Change.Action.CREATE),
                         staff_updated=(STAFF, Change.Action.UPDATE),
                         posts_created=(POST, Change.Action.CREATE),
                         posts_updated=(POST, Change.Action.UPDATE))
