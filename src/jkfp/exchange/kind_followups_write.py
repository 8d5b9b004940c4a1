"""The write and the undo of the follow-up list (kind `followups`, decision 53): set-based
through `health.services.chronic_registrations_import` and
`contracts.services.followup_import`, each row written recorded as a `Change` of the batch
(provenance, with the values before), inside the apply's transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from jkfp.accounts.models import User
from jkfp.contracts import services as contract_services
from jkfp.health import services as health_services

from .kind_followups import REG_MODEL, VISIT_MODEL
from .models import Batch, Change


def _json(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _jdict(d: dict) -> dict:
    return {k: _json(v) for k, v in d.items()}


def followups_write(*, user: User, batch: Batch, records: list[tuple[int, dict]]) -> list[Change]:
    """Write the planned registrations, visits and ends of `batch` (line, record); return the
    provenance rows (not saved)."""
    reason = f"导入批次#{batch.pk}"
    new_regs = [(line, r) for line, r in records if r.get("new_registration")]
    made, _ = health_services.chronic_registrations_import(
        user=user, creates=[r["new_registration"] for _l, r in new_regs], updates={},
        reason=reason)
    reg_id = {f"new:{line}": reg.pk for (line, _r), reg in zip(new_regs, made, strict=True)}
    changes = [Change(batch=batch, line=line, model=REG_MODEL, object_id=reg.pk,
                      action=Change.Action.CREATE, after=_jdict(r["new_registration"]))
               for (line, r), reg in zip(new_regs, made, strict=True)]

    def reg_of(r):
        return reg_id.get(r["registration"], r["registration"])

    creates, create_lines, updates, update_lines = [], [], {}, {}
    latest: dict[int, tuple[dt.date, dt.date | None]] = {}
    for line, r in records:
        v = r.get("visit")
        if not v:
            continue
        rid = reg_of(r)
        if v["id"] is None:
            creates.append({"registration_id": rid, "person_id": r["person_id"],
                            "region_code": r["region_code"], "visited_on": v["visited_on"],
                            "note": reason, **v["after"]})
            create_lines.append(line)
        else:
            updates[v["id"]] = v["after"]
            update_lines[v["id"]] = line
        full = v["after"]
        if rid not in latest or latest[rid][0] < v["visited_on"]:
            latest[rid] = (v["visited_on"], full.get("next_visit_on"))
    visits, befores = contract_services.followups_import(
        user=user, creates=creates, updates=updates, reason=reason)
    changes += [Change(batch=batch, line=line, model=VISIT_MODEL, object_id=v.pk,
                       action=Change.Action.CREATE,
                       after=_jdict({"visited_on": v.visited_on, **{
                           k: getattr(v, k) for k in contract_services.VISIT_IMPORT_FIELDS}}))
                for line, v in zip(create_lines, visits, strict=True)]
    changes += [Change(batch=batch, line=update_lines[b["id"]], model=VISIT_MODEL,
                       object_id=b["id"], action=Change.Action.UPDATE, before=b,
                       after=_jdict(updates[b["id"]])) for b in befores]
    # the registrations: their latest visit and the next one due, and the ends
    reg_updates: dict[int, dict] = {}
    reg_lines: dict[int, int] = {}
    current = health_services.chronic_visit_dates(ids=set(latest))
    for rid, (on, nxt) in latest.items():
        last = current.get(rid)
        if last is None or last <= on:
            reg_updates[rid] = {"last_visit_on": on, "next_visit_on": nxt}
    for line, r in records:
        rid = reg_of(r)
        if rid in reg_updates:
            reg_lines.setdefault(rid, line)
        if r.get("end"):
            reg_updates.setdefault(rid, {}).update(
                {**r["end"], "next_visit_on": None})
            reg_lines[rid] = line
    _, reg_befores = health_services.chronic_registrations_import(
        user=user, creates=[], updates=reg_updates, reason=reason)
    changes += [Change(batch=batch, line=reg_lines[b["id"]], model=REG_MODEL, object_id=b["id"],
                       action=Change.Action.END if reg_updates[b["id"]].get("ended_on")
                       else Change.Action.UPDATE,
                       before=b, after=_jdict(reg_updates[b["id"]])) for b in reg_befores]
    return changes


def followups_undo(*, user: User, batch: Batch, changes: list[Change]) -> int:
    """Void the visits the batch created, restore those it changed, end (as 登记有误, on their
    registration day) the registrations it created and restore those it changed."""
    reason = f"撤销导入批次#{batch.pk}"
    visits = [c for c in changes if c.model == VISIT_MODEL]
    regs = [c for c in changes if c.model == REG_MODEL]
    if not visits and not regs:
        return 0
    vupdates = {c.object_id: {"void": True} for c in visits if c.action == Change.Action.CREATE}
    for c in visits:
        if c.action == Change.Action.UPDATE:
            vupdates[c.object_id] = {k: _typed(k, v) for k, v in c.before.items() if k != "id"}
    contract_services.followups_import(user=user, creates=[], updates=vupdates, reason=reason)
    rupdates: dict[int, dict] = {}
    for c in regs:
        if c.action == Change.Action.CREATE:
            rupdates[c.object_id] = {
                "ended_on": dt.date.fromisoformat(c.after["registered_on"]),
                "end_reason": "error", "next_visit_on": None}
    for c in regs:
        if c.action != Change.Action.CREATE and c.object_id not in rupdates:
            rupdates[c.object_id] = {k: _typed(k, v) for k, v in c.before.items() if k != "id"}
    health_services.chronic_registrations_import(user=user, creates=[], updates=rupdates,
                                                 reason=reason)
    return len(visits) + len(regs)


def _typed(name: str, value):
    if value is None:
        return None
    if name.endswith("_on"):
        return dt.date.fromisoformat(value)
    if name == "fasting_glucose":
        return Decimal(value)
    return value


def followups_summary(changes: list[Change]) -> dict:
    def n(model, action):
        return sum(c.model == model and c.action == action for c in changes)

    return {"registrations_created": n(REG_MODEL, Change.Action.CREATE),
            "registrations_ended": n(REG_MODEL, Change.Action.END),
            "followups_created": n(VISIT_MODEL, Change.Action.CREATE),
            "followups_updated": n(VISIT_MODEL, Change.Action.UPDATE)}
