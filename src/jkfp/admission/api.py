"""API of the admission/exit change requests (准入/退出): list, inbox, detail with steps, and
the steps themselves (propose, notice, township review, county decision, withdraw).

The handlers read through the scoped selectors and call one service each; every rule of the
steps lives in `services.py` and `rules.py`.
"""

from __future__ import annotations

from django.http import Http404
from ninja import Query, Router, Status

from jkfp.accounts.models import User
from jkfp.api.common import PageParams, paginate, person_ref, region_ref, responses
from jkfp.api.errors import ApiError, ApiErrorCode
from jkfp.categories import LABELS, Category
from jkfp.registry import selectors as registry_selectors

from . import selectors, services
from .models import ChangeRequest
from .schemas import (
    ChangeRequestDetailOut,
    ChangeRequestFilters,
    ChangeRequestIn,
    ChangeRequestPage,
    DecisionIn,
    NoticeIn,
    WithdrawIn,
)

change_requests = Router(tags=["纳入/退出"])


def _change_request(cr: ChangeRequest) -> dict:
    h = cr.household
    return {
        "id": cr.pk, "action": cr.action, "action_label": cr.get_action_display(),
        "category": cr.category, "category_label": LABELS[Category(cr.category)],
        "status": cr.status, "status_label": cr.get_status_display(),
        "household": {"id": h.pk, "household_number": h.household_number,
                      "head_name": h.head.name if h.head_id else None,
                      "village": region_ref(h.village)},
        "person": person_ref(cr.person), "period_id": cr.period_id,
        "region_code": cr.region_code, "channel": cr.channel,
        "channel_label": cr.get_channel_display(), "reason": cr.reason,
        "effective_date": cr.effective_date, "end_way": cr.end_way, "exit_year": cr.exit_year,
        "home_visit_on": cr.home_visit_on, "consent_on": cr.consent_on,
        "comparison_note": cr.comparison_note, "village_review_on": cr.village_review_on,
        "notice_start": cr.notice_start, "notice_end": cr.notice_end,
        "notice_text": cr.notice_text, "version": cr.version,
        "created_by": cr.created_by.username, "created_at": cr.created_at,
        "decided_at": cr.decided_at,
    }


def _change_request_detail(user: User, pk: int) -> dict:
    cr = selectors.change_request_get(user=user, pk=pk)
    steps = selectors.change_request_steps(user=user, request=cr)
    return {**_change_request(cr), "steps": [
        {"step": s.step, "step_label": s.get_step_display(), "decision": s.decision,
         "decision_label": s.get_decision_display(), "actor": s.actor.username,
         "actor_full_name": s.actor.full_name, "actor_region_code": s.actor_region_code,
         "at": s.at, "comment": s.comment} for s in steps]}


def _referenced(field: str, get, **kw):
    """A record named in a request body, through a scoped selector: 404 naming the field."""
    try:
        return get(**kw)
    except Http404 as exc:
        raise ApiError(404, ApiErrorCode.NOT_FOUND, str(exc), field=field) from None


def _cr_page(qs, params: PageParams) -> dict:
    qs = qs.select_related("household__village", "household__head", "person", "created_by")
    page = paginate(qs, params)
    page["items"] = [_change_request(cr) for cr in page["items"]]
    return page


@change_requests.get("", response=responses({200: ChangeRequestPage}), summary="纳入/退出申请列表")
def change_request_list(request, filters: Query[ChangeRequestFilters]):
    qs = selectors.change_request_list(user=request.auth, status=filters.status or "",
                                       household_id=filters.household_id,
                                       person_id=filters.person_id)
    return _cr_page(qs, filters)


@change_requests.get("/inbox", response=responses({200: ChangeRequestPage}),
                     summary="待我办理：待公示、待乡镇审核、待县级审定")
def change_request_inbox(request, filters: Query[PageParams]):
    return _cr_page(selectors.change_request_inbox(user=request.auth), filters)


@change_requests.get("/{request_id}", response=responses({200: ChangeRequestDetailOut}),
                     summary="申请详情及办理环节")
def change_request_detail(request, request_id: int):
    return _change_request_detail(request.auth, request_id)


@change_requests.post("", response=responses({201: ChangeRequestDetailOut}),
                      summary="提出纳入、变更或退出申请（村、乡镇）")
def change_request_propose(request, payload: ChangeRequestIn):
    user = request.auth
    data = payload.model_dump()
    household = _referenced("household_id", registry_selectors.household_get, user=user,
                            pk=data.pop("household_id"))
    person_id, period_id = data.pop("person_id"), data.pop("period_id")
    person = person_id and _referenced("person_id", registry_selectors.person_get, user=user,
                                       pk=person_id)
    period = period_id and _referenced("period_id", registry_selectors.category_period_get,
                                       user=user, pk=period_id)
    cr = services.change_request_propose(user=user, household=household, person=person or None,
                                         period=period or None, **data)
    return Status(201, _change_request_detail(user, cr.pk))


@change_requests.post("/{request_id}/notice", response=responses({200: ChangeRequestDetailOut}),
                      summary="发布村级公示（不少于规定天数，见 policies/procedure/admission.yaml）")
def change_request_notice(request, request_id: int, payload: NoticeIn):
    cr = selectors.change_request_get(user=request.auth, pk=request_id)
    services.change_request_post_notice(user=request.auth, request=cr,
                                        expected_version=payload.version,
                                        notice_start=payload.notice_start,
                                        notice_days=payload.notice_days)
    return _change_request_detail(request.auth, request_id)


@change_requests.post("/{request_id}/township-review",
                      response=responses({200: ChangeRequestDetailOut}),
                      summary="乡镇审核（公示期满后）")
def change_request_township_review(request, request_id: int, payload: DecisionIn):
    cr = selectors.change_request_get(user=request.auth, pk=request_id)
    services.change_request_township_review(user=request.auth, request=cr,
                                            expected_version=payload.version,
                                            approve=payload.approve, comment=payload.comment)
    return _change_request_detail(request.auth, request_id)


@change_requests.post("/{request_id}/county-decision",
                      response=responses({200: ChangeRequestDetailOut}),
                      summary="县级审定（通过即生效）")
def change_request_county_decide(request, request_id: int, payload: DecisionIn):
    cr = selectors.change_request_get(user=request.auth, pk=request_id)
    services.change_request_county_decide(user=request.auth, request=cr,
                                          expected_version=payload.version,
                                          approve=payload.approve, comment=payload.comment)
    return _change_request_detail(request.auth, request_id)


@change_requests.post("/{request_id}/withdraw", response=responses({200: ChangeRequestDetailOut}),
                      summary="撤回（待公示或公示中）")
def change_request_withdraw(request, request_id: int, payload: WithdrawIn):
    cr = selectors.change_request_get(user=request.auth, pk=request_id)
    services.change_request_withdraw(user=request.auth, request=cr,
                                     expected_version=payload.version, comment=payload.comment)
    return _change_request_detail(request.auth, request_id)
