"""The platform's settlement records (kind `insurance_settlements`, decision 52): the plan of a
list (one `settlement.ExternalSettlement` per row, `created` or already held), its set-based
write with provenance (the records carry `batch_id` and `batch_line`, decision 98) and its undo
(the batch's records get `voided_at`; nothing is deleted).

A record is already held when a record of the user's scope, not voided, has the same
settlement number (结算流水号) or, for a row without one, the same person, visit type,
institution, admission and discharge dates and total. An inpatient record is linked to jkfp's
own stay of the same person with the same admission and discharge dates.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from jkfp.accounts.models import User
from jkfp.settlement.models import ExternalSettlement, VisitType

from .compare import Plan, RowIn, RowPlan, State
from .fastinsert import insert_objects
from .models import Batch, RowStatus

MODEL = "settlement.ExternalSettlement"
#: row field → model field, for the amounts (fen)
AMOUNT_FIELDS = {
    "total": "total_fen",
    "fully_self": "fully_self_fen",
    "over_limit_self": "over_limit_self_fen",
    "pre_self": "pre_self_fen",
    "in_policy": "in_policy_fen",
    "deductible": "deductible_fen",
    "basic": "basic_fen",
    "critical": "critical_fen",
    "assistance": "assistance_fen",
    "other_fund": "other_fund_fen",
    "fund_total": "fund_total_fen",
    "hospital_share": "hospital_share_fen",
    "personal": "personal_fen",
    "account": "account_fen",
    "cash": "cash_fen",
}
_FUNDS = ("basic", "critical", "assistance", "other_fund")
_VISIT_LABELS = dict(VisitType.choices)
NOT_HELD = "登记中无此人（或不在您的管辖区域）：结算记录不新建人员"


def dup_reason(first) -> str:
    return f"与第{first}行是同一条结算记录，此行未导入"


def number_reason(number: str) -> str:
    return f"结算流水号{number}已导入，但内容不同：未覆盖（如需更正请先撤销原批次）"


def created_change(v: dict, stay_id) -> dict:
    """What a created record changes, as the batch's pages and report show it."""
    return {
        "field": f"{_VISIT_LABELS[v['visit_type']]}结算记录",
        "before": "无",
        "after": f"{v['institution_name']} {v['admission_date']}至{v['discharge_date']}，"
        f"总额{_yuan(v['total_fen'])}，个人负担{_yuan(v['personal_fen'])}"
        + ("，对应本系统住院记录" if stay_id else ""),
    }


@dataclass
class SettlementState:
    """What the plan needs of the records held: the numbers and the content keys (not voided),
    and jkfp's own stays by (person, admission, discharge)."""

    numbers: dict[str, int]
    keys: dict[tuple, int]
    stays: dict[tuple, int]


def content_key(person_id: int, visit_type: str, institution: str, admission, discharge,
                total_fen: int) -> tuple:
    return (person_id, visit_type, institution or "", admission, discharge, total_fen)


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}元"


def record_values(d: dict) -> dict:
    """The model's values of one typed row (amounts in fen; fund total and personal share
    completed from their parts when the file leaves them empty)."""
    out = {model: d.get(name) or 0 for name, model in AMOUNT_FIELDS.items()}
    if d.get("fund_total") is None:
        out["fund_total_fen"] = sum(out[AMOUNT_FIELDS[f]] for f in _FUNDS)
    grade = d.get("hospital_grade")
    out |= {
        "record_number": d.get("record_number") or "",
        "insurance_type": d.get("insurance_type") or "",
        "person_type": d.get("person_type") or "",
        "visit_type": d["visit_type"],
        "institution_name": (d.get("institution") or "")[:100],
        "hospital_grade": int(grade) if grade not in (None, "") else None,
        "location": d.get("location") or "",
        "admission_date": d["admission_date"],
        "discharge_date": d["discharge_date"],
    }
    return out


def plan_settlements(rows: list[RowIn], state: State, *, note: str) -> Plan:
    """Per row: `created`, or `unchanged` when the record is already held; a person not in
    the registry (or outside the scope), a second row of one record, or a settlement number
    held with other amounts are `ignored` (the last is not overwritten: undo its batch first)."""
    out = Plan(rows={})
    held: SettlementState = state.settlements
    seen_numbers: dict[str, int] = {}
    seen_keys: dict[tuple, int] = {}
    for row in sorted(rows, key=lambda r: r.line):
        person = state.persons.get(row.person_id) if row.person_id else None
        if person is None:
            out.rows[row.line] = RowPlan(RowStatus.IGNORED, NOT_HELD)
            continue
        v = record_values(row.data)
        key = content_key(person.id, v["visit_type"], v["institution_name"], v["admission_date"],
                          v["discharge_date"], v["total_fen"])
        number = v["record_number"]
        first = seen_numbers.get(number) if number else seen_keys.get(key)
        if first is not None:
            out.rows[row.line] = RowPlan(RowStatus.IGNORED, dup_reason(first))
            continue
        if number:
            seen_numbers[number] = row.line
        seen_keys[key] = row.line
        if number and number in held.numbers:
            if held.numbers[number] in (held.keys.get(key),):
                out.rows[row.line] = RowPlan(RowStatus.UNCHANGED)
            else:
                out.rows[row.line] = RowPlan(RowStatus.IGNORED, number_reason(number))
            continue
        if key in held.keys:
            out.rows[row.line] = RowPlan(RowStatus.UNCHANGED)
            continue
        stay_id = None
        if v["visit_type"] == VisitType.INPATIENT:
            stay_id = held.stays.get((person.id, v["admission_date"], v["discharge_date"]))
        v |= {"person_id": person.id, "region_code": person.region_code,
              "county_code": person.region_code[:6], "stay_id": stay_id}
        plan = RowPlan(RowStatus.CREATED, record=v)
        plan.changes = [created_change(v, stay_id)]
        out.rows[row.line] = plan
    return out


def settlements_write(*, user: User, batch: Batch, records: list[tuple[int, dict]]
                      ) -> list[ExternalSettlement]:
    """Write the planned records of `batch` (line, values) in bulk, each carrying its batch and
    line (its provenance); return them. Runs inside the apply's transaction."""
    if not records:
        return []
    objs = [ExternalSettlement(batch_id=batch.pk, batch_line=line, **values)
            for line, values in records]
    return insert_objects(ExternalSettlement, objs)


def settlements_undo(*, user: User, batch: Batch) -> int:
    """Void every record the batch wrote (one UPDATE, by the records' `batch_id`: a record is
    its own provenance, decision 98); nothing is deleted."""
    if batch.kind != "insurance_settlements":
        return 0
    return ExternalSettlement.objects.filter(
        batch_id=batch.pk, voided_at__isnull=True
    ).update(voided_at=timezone.now())
