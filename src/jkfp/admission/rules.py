"""Who may take which step of the procedure, and the exit rules of monitored households.

`step_allowed` is the one answer to "may this user take this step of this request now?": the
services refuse what it refuses, the 待办 inbox lists what it allows, the request page shows the
buttons it allows. The timing rules (the notice must have ended before the township review)
are checked by the services on top of it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q

from jkfp.accounts import access
from jkfp.accounts.models import Role, User
from jkfp.categories import MONITORED
from jkfp.errors import DomainError, ErrorCode
from jkfp.registry.models import ABLE_TO_WORK, CategoryPeriod, Household, SupportMeasure

from . import procedure
from .models import ChangeRequest, ChangeRequestStep

Status = ChangeRequest.Status


class Step(StrEnum):
    PROPOSE = "propose"
    NOTICE = "notice"
    REVIEW = "review"
    DECIDE = "decide"
    WITHDRAW = "withdraw"


#: the statuses a request must be in for each step (propose makes a new request)
FROM_STATUS: dict[Step, tuple[str, ...]] = {
    Step.NOTICE: (Status.PROPOSED,),
    Step.REVIEW: (Status.NOTICE,),
    Step.DECIDE: (Status.TOWNSHIP_APPROVED,),
    Step.WITHDRAW: (Status.PROPOSED, Status.NOTICE),
}

#: the refusal of each step, when the user's role or level may not take it
REFUSAL: dict[Step, str] = {
    Step.PROPOSE: "纳入/退出申请须由村或乡镇提出",
    Step.NOTICE: "公示由村或乡镇发布",
    Step.REVIEW: "乡镇审核须由乡镇审核人员办理",
    Step.DECIDE: "县级审定须由县级审批人员办理",
    Step.WITHDRAW: "您的角色为只读，不能修改数据",
}


def role_allows(user: User, step: Step) -> bool:
    """Whether the user's role and level may take `step` at all (whatever the request)."""
    if user.is_superuser:
        return True
    level = access.level_length(user)
    if step in (Step.PROPOSE, Step.NOTICE):
        return access.can_write(user) and level >= access.TOWNSHIP_LEN
    if step == Step.REVIEW:
        return user.role == Role.REVIEWER and level == access.TOWNSHIP_LEN
    if step == Step.DECIDE:
        return user.role == Role.APPROVER and level == access.COUNTY_LEN
    return access.can_write(user)  # withdraw


def _acted_before(user: User, request: ChangeRequest) -> bool:
    """Whether the user proposed the request or took its township review (four eyes)."""
    return request.created_by_id == user.pk or request.steps.filter(
        step=ChangeRequestStep.Step.TOWNSHIP_REVIEW, actor=user).exists()


def four_eyes_ok(user: User, request: ChangeRequest, step: Step | str) -> bool:
    """The one who proposed a request does not review or decide it, and the reviewer does not
    decide it too."""
    return Step(step) not in (Step.REVIEW, Step.DECIDE) or not _acted_before(user, request)


def step_allowed(*, user: User, request: ChangeRequest, step: Step | str) -> bool:
    """Whether `user` may take `step` on `request` now: role and level, region, status, and
    four eyes (nobody reviews or decides what they proposed or reviewed)."""
    step = Step(step)
    return (role_allows(user, step) and access.code_in_scope(user, request.region_code)
            and request.status in FROM_STATUS.get(step, ()) and four_eyes_ok(user, request, step))


def require_role(user: User, step: Step | str) -> None:
    """Refuse a step the user's role or level may not take (`workflow_role`, `permission`)."""
    step = Step(step)
    if not role_allows(user, step):
        code = ErrorCode.PERMISSION if step == Step.WITHDRAW else ErrorCode.WORKFLOW_ROLE
        raise DomainError(code, REFUSAL[step], field="status")


def require_four_eyes(user: User, request: ChangeRequest, step: Step | str) -> None:
    if not four_eyes_ok(user, request, step):
        raise DomainError(ErrorCode.FOUR_EYES, "提出或审核过该申请的人员不能再审核或审定它（双人复核）",
                          field="status")


def require_status(request: ChangeRequest, step: Step | str) -> None:
    """Refuse a step the request's status does not admit (`workflow_step`)."""
    step = Step(step)
    if request.status not in FROM_STATUS[step]:
        message = ("只有待公示或公示中的申请可以撤回" if step == Step.WITHDRAW else
                   f"当前状态为“{request.get_status_display()}”，不能办理此环节")
        raise DomainError(ErrorCode.WORKFLOW_STEP, message, field="status")


def steps_allowed(*, user: User, request: ChangeRequest) -> set[str]:
    """The steps the request page offers this user (buttons)."""
    return {s.value for s in FROM_STATUS if step_allowed(user=user, request=request, step=s)}


def waiting_for(*, user: User, today: dt.date) -> Q:
    """The requests that wait for a step of this user: the inbox (withdrawing is not a duty).

    A township review waits only once the notice period is over.
    """
    waiting = Q(pk__in=[])
    reviewed = ChangeRequestStep.objects.filter(request=OuterRef("pk"), actor=user,
                                                step=ChangeRequestStep.Step.TOWNSHIP_REVIEW)
    for step in (Step.NOTICE, Step.REVIEW, Step.DECIDE):
        if role_allows(user, step):
            q = Q(status__in=FROM_STATUS[step])
            if step == Step.REVIEW:
                q &= Q(notice_end__lt=today)
            if step in (Step.REVIEW, Step.DECIDE):
                q &= ~Q(created_by=user) & ~Exists(reviewed)
            waiting |= q
    return waiting


# ---------------------------------------------------------------- exit rules
def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def exit_rule_violations(*, period: CategoryPeriod, household: Household,
                         on: dt.date) -> list[DomainError]:
    """The exit rules of DOMAIN.md §5 for a monitored household; empty list when none broken."""
    if period.category not in {c.value for c in MONITORED}:
        return []
    problems: list[DomainError] = []
    months = procedure.thresholds(on=on).monitor_min_months
    earliest = add_months(period.start_date, months)
    if on < earliest:
        problems.append(DomainError(
            ErrorCode.EXIT_MONITORED_TOO_SHORT,
            f"不符合退出条件：监测未满{months}个月（自{period.start_date}起，最早可于{earliest}退出）",
            field="effective_date"))
    if not SupportMeasure.objects.filter(household=household, start_date__lte=on).exists():
        problems.append(DomainError(
            ErrorCode.EXIT_NO_SUPPORT_MEASURE,
            "不符合退出条件：未登记任何帮扶措施", field="household"))
    if not household.members.filter(alive=True, work_ability__in=ABLE_TO_WORK).exists():
        problems.append(DomainError(
            ErrorCode.EXIT_NO_ABLE_WORKER,
            "不符合退出条件：该户无劳动能力成员，应保持监测帮扶，不得退出", field="household"))
    return problems
