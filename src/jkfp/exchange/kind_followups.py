"""The basic public-health follow-up list (kind `followups`, decision 53): one row per visit
of a chronic patient. Its plan registers the patient for the disease when the registry has no
registration yet (确诊日期, 建档日期), records the visit (the rules of `followup_record`:
dates, blood pressure and glucose ranges, what applies to which disease, and the doctor a
member of the team of the patient's contract on the visit day) and ends the management when
the row gives 终止管理日期; the write is set-based with provenance; the undo voids the visits
the batch created, restores the ones it changed and ends (as 登记有误) the registrations it
created. Nothing is deleted."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from jkfp.accounts.models import User
from jkfp.contracts import selectors as contract_selectors
from jkfp.contracts import services as contract_services
from jkfp.contracts.models import FollowUp, TeamMember
from jkfp.errors import DomainError, ErrorCode
from jkfp.health import services as health_services
from jkfp.health.models import ChronicRegistration
from jkfp.registry.selectors import person_scope

from .compare import Plan, RowIn, RowPlan, State
from .kinds import header_key
from .models import Batch, RowStatus

REG_MODEL, VISIT_MODEL = "health.ChronicRegistration", "contracts.FollowUp"
DISEASES = {"hypertension": "高血压", "diabetes_type2": "2型糖尿病",
            "tuberculosis": "肺结核", "severe_mental_disorder": "严重精神障碍"}
_WAY = dict(FollowUp.Way.choices)
_CLASS = dict(FollowUp.Classification.choices)
_END = dict(ChronicRegistration.EndReason.choices)
VISIT_FIELDS = ("way", "member_id", "systolic", "diastolic", "fasting_glucose", "risk_level",
                "doses_due", "doses_taken", "classification", "next_visit_on")
_VISIT_LABELS = {"way": "随访方式", "member_id": "随访医生", "systolic": "收缩压",
                 "diastolic": "舒张压", "fasting_glucose": "空腹血糖", "risk_level": "危险性评估",
                 "doses_due": "应服药次数", "doses_taken": "实服药次数",
                 "classification": "随访分类", "next_visit_on": "下次随访日期"}
#: the field of followup_check → the field of the list (for the column of an error)
_CHECK_FIELD = {"visited_on": "visited_on", "way": "way", "classification": "classification",
                "systolic": "systolic", "diastolic": "diastolic",
                "fasting_glucose": "fasting_glucose", "risk_level": "risk_level",
                "doses_due": "doses_due", "doses_taken": "doses_taken",
                "next_visit_on": "next_visit_on", "weight_kg": "fasting_glucose"}


@dataclass
class Reg:
    id: int | None  # None: created by this plan
    person_id: int
    disease_code: str
    diagnosed_on: dt.date
    registered_on: dt.date
    ended_on: dt.date | None
    end_reason: str
    key: str = ""  # "new:<line>" for one this plan creates


@dataclass
class HealthState:
    death: dict[int, dt.date | None] = field(default_factory=dict)
    birth: dict[int, dt.date | None] = field(default_factory=dict)
    regs: dict[tuple[int, str], list[Reg]] = field(default_factory=lambda: defaultdict(list))
    contracts: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    members: dict[int, list[TeamMember]] = field(default_factory=lambda: defaultdict(list))
    visits: dict[tuple[int, dt.date], dict] = field(default_factory=dict)  # (reg, day) → fields


def health_state(*, user: User, person_ids: set[int]) -> HealthState:
    """What the plan compares with, read through the health and contracts selectors (scoped;
    health readers only)."""
    ids = list(person_ids)
    s = HealthState()
    for pk, death, birth in person_scope(user=user).filter(pk__in=ids).values_list(
            "pk", "death_date", "birth_date"):
        s.death[pk], s.birth[pk] = death, birth
    for r in contract_selectors.registration_scope(user=user).filter(
            person_id__in=ids).values_list("pk", "person_id", "disease_code", "diagnosed_on",
                                           "registered_on", "ended_on", "end_reason"):
        s.regs[(r[1], r[2])].append(Reg(*r))
    teams = set()
    for c in contract_selectors.contract_scope(user=user).filter(person_id__in=ids).values_list(
            "person_id", "year", "signed_on", "ended_on", "team_id", "team__name"):
        s.contracts[c[0]].append(c[1:])
        teams.add(c[4])
    for m in TeamMember.objects.filter(team_id__in=teams).order_by("pk"):
        s.members[m.team_id].append(m)
    for v in contract_selectors.followup_scope(user=user).filter(person_id__in=ids).values(
            "pk", "registration_id", "visited_on", *VISIT_FIELDS):
        s.visits[(v["registration_id"], v["visited_on"])] = v
    return s


def _covering(contracts: list[tuple], on: dt.date):
    """The contract (year, signed, ended, team, team name) in force on `on`, as
    `contract_covering` chooses it."""
    found = [c for c in contracts
             if c[0] == on.year and c[1] <= on and (c[2] is None or c[2] >= on)]
    return max(found, key=lambda c: c[1]) if found else None


def _glucose(text) -> Decimal | str | None:
    return None if text in (None, "") else str(text).strip()


def _show(name: str, value) -> str:
    if value is None or value == "":
        return "无"
    if name == "way":
        return _WAY.get(value, value)
    if name == "classification":
        return _CLASS.get(value, value)
    return str(value)


class _Row:
    def __init__(self, row: RowIn, columns: dict[str, str]):
        self.row, self.columns, self.errors = row, columns, []

    def error(self, code: ErrorCode, message: str, name: str) -> None:
        self.errors.append({"code": str(code), "message": message,
                            "column": self.columns.get(name, name)})


def plan_followups(rows: list[RowIn], state: State, *, user: User, batch: Batch,
                   columns: dict[str, str], today: dt.date | None = None) -> Plan:
    """Per row: `created` (a new visit, with a new registration if needed), `updated` (a visit
    of that day whose values differ), `ended` (the row ends the management), `unchanged`,
    `ignored` (not in the registry) or `errors` (a rule of the service broken: the row, the
    column and the reason)."""
    today = today or timezone.localdate()
    hs = health_state(user=user, person_ids={r.person_id for r in rows if r.person_id})
    labels = {name: columns.get(name, name) for name in columns}
    out = Plan(rows={})
    for row in sorted(rows, key=lambda r: r.line):
        person = state.persons.get(row.person_id) if row.person_id else None
        if person is None:
            out.rows[row.line] = RowPlan(RowStatus.IGNORED, "登记中无此人：随访名单不新建人员")
            continue
        out.rows[row.line] = _plan_row(row, person, hs, labels, today)
    return out


def _find_reg(hs: HealthState, person_id: int, disease: str, on: dt.date) -> Reg | None:
    regs = hs.regs[(person_id, disease)]
    open_ = [r for r in regs if r.ended_on is None]
    if open_:
        return open_[0]
    past = [r for r in regs if r.registered_on <= on <= r.ended_on]
    return past[0] if past else None


def _plan_row(row: RowIn, person, hs: HealthState, columns, today: dt.date) -> RowPlan:
    d, r = row.data, _Row(row, columns)
    disease, visited = d["disease"], d["visited_on"]
    name = DISEASES[disease]
    reg = _find_reg(hs, person.id, disease, visited)
    record: dict = {"person_id": person.id, "region_code": person.region_code}
    changes: list[dict] = []
    if reg is None:
        reg = _new_reg(r, d, person, hs, today)
        if reg is not None:
            record["new_registration"] = {
                "person_id": person.id, "region_code": person.region_code,
                "disease_code": disease, "icd10": d.get("_icd10", ""),
                "diagnosed_on": reg.diagnosed_on, "registered_on": reg.registered_on,
                "confirmed_by": (d.get("institution") or "随访名单导入")[:100],
                "note": "随访名单导入"}
            changes.append({"field": "慢病登记", "before": "无",
                            "after": f"{name}（确诊{reg.diagnosed_on}，建档{reg.registered_on}）"})
    if reg is None:
        return RowPlan(RowStatus.ERROR, errors=r.errors)
    record["registration"] = reg.id or reg.key
    # the visit: the service's own checks, the team check against the state read above
    checked = SimpleNamespace(
        disease_code=disease, diagnosed_on=reg.diagnosed_on,
        ended_on=reg.ended_on if reg.id else None, person_id=person.id,
        person=SimpleNamespace(death_date=hs.death.get(person.id)))
    errs, clean = contract_services.followup_check(
        registration=checked, visited_on=visited, way=d["way"], member=None,
        classification=d["classification"], next_visit_on=d.get("next_visit_on"),
        systolic=d.get("systolic"), diastolic=d.get("diastolic"),
        fasting_glucose=_glucose(d.get("fasting_glucose")), risk_level=d.get("risk_level"),
        doses_due=d.get("doses_due"), doses_taken=d.get("doses_taken"), today=today)
    for e in errs:
        if e.field != "member":
            r.error(e.code, e.message, _CHECK_FIELD.get(e.field, e.field or ""))
    member = None
    if not any(e["column"] == columns.get("visited_on", "visited_on") for e in r.errors):
        contract = _covering(hs.contracts[person.id], visited)
        doctor = header_key(d["doctor"])
        if contract is None:
            r.error(ErrorCode.FOLLOWUP_TEAM, "该患者在随访日期没有有效的家庭医生签约", "doctor")
        else:
            member = next((m for m in hs.members[contract[3]]
                           if header_key(m.name) == doctor and m.start_date <= visited
                           and (m.end_date is None or m.end_date >= visited)), None)
            if member is None:
                r.error(ErrorCode.FOLLOWUP_TEAM,
                        f"随访医生“{d['doctor']}”在随访日期不是该患者签约团队"
                        f"（{contract[4]}）的成员", "doctor")
    end = _end(r, d, reg, visited, today)
    if r.errors:
        return RowPlan(RowStatus.ERROR, errors=r.errors)
    after = {"way": d["way"], "member_id": member.pk, "systolic": d.get("systolic"),
             "diastolic": d.get("diastolic"), "fasting_glucose": clean["fasting_glucose"],
             "risk_level": d.get("risk_level"), "doses_due": d.get("doses_due"),
             "doses_taken": d.get("doses_taken"), "classification": d["classification"],
             "next_visit_on": d.get("next_visit_on")}
    old = hs.visits.get((reg.id, visited)) if reg.id else None
    status = RowStatus.UNCHANGED
    if old is None:
        record["visit"] = {"id": None, "visited_on": visited, "after": after}
        hs.visits[(reg.id or reg.key, visited)] = {"pk": None, **after}
        bp = f"，血压{after['systolic']}/{after['diastolic']}" if after["systolic"] else ""
        changes.append({"field": f"随访 {visited}", "before": "无",
                        "after": f"{_WAY[d['way']]}，{member.name}{bp}，"
                                 f"{_CLASS[d['classification']]}"})
        status = RowStatus.CREATED
    else:
        diff = [n for n in VISIT_FIELDS if old[n] != after[n]]
        if diff:
            record["visit"] = {"id": old["pk"], "visited_on": visited,
                               "after": {n: after[n] for n in diff}}
            names = {m.pk: m.name for ms in hs.members.values() for m in ms}
            for n in diff:
                b, a = old[n], after[n]
                if n == "member_id":
                    b, a = names.get(b, b), names.get(a, a)
                changes.append({"field": f"随访 {visited} {_VISIT_LABELS[n]}",
                                "before": _show(n, b), "after": _show(n, a)})
            status = RowStatus.UPDATED
    if record.get("new_registration"):
        status = RowStatus.CREATED
    if end is not None:
        record["end"] = end
        reg.ended_on, reg.end_reason = end["ended_on"], end["end_reason"]
        changes.append({"field": f"{name}管理", "before": "管理中",
                        "after": f"{end['ended_on']}终止（{_END[end['end_reason']]}）"})
        status = RowStatus.ENDED
    if status == RowStatus.UNCHANGED:
        return RowPlan(RowStatus.UNCHANGED)
    return RowPlan(status, changes=changes, record=record)


def _new_reg(r: _Row, d: dict, person, hs: HealthState, today: dt.date) -> Reg | None:
    """The registration this row creates, checked as `chronic_register` checks it."""
    diagnosed = d.get("diagnosed_on")
    registered = d.get("registered_on") or d["visited_on"]
    before = len(r.errors)
    if not person.alive:
        r.error(ErrorCode.PERSON_DECEASED, "此人已故，不能新建慢病登记", "id_number")
    if diagnosed is None:
        r.error(ErrorCode.REQUIRED, "登记中此人尚无该病的慢病登记，新建登记须填写确诊日期",
                "diagnosed_on")
    else:
        birth = hs.birth.get(person.id)
        if diagnosed > today:
            r.error(ErrorCode.DATE_IN_FUTURE, "确诊日期不能晚于今天", "diagnosed_on")
        elif birth and diagnosed < birth:
            r.error(ErrorCode.DATE_ORDER, "确诊日期不能早于出生日期", "diagnosed_on")
        if registered < diagnosed:
            r.error(ErrorCode.DATE_ORDER, "建档日期不能早于确诊日期", "registered_on")
    if registered > today:
        r.error(ErrorCode.DATE_IN_FUTURE, "建档日期不能晚于今天", "registered_on")
    if d["visited_on"] < registered:
        r.error(ErrorCode.DATE_ORDER, "随访日期不能早于建档日期", "visited_on")
    icd = (d.get("icd10") or "").strip()
    if icd and diagnosed is not None:
        try:
            d["_icd10"], _ = health_services.disease_for(
                icd10=icd, region_code=person.region_code, on=registered,
                kind="chronic_priority", disease_code=d["disease"])
        except DomainError as e:
            r.error(e.code, e.message, "icd10")
    if len(r.errors) > before:
        return None
    reg = Reg(None, person.id, d["disease"], diagnosed, registered, None, "",
              key=f"new:{r.row.line}")
    hs.regs[(person.id, d["disease"])].append(reg)
    return reg


def _end(r: _Row, d: dict, reg: Reg, visited: dt.date, today: dt.date) -> dict | None:
    ended, reason = d.get("ended_on"), d.get("end_reason")
    if ended is None:
        if reason:
            r.error(ErrorCode.REQUIRED, "填写了终止管理原因，须同时填写终止管理日期", "ended_on")
        return None
    if reg.ended_on is not None:
        if reg.ended_on != ended:
            r.error(ErrorCode.DATE_ORDER, f"该慢病管理已于{reg.ended_on}结束", "ended_on")
        return None
    if not reason:
        r.error(ErrorCode.REQUIRED, "终止管理须填写终止管理原因", "end_reason")
    if ended > today:
        r.error(ErrorCode.DATE_IN_FUTURE, "终止管理日期不能晚于今天", "ended_on")
    elif ended < reg.registered_on:
        r.error(ErrorCode.DATE_ORDER, "终止管理日期不能早于建档日期", "ended_on")
    elif ended < visited:
        r.error(ErrorCode.DATE_ORDER, "终止管理日期不能早于本次随访日期", "ended_on")
    return {"ended_on": ended, "end_reason": reason}
