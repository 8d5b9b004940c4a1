"""API of the settlement: settle a person's stay (one-stop, 一站式结算), correct a stay or
reverse (冲销) a statement — each re-settling the person's year in admission order — read
statements with their version chain and the difference per tier, and the bureau's list.

Reads go through the scoped selectors (a person, stay or statement outside the caller's region
answers 404); the amounts come from the policy engine through `services`; only settlers
(medical-insurance and hospital staff, administrators) write (403 `permission`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Query, Router, Schema, Status

from jkfp.accounts.access import code_in_scope
from jkfp.api.common import (
    DateIn,
    InputSchema,
    PageParams,
    YuanIn,
    YuanOut,
    fen_to_yuan,
    paginate,
    responses,
)
from jkfp.categories import LABELS
from jkfp.errors import DomainError, ErrorCode
from jkfp.policy.money import parse_yuan
from jkfp.policy.schema import GRADE_CHOICES, LOCATION_CHOICES, LOCATION_CODES, choices_text
from jkfp.registry import selectors as registry_selectors

from . import selectors, services
from .bureau import DEFAULT_SORT, SORTS, BureauFilters, bureau_statements, bureau_totals
from .models import Statement

SORT_KEYS = [*SORTS, *(f"-{k}" for k in SORTS)]

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
    admission_number: str = Field("", max_length=30, description="住院号（可选）")

    model_config = {"extra": "forbid"}


class StayCorrectIn(InputSchema):
    """The fields to correct (the others stay as they are) and why."""

    reason: str = Field(..., min_length=1, max_length=200, description="更正原因（必填）")
    hospital_name: str | None = Field(None, min_length=1, max_length=100)
    hospital_grade: int | None = Field(None, ge=0, le=3)
    location: Literal[LOCATION_CODES] | None = None  # type: ignore[valid-type]
    referred: bool | None = None
    admission_date: DateIn | None = None
    discharge_date: DateIn | None = None
    total_cost: YuanIn | None = None
    in_policy_cost: YuanIn | None = None
    diagnosis_icd10: str | None = Field(None, max_length=12)
    admission_number: str | None = Field(None, max_length=30)

    model_config = {"extra": "forbid"}


class ReverseIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=200, description="冲销原因（必填）")

    model_config = {"extra": "forbid"}


class DiffOut(Schema):
    id: str = Field(..., description="支付项目 id，或 reimbursed（报销合计）、self_pay（个人自付）")
    name: str
    before: YuanOut
    after: YuanOut
    change: YuanOut


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
    funds: dict[str, YuanOut] = Field(..., description="各基金支付（元）")
    admission_number: str
    status: Literal["current", "superseded", "reversed"] = Field(
        ..., description="current 有效；superseded 已被重算替代；reversed 已冲销")
    reason: str = Field(..., description="结算原因（首次结算、补录、更正、冲销后重算）")
    superseded_by_id: int | None = Field(..., description="替代本结算单的结算单")
    supersedes_id: int | None = Field(..., description="本结算单替代的结算单")
    reversed_at: dt.datetime | None
    reverse_reason: str
    difference: list[DiffOut] | None = Field(
        ..., description="与被替代的结算单相比各项金额的变化（无被替代者时为 null）")
    detail: dict[str, Any] = Field(..., description="引擎给出的完整结算说明（参数、来源、年度累计）")


def _difference(s: Statement) -> list[dict] | None:
    diff = selectors.statement_difference(statement=s)
    if diff is None:
        return None
    return [{"id": r.key, "name": r.name, "before": fen_to_yuan(r.before_fen),
             "after": fen_to_yuan(r.after_fen), "change": fen_to_yuan(r.change_fen)}
            for r in diff.rows]


def _out(s: Statement) -> dict:
    d = s.detail
    previous = s.supersedes.order_by("-id").values_list("id", flat=True).first()
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
        "funds": {k: fen_to_yuan(v) for k, v in s.fund_amounts.items()},
        "admission_number": s.stay.admission_number, "status": s.status, "reason": s.reason,
        "superseded_by_id": s.superseded_by_id, "supersedes_id": previous,
        "reversed_at": s.reversed_at, "reverse_reason": s.reverse_reason,
        "difference": _difference(s),
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


@router.post("/stays/{stay_id}/correct", response=responses({200: StatementOut}),
             summary="更正住院信息并重新结算本年度（按入院顺序）")
def stay_correct(request, stay_id: int, payload: StayCorrectIn):
    stay = selectors.stay_get(user=request.auth, pk=stay_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    st = services.stay_correct(user=request.auth, stay=stay, **changes)
    return _out(selectors.statement_get(user=request.auth, pk=st.pk))


@router.post("/statements/{statement_id}/reverse", response=responses({200: StatementOut}),
             summary="冲销结算（住院记录保留，本年度其后的住院重新结算）")
def statement_reverse(request, statement_id: int, payload: ReverseIn):
    st = selectors.statement_get(user=request.auth, pk=statement_id)
    st = services.statement_reverse(user=request.auth, statement=st, reason=payload.reason)
    return _out(selectors.statement_get(user=request.auth, pk=st.pk))



# ---------------------------------------------------------------- the bureau's list
class BureauParams(PageParams):
    region_code: str = Field("", max_length=12, pattern=r"^\d*$", description="区划代码（前缀）")
    discharged_from: DateIn | None = Field(None, description="出院日期自（含）")
    discharged_to: DateIn | None = Field(None, description="出院日期至（含）")
    category: str = Field("", max_length=32, description="结算身份（类别代码）")
    high_self_pay: YuanIn | None = Field(
        None, description="高额自付线（元）；不填则取筛选结果个人自付的第90百分位")
    only_high: bool = Field(False, description="只列高额自付的结算单")
    sort: Literal[tuple(SORT_KEYS)] = Field(  # type: ignore[valid-type]
        DEFAULT_SORT, description="排序：" + "、".join(SORTS) + "；前加 - 为降序")


class BureauTotalsOut(Schema):
    count: int
    total_cost: YuanOut
    in_policy_cost: YuanOut
    reimbursed_total: YuanOut
    self_pay: YuanOut
    coverage_percent: str = Field(..., description="综合保障比例（报销合计 / 医疗总费用，%）")
    funds: dict[str, YuanOut] = Field(..., description="各基金支付合计（元）")
    high_self_pay_threshold: YuanOut
    threshold_from_data: bool
    high_count: int


class BureauItemOut(Schema):
    id: int
    person_id: int
    person_name: str
    region_code: str
    hospital_name: str
    admission_number: str
    admission_date: dt.date
    discharge_date: dt.date
    category: str
    total_cost: YuanOut
    reimbursed_total: YuanOut
    self_pay: YuanOut
    funds: dict[str, YuanOut]
    high_self_pay: bool


class BureauPage(Schema):
    count: int
    page: int
    page_size: int
    totals: BureauTotalsOut
    items: list[BureauItemOut]


@router.get("/settlement/statements", response=responses({200: BureauPage}),
            summary="住院结算清单（按区划、出院日期、结算身份；各基金合计、综合保障比例、高额自付）")
def bureau_list(request, filters: Query[BureauParams]):
    user = request.auth
    if filters.region_code and not code_in_scope(user, filters.region_code):
        raise DomainError(ErrorCode.REGION_OUT_OF_SCOPE,
                          f"区划“{filters.region_code}”不在您的管辖区域内", field="region_code")
    if filters.category and filters.category not in LABELS:
        raise DomainError(ErrorCode.CATEGORY_UNKNOWN, f"未知类别“{filters.category}”",
                          field="category")
    f = BureauFilters(
        region_code=filters.region_code, discharged_from=filters.discharged_from,
        discharged_to=filters.discharged_to, category=filters.category,
        high_self_pay_fen=(parse_yuan(filters.high_self_pay, field="high_self_pay")
                           if filters.high_self_pay is not None else None),
        only_high=filters.only_high, sort=filters.sort)
    totals = bureau_totals(user=user, f=f)
    threshold = totals.high_self_pay_fen
    page = paginate(bureau_statements(user=user, f=f, threshold_fen=threshold), filters)
    page["items"] = [{
        "id": s.pk, "person_id": s.person_id, "person_name": s.person.name,
        "region_code": s.region_code, "hospital_name": s.stay.hospital_name,
        "admission_number": s.stay.admission_number, "admission_date": s.stay.admission_date,
        "discharge_date": s.stay.discharge_date, "category": s.stay.category,
        "total_cost": fen_to_yuan(s.stay.total_fen),
        "reimbursed_total": fen_to_yuan(s.reimbursed_fen), "self_pay": fen_to_yuan(s.self_pay_fen),
        "funds": {k: fen_to_yuan(v) for k, v in s.fund_amounts.items()},
        "high_self_pay": s.self_pay_fen >= threshold} for s in page["items"]]
    page["totals"] = {
        "count": totals.count, "total_cost": fen_to_yuan(totals.total_fen),
        "in_policy_cost": fen_to_yuan(totals.in_policy_fen),
        "reimbursed_total": fen_to_yuan(totals.reimbursed_fen),
        "self_pay": fen_to_yuan(totals.self_pay_fen), "coverage_percent": totals.coverage_percent,
        "funds": {k: fen_to_yuan(v) for k, v in totals.funds.items()},
        "high_self_pay_threshold": fen_to_yuan(threshold),
        "threshold_from_data": totals.threshold_from_data, "high_count": totals.high_count}
    return page


# ---------------------------------------------------------------- platform differences
class DifferenceParams(Schema):
    year: int = Field(..., ge=1990, le=2099, description="出院年度")
    only_differing: bool = Field(True, description="只列出有差异的住院")
    limit: int = Field(1000, ge=1, le=10000, description="最多返回的住院条数（合计为全部）")


class DifferenceItemOut(Schema):
    record_id: int
    statement_id: int
    person_id: int
    person_name: str
    region_code: str
    institution_name: str
    record_number: str
    admission_date: dt.date
    discharge_date: dt.date
    platform: dict[str, YuanOut]
    ours: dict[str, YuanOut]
    difference: dict[str, YuanOut]


class DifferenceTotalsOut(Schema):
    count: int
    differing: int
    platform: dict[str, YuanOut]
    ours: dict[str, YuanOut]
    difference: dict[str, YuanOut]


class DifferenceReportOut(Schema):
    funds: dict[str, str]
    totals: DifferenceTotalsOut
    items: list[DifferenceItemOut]


def _yuans(d: dict[str, int]) -> dict[str, Any]:
    return {k: fen_to_yuan(v) for k, v in d.items()}


@router.get("/settlement/differences", response=responses({200: DifferenceReportOut}),
            summary="医保平台结算记录与本系统结算单的差异（按住院和基金，差额 = 平台 − 本系统）")
def difference_report(request, params: Query[DifferenceParams]):
    from .differences import HEADINGS, difference_totals, differences

    rows = list(differences(user=request.auth, year=params.year))
    totals = difference_totals(rows)
    shown = [d for d in rows if d.any] if params.only_differing else rows
    return {
        "funds": HEADINGS,
        "totals": {"count": totals.count, "differing": totals.differing,
                   "platform": _yuans(totals.platform), "ours": _yuans(totals.ours),
                   "difference": _yuans(totals.diff)},
        "items": [{
            "record_id": d.record.pk, "statement_id": d.statement.pk,
            "person_id": d.record.person_id, "person_name": d.record.person.name,
            "region_code": d.record.region_code, "institution_name": d.record.institution_name,
            "record_number": d.record.record_number, "admission_date": d.record.admission_date,
            "discharge_date": d.record.discharge_date, "platform": _yuans(d.platform),
            "ours": _yuans(d.ours), "difference": _yuans(d.diff)}
            for d in shown[:params.limit]],
    }
