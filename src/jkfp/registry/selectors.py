"""The one read path for personal data (DESIGN.md rule 3).

Every query for persons, households and their records starts from `person_scope` /
`household_scope`, which filter by the user's region code prefix. A record outside the scope
is simply not found: views and the API answer 404.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404

from jkfp.accounts.models import PersonalDataAccess, Role, User
from jkfp.categories import Category

from . import idnumber
from .models import CategoryPeriod, ChangeRequest, Household, Person

ID_TAIL = re.compile(r"^[0-9]{3,17}[0-9Xx]?$|^[0-9]{2,17}[Xx]$")


def scope_prefix(user: User) -> str | None:
    """The region prefix a user may read; "" means everything (superusers); None nothing."""
    if user.is_superuser:
        return ""
    if not user.is_authenticated or not user.region_code:
        return None
    return user.region_code


def _scoped(qs: QuerySet, user: User, field: str = "region_code") -> QuerySet:
    prefix = scope_prefix(user)
    if prefix is None:
        return qs.none()
    if prefix == "":
        return qs
    return qs.filter(**{f"{field}__startswith": prefix})


def person_scope(*, user: User) -> QuerySet[Person]:
    return _scoped(Person.objects.all(), user)


def household_scope(*, user: User) -> QuerySet[Household]:
    return _scoped(Household.objects.all(), user)


def category_period_scope(*, user: User) -> QuerySet[CategoryPeriod]:
    return _scoped(CategoryPeriod.objects.all(), user)


def change_request_scope(*, user: User) -> QuerySet[ChangeRequest]:
    return _scoped(ChangeRequest.objects.all(), user)


def person_get(*, user: User, pk: int) -> Person:
    try:
        return person_scope(user=user).select_related("household").get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("无此人员或不在您的管辖区域内") from None


def person_get_by_id_number(*, user: User, id_number: str) -> Person:
    number = idnumber.normalize(id_number)
    try:
        return person_scope(user=user).select_related("household").get(id_number=number)
    except Person.DoesNotExist:
        raise Http404("无此人员或不在您的管辖区域内") from None


def household_get(*, user: User, pk: int) -> Household:
    try:
        return household_scope(user=user).select_related("village", "head").get(pk=pk)
    except (Household.DoesNotExist, ValueError, TypeError):
        raise Http404("无此家庭户或不在您的管辖区域内") from None


def change_request_get(*, user: User, pk: int) -> ChangeRequest:
    try:
        return (change_request_scope(user=user)
                .select_related("household", "person", "period", "created_by").get(pk=pk))
    except (ChangeRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("无此申请或不在您的管辖区域内") from None


def _current_periods(*, on: dt.date | None = None) -> QuerySet[CategoryPeriod]:
    on = on or dt.date.today()
    return CategoryPeriod.objects.filter(start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on)
    )


def _person_search(qs: QuerySet[Person], q: str) -> QuerySet[Person]:
    q = idnumber.normalize(q)
    if not q:
        return qs
    if len(q) == 18 and ID_TAIL.match(q):
        return qs.filter(id_number=q)
    if ID_TAIL.match(q):
        # last digits of the ID number: a prefix search on the reversed number (indexed)
        return qs.filter(id_rev__startswith=q[::-1])
    return qs.filter(name__startswith=q)


def person_list(*, user: User, q: str = "", category: str = "", region_code: str = "",
                on: dt.date | None = None) -> QuerySet[Person]:
    qs = person_scope(user=user)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    if q:
        qs = _person_search(qs, q)
    if category:
        periods = _current_periods(on=on).filter(category=category)
        qs = qs.filter(
            Exists(periods.filter(person=OuterRef("pk")))
            | Exists(periods.filter(household=OuterRef("household_id")))
        )
    return qs.order_by("region_code", "id")


def household_list(*, user: User, q: str = "", category: str = "", region_code: str = "",
                   on: dt.date | None = None) -> QuerySet[Household]:
    qs = household_scope(user=user)
    if region_code:
        qs = qs.filter(region_code__startswith=region_code)
    q = (q or "").strip()
    if q:
        members = _person_search(person_scope(user=user), q)
        by_number = Q(household_number__startswith=q) if q.isascii() else Q(pk__in=[])
        qs = qs.filter(by_number | Q(pk__in=members.values("household_id")))
    if category:
        periods = _current_periods(on=on).filter(category=category)
        qs = qs.filter(
            Exists(periods.filter(household=OuterRef("pk")))
            | Exists(periods.filter(person__household=OuterRef("pk")))
        )
    return qs.select_related("village", "head").order_by("region_code", "id")


def person_categories(*, person: Person) -> list[CategoryPeriod]:
    """The person's own periods and their household's, newest first."""
    return list(
        CategoryPeriod.objects.filter(Q(person=person) | Q(household_id=person.household_id))
        .order_by("-start_date", "-id")
    )


def household_categories(*, household: Household) -> list[CategoryPeriod]:
    return list(CategoryPeriod.objects.filter(Q(household=household) | Q(person__household=household))
                .select_related("person").order_by("-start_date", "-id"))


def category_counts(*, user: User, region_code: str, child_length: int,
                    on: dt.date | None = None) -> dict[str, dict[str, int]]:
    """Current category periods counted by child region (code prefix of `child_length`)."""
    qs = _scoped(_current_periods(on=on), user).filter(region_code__startswith=region_code)
    rows = (qs.annotate(child=Substr("region_code", 1, child_length))
            .values("child", "category").annotate(n=Count("id")))
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["child"], {})[r["category"]] = r["n"]
    return out


def person_counts(*, user: User, region_code: str, child_length: int) -> dict[str, int]:
    qs = person_scope(user=user).filter(region_code__startswith=region_code, alive=True)
    rows = qs.annotate(child=Substr("region_code", 1, child_length)).values("child").annotate(
        n=Count("id"))
    return {r["child"]: r["n"] for r in rows}


def can_see_full_identity(*, user: User) -> bool:
    from django.conf import settings

    return user.is_superuser or user.role in settings.JKFP_FULL_ID_ROLES


def person_reveal(*, user: User, person: Person, field: str, channel: str = "web",
                  path: str = "") -> str:
    """Return a full ID or phone number to a role allowed to see it, and log the showing.

    Raises PermissionError for other roles. `person` must come from a scoped selector.
    """
    if field not in ("id_number", "phone"):
        raise ValueError(field)
    if not can_see_full_identity(user=user):
        raise PermissionError("您的角色无权查看完整信息")
    PersonalDataAccess.objects.create(user=user, person=person, field=field, channel=channel,
                                      path=path[:200])
    return getattr(person, field)


def change_request_list(*, user: User, status: str = "") -> QuerySet[ChangeRequest]:
    qs = change_request_scope(user=user).select_related("household", "person", "created_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")


def change_request_inbox(*, user: User, today: dt.date | None = None) -> QuerySet[ChangeRequest]:
    """What waits for this user: notices to post, reviews to make, decisions to take."""
    today = today or dt.date.today()
    qs = change_request_list(user=user)
    level_len = len(user.region_code or "")
    waiting = Q(pk__in=[])
    if user.role in (Role.DATA_ENTRY, Role.REVIEWER) and level_len >= 9:
        waiting |= Q(status=ChangeRequest.Status.PROPOSED)
    if user.role == Role.REVIEWER and level_len == 9:
        waiting |= Q(status=ChangeRequest.Status.NOTICE, notice_end__lt=today)
    if user.role == Role.APPROVER and level_len == 6:
        waiting |= Q(status=ChangeRequest.Status.TOWNSHIP_APPROVED)
    return qs.filter(waiting)


def household_has_monitored(*, household: Household) -> bool:
    from jkfp.categories import MONITORED

    return _current_periods().filter(household=household,
                                     category__in=[c.value for c in MONITORED]).exists()

