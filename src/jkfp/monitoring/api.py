"""API of the warnings (/api/v1/warnings/): list with filters and worklists, detail with
evidence and steps, each step, the pushes and their Excel. Handlers read through the scoped
selectors and call one service each; the rules are in `services.py` and `rules.py`."""

from __future__ import annotations

from django.http import FileResponse
from django.utils import timezone
from ninja import Query, Router

from jkfp.api.common import fen_to_yuan, paginate, person_ref, responses

from . import export, rules, selectors, services
from .models import RiskWarning
from .schemas import (
    ActIn,
    CloseIn,
    CountsOut,
    DecideIn,
    PushOut,
    VerifyIn,
    WarningDetailOut,
    WarningFilters,
    WarningPage,
)

router = Router(tags=["监测预警"])

WORKLISTS = {"to_verify": selectors.township_to_verify, "in_hand": selectors.township_in_hand,
             "confirmed": selectors.confirmed_waiting, "overdue": selectors.overdue_list}


def _warning(user, w: RiskWarning) -> dict:
    return {
        "id": w.pk, "rule_id": w.rule_id, "rule_name": export.rule_name(w),
        "subject_kind": w.subject_kind, "person": person_ref(w.person),
        "household_id": w.household_id, "region_code": w.region_code, "period": w.period,
        "status": w.status, "status_label": w.get_status_display(), "found_on": w.found_on,
        "due_on": w.due_on,
        "overdue": w.status in selectors.NOT_VERIFIED and w.due_on < timezone.localdate(),
        "amount": fen_to_yuan(w.amount_fen), "threshold": fen_to_yuan(w.threshold_fen),
        "departments": list(w.departments or []), "uses_examples": w.uses_examples,
        "pushed_on": w.pushed_on, "verified_on": w.verified_on, "visited_by": w.visited_by,
        "findings": w.findings, "decided_on": w.decided_on,
        "decision_reason": w.decision_reason, "action_kind": w.action_kind,
        "action_ref": w.action_ref, "change_request_id": w.change_request_id,
        "closed_on": w.closed_on, "version": w.version,
        "steps_allowed": [s.name for s in rules.steps_allowed(user=user, warning=w)],
    }


def _detail(user, pk: int) -> dict:
    w = selectors.warning_get(user=user, pk=pk)
    return {**_warning(user, w), "evidence": w.evidence if isinstance(w.evidence, dict) else {},
            "steps": [{"step": s.step, "from_status": s.from_status, "to_status": s.to_status,
                       "on_date": s.on_date, "comment": s.comment,
                       "user": s.user.username if s.user else None, "at": s.at}
                      for s in selectors.warning_steps(user=user, warning=w)]}


@router.get("", response=responses({200: WarningPage}), summary="预警列表（筛选或按工作清单）")
def warning_list(request, filters: Query[WarningFilters]):
    user = request.auth
    if filters.worklist:
        qs = WORKLISTS[filters.worklist](user=user)
    else:
        qs = selectors.warning_list(user=user, status=filters.status or "",
                                    rule_id=filters.rule_id or "",
                                    region_code=filters.region_code or "",
                                    overdue=filters.overdue)
    page = paginate(qs, filters)
    page["items"] = [_warning(user, w) for w in page["items"]]
    return page


@router.get("/counts", response=responses({200: CountsOut}), summary="本辖区预警统计")
def warning_counts(request, region_code: str = ""):
    return selectors.overview_counts(user=request.auth, region_code=region_code)


@router.get("/pushes", response=responses({200: list[PushOut]}), summary="推送记录")
def push_list(request):
    return [{"id": p.pk, "department": p.department, "region_code": p.region_code,
             "pushed_on": p.pushed_on, "warnings": p.n}
            for p in selectors.push_scope(user=request.auth)[:500]]


@router.get("/pushes/{push_id}/export", summary="导出推送（Excel，按接收部门的格式）",
            response=responses({200: None}))
def push_export(request, push_id: int):
    user = request.auth
    push = selectors.push_get(user=user, pk=push_id)
    tmp = export.push_write(user=user, push=push,
                            warnings=selectors.push_warnings(user=user, push=push),
                            path=request.path)
    return FileResponse(tmp, as_attachment=True, content_type=export.XLSX,
                        filename=f"warnings-{push.department}-{push.region_code}-"
                                 f"{push.pushed_on:%Y%m%d}.xlsx")


@router.get("/{warning_id}", response=responses({200: WarningDetailOut}),
            summary="预警详情：依据、办理环节、可办理的步骤")
def warning_detail(request, warning_id: int):
    return _detail(request.auth, warning_id)


@router.post("/{warning_id}/verify", response=responses({200: WarningDetailOut}),
             summary="入户核实（日期不早于预警发现日期）")
def warning_verify(request, warning_id: int, payload: VerifyIn):
    w = selectors.warning_get(user=request.auth, pk=warning_id)
    services.warning_verify(user=request.auth, warning=w, expected_version=payload.version,
                            visited_on=payload.visited_on, visited_by=payload.visited_by,
                            findings=payload.findings)
    return _detail(request.auth, warning_id)


@router.post("/{warning_id}/confirm", response=responses({200: WarningDetailOut}),
             summary="确认风险")
def warning_confirm(request, warning_id: int, payload: DecideIn):
    w = selectors.warning_get(user=request.auth, pk=warning_id)
    services.warning_confirm(user=request.auth, warning=w, expected_version=payload.version,
                             on_date=payload.on_date, reason=payload.reason)
    return _detail(request.auth, warning_id)


@router.post("/{warning_id}/dismiss", response=responses({200: WarningDetailOut}),
             summary="排除（须填写理由）")
def warning_dismiss(request, warning_id: int, payload: DecideIn):
    w = selectors.warning_get(user=request.auth, pk=warning_id)
    services.warning_dismiss(user=request.auth, warning=w, expected_version=payload.version,
                             on_date=payload.on_date, reason=payload.reason)
    return _detail(request.auth, warning_id)


@router.post("/{warning_id}/act", response=responses({200: WarningDetailOut}),
             summary="处置：纳入监测申请、低保/特困转介、医疗救助或帮扶措施")
def warning_act(request, warning_id: int, payload: ActIn):
    w = selectors.warning_get(user=request.auth, pk=warning_id)
    services.warning_act(user=request.auth, warning=w, expected_version=payload.version,
                         on_date=payload.on_date, action_kind=payload.action_kind,
                         category=payload.category, consent_on=payload.consent_on,
                         measure_kind=payload.measure_kind, description=payload.description,
                         action_ref=payload.action_ref)
    return _detail(request.auth, warning_id)


@router.post("/{warning_id}/close", response=responses({200: WarningDetailOut}),
             summary="办结")
def warning_close(request, warning_id: int, payload: CloseIn):
    w = selectors.warning_get(user=request.auth, pk=warning_id)
    services.warning_close(user=request.auth, warning=w, expected_version=payload.version,
                           on_date=payload.on_date, comment=payload.comment)
    return _detail(request.auth, warning_id)
