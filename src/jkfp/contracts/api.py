"""API of the family-doctor contracts (签约服务): teams and members, contracts (sign, renew,
end), services delivered, follow-up visits, the worklists and the management status and rates.

The handlers read through the scoped selectors and call one service each: the same validation
and scope as the pages. Records named in a body are looked up in the user's scope (404 naming
the field); health details (follow-ups, worklists of patients, status, fulfilment) answer 403
to users who may not see them.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Status

from jkfp.accounts import access
from jkfp.accounts.models import User
from jkfp.api.common import PageParams, fen_to_yuan, paginate, person_ref, responses
from jkfp.api.errors import ApiError, ApiErrorCode
from jkfp.errors import DomainError, ErrorCode
from jkfp.registry import selectors as registry_selectors

from . import selectors, services
from .models import Contract, FollowUp, Team
from .schemas import (
    ContractFilters,
    ContractIn,
    ContractOut,
    ContractPage,
    DeliveryIn,
    DeliveryOut,
    DuePage,
    EndIn,
    FollowUpFilters,
    FollowUpIn,
    FollowUpOut,
    FollowUpPage,
    MemberEndIn,
    MemberIn,
    MemberOut,
    RatesFilters,
    RatesOut,
    RenewIn,
    StatusPage,
    TeamIn,
    TeamOut,
    TeamPage,
    TeamUpdateIn,
    UnsignedPage,
    YearFilters,
)

router = Router(tags=["家庭医生签约服务"])


def _referenced(field: str, get, **kw):
    """A record named in a request body, through a scoped selector: 404 naming the field."""
    try:
        return get(**kw)
    except Http404 as exc:
        raise ApiError(404, ApiErrorCode.NOT_FOUND, str(exc), field=field) from None


def _account(username: str | None, field: str) -> User | None:
    if not username:
        return None
    found = User.objects.filter(username=username, is_active=True).first()
    if found is None:
        raise DomainError(ErrorCode.INVALID, f"无此系统账号“{username}”", field=field)
    return found


def _member(m) -> dict:
    return {"id": m.pk, "name": m.name, "role": m.role, "role_label": m.get_role_display(),
            "institution": m.institution, "account": m.user.username if m.user_id else None,
            "start_date": m.start_date, "end_date": m.end_date}


def _team(user: User, t: Team) -> dict:
    return {"id": t.pk, "name": t.name, "region_code": t.region_code,
            "institution": t.institution, "active": t.active, "version": t.version,
            "villages": selectors.team_villages(user=user, team=t),
            "members": [_member(m) for m in selectors.team_members(user=user, team=t)]}


def _contract(c: Contract, fulfilment=None) -> dict:
    f = None
    if fulfilment is not None:
        f = {"expected": fulfilment.expected, "delivered": {
            k: fulfilment.delivered.get(k, 0) for k in fulfilment.expected},
            "share": fulfilment.share}
    return {"id": c.pk, "person": person_ref(c.person), "region_code": c.region_code,
            "year": c.year, "team_id": c.team_id, "team_name": c.team.name,
            "signed_on": c.signed_on, "package": c.package, "fee_yuan": fen_to_yuan(c.fee_fen),
            "fee_payer": c.fee_payer, "renewal_of_id": c.renewal_of_id, "ended_on": c.ended_on,
            "end_reason": c.end_reason, "version": c.version, "fulfilment": f}


def _contract_detail(user: User, pk: int) -> dict:
    c = selectors.contract_get(user=user, pk=pk)
    if not access.can_see_health(user):
        return _contract(c)
    annotated = selectors.fulfilment_annotate(selectors.contract_scope(user=user)
                                              .filter(pk=pk)).get()
    return _contract(c, selectors.fulfilment_of(annotated))


def _followup(f: FollowUp) -> dict:
    return {"id": f.pk, "registration_id": f.registration_id, "person": person_ref(f.person),
            "region_code": f.region_code, "visited_on": f.visited_on, "way": f.way,
            "member_id": f.member_id, "member_name": f.member.name, "systolic": f.systolic,
            "diastolic": f.diastolic,
            "fasting_glucose": None if f.fasting_glucose is None else str(f.fasting_glucose),
            "weight_kg": None if f.weight_kg is None else str(f.weight_kg),
            "adherence": f.adherence, "risk_level": f.risk_level, "doses_due": f.doses_due,
            "doses_taken": f.doses_taken, "classification": f.classification,
            "next_visit_on": f.next_visit_on, "note": f.note}


def _year(value: int | None) -> int:
    return value or timezone.localdate().year


def _region(user: User, code: str | None) -> str:
    if code and not access.code_visible(user, code):
        raise ApiError(404, ApiErrorCode.NOT_FOUND, "区划不在您的管辖区域内", field="region_code")
    return code or ""


def _list_page(items: list, params: PageParams) -> dict:
    start = (params.page - 1) * params.page_size
    return {"count": len(items), "page": params.page, "page_size": params.page_size,
            "items": items[start:start + params.page_size]}


# ================================================================ teams
@router.get("/teams", response=responses({200: TeamPage}), summary="家庭医生团队列表")
def team_list(request, filters: Query[PageParams]):
    page = paginate(selectors.team_list(user=request.auth), filters)
    page["items"] = [_team(request.auth, t) for t in page["items"]]
    return page


@router.get("/teams/{team_id}", response=responses({200: TeamOut}), summary="团队详情")
def team_detail(request, team_id: int):
    return _team(request.auth, selectors.team_get(user=request.auth, pk=team_id))


@router.post("/teams", response=responses({201: TeamOut}),
             summary="建立团队（1+1+X，服务村在本人管辖区域内）")
def team_create(request, payload: TeamIn):
    user = request.auth
    members = [services.MemberInput(m.name, m.role, m.institution,
                                    account=_account(m.account, f"members[{i}].account"),
                                    start_date=m.start_date)
               for i, m in enumerate(payload.members)]
    team = services.team_create(user=user, name=payload.name, region_code=payload.region_code,
                                institution=payload.institution, villages=payload.villages,
                                members=members)
    return Status(201, _team(user, team))


@router.patch("/teams/{team_id}", response=responses({200: TeamOut}),
              summary="修改团队（名称、机构、服务村、停用）")
def team_update(request, team_id: int, payload: TeamUpdateIn):
    team = selectors.team_get(user=request.auth, pk=team_id)
    team = services.team_update(user=request.auth, team=team, expected_version=payload.version,
                                name=payload.name, institution=payload.institution,
                                villages=payload.villages, active=payload.active)
    return _team(request.auth, team)


@router.post("/teams/{team_id}/members", response=responses({201: MemberOut}),
             summary="添加团队成员")
def member_add(request, team_id: int, payload: MemberIn):
    team = selectors.team_get(user=request.auth, pk=team_id)
    m = services.member_add(user=request.auth, team=team, member=services.MemberInput(
        payload.name, payload.role, payload.institution,
        account=_account(payload.account, "member.account"), start_date=payload.start_date))
    return Status(201, _member(m))


@router.post("/members/{member_id}/end", response=responses({200: MemberOut}),
             summary="成员离开团队（团队须仍为1+1）")
def member_end(request, member_id: int, payload: MemberEndIn):
    m = selectors.member_get(user=request.auth, pk=member_id)
    return _member(services.member_end(user=request.auth, member=m, end_date=payload.end_date))


# ================================================================ contracts
@router.get("/contracts", response=responses({200: ContractPage}), summary="签约列表")
def contract_list(request, filters: Query[ContractFilters]):
    user = request.auth
    qs = selectors.contract_list(user=user, year=filters.year, team_id=filters.team_id,
                                 person_id=filters.person_id)
    health = access.can_see_health(user)
    if health:
        qs = selectors.fulfilment_annotate(qs)
    page = paginate(qs, filters)
    page["items"] = [_contract(c, selectors.fulfilment_of(c) if health else None)
                     for c in page["items"]]
    return page


@router.get("/contracts/{contract_id}", response=responses({200: ContractOut}),
            summary="签约详情（含履约情况）")
def contract_detail(request, contract_id: int):
    return _contract_detail(request.auth, contract_id)


@router.post("/contracts", response=responses({201: ContractOut}),
             summary="签约（每人每年一份有效签约；已故 person_deceased，重复 contract_overlap）")
def contract_sign(request, payload: ContractIn):
    user = request.auth
    person = _referenced("person_id", registry_selectors.person_get, user=user,
                         pk=payload.person_id)
    team = _referenced("team_id", selectors.team_get, user=user, pk=payload.team_id)
    c = services.contract_sign(user=user, person=person, team=team, signed_on=payload.signed_on,
                               year=payload.year, package=payload.package,
                               fee_yuan=payload.fee_yuan, fee_payer=payload.fee_payer)
    return Status(201, _contract_detail(user, c.pk))


@router.post("/contracts/{contract_id}/renew", response=responses({201: ContractOut}),
             summary="续签下一年度（默认原团队与服务包）")
def contract_renew(request, contract_id: int, payload: RenewIn):
    user = request.auth
    contract = selectors.contract_get(user=user, pk=contract_id)
    team = payload.team_id and _referenced("team_id", selectors.team_get, user=user,
                                           pk=payload.team_id)
    c = services.contract_renew(user=user, contract=contract, signed_on=payload.signed_on,
                                team=team or None, package=payload.package,
                                fee_yuan=payload.fee_yuan, fee_payer=payload.fee_payer)
    return Status(201, _contract_detail(user, c.pk))


@router.post("/contracts/{contract_id}/end", response=responses({200: ContractOut}),
             summary="解约")
def contract_end(request, contract_id: int, payload: EndIn):
    user = request.auth
    contract = selectors.contract_get(user=user, pk=contract_id)
    services.contract_end(user=user, contract=contract, expected_version=payload.version,
                          ended_on=payload.ended_on, reason=payload.end_reason)
    return _contract_detail(user, contract_id)


@router.post("/contracts/{contract_id}/deliveries", response=responses({201: DeliveryOut}),
             summary="登记履约服务（健康体检、用药指导等）")
def delivery_record(request, contract_id: int, payload: DeliveryIn):
    user = request.auth
    access.require_health_reader(user)
    contract = selectors.contract_get(user=user, pk=contract_id)
    member = _referenced("member_id", selectors.member_get, user=user, pk=payload.member_id)
    d = services.delivery_record(user=user, contract=contract, kind=payload.kind,
                                 delivered_on=payload.delivered_on, member=member,
                                 note=payload.note)
    return Status(201, {"id": d.pk, "contract_id": d.contract_id, "kind": d.kind,
                        "delivered_on": d.delivered_on, "member_id": d.member_id,
                        "note": d.note})


# ================================================================ follow-ups
@router.get("/followups", response=responses({200: FollowUpPage}), summary="随访记录")
def followup_list(request, filters: Query[FollowUpFilters]):
    qs = selectors.followup_list(user=request.auth, registration_id=filters.registration_id,
                                 person_id=filters.person_id, year=filters.year)
    page = paginate(qs, filters)
    page["items"] = [_followup(f) for f in page["items"]]
    return page


@router.get("/followups/{followup_id}", response=responses({200: FollowUpOut}),
            summary="随访详情")
def followup_detail(request, followup_id: int):
    return _followup(selectors.followup_get(user=request.auth, pk=followup_id))


@router.post("/followups", response=responses({201: FollowUpOut}),
             summary="记录随访（签约团队成员；血压、血糖范围；危险性仅严重精神障碍；服药仅肺结核）")
def followup_record(request, payload: FollowUpIn):
    user = request.auth
    registration = _referenced("registration_id", selectors.registration_get, user=user,
                               pk=payload.registration_id)
    member = _referenced("member_id", selectors.member_get, user=user, pk=payload.member_id)
    data = payload.model_dump(exclude={"registration_id", "member_id"})
    f = services.followup_record(user=user, registration=registration, member=member, **data)
    return Status(201, _followup(selectors.followup_get(user=user, pk=f.pk)))


# ================================================================ worklists and status
def _due(r, today: dt.date) -> dict:
    return {"registration_id": r.pk, "person": person_ref(r.person), "region_code": r.region_code,
            "disease_code": r.disease_code, "last_visit_on": r.last_visit_on,
            "due_on": r.due_on, "overdue": r.due_on < today}


@router.get("/worklists/my-patients", response=responses({200: DuePage}),
            summary="村医：与我所在团队签约、本周到期或逾期的患者")
def worklist_doctor(request, filters: Query[PageParams]):
    today = timezone.localdate()
    page = paginate(selectors.village_doctor_worklist(user=request.auth, today=today), filters)
    page["items"] = [_due(r, today) for r in page["items"]]
    return page


@router.get("/worklists/overdue", response=responses({200: DuePage}),
            summary="逾期未随访的患者")
def worklist_overdue(request, filters: Query[YearFilters]):
    today = timezone.localdate()
    qs = selectors.overdue_registrations(user=request.auth, today=today,
                                         region_code=_region(request.auth, filters.region_code))
    page = paginate(qs, filters)
    page["items"] = [_due(r, today) for r in page["items"]]
    return page


@router.get("/worklists/unsigned", response=responses({200: UnsignedPage}),
            summary="应签未签人员（应签尽签）")
def worklist_unsigned(request, filters: Query[YearFilters]):
    qs = selectors.should_sign_unsigned(user=request.auth, year=_year(filters.year),
                                        region_code=_region(request.auth, filters.region_code))
    page = paginate(qs, filters)
    page["items"] = [person_ref(p) for p in page["items"]]
    return page


def _status(s) -> dict:
    return {k: getattr(s, k) for k in (
        "registration_id", "person_id", "region_code", "disease_code", "deceased", "managed",
        "standard", "controlled", "overdue", "visits", "face_to_face", "required",
        "latest_visit_on", "due_on")}


@router.get("/worklists/not-standard", response=responses({200: StatusPage}),
            summary="本年度未规范管理的患者")
def worklist_not_standard(request, filters: Query[YearFilters]):
    rows = selectors.not_standard(user=request.auth, year=_year(filters.year),
                                  region_code=_region(request.auth, filters.region_code))
    return _list_page([_status(s) for s in rows], filters)


@router.get("/management/status", response=responses({200: StatusPage}),
            summary="慢病患者的管理状态（已管理、规范管理、最近一次控制、逾期）")
def management_status(request, filters: Query[YearFilters]):
    rows = selectors.management_status(user=request.auth, year=_year(filters.year),
                                       region_code=_region(request.auth, filters.region_code))
    return _list_page([_status(s) for s in rows], filters)


@router.get("/management/rates", response=responses({200: list[RatesOut]}),
            summary="管理率、规范管理率、控制率（按区划和病种）")
def management_rates(request, filters: Query[RatesFilters]):
    if filters.child_length is not None and filters.child_length not in (2, 4, 6, 9, 12):
        raise DomainError(ErrorCode.INVALID, "分组长度须为2、4、6、9或12", field="child_length")
    region = _region(request.auth, filters.region_code)
    if region and not access.code_in_scope(request.auth, region):
        region = ""
    rates = selectors.management_rates(user=request.auth, year=_year(filters.year),
                                       region_code=region,
                                       child_length=filters.child_length or 0)
    return [{"region_code": r.region_code, "disease_code": r.disease_code,
             "registered": r.registered, "deceased": r.deceased, "population": r.population,
             "managed": r.managed, "standard": r.standard, "controlled": r.controlled,
             "management_rate": r.management_rate, "standard_rate": r.standard_rate,
             "control_rate": r.control_rate} for r in rates]
