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
from jkfp.registry import services as registry_services
from jkfp.registry.models import HouseholdIncome
from jkfp.registry.selectors import household_scope

from .compare import Plan, RowIn, State
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
