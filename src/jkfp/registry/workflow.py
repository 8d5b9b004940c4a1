"""Admission and exit of categories (准入/退出), DOMAIN.md section 5.

propose (village or township) → village notice of at least 5 days → township review →
county decision, which applies the change to the category periods. Every step records who,
when, what and why (ChangeRequestStep); exits of monitored households are checked against the
exit rules both when proposed and when decided.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jkfp.accounts.models import Role, User
from jkfp.categories import LABELS, LEVEL, MONITORED, Category, parse_category
from jkfp.errors import DomainError, ErrorCode, ValidationErrors

from . import services
from .models import (
    ABLE_TO_WORK,
    CategoryPeriod,
    ChangeRequest,
    ChangeRequestStep,
    Household,
    Person,
    SupportMeasure,
)

NOTICE_MIN_DAYS = 5          # DOMAIN.md §5: village notice at least 5 days
NOTICE_MAX_DAYS = 60         # a sanity bound on input, not a rule of the plans
MONITOR_MIN_MONTHS = 6       # DOMAIN.md §5: monitored at least 6 months before exit
DECISION_DAYS = 15           # DOMAIN.md §5: from clue to decision normally at most 15 days

Status = ChangeRequest.Status
Step = ChangeRequestStep.Step
Decision = ChangeRequestStep.Decision


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    import calendar

    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def exit_rule_violations(*, period: CategoryPeriod, household: Household,
                         on: dt.date) -> list[DomainError]:
    """The exit rules of DOMAIN.md §5 for a monitored household; empty list when none broken."""
    if period.category not in {c.value for c in MONITORED}:
        return []
    problems: list[DomainError] = []
    earliest = add_months(period.start_date, MONITOR_MIN_MONTHS)
    if on < earliest:
        problems.append(DomainError(
            ErrorCode.EXIT_MONITORED_UNDER_6_MONTHS,
            f"不符合退出条件：监测未满6个月（自{period.start_date}起，最早可于{earliest}退出）",
            field="effective_date"))
    if not SupportMeasure.objects.filter(household=household, start_date__lte=on).exists():
        problems.append(DomainError(
            ErrorCode.EXIT_NO_SUPPORT_MEASURE,
            "不符合退出条件：未登记任何帮扶措施", field="household"))
    members = household.members.filter(alive=True)
    if not members.filter(work_ability__in=ABLE_TO_WORK).exists():
        problems.append(DomainError(
            ErrorCode.EXIT_NO_ABLE_WORKER,
            "不符合退出条件：该户无劳动能力成员，应保持监测帮扶，不得退出", field="household"))
    return problems


def _step(request: ChangeRequest, user: User, step: str, decision: str, comment: str = "") -> None:
    ChangeRequestStep.objects.create(request=request, step=step, decision=decision, actor=user,
                                     actor_region_code=user.region_code, comment=comment[:500])


def _level_len(user: User) -> int:
    return len(user.region_code or "")


def change_request_propose(*, user: User, action: str, category: str, household: Household,
                           reason: str, effective_date: dt.date, channel: str,
                           person: Person | None = None, period: CategoryPeriod | None = None,
                           home_visit_on: dt.date | None = None,
                           consent_on: dt.date | None = None, comparison_note: str = "",
                           village_review_on: dt.date | None = None, end_way: str = "",
                           exit_year: int | None = None) -> ChangeRequest:
    """A village or township user proposes to admit, change or end a category."""
    services.require_writer(user)
    services.require_in_scope(user, household.region_code)
    if _level_len(user) < 9 and not user.is_superuser:
        raise DomainError(ErrorCode.WORKFLOW_ROLE, "纳入/退出申请须由村或乡镇提出", field="action")
    errors: list[DomainError] = []
    cat = parse_category(category)
    if action not in ChangeRequest.Action.values:
        errors.append(DomainError(ErrorCode.INVALID, f"事项“{action}”无效", field="action"))
    if cat is None:
        errors.append(DomainError(ErrorCode.CATEGORY_UNKNOWN, f"类别“{category}”不存在",
                                  field="category"))
    if channel not in ChangeRequest.Channel.values:
        errors.append(DomainError(ErrorCode.INVALID, f"线索来源“{channel}”无效", field="channel"))
    if not (reason or "").strip():
        errors.append(DomainError(ErrorCode.REQUIRED, "理由不能为空", field="reason"))
    if person is not None and person.household_id != household.pk:
        errors.append(DomainError(ErrorCode.INVALID, "该人员不属于此家庭户", field="person"))
    if errors:
        raise ValidationErrors(errors)
    services.check_dates(effective_date=effective_date, home_visit_on=home_visit_on,
                         consent_on=consent_on, village_review_on=village_review_on)
    level = LEVEL[cat]
    if level == "person" and person is None:
        raise DomainError(ErrorCode.CATEGORY_LEVEL, f"“{LABELS[cat]}”是个人类别，须指定人员",
                          field="person")
    if level == "household":
        person = None
    if action == ChangeRequest.Action.ADMIT:
        if home_visit_on is None:
            errors.append(DomainError(ErrorCode.REQUIRED, "须先入户核实并填写入户核实日期",
                                      field="home_visit_on"))
        if consent_on is None:
            errors.append(DomainError(ErrorCode.CONSENT_MISSING, "须取得农户书面同意并填写日期",
                                      field="consent_on"))
        if cat == Category.LIFTED_OUT and not exit_year:
            errors.append(DomainError(ErrorCode.REQUIRED, "脱贫人口须填写脱贫年度",
                                      field="exit_year"))
        period = None
    else:
        if period is None or period.category != cat.value or period.end_date is not None or (
            period.household_id != (None if person else household.pk)
            and period.person_id != (person.pk if person else None)
        ):
            errors.append(DomainError(ErrorCode.CATEGORY_NOT_HELD,
                                      f"该{'人员' if person else '家庭户'}当前不在“{LABELS[cat]}”中",
                                      field="period"))
        elif effective_date < period.start_date:
            errors.append(DomainError(ErrorCode.CATEGORY_DATES, "生效日期不能早于该类别的起始日期",
                                      field="effective_date"))
        if action == ChangeRequest.Action.EXIT and period is not None and not errors:
            errors.extend(exit_rule_violations(period=period, household=household,
                                               on=effective_date))
    if errors:
        raise ValidationErrors(errors)
    with transaction.atomic():
        open_same = ChangeRequest.objects.select_for_update().filter(
            household=household, person=person, category=cat.value,
            status__in=[Status.PROPOSED, Status.NOTICE, Status.TOWNSHIP_APPROVED])
        if open_same.exists():
            raise DomainError(ErrorCode.REQUEST_PENDING, "该对象此类别已有办理中的申请",
                              field="category")
        cr = ChangeRequest.objects.create(
            action=action, category=cat.value, household=household, person=person,
            period=period, region_code=household.region_code, channel=channel,
            reason=reason.strip(), effective_date=effective_date, end_way=end_way,
            exit_year=exit_year, home_visit_on=home_visit_on, consent_on=consent_on,
            comparison_note=comparison_note, village_review_on=village_review_on,
            created_by=user)
        _step(cr, user, Step.PROPOSE, Decision.SUBMIT, reason)
    return cr


def notice_text(cr: ChangeRequest) -> str:
    """The public notice: household head's name and village, what and why in general terms.

    It never shows ID numbers, phone numbers, bank accounts or health conditions.
    """
    hh = cr.household
    head = hh.head.name if hh.head_id else ""
    who = f"{hh.village.name}{head}户" if not cr.person_id else f"{hh.village.name}{head}户成员{cr.person.name}"
    what = {"admit": "拟纳入", "change": "拟变更", "exit": "拟退出"}[cr.action]
    return (f"公示：{who}{what}“{LABELS[Category(cr.category)]}”。"
            f"公示期自{cr.notice_start:%Y年%m月%d日}至{cr.notice_end:%Y年%m月%d日}。"
            "如有异议，请在公示期内向村委会或乡镇人民政府反映。")


def _transition(user: User, request: ChangeRequest, expected_version: int,
                allowed_from: str) -> ChangeRequest:
    services.require_in_scope(user, request.region_code)
    cr = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    services.check_version(cr, expected_version)
    if cr.status != allowed_from:
        raise DomainError(ErrorCode.WORKFLOW_STEP,
                          f"当前状态为“{cr.get_status_display()}”，不能办理此环节", field="status")
    return cr


def change_request_post_notice(*, user: User, request: ChangeRequest, expected_version: int,
                               notice_start: dt.date,
                               notice_days: int = NOTICE_MIN_DAYS) -> ChangeRequest:
    services.require_writer(user)
    if _level_len(user) < 9 and not user.is_superuser:
        raise DomainError(ErrorCode.WORKFLOW_ROLE, "公示由村或乡镇发布", field="notice_start")
    if notice_days < NOTICE_MIN_DAYS:
        raise DomainError(ErrorCode.NOTICE_TOO_SHORT,
                          f"公示期不少于{NOTICE_MIN_DAYS}天", field="notice_days")
    if notice_days > NOTICE_MAX_DAYS:
        raise DomainError(ErrorCode.INVALID, f"公示期不超过{NOTICE_MAX_DAYS}天", field="notice_days")
    services.check_dates(notice_start=notice_start)
    with transaction.atomic():
        cr = _transition(user, request, expected_version, Status.PROPOSED)
        cr.notice_start = notice_start
        cr.notice_end = notice_start + dt.timedelta(days=notice_days - 1)
        cr.notice_text = notice_text(cr)
        cr.status = Status.NOTICE
        cr.version += 1
        cr.save()
        _step(cr, user, Step.NOTICE, Decision.SUBMIT,
              f"公示 {cr.notice_start} 至 {cr.notice_end}")
    return cr


def change_request_township_review(*, user: User, request: ChangeRequest, expected_version: int,
                                   approve: bool, comment: str,
                                   today: dt.date | None = None) -> ChangeRequest:
    today = today or timezone.localdate()
    if not user.is_superuser and not (user.role == Role.REVIEWER and _level_len(user) == 9):
        raise DomainError(ErrorCode.WORKFLOW_ROLE, "乡镇审核须由乡镇审核人员办理", field="status")
    if not approve and not (comment or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "不通过时须填写意见", field="comment")
    with transaction.atomic():
        cr = _transition(user, request, expected_version, Status.NOTICE)
        if cr.notice_end is None or cr.notice_end >= today:
            raise DomainError(ErrorCode.NOTICE_NOT_POSTED,
                              f"公示期至{cr.notice_end}，公示期满后方可审核", field="notice_end")
        cr.status = Status.TOWNSHIP_APPROVED if approve else Status.REJECTED
        if not approve:
            cr.decided_at = timezone.now()
        cr.version += 1
        cr.save()
        _step(cr, user, Step.TOWNSHIP_REVIEW, Decision.APPROVE if approve else Decision.REJECT,
              comment)
    return cr


def change_request_county_decide(*, user: User, request: ChangeRequest, expected_version: int,
                                 approve: bool, comment: str) -> ChangeRequest:
    """The county decides; an approval applies the change to the category periods."""
    if not user.is_superuser and not (user.role == Role.APPROVER and _level_len(user) == 6):
        raise DomainError(ErrorCode.WORKFLOW_ROLE, "县级审定须由县级审批人员办理", field="status")
    if not approve and not (comment or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "不通过时须填写意见", field="comment")
    with transaction.atomic():
        cr = _transition(user, request, expected_version, Status.TOWNSHIP_APPROVED)
        if approve:
            _apply(user, cr)
        cr.status = Status.APPROVED if approve else Status.REJECTED
        cr.decided_at = timezone.now()
        cr.version += 1
        cr.save()
        _step(cr, user, Step.COUNTY_DECISION, Decision.APPROVE if approve else Decision.REJECT,
              comment)
    return cr


def _apply(user: User, cr: ChangeRequest) -> None:
    subject = {"person": cr.person} if cr.person_id else {"household": cr.household}
    if cr.action == ChangeRequest.Action.ADMIT:
        services.category_period_add(user=user, category=cr.category, start_date=cr.effective_date,
                                     reason=cr.reason, exit_year=cr.exit_year,
                                     change_request=cr, **subject)
        return
    period = CategoryPeriod.objects.select_for_update().get(pk=cr.period_id)
    if cr.action == ChangeRequest.Action.EXIT:
        problems = exit_rule_violations(period=period, household=cr.household,
                                        on=cr.effective_date)
        if problems:
            raise ValidationErrors(problems)
        services.category_period_end(user=user, period=period, end_date=cr.effective_date,
                                     end_reason=cr.reason, end_way=cr.end_way)
        return
    # change: the old period ends the day before, a new one of the same category starts
    services.category_period_end(user=user, period=period,
                                 end_date=cr.effective_date - dt.timedelta(days=1),
                                 end_reason=f"变更：{cr.reason}")
    services.category_period_add(user=user, category=cr.category, start_date=cr.effective_date,
                                 reason=cr.reason, exit_year=cr.exit_year or period.exit_year,
                                 change_request=cr, **subject)


def change_request_withdraw(*, user: User, request: ChangeRequest, expected_version: int,
                            comment: str) -> ChangeRequest:
    services.require_writer(user)
    with transaction.atomic():
        cr = ChangeRequest.objects.select_for_update().get(pk=request.pk)
        services.require_in_scope(user, cr.region_code)
        services.check_version(cr, expected_version)
        if cr.status not in (Status.PROPOSED, Status.NOTICE):
            raise DomainError(ErrorCode.WORKFLOW_STEP, "只有待公示或公示中的申请可以撤回",
                              field="status")
        cr.status = Status.WITHDRAWN
        cr.decided_at = timezone.now()
        cr.version += 1
        cr.save()
        _step(cr, user, Step.WITHDRAW, Decision.SUBMIT, comment)
    return cr
