"""The one read path for the registry's personal data (DESIGN.md rule 3).

Every query for persons, households and their records starts from `person_scope` /
`household_scope`, which filter by the user's region code prefix (`accounts.access.scoped`).
Every selector takes the user. A record outside the scope is simply not found: views and the
API answer 404. Exports are in `export.py`, the region overview in `overview.py`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from jkfp.accounts.access import can_see_full_identity, in_region, scope_prefix, scoped
from jkfp.accounts.models import User
from jkfp.categories import Category
from jkfp.regions.models import Region
from jkfp.summaries.selectors import summary_counts

from . import idnumber
from .models import (
    CategoryPeriod,
    Household,
    HouseholdIncome,
    Person,
    SupportMeasure,
)
from .summaries import PERIODS_OPEN, PERSONS_ALIVE

ID_TAIL = re.compile(r"^[0-9]{3,17}[0-9Xx]?$|^[0-9]{2,17}[Xx]$")


def person_scope(*, user: User) -> QuerySet[Person]:
    return scoped(Person.objects.all(), user)


def household_scope(*, user: User) -> QuerySet[Household]:
    return scoped(Household.objects.all(), user)


def category_period_scope(*, user: User) -> QuerySet[CategoryPeriod]:
    return scoped(CategoryPeriod.objects.all(), user)


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


def category_period_get(*, user: User, pk: int) -> CategoryPeriod:
    try:
        return category_period_scope(user=user).select_related("person").get(pk=pk)
    except (CategoryPeriod.DoesNotExist, ValueError, TypeError):
        raise Http404("无此类别期间或不在您的管辖区域内") from None


def current_periods(*, on: dt.date | None = None) -> QuerySet[CategoryPeriod]:
    """Category periods in force on a date (today by default); not scoped: callers scope."""
    on = on or timezone.localdate()
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
        qs = qs.filter(in_region(region_code))
    if q:
        qs = _person_search(qs, q)
    if category:
        periods = current_periods(on=on).filter(category=category)
        qs = qs.filter(
            Exists(periods.filter(person=OuterRef("pk")))
            | Exists(periods.filter(household=OuterRef("household_id")))
        )
    return qs.order_by("region_code", "id")


# Sortable columns of the household list: key → ORDER BY (id last, so pages never overlap).
DEFAULT_ORDER = ("region_code", "id")
HOUSEHOLD_ORDER = {
    "number": ("household_number", "id"),
    "-number": ("-household_number", "-id"),
    "village": ("region_code", "household_number", "id"),
    "-village": ("-region_code", "-household_number", "-id"),
    "head": ("head__name", "id"),
    "-head": ("-head__name", "-id"),
}


def household_list(*, user: User, q: str = "", category: str = "", region_code: str = "",
                   on: dt.date | None = None, order: str = "") -> QuerySet[Household]:
    qs = household_scope(user=user)
    if region_code:
        qs = qs.filter(in_region(region_code))
    q = (q or "").strip()
    if q:
        members = _person_search(person_scope(user=user), q)
        by_number = Q(household_number__startswith=q) if q.isascii() else Q(pk__in=[])
        qs = qs.filter(by_number | Q(pk__in=members.values("household_id")))
    if category:
        # periods carry the region code of their household: scope them first, so the
        # planner walks (region_code, category) instead of every period of the category
        periods = scoped(current_periods(on=on), user)
        if region_code:
            periods = periods.filter(in_region(region_code))
        if category == Category.GENERAL:
            # 普通城乡居民: the households that hold no other category, nor any member does
            others = periods.exclude(category=Category.GENERAL)
            qs = qs.exclude(
                Q(pk__in=others.filter(household__isnull=False).values("household_id"))
                | Q(pk__in=others.filter(person__isnull=False).values("person__household_id"))
            )
        else:
            periods = periods.filter(category=category)
            qs = qs.filter(
                Q(pk__in=periods.filter(household__isnull=False).values("household_id"))
                | Q(pk__in=periods.filter(person__isnull=False).values("person__household_id"))
            )
    return qs.select_related("village", "head").order_by(*HOUSEHOLD_ORDER.get(order, DEFAULT_ORDER))


def person_categories(*, user: User, person: Person) -> list[CategoryPeriod]:
    """The person's own periods and their household's, newest first."""
    return list(
        category_period_scope(user=user)
        .filter(Q(person=person) | Q(household_id=person.household_id))
        .order_by("-start_date", "-id")
    )


def person_categories_on(*, user: User, person: Person, on: dt.date) -> set[str]:
    """The categories the person holds on a date, their own and their household's."""
    return set(
        scoped(current_periods(on=on), user)
        .filter(Q(person=person) | Q(household_id=person.household_id))
        .values_list("category", flat=True)
    )


