"""Who may take which step of a warning's life, as one transition table (decision 57a).

found → pushed → verified (home visit) → confirmed | dismissed → acted → closed. A step names
the statuses it starts from, the status it leads to, the departments whose users take it and the
lowest level that takes it (a township cadre verifies; the county may do all a township does).
`step_allowed` is the one answer: the services refuse with `require_step`, the page's forms and
the API's `steps_allowed` use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from jkfp.accounts.access import TOWNSHIP_LEN, can_write, code_in_scope, level_length
from jkfp.accounts.models import Department, Role, User
from jkfp.errors import DomainError, ErrorCode

from .models import ActionKind, RiskWarning, WarningStatus

W = WarningStatus
RR, CA, MI = Department.RURAL_REVITALISATION, Department.CIVIL_AFFAIRS, Department.MEDICAL_INSURANCE


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    departments: tuple[str, ...]
    needs_reason: bool = False


STEPS: dict[str, Step] = {s.name: s for s in (
    Step("push", "推送", (W.FOUND,), W.PUSHED, (RR,)),
    Step("verify", "入户核实", (W.PUSHED,), W.VERIFIED, (RR,)),
    Step("confirm", "确认风险", (W.VERIFIED,), W.CONFIRMED, (RR,)),
    Step("dismiss", "排除", (W.VERIFIED,), W.DISMISSED, (RR,), needs_reason=True),
    Step("act", "处置", (W.CONFIRMED,), W.ACTED, (RR, CA, MI)),
    Step("close", "办结", (W.ACTED, W.DISMISSED), W.CLOSED, (RR,)),
)}

#: which department acts in which way on a confirmed warning (who takes the "act" step)
ACTION_DEPARTMENTS: dict[str, tuple[str, ...]] = {
    ActionKind.ADMISSION: (RR,),
    ActionKind.SUPPORT_MEASURE: (RR,),
    ActionKind.MINIMUM_LIVING: (CA,),
    ActionKind.EXTREME_POOR: (CA,),
    ActionKind.MEDICAL_ASSISTANCE: (MI, CA),
}

DEPARTMENT_LABELS = dict(Department.choices)


def _department_ok(user: User, departments: tuple[str, ...]) -> bool:
    return bool(user.is_superuser or user.role == Role.ADMIN or user.department in departments)


def _level_ok(user: User) -> bool:
    """Township or county level (or above): a village account does not take warning steps."""
    return bool(user.is_superuser or 0 < level_length(user) <= TOWNSHIP_LEN)


def step_allowed(*, user: User, warning: RiskWarning, step: str) -> bool:
    s = STEPS.get(step)
    if s is None or warning.status not in s.sources:
        return False
    return (can_write(user) and code_in_scope(user, warning.region_code) and _level_ok(user)
            and _department_ok(user, s.departments))


def _waits_for_request(warning: RiskWarning) -> bool:
    """Acted on by an admission request still in its workflow: closed when it is decided."""
    cr = warning.change_request if warning.change_request_id else None
    return cr is not None and cr.status not in ("approved", "rejected")


def steps_allowed(*, user: User, warning: RiskWarning) -> list[Step]:
    return [s for name, s in STEPS.items()
            if name != "push" and step_allowed(user=user, warning=warning, step=name)
            and not (name == "close" and _waits_for_request(warning))]


def actions_allowed(user: User) -> list[str]:
    """The kinds of action the user's department takes on a confirmed warning."""
    return [k for k, deps in ACTION_DEPARTMENTS.items() if _department_ok(user, deps)]


def require_step(*, user: User, warning: RiskWarning, step: str) -> Step:
    """The step, or a named refusal: unknown, out of order, wrong role, level or department."""
    s = STEPS.get(step)
    if s is None:
        raise DomainError(ErrorCode.WARNING_STEP_NOT_ALLOWED, f"没有“{step}”这一步骤",
                          field="step")
    if warning.status not in s.sources:
        raise DomainError(ErrorCode.WARNING_STEP_NOT_ALLOWED,
                          f"预警当前为“{warning.get_status_display()}”，不能“{s.label}”",
                          field="step")
    if not can_write(user):
        raise DomainError(ErrorCode.PERMISSION, "您的角色为只读，不能办理预警")
    if not _level_ok(user):
        raise DomainError(ErrorCode.PERMISSION, f"“{s.label}”由乡镇或县级经办人员办理")
    if not _department_ok(user, s.departments):
        names = "、".join(DEPARTMENT_LABELS[d] for d in s.departments)
        raise DomainError(ErrorCode.WARNING_DEPARTMENT,
                          f"“{s.label}”由{names}部门办理，您所在部门不能办理", field="step")
    return s


def require_action(user: User, kind: str) -> None:
    if kind not in ACTION_DEPARTMENTS:
        raise DomainError(ErrorCode.INVALID, "请选择处置方式", field="action_kind")
    deps = ACTION_DEPARTMENTS[kind]
    if not _department_ok(user, deps):
        names = "、".join(DEPARTMENT_LABELS[d] for d in deps)
        raise DomainError(ErrorCode.WARNING_DEPARTMENT,
                          f"“{ActionKind(kind).label}”由{names}部门办理，您所在部门不能办理",
                          field="action_kind")
