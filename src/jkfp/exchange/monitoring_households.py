"""The household income of a monitoring list (decision 53b): 人均纯收入 → `registry.
HouseholdIncome` of the year of the check (today, China time: the export is read as the
current year's monitoring data; the same year the income-line contradiction compares). Per
household, the head's row (else its first row with an income) gives the per-capita income;
the members are 家庭人口数 when the list gives it, else the household's rows in the file;
the total is per-capita × members. A household whose income of the year is the same is
unchanged; otherwise the head's row is `updated` with before → after. The write is
set-based with provenance (`Change` of model registry.HouseholdIncome); the undo voids what
it created and restores what it changed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from jkfp.accounts.models import User
from jkfp.errors import ErrorCode
from jkfp.registry import services as registry_services
from jkfp.registry.models import HouseholdIncome
from jkfp.registry.selectors import household_scope

from .compare import Plan, RowIn, RowPlan, State
from .models import Batch, Change, RowStatus

MODEL = "registry.HouseholdIncome"
FIELDS = ("total_fen", "members", "per_capita_fen", "source", "void")


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}元"


def plan_incomes(rows: list[RowIn], state: State, plan: Plan, *, user: User, note: str,
                 today: dt.date | None = None) -> Plan:
    """Add the household incomes to a monitoring plan (in place; returned)."""
    year = (today or timezone.localdate()).year
    chosen: dict[int, RowIn] = {}
    counted: Counter = Counter()
    for row in sorted(rows, key=lambda r: (r.data.get("relation") != "head", r.line)):
        person = state.persons.get(row.person_id) if row.person_id else None
        p = plan.rows.get(row.line)
        if person is None or p is None or p.status in (RowStatus.IGNORED, RowStatus.ERROR):
            continue
        counted[person.household_id] += 1
        if row.data.get("income") is not None and person.household_id not in chosen:
            chosen[person.household_id] = row
    if not chosen:
        return plan
    held = {i.household_id: i for i in HouseholdIncome.objects.filter(
        household__in=household_scope(user=user).filter(pk__in=list(chosen)), year=year)}
    for hh, row in chosen.items():
        d = row.data
        members = d.get("household_size") or counted[hh]
        per = d["income"]
        after = {"total_fen": per * members, "members": members, "per_capita_fen": per,
                 "source": note[:100], "void": False}
        old = held.get(hh)
        if old is not None and not old.void and (old.per_capita_fen, old.members) == (
                per, members):
            continue
        rp = plan.rows[row.line]
        rp.record = {"income": {"id": old.pk if old else None, "household_id": hh,
                                "year": year, "after": after}}
        before = "无" if old is None or old.void else f"{_yuan(old.per_capita_fen)}（{old.members}人）"
        rp.changes.append({"field": f"{year}年人均纯收入", "before": before,
                           "after": f"{_yuan(per)}（{members}人）"})
        if rp.status == RowStatus.UNCHANGED:
            rp.status = RowStatus.UPDATED
    return plan


def incomes_write(*, user: User, batch: Batch, records: list[tuple[int, dict]]) -> list[Change]:
    mine = [(line, r["income"]) for line, r in records if r.get("income")]
    if not mine:
        return []
    reason = f"导入批次#{batch.pk}"
    creates = [(line, r) for line, r in mine if r["id"] is None]
    updates = {r["id"]: r["after"] for _l, r in mine if r["id"] is not None}
    lines = {r["id"]: line for line, r in mine if r["id"] is not None}
    made, befores = registry_services.household_incomes_import(
        user=user, reason=reason, updates=updates,
        creates=[{"household_id": r["household_id"], "year": r["year"], **r["after"]}
                 for _l, r in creates])
    changes = [Change(batch=batch, line=line, model=MODEL, object_id=i.pk,
                      action=Change.Action.CREATE, after={"year": r["year"], **r["after"]})
               for (line, r), i in zip(creates, made, strict=True)]
    changes += [Change(batch=batch, line=lines[b["id"]], model=MODEL, object_id=b["id"],
                       action=Change.Action.UPDATE, before=b, after=updates[b["id"]])
                for b in befores]
    return changes


def incomes_undo(*, user: User, batch: Batch, changes: list[Change]) -> int:
    mine = [c for c in changes if c.model == MODEL]
    if not mine:
        return 0
    updates = {c.object_id: ({"void": True} if c.action == Change.Action.CREATE else
                             {k: v for k, v in c.before.items() if k != "id"}) for c in mine}
    registry_services.household_incomes_import(user=user, creates=[], updates=updates,
                                               reason=f"撤销导入批次#{batch.pk}")
    return len(mine)


# ---------------------------------------------------------------- new persons and households
NEW_REASON = "登记中无此人：导入时新建"


def plan_new_persons(rows: list[RowIn], state: State, plan: Plan, *, user: User,
                     columns: dict[str, str] | None = None) -> Plan:
    """Rows of persons the registry lacks (no link, a well-formed ID with a good check digit,
    the village found): `created` — a new member of the household of 户编号 (a registry
    household of that village, or one the list makes: exactly one of its rows the head), or
    an error row naming why not (decision 53c)."""
    new = [r for r in rows if r.person_id is None and r.data.get("_village")
           and plan.rows.get(r.line) is not None
           and plan.rows[r.line].status == RowStatus.IGNORED]
    if not new:
        return plan
    numbers = {r.data.get("household_number") for r in new if r.data.get("household_number")}
    held = {h["household_number"]: h for h in household_scope(user=user).filter(
        household_number__in=numbers).values("pk", "household_number", "village_id", "head_id")}
    groups: dict[str, list[RowIn]] = {}
    for r in new:
        groups.setdefault(r.data.get("household_number") or f"line:{r.line}", []).append(r)
    for key, members in groups.items():
        old = held.get(key)
        heads = [r for r in members if r.data.get("relation") == "head"]
        for r in members:
            d = r.data
            why = None
            if not d.get("id_valid") or len(d.get("id_number") or "") != 18:
                why = (ErrorCode.ID_CHECKSUM, "证件号码校验位不符或不是18位身份证号：不新建人员，"
                       "请核对后在登记系统中建档", "id_number")
            elif not d.get("relation"):
                why = (ErrorCode.REQUIRED, "新建人员须有与户主关系", "relation")
            elif old is not None and old["village_id"] != d["_village"]:
                why = (ErrorCode.IMPORT_VILLAGE, f"户编号{key}在登记中属于另一个村", "village")
            elif old is not None and d["relation"] == "head" and old["head_id"]:
                why = (ErrorCode.HOUSEHOLD_TWO_HEADS, f"户编号{key}在登记中已有户主", "relation")
            elif old is None and len(heads) != 1:
                why = (ErrorCode.HOUSEHOLD_TWO_HEADS if heads else ErrorCode.REQUIRED,
                       f"户编号{key if not key.startswith('line:') else '（空）'}为新户，"
                       "名单中须有且只有一名户主", "relation")
            if why:
                plan.rows[r.line] = RowPlan(RowStatus.ERROR, errors=[{
                    "code": str(why[0]), "message": why[1],
                    "column": (columns or {}).get(why[2], why[2])}])
                continue
            where = f"户编号{key}（登记中已有）" if old else (
                f"新户{key}" if not key.startswith("line:") else "新户（按村的编号规则编号）")
            plan.rows[r.line] = RowPlan(RowStatus.CREATED, reason=NEW_REASON, changes=[{
                "field": "新建人员", "before": "无",
                "after": f"{d.get('name', '')}，{where}"}])
    return plan


def create_new_persons(*, user: User, batch: Batch, rows) -> tuple[list[Change], set[int]]:
    """At the apply: create the persons and households of the rows planned as new (in the
    apply's transaction), link the rows to them; return the provenance and the lines."""
    new = [r for r in rows if r.person_id is None and r.reason == NEW_REASON
           and r.status == RowStatus.CREATED and not r.applied]
    if not new:
        return [], set()
    numbers = {r.data.get("household_number") for r in new if r.data.get("household_number")}
    held = dict(household_scope(user=user).filter(household_number__in=numbers)
                .values_list("household_number", "pk"))
    households, persons, keys = [], [], {}
    for r in new:
        d = r.data
        number = d.get("household_number") or ""
        key = number or f"line:{r.line}"
        if key in held:
            target = held[key]
        else:
            if key not in keys:
                keys[key] = {"key": key, "household_number": number,
                             "village_code": d["_village"]}
                households.append(keys[key])
            target = key
        persons.append({"household": target, "id_number": d["id_number"],
                        "name": d["name"], "sex": d["id_sex"],
                        "birth_date": dt.date.fromisoformat(d["id_birth"]),
                        "relation": d["relation"], "work_ability": d.get("work_ability"),
                        "phone": d.get("phone"), "health_status": d.get("health_status")})
    made, people = registry_services.households_persons_import(
        user=user, households=households, persons=persons, reason=f"导入批次#{batch.pk}")
    line_of_key = {}
    for r, p in zip(new, people, strict=True):
        r.person_id = p.pk
        line_of_key.setdefault(r.data.get("household_number") or f"line:{r.line}", r.line)
    type(new[0]).objects.bulk_update(new, ["person"])
    changes = [Change(batch=batch, line=line_of_key[k], model="registry.Household",
                      object_id=h.pk, action=Change.Action.CREATE,
                      after={"household_number": h.household_number, "village": h.village_id})
               for k, h in made.items()]
    changes += [Change(batch=batch, line=r.line, model="registry.NewPerson", object_id=p.pk,
                       action=Change.Action.CREATE,
                       after={"name": p.name, "household_id": p.household_id,
                              "relation": p.relation})
                for r, p in zip(new, people, strict=True)]
    return changes, {r.line for r in new}


def households_undo(*, user: User, batch: Batch, changes: list[Change]) -> int:
    ids = [c.object_id for c in changes if c.model == "registry.Household"]
    if not ids:
        return 0
    return registry_services.households_end_imported(
        user=user, ids=ids, on=timezone.localdate(), reason=f"撤销导入批次#{batch.pk}：此户作废")
