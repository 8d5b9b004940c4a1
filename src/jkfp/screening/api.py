"""API of screening: programmes, campaigns with their coverage and target group, results (one
or a list at once), the follow-through steps and the worklist of positives without a next step.

The handlers read through the scoped selectors and call one service each. Results, findings and
the worklist are health details: for health, hospital and medical-insurance users only (403);
the others see campaigns, coverage and who was screened.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Status

from jkfp.accounts import access
from jkfp.accounts.models import User
from jkfp.api.common import paginate, person_ref, responses
from jkfp.api.errors import ApiError, ApiErrorCode
from jkfp.registry import idnumber
from jkfp.registry import selectors as registry_selectors

from . import followthrough, programmes, rules, selectors, services
from .models import Campaign, ScreeningResult
from .schemas import (
    BulkIn,
    BulkOut,
    CampaignDetailOut,
    CampaignFilters,
    CampaignIn,
    CampaignPage,
    CampaignPatch,
    CoverageOut,
    ProgrammeOut,
    ResultDetailOut,
    ResultFilters,
    ResultIn,
    ResultOut,
    ResultPage,
    StepIn,
    TargetFilters,
    TargetPage,
    WorklistFilters,
)

router = Router(tags=["疾病筛查"])


def _campaign(c: Campaign) -> dict:
    return {"id": c.pk, "name": c.name, "kind": c.kind, "kind_label": c.get_kind_display(),
            "region_code": c.region_code, "start_on": c.start_on, "end_on": c.end_on,
            "target_sex": c.target_sex, "age_min": c.age_min, "age_max": c.age_max,
            "age_on": c.age_on, "target_categories": list(c.target_categories),
            "version": c.version, "created_by": c.created_by.username,
            "created_at": c.created_at}


def _coverage(user: User, c: Campaign) -> dict:
    cov = selectors.coverage(user=user, campaign=c)
    health = access.can_see_health(user)

    def row(r):
        return {"code": r.code, "name": r.name, "target": r.target, "screened": r.screened,
                "positive": r.positive if health else None, "rate": r.rate}

    return {"base": cov.base, "rows": [row(r) for r in cov.rows], "total": row(cov.total)}


def _result(r: ScreeningResult) -> dict:
    return {"id": r.pk, "campaign_id": r.campaign_id, "campaign_name": r.campaign.name,
            "person": person_ref(r.person), "region_code": r.region_code,
            "screened_on": r.screened_on, "result": r.result,
            "result_label": r.get_result_display(), "finding": r.finding, "stage": r.stage,
            "stage_label": r.get_stage_display(), "next_step": rules.NEXT.get(r.stage, ""),
            "referred_to": r.referred_to, "confirmed_icd10": r.confirmed_icd10,
            "health_ref": r.health_ref, "version": r.version}


def _result_detail(user: User, pk: int) -> dict:
    access.require_health_reader(user)
    r = selectors.result_get(user=user, pk=pk)
    return {**_result(r), "steps": [
        {"step": s.step, "step_label": rules.step_label(s.step), "from_stage": s.from_stage,
         "to_stage": s.to_stage, "on_date": s.on_date, "comment": s.comment,
         "user": s.user.username, "at": s.at}
        for s in selectors.result_steps(user=user, result=r)],
        "steps_allowed": selectors.result_actions(user=user, result=r)}


def _person(user: User, pk: int):
    try:
        return registry_selectors.person_get(user=user, pk=pk)
    except Http404 as exc:
        raise ApiError(404, ApiErrorCode.NOT_FOUND, str(exc), field="person_id") from None


@router.get("/programmes", response=responses({200: list[ProgrammeOut]}),
            summary="筛查项目类型及其默认目标人群（今日有效，见 policies/screening/programmes.yaml）")
def programme_list(request):
    today = timezone.localdate()
    found = [programmes.current().in_force(kind=k, on=today) for k in programmes.KINDS]
    return [{"kind": p.kind, "name": p.name, "screens": list(p.screens),
             "target_sex": p.value.sex, "age_min": p.value.age_min, "age_max": p.value.age_max,
             "age_on": p.value.age_on, "regions": list(p.value.regions),
             "target_categories": list(p.value.categories), "source": p.value.source,
             "example_keys": sorted(p.value.examples)} for p in found if p is not None]


@router.get("/campaigns", response=responses({200: CampaignPage}), summary="筛查项目列表")
def campaign_list(request, filters: Query[CampaignFilters]):
    qs = selectors.campaign_list(user=request.auth, kind=filters.kind or "", year=filters.year)
    page = paginate(qs.select_related("created_by"), filters)
    page["items"] = [_campaign(c) for c in page["items"]]
    return page


@router.post("/campaigns", response=responses({201: CampaignDetailOut}),
             summary="新建筛查项目（未填的目标人群取项目类型的默认值）")
def campaign_create(request, payload: CampaignIn):
    given = {k: getattr(payload, k) for k in ("target_sex", "age_min", "age_max",
                                              "target_categories")
             if k in payload.model_fields_set and not (
                 k in ("target_sex", "target_categories") and getattr(payload, k) is None)}
    c = services.campaign_create(user=request.auth, name=payload.name, kind=payload.kind,
                                 region_code=payload.region_code, start_on=payload.start_on,
                                 end_on=payload.end_on, age_on=payload.age_on, **given)
    return Status(201, {**_campaign(c), "coverage": _coverage(request.auth, c)})


@router.get("/campaigns/{campaign_id}", response=responses({200: CampaignDetailOut}),
            summary="筛查项目详情及按区划的筛查覆盖率")
def campaign_detail(request, campaign_id: int):
    c = selectors.campaign_get(user=request.auth, pk=campaign_id)
    return {**_campaign(c), "coverage": _coverage(request.auth, c)}


@router.patch("/campaigns/{campaign_id}", response=responses({200: CampaignDetailOut}),
              summary="修改筛查项目（已有结果后目标人群不能再改）")
def campaign_update(request, campaign_id: int, payload: CampaignPatch):
    c = selectors.campaign_get(user=request.auth, pk=campaign_id)
    data = {k: getattr(c, k) for k in ("name", "start_on", "end_on", "age_on", "target_sex",
                                        "age_min", "age_max", "target_categories")}
    data.update({k: getattr(payload, k) for k in payload.model_fields_set if k != "version"})
    if data["target_sex"] is None:
        data["target_sex"] = ""
    if data["target_categories"] is None:
        data["target_categories"] = []
    c = services.campaign_update(user=request.auth, campaign=c,
                                 expected_version=payload.version, **data)
    return {**_campaign(c), "coverage": _coverage(request.auth, c)}


@router.get("/campaigns/{campaign_id}/coverage", response=responses({200: CoverageOut}),
            summary="筛查覆盖率：已筛查 / 目标人群，按下级区划")
def campaign_coverage(request, campaign_id: int):
    c = selectors.campaign_get(user=request.auth, pk=campaign_id)
    return _coverage(request.auth, c)


@router.get("/campaigns/{campaign_id}/targets", response=responses({200: TargetPage}),
            summary="目标人群名单及是否已筛查（screened=false：尚未筛查的人）")
def campaign_targets(request, campaign_id: int, filters: Query[TargetFilters]):
    user = request.auth
    c = selectors.campaign_get(user=user, pk=campaign_id)
    qs = selectors.target_rows(user=user, campaign=c, screened=filters.screened,
                               region_code=filters.region_code or "")
    page = paginate(qs, filters)
    health = access.can_see_health(user)
    page["items"] = [{"person": person_ref(p), "region_code": p.region_code, "sex": p.sex,
                      "birth_year": idnumber.birth_year(p.birth_date),
                      "screened": p.result_id is not None,
                      "screened_on": p.screened_on,
                      "result_id": p.result_id if health else None,
                      "result": p.result_value if health else None} for p in page["items"]]
    return page


@router.get("/campaigns/{campaign_id}/results", response=responses({200: ResultPage}),
            summary="项目的筛查结果（含检查所见：仅卫生健康、医疗机构和医保用户）")
def campaign_results(request, campaign_id: int, filters: Query[ResultFilters]):
    c = selectors.campaign_get(user=request.auth, pk=campaign_id)
    qs = selectors.result_list(user=request.auth, campaign=c, result=filters.result or "",
                               stage=filters.stage or "", region_code=filters.region_code or "")
    page = paginate(qs, filters)
    page["items"] = [_result(r) for r in page["items"]]
    return page


@router.post("/campaigns/{campaign_id}/results", response=responses({201: ResultDetailOut}),
             summary="登记一人的筛查结果")
def result_record(request, campaign_id: int, payload: ResultIn):
    user = request.auth
    c = selectors.campaign_get(user=user, pk=campaign_id)
    person = _person(user, payload.person_id)
    r = services.result_record(user=user, campaign=c, person=person,
                               screened_on=payload.screened_on, result=payload.result,
                               finding=payload.finding)
    return Status(201, _result_detail(user, r.pk))


@router.post("/campaigns/{campaign_id}/results/bulk", response=responses({201: BulkOut}),
             summary="批量登记筛查结果：全部成功或全部不登记，错误逐行指明（rows[i].字段）")
def result_record_bulk(request, campaign_id: int, payload: BulkIn):
    c = selectors.campaign_get(user=request.auth, pk=campaign_id)
    rows = [services.ResultInput(person_id=r.person_id, screened_on=r.screened_on,
                                 result=r.result, finding=r.finding) for r in payload.rows]
    created = services.result_record_bulk(user=request.auth, campaign=c, rows=rows)
    return Status(201, {"created": len(created), "ids": [r.pk for r in created]})


@router.get("/results/{result_id}", response=responses({200: ResultDetailOut}),
            summary="筛查结果详情、后续步骤及可办理的步骤")
def result_detail(request, result_id: int):
    return _result_detail(request.auth, result_id)


@router.post("/results/{result_id}/steps", response=responses({200: ResultDetailOut}),
             summary="办理后续步骤：转诊、确诊、排除、纳入大病专项救治或慢病管理")
def result_step(request, result_id: int, payload: StepIn):
    user = request.auth
    access.require_health_reader(user)
    r = selectors.result_get(user=user, pk=result_id)
    data = payload.model_dump()
    followthrough.result_step(user=user, result=r, step=data.pop("step"),
                         on_date=data.pop("on_date"), expected_version=data.pop("version"),
                         **data)
    return _result_detail(user, result_id)


@router.get("/worklist", response=responses({200: ResultPage}),
            summary="阳性和可疑结果中尚待下一步的（无人遗漏）：待转诊、待确诊、待纳入救治或管理")
def worklist(request, filters: Query[WorklistFilters]):
    user = request.auth
    c = selectors.campaign_get(user=user, pk=filters.campaign_id) if filters.campaign_id \
        else None
    qs = selectors.worklist(user=user, campaign=c, region_code=filters.region_code or "")
    page = paginate(qs, filters)
    page["items"] = [_result(r) for r in page["items"]]
    return page


@router.get("/persons/{person_id}/results", response=responses({200: list[ResultOut]}),
            summary="一个人的筛查结果")
def person_results(request, person_id: int):
    user = request.auth
    person = registry_selectors.person_get(user=user, pk=person_id)
    return [_result(r) for r in selectors.person_results(user=user, person=person)]

