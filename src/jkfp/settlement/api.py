"""API of the settlement: settle a person's stay (one-stop, 一站式结算) and read statements.

Reads go through the scoped selectors (a person or statement outside the caller's region answers
404); the amounts come from the policy engine through `services.stay_settle`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Router, Schema, Status

from jkfp.api.common import DateIn, InputSchema, YuanIn, YuanOut, fen_to_yuan, responses
from jkfp.policy.schema import GRADE_CHOICES, LOCATION_CHOICES, LOCATION_CODES, choices_text
from jkfp.registry import selectors as registry_selectors

from . import selectors, services
from .models import Statement

router = Router(tags=["结算"])


class StayIn(InputSchema):
    hospital_name: str = Field(..., min_length=1, max_length=100, description="医疗机构名称")
    hospital_grade: int = Field(..., ge=0, le=3,
                                description=f"医院等级：{choices_text(GRADE_CHOICES)}")
    location: Literal[LOCATION_CODES] = Field(  # type: ignore[valid-type]
        ..., description=f"就医地：{choices_text(LOCATION_CHOICES)}")
    referred: bool = Field(False, description="是否已转诊")
    admission_date: DateIn
    discharge_date: DateIn
    total_cost: YuanIn
    in_policy_cost: YuanIn
    diagnosis_icd10: str = Field("", max_length=12,
                                 description="主要诊断 ICD-10 编码（可选；计入同病种的大病专项救治病例）")

    model_config = {"extra": "forbid"}


class TierOut(Schema):
    id: str
    name: str
    fund: str
    eligible: bool
    amount: YuanOut
    explanation: list[str]


class StatementOut(Schema):
    id: int
    person_id: int
    stay_id: int
    hospital_name: str
    admission_date: dt.date
    discharge_date: dt.date
    category: str
    policy: str
    total_cost: YuanOut
    in_policy_cost: YuanOut
    reimbursed_total: YuanOut
    self_pay: YuanOut
    coverage_percent: str
    deposit_waived: bool
    uses_examples: bool
    tiers: list[TierOut]
    detail: dict[str, Any] = Field(..., description="引擎给出的完整结算说明（参数、来源、年度累计）")


def _out(s: Statement) -> dict:
    d = s.detail
    return {
        "id": s.pk, "person_id": s.person_id, "stay_id": s.stay_id,
        "hospital_name": s.stay.hospital_name, "admission_date": s.stay.admission_date,
        "discharge_date": s.stay.discharge_date, "category": s.stay.category,
        "policy": s.policy, "total_cost": fen_to_yuan(s.stay.total_fen),
        "in_policy_cost": fen_to_yuan(s.stay.in_policy_fen),
        "reimbursed_total": fen_to_yuan(s.reimbursed_fen), "self_pay": fen_to_yuan(s.self_pay_fen),
        "coverage_percent": d["coverage_percent"], "deposit_waived": s.deposit_waived,
        "uses_examples": s.uses_examples,
        "tiers": [{"id": t["id"], "name": t["name"], "fund": t["fund"], "eligible": t["eligible"],
                   "amount": t["amount"], "explanation": t["explanation"]} for t in d["tiers"]],
        "detail": d,
    }


@router.post("/persons/{person_id}/stays", response=responses({201: StatementOut}),
             summary="登记住院并一站式结算")
def stay_settle(request, person_id: int, payload: StayIn):
    person = registry_selectors.person_get(user=request.auth, pk=person_id)
    st = services.stay_settle(user=request.auth, person=person, **payload.dict())
    return Status(201, _out(selectors.statement_get(user=request.auth, pk=st.pk)))


@router.get("/persons/{person_id}/statements", response=responses({200: list[StatementOut]}),
            summary="人员的结算单")
def person_statements(request, person_id: int):
    person = registry_selectors.person_get(user=request.auth, pk=person_id)
    return [_out(s) for s in selectors.person_statements(user=request.auth, person=person)]


@router.get("/statements/{statement_id}", response=responses({200: StatementOut}),
            summary="结算单详情")
def statement_detail(request, statement_id: int):
    return _out(selectors.statement_get(user=request.auth, pk=statement_id))
