"""Scoped reads of warnings (DESIGN.md rule 3; decision 57d).

Every read takes the user: a warning outside the user's region is not found (404). Rural
revitalisation (the township cadres and the county office that runs monitoring) and
administrators see every warning of their region; another department sees the warnings pushed
to it (a `PushItem` of a push to that department). The worklists are cuts of that one scope.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from jkfp.accounts.access import COUNTY_LEN, TOWNSHIP_LEN, scoped
from jkfp.accounts.models import Department, Role, User

from .models import OPEN_STATUSES, Push, PushItem, RiskWarning, WarningStatus, WarningStep

W = WarningStatus
NOT_VERIFIED = (W.FOUND, W.PUSHED)
SUBJECT = ("person", "household")


def sees_all_departments(user: User) -> bool:
    return bool(user.is_superuser or user.role == Role.ADMIN
                or user.department == Department.RURAL_REVITALISATION)


def overdue_q(today: dt.date | None = None) -> Q:
    """Not verified by its due date (DOMAIN.md section 5: 15 days unless the rule says)."""
    return Q(status__in=NOT_VERIFIED, due_on__lt=today or timezone.localdate())


def warning_scope(*, user: User) -> QuerySet[RiskWarning]:
    qs = scoped(RiskWarning.objects.all(), user)
    if not sees_all_departments(user):
        qs = qs.filter(Exists(PushItem.objects.filter(warning=OuterRef("pk"),
                                                      push__department=user.department)))
    return qs


def warning_get(*, user: User, pk: int) -> RiskWarning:
    try:
        return (warning_scope(user=user).select_related("person", "household", "change_request")
                .get(pk=pk))
    except (RiskWarning.DoesNotExist, ValueError, TypeError):
        raise Http404("无此预警或不在您的管辖区域内") from None


def warning_steps(*, user: User, warning: RiskWarning) -> list[WarningStep]:
    return list(WarningStep.objects.filter(warning_id=warning_get(user=user, pk=warning.pk).pk)
                .select_related("user"))


def warning_list(*, user: User, status: str = "", rule_id: str = "", region_code: str = "",
                 overdue: bool = False) -> QuerySet[RiskWarning]:
    qs = warning_scope(user=user).select_related("person", "household")
    if status:
        qs = qs.filter(status=status)
    if rule_id:
        qs = qs.filter(rule_id=rule_id)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    if overdue:
        qs = qs.filter(overdue_q())
    return qs


# ---------------------------------------------------------------- worklists by role
def township_to_verify(*, user: User) -> QuerySet[RiskWarning]:
    """The township's worklist: pushed, waiting for a home visit, the earliest due first."""
    # prefetch, not a join: the planner underestimates a township's rows (prefix and range on
    # one column) and would join households by a nested loop; see docs/benchmarks.md
    return (warning_scope(user=user).filter(status=W.PUSHED).prefetch_related(*SUBJECT)
            .order_by("due_on", "id"))


def township_in_hand(*, user: User) -> QuerySet[RiskWarning]:
    """Verified, confirmed, acted on or dismissed: the township's next decisions."""
    return (warning_scope(user=user)
            .filter(status__in=[W.VERIFIED, W.CONFIRMED, W.ACTED, W.DISMISSED])
            .prefetch_related(*SUBJECT).order_by("status", "due_on", "id"))


def confirmed_waiting(*, user: User) -> QuerySet[RiskWarning]:
    """Civil affairs (and medical insurance): confirmed, waiting for an assistance decision."""
    return (warning_scope(user=user).filter(status=W.CONFIRMED)
            .prefetch_related(*SUBJECT).order_by("decided_on", "id"))


def overdue_by_township(*, user: User) -> list[dict]:
    """The county's view: overdue warnings counted by township."""
    return list(warning_scope(user=user).filter(overdue_q())
                .annotate(township=Substr("region_code", 1, TOWNSHIP_LEN))
                .values("township").annotate(n=Count("id")).order_by("-n", "township"))


def overdue_list(*, user: User) -> QuerySet[RiskWarning]:
    return (warning_scope(user=user).filter(overdue_q()).prefetch_related(*SUBJECT)
            .order_by("due_on", "id"))


def counts_by_county_and_rule(*, user: User) -> list[dict]:
    """The city's view: open and overdue warnings by county and rule."""
    today = timezone.localdate()
    return list(warning_scope(user=user).filter(status__in=OPEN_STATUSES)
                .annotate(county=Substr("region_code", 1, COUNTY_LEN))
                .values("county", "rule_id")
                .annotate(n=Count("id"), overdue=Count("id", filter=overdue_q(today)))
                .order_by("county", "rule_id"))


def overview_counts(*, user: User, region_code: str = "") -> dict[str, int]:
    """Counts for the region overview: open, to verify, overdue, confirmed, closed this year.

    For a user who sees every warning of the region (rural revitalisation, administrators) they
    are read from the summaries kept with every write (decision 62): a few rows by village, not
    the warnings. Another department sees only the warnings pushed to it: counted live, on
    that smaller set."""
    today = timezone.localdate()
    if sees_all_departments(user):
        return _overview_from_summaries(user, region_code, today)
    return overview_counts_live(user=user, region_code=region_code, today=today)


def _overview_from_summaries(user: User, region_code: str, today: dt.date) -> dict[str, int]:
    from jkfp.summaries.selectors import summary_totals

    from .summaries import BY_STATUS, CLOSED_YEAR, UNVERIFIED_DUE

    status = summary_totals(user=user, name=BY_STATUS.name, region_code=region_code)
    due = summary_totals(user=user, name=UNVERIFIED_DUE.name, region_code=region_code)
    closed = summary_totals(user=user, name=CLOSED_YEAR.name, region_code=region_code)
    return {"open": sum(status.get(s, 0) for s in OPEN_STATUSES),
            "to_verify": sum(due.values()),
            "overdue": sum(n for day, n in due.items() if day < today.isoformat()),
            "confirmed": status.get(W.CONFIRMED, 0),
            "closed_this_year": closed.get(str(today.year), 0)}


def overview_counts_live(*, user: User, region_code: str = "",
                         today: dt.date | None = None) -> dict[str, int]:
    """The same counts from the warnings themselves (other departments; tests)."""
    today = today or timezone.localdate()
    qs = warning_scope(user=user)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    return qs.aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        to_verify=Count("id", filter=Q(status__in=NOT_VERIFIED)),
        overdue=Count("id", filter=overdue_q(today)),
        confirmed=Count("id", filter=Q(status=W.CONFIRMED)),
        closed_this_year=Count("id", filter=Q(status=W.CLOSED, closed_on__year=today.year)))


# ---------------------------------------------------------------- pushes
def push_scope(*, user: User) -> QuerySet[Push]:
    """Pushes the user may read: to a recipient inside the user's region or above it (a county
    department's push is read by its townships' users only through their warnings)."""
    qs = scoped(Push.objects.all(), user)
    if not sees_all_departments(user):
        qs = qs.filter(department=user.department)
    return qs.annotate(n=Count("items"))


def push_get(*, user: User, pk: int) -> Push:
    try:
        return push_scope(user=user).get(pk=pk)
    except (Push.DoesNotExist, ValueError, TypeError):
        raise Http404("无此推送或不在您的管辖区域内") from None


def push_warnings(*, user: User, push: Push) -> QuerySet[RiskWarning]:
    return (warning_scope(user=user).filter(push_items__push=push)
            .select_related("person", "household").order_by("region_code", "id"))
