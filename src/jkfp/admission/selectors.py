"""Reads of change requests: every one takes the user and is scoped to the user's region.

A request outside the user's region is simply not found (404 in pages and API).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jkfp.accounts.access import scoped
from jkfp.accounts.models import User
from jkfp.errors import DomainError

from . import procedure, rules, validity
from .models import ChangeRequest, ChangeRequestStep


def change_request_scope(*, user: User) -> QuerySet[ChangeRequest]:
    return scoped(ChangeRequest.objects.all(), user)


def change_request_get(*, user: User, pk: int) -> ChangeRequest:
    try:
        return (change_request_scope(user=user)
                .select_related("household", "person", "period", "created_by").get(pk=pk))
    except (ChangeRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("无此申请或不在您的管辖区域内") from None


def change_request_list(*, user: User, status: str = "", household_id: int | None = None,
                        person_id: int | None = None) -> QuerySet[ChangeRequest]:
    qs = change_request_scope(user=user).select_related("household", "person", "created_by")
    if status:
        qs = qs.filter(status=status)
    if household_id:
        qs = qs.filter(household_id=household_id)
    if person_id:
        qs = qs.filter(person_id=person_id)
    return qs.order_by("-created_at")


def change_request_inbox(*, user: User, today: dt.date | None = None) -> QuerySet[ChangeRequest]:
    """What waits for this user: notices to post, reviews to make, decisions to take."""
    today = today or timezone.localdate()
    return change_request_list(user=user).filter(rules.waiting_for(user=user, today=today))


def change_requests_of_household(*, user: User, household_id: int) -> list[ChangeRequest]:
    """Every request about a household or its members, newest first (household page)."""
    return list(change_request_scope(user=user).filter(household_id=household_id)
                .select_related("person", "created_by").order_by("-created_at"))


def change_requests_of_person(*, user: User, person_id: int,
                              household_id: int) -> list[ChangeRequest]:
    """Requests about a person and those about their whole household (person page)."""
    return list(change_request_scope(user=user)
                .filter(Q(person_id=person_id) | Q(household_id=household_id, person__isnull=True))
                .select_related("created_by", "person").order_by("-created_at"))


def change_request_actions(*, user: User, request: ChangeRequest) -> set[str]:
    """The steps this user may take on this request now (the services check the same)."""
    return rules.steps_allowed(user=user, request=request)


def change_request_exit_check(*, user: User, request: ChangeRequest) -> list[DomainError]:
    """For an exit of a monitored category: the exit rules it breaks today (named errors)."""
    request = change_request_get(user=user, pk=request.pk)
    if request.action != ChangeRequest.Action.EXIT or request.period_id is None:
        return []
    return rules.exit_rule_violations(period=request.period, household=request.household,
                                      on=request.effective_date)


def change_request_steps(*, user: User, request: ChangeRequest) -> list[ChangeRequestStep]:
    """The steps of a request (who, when, decision, comment), oldest first."""
    return list(ChangeRequestStep.objects.filter(request__in=change_request_scope(user=user),
                                                 request=request)
                .select_related("actor").order_by("at", "id"))


def thresholds_in_force(*, on: dt.date | None = None) -> procedure.Thresholds:
    """The procedure's thresholds in force (today by default), for pages that explain them."""
    return procedure.thresholds(on=on or timezone.localdate())


def change_request_due(*, request: ChangeRequest) -> dt.date:
    """The date by which the county should decide (from the proposal, DOMAIN.md §5)."""
    proposed = timezone.localdate(request.created_at)
    return proposed + dt.timedelta(days=procedure.thresholds(on=proposed).decision_max_days)


def proposable_categories(*, periods, on: dt.date | None = None) -> dict[str, str]:
    """{category: note} the propose form offers: the categories that may still be admitted,
    and those of the household's current periods (to change or end them), an ended one with a
    note (decision 40)."""
    on = on or timezone.localdate()
    out = {c.value: "" for c in validity.admissible(on=on)}
    for p in periods:
        out.setdefault(p.category, _("（已停止纳入，仅可办理退出）"))
    return out
