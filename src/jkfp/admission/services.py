"""Admission and exit of categories (准入/退出), DOMAIN.md section 5.

propose (village or township) → village notice of at least 5 days → township review →
county decision, which applies the change to the category periods. Every step records who,
when, what and why (ChangeRequestStep); exits of monitored households are checked against the
exit rules both when proposed and when decided.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from jkfp.accounts import access
from jkfp.accounts.models import User
from jkfp.categories import LABELS, LEVEL, Category, parse_category
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.events import Event, publish
from jkfp.registry import selectors as registry_selectors
from jkfp.registry import services as registry_services
from jkfp.registry.models import CategoryPeriod, Household, Person
from jkfp.writes import locked, model_create, model_update

from . import procedure, rules, timing, validity
from .models import ChangeRequest, ChangeRequestStep
from .rules import exit_rule_violations

Status = ChangeRequest.Status
Step = ChangeRequestStep.Step
Decision = ChangeRequestStep.Decision


def _record_step(cr: ChangeRequest, user: User, step: str, decision: str, comment: str = "") -> None:
    model_create(ChangeRequestStep, user=user, request=cr, step=step, decision=decision,
                 actor=user, actor_region_code=user.region_code, comment=comment[:500])
    publish(Event.REQUEST_CHANGED, request_id=cr.pk, region_code=cr.region_code,
            status=cr.status)


def _begin(user: User, request: ChangeRequest, step: rules.Step,
           expected_version: int) -> ChangeRequest:
    """The request locked at the version the user saw, in a status that admits `step`."""
    access.require_in_scope(user, request.region_code)
    cr = locked(ChangeRequest, request.pk, expected_version=expected_version)
    rules.require_status(cr, step)
    rules.require_four_eyes(user, cr, step)
    return cr


def change_request_propose(*, user: User, action: str, category: str, household: Household,
                           reason: str, effective_date: dt.date, channel: str,
                           person: Person | None = None, period: CategoryPeriod | None = None,
                           home_visit_on: dt.date | None = None,
                           consent_on: dt.date | None = None, comparison_note: str = "",
                           village_review_on: dt.date | None = None, end_way: str = "",
                           exit_year: int | None = None) -> ChangeRequest:
    """A village or township user proposes to admit, change or end a category."""
    access.require_writer(user)
    access.require_in_scope(user, household.region_code)
    if not rules.role_allows(user, rules.Step.PROPOSE):
        raise DomainError(ErrorCode.WORKFLOW_ROLE, rules.REFUSAL[rules.Step.PROPOSE],
                          field="action")
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
    registry_services.check_dates(effective_date=effective_date, home_visit_on=home_visit_on,
                                  consent_on=consent_on, village_review_on=village_review_on)
    limits = procedure.thresholds(on=effective_date)
    level = LEVEL[cat]
    if level == "person" and person is None:
        raise DomainError(ErrorCode.CATEGORY_LEVEL, f"“{LABELS[cat]}”是个人类别，须指定人员",
                          field="person")
    if level == "household":
        person = None
    if action != ChangeRequest.Action.EXIT:  # admit, or change (which opens a new period)
        ended = validity.admission_problem(category=cat, effective_date=effective_date,
                                           today=timezone.localdate())
        if ended:
            errors.append(ended)
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
        held = registry_selectors.current_periods(on=effective_date).filter(
            category=cat.value, **({"person": person} if person else {"household": household}))
        if held.exists():
            errors.append(DomainError(ErrorCode.CATEGORY_HELD,
                                      f"该{'人员' if person else '家庭户'}已在“{LABELS[cat]}”中",
                                      field="category"))
    else:
        # the period must be the subject's own: the person's, or (household level) the household's
        own = period is not None and (period.person_id == person.pk if person else
                                      period.household_id == household.pk)
        if not own or period.category != cat.value or period.end_date is not None:
            errors.append(DomainError(ErrorCode.CATEGORY_NOT_HELD,
                                      f"该{'人员' if person else '家庭户'}当前不在“{LABELS[cat]}”中",
                                      field="period"))
        elif effective_date < period.start_date:
            errors.append(DomainError(ErrorCode.CATEGORY_DATES, "生效日期不能早于该类别的起始日期",
                                      field="effective_date"))
        if action == ChangeRequest.Action.EXIT and period is not None and not errors:
            errors.extend(exit_rule_violations(period=period, household=household,
                                               on=effective_date))
    if exit_year is not None and not limits.earliest_exit_year <= exit_year <= effective_date.year:
        errors.append(DomainError(
            ErrorCode.INVALID,
            f"脱贫年度须在{limits.earliest_exit_year}年至{effective_date.year}年之间",
            field="exit_year"))
    if errors:
        raise ValidationErrors(errors)
    with transaction.atomic():
        open_same = ChangeRequest.objects.select_for_update().filter(
            household=household, person=person, category=cat.value,
            status__in=[Status.PROPOSED, Status.NOTICE, Status.TOWNSHIP_APPROVED])
        if open_same.exists():
            raise _pending()
        try:
            with transaction.atomic():
                cr = _create_request(user, action=action, category=cat.value, household=household,
                                     person=person, period=period, channel=channel,
                                     reason=reason.strip(), effective_date=effective_date,
                                     end_way=end_way, exit_year=exit_year,
                                     home_visit_on=home_visit_on, consent_on=consent_on,
                                     comparison_note=comparison_note,
                                     village_review_on=village_review_on)
        except IntegrityError:  # a concurrent proposal of the same thing won the race
            raise _pending() from None
        _record_step(cr, user, Step.PROPOSE, Decision.SUBMIT, reason)
    return cr


def _pending() -> DomainError:
    return DomainError(ErrorCode.REQUEST_PENDING, "该对象此类别已有办理中的申请", field="category")


def _create_request(user: User, **values) -> ChangeRequest:
    return model_create(ChangeRequest, user=user, region_code=values["household"].region_code,
                        created_by=user, **values)


def notice_text(cr: ChangeRequest, *, start: dt.date, end: dt.date) -> str:  # noqa: D401
    """The public notice: household head's name and village, what and why in general terms.

    It never shows ID numbers, phone numbers, bank accounts or health conditions.
    """
    hh = cr.household
    head = hh.head.name if hh.head_id else ""
    who = f"{hh.village.name}{head}户" if not cr.person_id else f"{hh.village.name}{head}户成员{cr.person.name}"
    what = {"admit": "拟纳入", "change": "拟变更", "exit": "拟退出"}[cr.action]
    return (f"公示：{who}{what}“{LABELS[Category(cr.category)]}”。"
            f"公示期自{start:%Y年%m月%d日}至{end:%Y年%m月%d日}。"
            "如有异议，请在公示期内向村委会或乡镇人民政府反映。")


def change_request_post_notice(*, user: User, request: ChangeRequest, expected_version: int,
                               notice_start: dt.date, notice_days: int | None = None,
                               today: dt.date | None = None) -> ChangeRequest:
    """The village posts the notice (公示) of at least the days the procedure requires, from
    today or a later day, not before the proposal or the village review (`timing`)."""
    today = today or timezone.localdate()
    access.require_writer(user)
    rules.require_role(user, rules.Step.NOTICE)
    registry_services.check_dates(notice_start=notice_start)
    limits = procedure.thresholds(on=notice_start)
    notice_days = limits.notice_min_days if notice_days is None else notice_days
    if notice_days < limits.notice_min_days:
        raise DomainError(ErrorCode.NOTICE_TOO_SHORT,
                          f"公示期不少于{limits.notice_min_days}天", field="notice_days")
    if notice_days > limits.notice_max_days:
        raise DomainError(ErrorCode.INVALID, f"公示期不超过{limits.notice_max_days}天",
                          field="notice_days")
    with transaction.atomic():
        cr = _begin(user, request, rules.Step.NOTICE, expected_version)
        problems = timing.notice_start_problems(request=cr, notice_start=notice_start,
                                                today=today)
        if problems:
            raise ValidationErrors(problems)
        end = notice_start + dt.timedelta(days=notice_days - 1)
        cr, _ = model_update(instance=cr, lock=False, user=user, data={
            "notice_start": notice_start, "notice_end": end, "status": Status.NOTICE,
            "notice_text": notice_text(cr, start=notice_start, end=end)})
        _record_step(cr, user, Step.NOTICE, Decision.SUBMIT, f"公示 {notice_start} 至 {end}")
    return cr


def change_request_township_review(*, user: User, request: ChangeRequest, expected_version: int,
                                   approve: bool, comment: str,
                                   today: dt.date | None = None) -> ChangeRequest:
    """The township reviews once the notice period is over."""
    today = today or timezone.localdate()
    rules.require_role(user, rules.Step.REVIEW)
    if not approve and not (comment or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "不通过时须填写意见", field="comment")
    with transaction.atomic():
        cr = _begin(user, request, rules.Step.REVIEW, expected_version)
        timing.require_review_open(cr, today=today)
        data = {"status": Status.TOWNSHIP_APPROVED if approve else Status.REJECTED}
        if not approve:
            data["decided_at"] = timezone.now()
        cr, _ = model_update(instance=cr, lock=False, user=user, data=data)
        _record_step(cr, user, Step.TOWNSHIP_REVIEW,
                     Decision.APPROVE if approve else Decision.REJECT, comment)
    return cr


def change_request_county_decide(*, user: User, request: ChangeRequest, expected_version: int,
                                 approve: bool, comment: str) -> ChangeRequest:
    """The county decides; an approval applies the change to the category periods."""
    rules.require_role(user, rules.Step.DECIDE)
    if not approve and not (comment or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "不通过时须填写意见", field="comment")
    with transaction.atomic():
        cr = _begin(user, request, rules.Step.DECIDE, expected_version)
        if approve:
            _apply(user, cr)
        cr, _ = model_update(instance=cr, lock=False, user=user, data={
            "status": Status.APPROVED if approve else Status.REJECTED,
            "decided_at": timezone.now()})
        _record_step(cr, user, Step.COUNTY_DECISION,
                     Decision.APPROVE if approve else Decision.REJECT, comment)
    return cr


def _apply(user: User, cr: ChangeRequest) -> None:
    if cr.action != ChangeRequest.Action.EXIT:  # the category may have ended since the proposal
        ended = validity.admission_problem(category=cr.category, effective_date=cr.effective_date,
                                           today=timezone.localdate())
        if ended:
            raise ValidationErrors([ended])
    subject = {"person": cr.person} if cr.person_id else {"household": cr.household}
    if cr.action == ChangeRequest.Action.ADMIT:
        registry_services.category_period_add(
            user=user, category=cr.category, start_date=cr.effective_date, reason=cr.reason,
            exit_year=cr.exit_year, change_request=cr, **subject)
        return
    period = locked(CategoryPeriod, cr.period_id)
    if cr.action == ChangeRequest.Action.EXIT:
        problems = exit_rule_violations(period=period, household=cr.household,
                                        on=cr.effective_date)
        if problems:
            raise ValidationErrors(problems)
        registry_services.category_period_end(user=user, period=period,
                                              end_date=cr.effective_date,
                                              end_reason=cr.reason, end_way=cr.end_way)
        return
    # change: the old period ends the day before, a new one of the same category starts
    registry_services.category_period_end(user=user, period=period,
                                          end_date=cr.effective_date - dt.timedelta(days=1),
                                          end_reason=f"变更：{cr.reason}")
    registry_services.category_period_add(
        user=user, category=cr.category, start_date=cr.effective_date, reason=cr.reason,
        exit_year=cr.exit_year or period.exit_year, change_request=cr, **subject)


def change_request_withdraw(*, user: User, request: ChangeRequest, expected_version: int,
                            comment: str) -> ChangeRequest:
    """Withdraw a request that is still proposed or under notice."""
    rules.require_role(user, rules.Step.WITHDRAW)
    with transaction.atomic():
        cr = _begin(user, request, rules.Step.WITHDRAW, expected_version)
        cr, _ = model_update(instance=cr, lock=False, user=user, data={
            "status": Status.WITHDRAWN, "decided_at": timezone.now()})
        _record_step(cr, user, Step.WITHDRAW, Decision.SUBMIT, comment)
    return cr