def household_categories(*, user: User, household: Household) -> list[CategoryPeriod]:
    # the members' ids as a list: an OR of two index scans, not an OR across a join
    member_ids = list(person_scope(user=user).filter(household=household)
                      .values_list("pk", flat=True))
    return list(category_period_scope(user=user)
                .filter(Q(household=household) | Q(person_id__in=member_ids))
                .select_related("person").order_by("-start_date", "-id"))


def category_counts(*, user: User, region_code: str, child_length: int,
                    on: dt.date | None = None) -> dict[str, dict[str, int]]:
    """Category periods in force on `on` (today) counted by child region (code prefix of
    `child_length`), inside the user's scope.

    From the summary of open periods (decision 25), corrected for the date: open periods not
    yet begun are taken off, periods with an end date that are in force are added. Both are
    few, and read on the partial indexes `period_open_start` and `period_dated_end`.
    """
    on = on or timezone.localdate()
    out = summary_counts(user=user, name=PERIODS_OPEN.name, region_code=region_code,
                         child_length=child_length)
    periods = category_period_scope(user=user).filter(in_region(region_code))
    not_begun = periods.filter(end_date__isnull=True, start_date__gt=on)
    dated = periods.filter(end_date__isnull=False, end_date__gte=on, start_date__lte=on)
    for qs, sign in ((not_begun, -1), (dated, 1)):
        rows = (qs.annotate(child=Substr("region_code", 1, child_length))
                .values_list("child", "category").annotate(n=Count("id")).order_by())
        for child, cat, n in rows:
            counts = out.setdefault(child, {})
            counts[cat] = counts.get(cat, 0) + sign * n
            if not counts[cat]:
                del counts[cat]
    return {child: counts for child, counts in out.items() if counts}


def person_counts(*, user: User, region_code: str, child_length: int) -> dict[str, int]:
    """Living persons by child region, inside the user's scope (from the summary)."""
    counts = summary_counts(user=user, name=PERSONS_ALIVE.name, region_code=region_code,
                            child_length=child_length)
    return {child: keys.get("", 0) for child, keys in counts.items()}


@dataclass
class RegionRow:
    region: Region
    persons: int
    categories: dict[str, int]


@dataclass
class RegionOverview:
    node: Region | None
    path: list[Region]          # from the user's node down to `node`
    above: list[Region]         # ancestors above the user's node (not clickable)
    rows: list[RegionRow]
    totals: dict[str, int]
    total_persons: int


def region_overview(*, user: User, code: str | None = None) -> RegionOverview:
    """The region tree from the user's node: each child with persons and current categories."""
    from jkfp.regions.selectors import region_children, region_in_user_scope, region_path

    prefix = scope_prefix(user)
    if prefix is None:
        raise Http404("您的账号未设置所属区划")
    code = code or prefix
    node = region_in_user_scope(user=user, code=code) if code else None
    children = region_children(code=code or None)
    path = region_path(code=code) if code else []
    above = [r for r in path if len(r.code) < len(prefix)]
    path = [r for r in path if len(r.code) >= len(prefix)]
    if children:
        child_len = len(children[0].code)
        counts = category_counts(user=user, region_code=code, child_length=child_len)
        persons = person_counts(user=user, region_code=code, child_length=child_len)
        rows = [RegionRow(c, persons.get(c.code, 0), counts.get(c.code, {})) for c in children]
    elif node is not None:
        counts = category_counts(user=user, region_code=code, child_length=len(code))
        persons = person_counts(user=user, region_code=code, child_length=len(code))
        rows = [RegionRow(node, persons.get(code, 0), counts.get(code, {}))]
    else:
        rows = []
    totals: dict[str, int] = {}
    for r in rows:
        for cat, n in r.categories.items():
            totals[cat] = totals.get(cat, 0) + n
    return RegionOverview(node=node, path=path, above=above, rows=rows, totals=totals,
                          total_persons=sum(r.persons for r in rows))


