"""API of the health services: special-treatment cases and their steps, chronic registrations,
and a person's health (coarse status for every department; details for health, hospital and
medical-insurance users). Handlers read through the scoped selectors and call one service each."""

from __future__ import annotations

from ninja import Query, Router, Status

from jkfp.api.common import fen_to_yuan, paginate, person_ref, responses
from jkfp.registry import selectors as registry_selectors

from . import rules, selectors, services, timeline
from .models import ChronicRegistration, SpecialCase
from .schemas import (
    CaseDetailOut,
    CaseFilters,
    CaseIn,
    CasePage,
    CaseStepIn,
    PersonHealthOut,
    RegistrationEndIn,
    RegistrationFilters,
    RegistrationIn,
    RegistrationOut,
    RegistrationPage,
)

router = Router(tags=["健康服务"])


def _case(user, c: SpecialCase) -> dict:
    return {
        "id": c.pk, "person": person_ref(c.person), "region_code": c.region_code,
        "disease_code": c.disease_code,
        "disease_name": timeline.disease_name(c.disease_code, c.region_code, c.found_on),
        "icd10": c.icd10, "status": c.status, "status_label": c.get_status_display(),
        "found_via": c.found_via, "found_on": c.found_on, "source_ref": c.source_ref,
        "hospital_name": c.hospital_name, "treatment_plan": c.treatment_plan,
        "outcome": c.outcome, "close_reason": c.close_reason, "opened_on": c.opened_on,
        "treated_on": c.treated_on, "closed_on": c.closed_on, "version": c.version,
        "steps_allowed": [s.name for s in rules.steps_allowed(user=user, case=c)],
    }


def _case_detail(user, pk: int) -> dict:
    c = selectors.case_get(user=user, pk=pk)
    costs = selectors.case_costs(user=user, case=c)
    return {**_case(user, c), "steps": [
        {"step": s.step, "from_status": s.from_status, "to_status": s.to_status,
         "on_date": s.on_date, "comment": s.comment, "user": s.user.username, "at": s.at}
        for s in selectors.case_steps(user=user, case=c)],
        "costs": {"stays": len(costs.statements), "total": fen_to_yuan(costs.total_fen),
                  "in_policy": fen_to_yuan(costs.in_policy_fen),
                  "reimbursed": fen_to_yuan(costs.reimbursed_fen),
                  "self_pay": fen_to_yuan(costs.self_pay_fen),
                  "by_tier": {k: fen_to_yuan(v) for k, v in costs.by_tier.items()},
                  "statement_ids": [st.pk for st in costs.statements]}}


def _registration(r: ChronicRegistration) -> dict:
    return {
        "id": r.pk, "person": person_ref(r.person), "region_code": r.region_code,
        "disease_code": r.disease_code,
        "disease_name": timeline.disease_name(r.disease_code, r.region_code, r.diagnosed_on),
        "icd10": r.icd10, "diagnosed_on": r.diagnosed_on, "confirmed_by": r.confirmed_by,
        "registered_on": r.registered_on, "outpatient_certified_on": r.outpatient_certified_on,
        "risk_level": r.risk_level, "treatment_start": r.treatment_start,
        "last_visit_on": r.last_visit_on, "next_visit_on": r.next_visit_on,
        "ended_on": r.ended_on, "end_reason": r.end_reason, "version": r.version,
    }


# ---------------------------------------------------------------- cases
@router.get("/health/cases", response=responses({200: CasePage}), summary="大病专项救治病例列表")
def case_list(request, filters: Query[CaseFilters]):
    qs = selectors.case_list(user=request.auth, status=filters.status or "",
                             disease_code=filters.disease_code or "",
                             region_code=filters.region_code or "")
    page = paginate(qs, filters)
    page["items"] = [_case(request.auth, c) for c in page["items"]]
    return page


@router.post("/health/cases", response=responses({201: CaseDetailOut}),
             summary="新建病例（发现一例；须为救治对象，病种在当地当日施行的目录内）")
