"""Writes of category periods (decision 4): open one, end one. Each in one transaction that
also moves the summaries (decision 25) and publishes `period_changed` after commit."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q

from jkfp.accounts.access import can_correct, require_in_scope, require_writer
from jkfp.accounts.models import User
from jkfp.categories import LABELS, LEVEL, Category, parse_category
from jkfp.errors import DomainError, ErrorCode, ValidationErrors
from jkfp.events import Event, publish
from jkfp.summaries.services import summary_apply, summary_snapshot
from jkfp.writes import locked, model_create, model_update

from .models import CategoryPeriod, Household, Person

EARLIEST, LATEST = dt.date(1880, 1, 1), dt.date(2099, 12, 31)


def check_dates(**dates: dt.date | None) -> None:
    """Refuse dates outside 1880-2099 (a typo such as 0202 or 9999), naming the field."""
    errors = [DomainError(ErrorCode.INVALID, f"日期{d}超出有效范围（1880-01-01至2099-12-31）",
                          field=name)
              for name, d in dates.items() if d is not None and not EARLIEST <= d <= LATEST]
    if errors:
        raise ValidationErrors(errors)


# ---------------------------------------------------------------- categories
def _overlaps(qs, start: dt.date, end: dt.date | None):
    """Periods in qs overlapping [start, end] (inclusive; None = open)."""
    qs = qs.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    if end is not None:
        qs = qs.filter(start_date__lte=end)
    return qs


def category_period_add(*, user: User, category: str, start_date: dt.date,
                        person: Person | None = None, household: Household | None = None,
                        end_date: dt.date | None = None, source: str = "", reason: str = "",
                        exit_year: int | None = None, change_request=None) -> CategoryPeriod:
    """Open a dated period in a category for a person or a household."""
    require_writer(user)
    cat = parse_category(category)
    if cat is None:
        raise DomainError(ErrorCode.CATEGORY_UNKNOWN, f"类别“{category}”不存在", field="category")
    subject = person or household
    if subject is None or (person and household):
        raise DomainError(ErrorCode.CATEGORY_LEVEL, "须且只能指定人员或家庭户之一", field="category")
    level = LEVEL[cat]
    if (level == "household" and person) or (level == "person" and household):
        raise DomainError(ErrorCode.CATEGORY_LEVEL,
                          "“{}”是{}类别".format(LABELS[cat], "家庭户" if level == "household" else "个人"),
                          field="category")
    require_in_scope(user, subject.region_code)
    check_dates(start_date=start_date, end_date=end_date)
    if end_date and end_date < start_date:
        raise DomainError(ErrorCode.CATEGORY_DATES, "终止日期不能早于起始日期", field="end_date")
    if cat == Category.LIFTED_OUT and not exit_year:
        raise DomainError(ErrorCode.REQUIRED, "脱贫人口须填写脱贫年度", field="exit_year")
    with transaction.atomic():
        # lock the subject row so two concurrent adds cannot both pass the overlap check
        locked(Person if person else Household, subject.pk)
        same = CategoryPeriod.objects.filter(category=cat.value,
                                             **({"person": person} if person else
                                                {"household": household}))
        clash = _overlaps(same, start_date, end_date).first()
        if clash:
            raise DomainError(
                ErrorCode.CATEGORY_OVERLAP,
                "“{}”期间与已有期间（{} 至 {}）重叠".format(
                    LABELS[cat], clash.start_date, clash.end_date or "今"),
                field="start_date")
        period = model_create(
            CategoryPeriod, user=user, category=cat.value, person=person, household=household,
            region_code=subject.region_code, start_date=start_date, end_date=end_date,
            exit_year=exit_year, source=source or getattr(user, "department", ""),
            reason=reason, change_request=change_request, created_by=user)
        summary_apply(period)
        _period_changed(period)
    return period


def category_period_end(*, user: User, period: CategoryPeriod, end_date: dt.date,
                        end_reason: str, end_way: str = "") -> CategoryPeriod:
    require_writer(user)
    require_in_scope(user, period.region_code)
    check_dates(end_date=end_date)
    with transaction.atomic():
        p = locked(CategoryPeriod, period.pk)
        if p.end_date is not None:
            raise DomainError(ErrorCode.CATEGORY_NOT_HELD, "该期间已终止", field="end_date")
        if end_date < p.start_date:
            raise DomainError(ErrorCode.CATEGORY_DATES, "终止日期不能早于起始日期", field="end_date")
        return period_end_locked(user=user, period=p, end_date=end_date, end_reason=end_reason,
                                 end_way=end_way)


def period_end_locked(*, user: User, period: CategoryPeriod, end_date: dt.date,
                      end_reason: str, end_way: str = "") -> CategoryPeriod:
    """End a period already locked and checked by the caller (inside its transaction): the
    write, its summaries and the follow-on event — shared by `category_period_end` and the
    services that end periods as a consequence (a death)."""
    was = summary_snapshot(period)
    period, _ = model_update(instance=period, lock=False, user=user, data={
        "end_date": end_date, "end_reason": end_reason, "end_way": end_way})
    summary_apply(period, was=was)
    _period_changed(period)
    return period


def _period_changed(p: CategoryPeriod) -> None:
    publish(Event.PERIOD_CHANGED, period_id=p.pk, region_code=p.region_code,
            category=p.category)


# ---------------------------------------------------------------- corrections
# A category is opened or ended only by the procedure that owns it: the admission and exit
# procedure (`jkfp.admission`, which calls the two writers above), an import of the owning
# department's list (the data-exchange issue), or a correction by an administrator with a
# reason — the two functions below, behind the API's category endpoints.
def _require_correction(user: User, reason: str) -> str:
    if not can_correct(user):
        raise DomainError(ErrorCode.CATEGORY_BY_PROCEDURE,
                          "类别只能经纳入/退出程序办理，或由主管部门名单导入、管理员更正", field="category")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.REQUIRED, "管理员更正须写明理由", field="reason")
    return f"更正：{reason}"


def category_correction_open(*, user: User, category: str, start_date: dt.date, reason: str,
                             person: Person | None = None, household: Household | None = None,
                             end_date: dt.date | None = None, source: str = "",
                             exit_year: int | None = None) -> CategoryPeriod:
    """An administrator opens a period outside the procedure, with a reason (audited)."""
    reason = _require_correction(user, reason)
    return category_period_add(user=user, category=category, start_date=start_date,
                               person=person, household=household, end_date=end_date,
                               source=source or "correction", reason=reason,
                               exit_year=exit_year)


def category_correction_end(*, user: User, period: CategoryPeriod, end_date: dt.date,
                            reason: str, end_way: str = "") -> CategoryPeriod:
    """An administrator ends a period outside the procedure, with a reason (audited)."""
    reason = _require_correction(user, reason)
    return category_period_end(user=user, period=period, end_date=end_date, end_reason=reason,
                               end_way=end_way)