@dataclass
class HouseholdRow:
    household: Household
    members: int
    categories: list[str]
    matches: list[Person]


def living_counts(*, user: User, household_ids) -> dict[int, int]:
    """The member count of households: their living members (the one definition)."""
    return dict(person_scope(user=user).filter(household_id__in=household_ids, alive=True)
                .values_list("household_id").annotate(n=Count("id")).order_by())


def household_rows(*, user: User, households: list[Household], q: str = "") -> list[HouseholdRow]:
    """What a list page shows beside each household: living members, current categories and,
    for a search by name or ID number, the members that matched."""
    ids = [h.pk for h in households]
    members = living_counts(user=user, household_ids=ids)
    cats: dict[int, set[str]] = {}
    # two index lookups rather than one OR across a join (which scans every period)
    own = current_periods().filter(household_id__in=ids).values_list("household_id", "category")
    of_members = (current_periods().filter(person__household_id__in=ids)
                  .values_list("person__household_id", "category"))
    for hh_id, cat in [*own, *of_members]:
        cats.setdefault(hh_id, set()).add(cat)
    matches: dict[int, list[Person]] = {}
    if (q or "").strip():
        for p in _person_search(person_scope(user=user).filter(household_id__in=ids), q)[:200]:
            matches.setdefault(p.household_id, []).append(p)
    order = {c.value: i for i, c in enumerate(Category)}
    return [HouseholdRow(h, members.get(h.pk, 0),
                         sorted(cats.get(h.pk, ()), key=lambda c: order.get(c, 99)),
                         matches.get(h.pk, []))
            for h in households]


def _members_ordered(user: User, household: Household) -> list[Person]:
    from .models import Relation

    rank = {r: i for i, r in enumerate(Relation.values)}
    members = list(person_scope(user=user).filter(household=household))
    for m in members:
        m.household = household
    members.sort(key=lambda p: (not p.alive, rank.get(p.relation, 99), p.birth_date, p.pk))
    return members


@dataclass
class HouseholdDetail:
    household: Household
    members: list[Person]
    categories: list[CategoryPeriod]
    incomes: list[HouseholdIncome]
    measures: list[SupportMeasure]
    requests: list  # of admission.ChangeRequest
    history: list = field(default_factory=list)

    @property
    def current_periods(self) -> list[CategoryPeriod]:
        return [p for p in self.categories if p.end_date is None]

    # the member count is the living members everywhere (lists, pages, API, export); the
    # deceased are listed apart (`living_counts`)
    @property
    def living(self) -> list[Person]:
        return [m for m in self.members if m.alive]

    @property
    def deceased(self) -> list[Person]:
        return [m for m in self.members if not m.alive]


def household_detail(*, user: User, pk: int, with_history: bool = True) -> HouseholdDetail:
    """Everything the household page shows; 404 outside the user's region."""
    from jkfp.admission.selectors import change_requests_of_household

    from .history import household_history

    hh = household_get(user=user, pk=pk)
    return HouseholdDetail(
        household=hh,
        members=_members_ordered(user, hh),
        categories=household_categories(user=user, household=hh),
        incomes=list(hh.incomes.filter(void=False).order_by("-year")),
        measures=list(hh.support_measures.select_related("created_by").order_by("-start_date")),
        requests=change_requests_of_household(user=user, household_id=hh.pk),
        history=household_history(user=user, household=hh) if with_history else [],
    )


@dataclass
class PersonDetail:
    person: Person
    household: Household
    categories: list[CategoryPeriod]
    requests: list  # of admission.ChangeRequest
    history: list = field(default_factory=list)
    can_reveal: bool = False


def person_detail(*, user: User, pk: int) -> PersonDetail:
    """Everything the person page shows; 404 outside the user's region."""
    from jkfp.admission.selectors import change_requests_of_person

    from .history import person_history

    p = person_get(user=user, pk=pk)
    hh = household_get(user=user, pk=p.household_id)
    return PersonDetail(
        person=p, household=hh,
        categories=person_categories(user=user, person=p),
        requests=change_requests_of_person(user=user, person_id=p.pk, household_id=hh.pk),
        history=person_history(user=user, person=p),
        can_reveal=can_see_full_identity(user),
    )
from .income_lines import income_line  # noqa: E402,F401  (the monitoring income line, 53a)
