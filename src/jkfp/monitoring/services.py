"""Writes of a warning's life (decision 57): push, home visit, confirm or dismiss, act, close.

Each function is one step in one transaction: the warning locked at the version the user saw,
the step checked against the transition table (`rules.require_step`), the region and department
checked, the dates checked, then the warning changed and a `WarningStep` written (who, when,
why). Acting opens the thing done through its own app's service (an admission request, a support
measure), linked on the warning, never retyped.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jkfp.accounts.access import COUNTY_LEN, TOWNSHIP_LEN, in_region, require_in_scope
from jkfp.accounts.models import Department, User
from jkfp.admission import services as admission_services
from jkfp.admission.models import ChangeRequest
from jkfp.categories import LABELS, MONITORED, parse_category
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.events import Event, publish
from jkfp.registry import services as registry_services
from jkfp.registry.models import SupportMeasure
from jkfp.summaries.services import summary_add, summary_apply, summary_deltas, summary_snapshot
from jkfp.writes import locked, model_update

from . import bulk, scan
from .models import ActionKind, Push, PushItem, RiskWarning, ScanRun, WarningStatus, WarningStep
from .rules import require_action, require_step
from .summaries import FIELDS as summary_fields

W = WarningStatus


def _today() -> dt.date:
    return timezone.localdate()


def _step(w: RiskWarning, user: User | None, step: str, from_status: str, on_date: dt.date,
          comment: str = "") -> None:
    WarningStep.objects.create(warning=w, step=step, from_status=from_status,
                               to_status=w.status, on_date=on_date, comment=comment[:1000],
                               user=user)
    # a step may decide or close the warning: the figures of its village are stale (65)
    publish(Event.WARNING_CHANGED, region_codes=[w.region_code])


def _update(w: RiskWarning, user: User | None, data: dict) -> RiskWarning:
    """The one write of a step: the warning changed and its summaries moved (decision 62)."""
    was = summary_snapshot(w)
    w, _ = model_update(instance=w, lock=False, user=user, data=data)
    summary_apply(w, was=was)
    return w


def _begin(user: User, warning: RiskWarning, step: str, expected_version: int):
    require_in_scope(user, warning.region_code)
    w = locked(RiskWarning, warning.pk, expected_version=expected_version)
    return w, require_step(user=user, warning=w, step=step)


def _check_date(errors: list, w: RiskWarning, on_date: dt.date | None, *, field: str,
                label: str = "日期") -> None:
    if on_date is None:
        errors.append(DomainError(ErrorCode.REQUIRED, f"请填写{label}", field=field))
    elif on_date > _today():
        errors.append(DomainError(ErrorCode.DATE_IN_FUTURE, f"{label}不能晚于今天", field=field))
    else:
        last = w.steps.order_by("-on_date").values_list("on_date", flat=True).first()
        if on_date < w.found_on:
            errors.append(DomainError(ErrorCode.DATE_ORDER,
                                      f"{label}不能早于预警发现日期（{w.found_on:%Y-%m-%d}）",
                                      field=field))
        elif last is not None and on_date < last:
            errors.append(DomainError(ErrorCode.DATE_ORDER,
                                      f"{label}不能早于上一步骤的日期（{last:%Y-%m-%d}）",
                                      field=field))


# ---------------------------------------------------------------- push (called by the scan)
def push_found(*, user_or_none: User | None, region_code: str, on_date: dt.date) -> list[Push]:
    """Push every found warning of the region: to its township and to each department the warning
    names, one `Push` per recipient and date (a second call the same day adds to the same push).
    Set-based: a few queries whatever the number of warnings. Returns the pushes touched."""
    if user_or_none is not None:
        require_in_scope(user_or_none, region_code)
    departments = set(Department.values)
    with transaction.atomic():
        rows = list(RiskWarning.objects.select_for_update()
                    .filter(in_region(region_code), status=W.FOUND)
                    .only("pk", "departments", *summary_fields))
        if not rows:
            return []
        found = [(w.pk, w.region_code, w.departments) for w in rows]
        by_recipient: dict[tuple[str, str], list[int]] = defaultdict(list)
        for pk, code, deps in found:
            by_recipient[(Push.TOWNSHIP, code[:TOWNSHIP_LEN])].append(pk)
            for dep in deps or ():
                if dep in departments:
                    by_recipient[(dep, code[:COUNTY_LEN])].append(pk)
        pushes = []
        for (dep, code), pks in by_recipient.items():
            push, _ = Push.objects.get_or_create(department=dep, region_code=code,
                                                 pushed_on=on_date,
                                                 defaults={"user": user_or_none})
            if bulk.fast():
                bulk.insert_push_items(push.pk, pks)
            else:
                PushItem.objects.bulk_create([PushItem(push=push, warning_id=pk) for pk in pks],
                                             ignore_conflicts=True)
            pushes.append(push)
        pks = [pk for pk, _, _ in found]

        labels = dict(Department.choices)

        @functools.cache
        def _comment(deps: tuple) -> str:
            named = [labels[d] for d in deps if d in departments]
            return "推送至乡镇" + ("及" + "、".join(named) if named else "")

        def comment(deps) -> str:
            return _comment(tuple(deps or ()))

        pairs = []
        for w in rows:
            was = summary_snapshot(w)
            w.status = W.PUSHED
            pairs.append((was, summary_snapshot(w)))
        summary_add(summary_deltas(pairs))  # the overview's counts, in the same transaction
        if bulk.fast():
            bulk.mark_pushed(pks, on_date=on_date)
            by_comment: dict[str, list[int]] = defaultdict(list)
            for pk, _, deps in found:
                by_comment[comment(deps)].append(pk)
            for text, ids in by_comment.items():
                bulk.insert_steps(ids, step="push", from_status=W.FOUND, to_status=W.PUSHED,
                                  on_date=on_date, comment=text, user=user_or_none)
            return pushes
        RiskWarning.objects.filter(pk__in=pks).update(status=W.PUSHED, pushed_on=on_date,
                                                      version=F("version") + 1)
        WarningStep.objects.bulk_create([
            WarningStep(warning_id=pk, step="push", from_status=W.FOUND, to_status=W.PUSHED,
                        on_date=on_date, user=user_or_none, comment=comment(deps))
            for pk, _, deps in found])
    return pushes


# ---------------------------------------------------------------- home visit, confirm, dismiss
def warning_verify(*, user: User, warning: RiskWarning, expected_version: int,
                   visited_on: dt.date | None, visited_by: str, findings: str) -> RiskWarning:
    """A home visit verified the warning (入户核实): on a date not before it was found."""
    with transaction.atomic():
        w, s = _begin(user, warning, "verify", expected_version)
        errors: list[DomainError] = []
        _check_date(errors, w, visited_on, field="visited_on", label="入户核实日期")
        if not (visited_by or "").strip():
            errors.append(DomainError(ErrorCode.REQUIRED, "请填写核实人", field="visited_by"))
        if not (findings or "").strip():
            errors.append(DomainError(ErrorCode.REQUIRED, "请填写核实情况", field="findings"))
        if errors:
            raise ValidationErrors(errors)
        w = _update(w, user, {
            "status": s.target, "verified_on": visited_on, "visited_by": visited_by.strip(),
            "findings": findings.strip()})
        _step(w, user, s.name, W.PUSHED, visited_on, f"{visited_by.strip()}：{findings.strip()}")
    return w


def _decide(user: User, warning: RiskWarning, step: str, expected_version: int,
            on_date: dt.date | None, reason: str) -> RiskWarning:
    with transaction.atomic():
        w, s = _begin(user, warning, step, expected_version)
        errors: list[DomainError] = []
        _check_date(errors, w, on_date, field="on_date", label="认定日期")
        if s.needs_reason and not (reason or "").strip():
            errors.append(DomainError(ErrorCode.REQUIRED, "排除预警须填写理由", field="reason"))
        if errors:
            raise ValidationErrors(errors)
        w = _update(w, user, {
            "status": s.target, "decided_on": on_date, "decision_reason": (reason or "").strip()})
        _step(w, user, s.name, W.VERIFIED, on_date, (reason or "").strip())
    return w


def warning_confirm(*, user: User, warning: RiskWarning, expected_version: int,
                    on_date: dt.date | None, reason: str = "") -> RiskWarning:
    """The visit confirmed the risk (确认)."""
    return _decide(user, warning, "confirm", expected_version, on_date, reason)


def warning_dismiss(*, user: User, warning: RiskWarning, expected_version: int,
                    on_date: dt.date | None, reason: str) -> RiskWarning:
    """The visit found no risk (排除): a reason is required."""
    return _decide(user, warning, "dismiss", expected_version, on_date, reason)


# ---------------------------------------------------------------- act
def admission_prefill(w: RiskWarning) -> dict:
    """What the admission request opened from a warning carries, taken from the warning."""
    return {
        "action": ChangeRequest.Action.ADMIT, "household": w.household,
        "channel": ChangeRequest.Channel.DEPARTMENT, "home_visit_on": w.verified_on,
        "reason": f"部门筛查预警（{w.rule_id}，{w.period}）入户核实：{w.findings}"[:500],
        "comparison_note": f"预警#{w.pk}：{w.rule_id} {w.period}"[:300],
    }


def warning_act(*, user: User, warning: RiskWarning, expected_version: int,
                on_date: dt.date | None, action_kind: str, category: str = "",
                consent_on: dt.date | None = None, action_ref: str = "",
                measure_kind: str = SupportMeasure.Kind.MEDICAL,
                description: str = "") -> RiskWarning:
    """Act on a confirmed warning. `admission`: an admission request to monitoring (category one of
    the monitored ones) opened through the admission workflow, prefilled from the warning;
    `support_measure`: a support measure of the household through the registry's service;
    a 低保 / 特困 referral or medical assistance: the reference of the referral (`action_ref`)."""
    with transaction.atomic():
        w, s = _begin(user, warning, "act", expected_version)
        require_action(user, action_kind)
        errors: list[DomainError] = []
        _check_date(errors, w, on_date, field="on_date", label="处置日期")
        if errors:
            raise ValidationErrors(errors)
        data: dict = {"status": s.target, "action_kind": action_kind}
        comment = ActionKind(action_kind).label
        if action_kind == ActionKind.ADMISSION:
            cat = parse_category(category)
            if cat not in MONITORED:
                raise DomainError(ErrorCode.INVALID, "请选择防返贫监测对象类别", field="category")
            cr = admission_services.change_request_propose(
                user=user, category=cat.value, effective_date=on_date, consent_on=consent_on,
                **admission_prefill(w))
            data.update(change_request=cr, action_ref=f"admission:{cr.pk}")
            comment += f"：纳入申请#{cr.pk}（{LABELS[cat]}）"
        elif action_kind == ActionKind.SUPPORT_MEASURE:
            m = registry_services.support_measure_add(
                user=user, household=w.household, kind=measure_kind,
                description=description or f"预警#{w.pk}（{w.rule_id}）核实后落实", start_date=on_date)
            data["action_ref"] = f"support_measure:{m.pk}"
            comment += f"：{m.description}"
        else:
            if not (action_ref or "").strip():
                raise DomainError(ErrorCode.REQUIRED, "请填写转介或救助的文书编号",
                                  field="action_ref")
            data["action_ref"] = action_ref.strip()[:40]
            comment += f"：{action_ref.strip()}"
        w = _update(w, user, data)
        _step(w, user, s.name, W.CONFIRMED, on_date, comment)
    return w


# ---------------------------------------------------------------- close
def warning_close(*, user: User, warning: RiskWarning, expected_version: int,
                  on_date: dt.date | None, comment: str = "") -> RiskWarning:
    """Close an acted-on or dismissed warning (办结). One acted on by an admission request that is
    still in the workflow is closed when the request is decided (`request_changed`)."""
    with transaction.atomic():
        w, s = _begin(user, warning, "close", expected_version)
        errors: list[DomainError] = []
        _check_date(errors, w, on_date, field="on_date", label="办结日期")
        if w.change_request_id and w.change_request.status not in _DECIDED:
            errors.append(DomainError(ErrorCode.WARNING_STEP_NOT_ALLOWED,
                                      f"纳入申请#{w.change_request_id}尚在办理中，审定后预警自动办结",
                                      field="step"))
        if errors:
            raise ValidationErrors(errors)
        from_status = w.status
        w = _update(w, user, {"status": s.target, "closed_on": on_date})
        _step(w, user, s.name, from_status, on_date, (comment or "").strip())
    return w


_DECIDED = (ChangeRequest.Status.APPROVED, ChangeRequest.Status.REJECTED)


def request_changed(*, request_id: int, status: str, **_payload) -> None:
    """The warning follows its admission request: closed when the county decides it, back to
    confirmed (another action may be taken) when it is withdrawn. Subscribed in apps.ready."""
    if status not in (*_DECIDED, ChangeRequest.Status.WITHDRAWN):
        return
    with transaction.atomic():
        for w in RiskWarning.objects.select_for_update().filter(change_request_id=request_id,
                                                                status=W.ACTED):
            label = ChangeRequest.Status(status).label
            if status == ChangeRequest.Status.WITHDRAWN:
                data = {"status": W.CONFIRMED, "change_request": None, "action_kind": "",
                        "action_ref": ""}
            else:
                data = {"status": W.CLOSED, "closed_on": _today()}
            w = _update(w, None, data)
            _step(w, None, "request_decided", W.ACTED, _today(),
                  f"纳入申请#{request_id}：{label}")


def warnings_scan(*, user: User | None, region_code: str, on_date: dt.date) -> ScanRun:
    """Every rule over the region on `on_date` (`scan.full_scan`, what `jkfp warnings scan`
    runs): the entry of other apps (the demo)."""
    return scan.full_scan(user=user, region_code=region_code, on_date=on_date)