def case_create(request, payload: CaseIn):
    data = payload.model_dump()
    person = registry_selectors.person_get(user=request.auth, pk=data.pop("person_id"))
    case = services.special_case_create(user=request.auth, person=person, **data)
    return Status(201, _case_detail(request.auth, case.pk))


@router.get("/health/cases/{case_id}", response=responses({200: CaseDetailOut}),
            summary="病例详情：办理环节、本病种住院费用和各项支付")
def case_detail(request, case_id: int):
    return _case_detail(request.auth, case_id)


@router.post("/health/cases/{case_id}/steps", response=responses({200: CaseDetailOut}),
             summary="办理一个步骤：建档、开始救治、救治完成、销号、重新建档")
def case_step(request, case_id: int, payload: CaseStepIn):
    case = selectors.case_get(user=request.auth, pk=case_id)
    services.special_case_step(
        user=request.auth, case=case, step=payload.step, on_date=payload.on_date,
        expected_version=payload.version, comment=payload.comment,
        outcome=payload.outcome or "", close_reason=payload.close_reason or "",
        hospital_name=payload.hospital_name, treatment_plan=payload.treatment_plan)
    return _case_detail(request.auth, case_id)


# ---------------------------------------------------------------- chronic registrations
@router.get("/health/registrations", response=responses({200: RegistrationPage}),
            summary="慢病管理患者列表")
def registration_list(request, filters: Query[RegistrationFilters]):
    qs = selectors.registration_list(user=request.auth, disease_code=filters.disease_code or "",
                                     region_code=filters.region_code or "",
                                     open_only=not filters.include_ended)
    page = paginate(qs, filters)
    page["items"] = [_registration(r) for r in page["items"]]
    return page


@router.post("/health/registrations", response=responses({201: RegistrationOut}),
             summary="登记慢病管理患者（高血压、2型糖尿病、结核病、严重精神障碍）")
def registration_create(request, payload: RegistrationIn):
    data = payload.model_dump()
    person = registry_selectors.person_get(user=request.auth, pk=data.pop("person_id"))
    reg = services.chronic_register(user=request.auth, person=person, **data)
    return Status(201, _registration(selectors.registration_get(user=request.auth, pk=reg.pk)))


@router.get("/health/registrations/{registration_id}", response=responses({200: RegistrationOut}),
            summary="慢病登记详情")
def registration_detail(request, registration_id: int):
    return _registration(selectors.registration_get(user=request.auth, pk=registration_id))


@router.post("/health/registrations/{registration_id}/end",
             response=responses({200: RegistrationOut}), summary="结束管理")
def registration_end(request, registration_id: int, payload: RegistrationEndIn):
    reg = selectors.registration_get(user=request.auth, pk=registration_id)
    services.chronic_end(user=request.auth, registration=reg, expected_version=payload.version,
                         ended_on=payload.ended_on, reason=payload.reason)
    return _registration(selectors.registration_get(user=request.auth, pk=registration_id))


# ---------------------------------------------------------------- a person's health
@router.get("/persons/{person_id}/health", response=responses({200: PersonHealthOut}),
            summary="人员健康状况：各部门可见分类；卫生健康、医疗机构、医保部门另见病例、慢病和全过程记录")
def person_health(request, person_id: int):
    user = request.auth
    person = registry_selectors.person_get(user=user, pk=person_id)
    h = selectors.person_health(user=user, person=person)
    out = {"person_id": person.pk, "status": h.status, "status_label": h.status_label,
           "detailed": h.detailed}
    if h.detailed:
        out.update(batch=h.batch, batch_label=h.batch_label,
                   cases=[_case(user, c) for c in h.cases],
                   registrations=[_registration(r) for r in h.registrations],
                   timeline=[{"on": e.on, "kind": e.kind, "title": e.title, "detail": e.detail}
                             for e in timeline.person_timeline(user=user, person=person)])
    return out
