"""The one read path for personal data (DESIGN.md rule 3).

Every query for persons, households and their records starts from `person_scope` /
`household_scope`, which filter by the user's region code prefix. A record outside the scope
is simply not found: views and the API answer 404.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from jkfp.accounts.models import PersonalDataAccess, Role, User
from jkfp.categories import Category
from jkfp.regions.models import Region

from . import idnumber
from .models import (
    CategoryPeriod,
    ChangeRequest,
    Household,
    HouseholdIncome,
    Person,
    SupportMeasure,
)

ID_TAIL = re.compile(r"^[0-9]{3,17}[0-9Xx]?$|^[0-9]{2,17}[Xx]$")


def scope_prefix(user: User) -> str | None:
    """The region prefix a user may read; "" means everything (superusers); None nothing."""
    if user.is_superuser:
        return ""
    if not user.is_authenticated or not user.region_code:
        return None
    return user.region_code


def in_region(prefix: str, field: str = "region_code") -> Q:
    """Codes under a region: `LIKE 'prefix%'` plus the equivalent range on the same column.

    The range (`640323` ≤ code < `640324`) lets PostgreSQL use the b-tree on `region_code`
    whatever the database collation; digit codes sort the same in every collation.
    """
    if not prefix:  # the whole country (a superuser's scope)
        return Q()
    upper = str(int(prefix) + 1).zfill(len(prefix))
    if len(upper) > len(prefix):  # "99…" has no successor of the same length
        return Q(**{f"{field}__startswith": prefix})
    return Q(**{f"{field}__startswith": prefix, f"{field}__gte": prefix, f"{field}__lt": upper})


def scoped(qs: QuerySet, user: User, field: str = "region_code") -> QuerySet:
    """`qs` limited to the user's region: the one scope rule of every personal-data read."""
    prefix = scope_prefix(user)
    if prefix is None:
        return qs.none()
    if prefix == "":
        return qs
    return qs.filter(in_region(prefix, field))


def person_scope(*, user: User) -> QuerySet[Person]:
    return scoped(Person.objects.all(), user)


def household_scope(*, user: User) -> QuerySet[Household]:
    return scoped(Household.objects.all(), user)


def category_period_scope(*, user: User) -> QuerySet[CategoryPeriod]:
    return scoped(CategoryPeriod.objects.all(), user)


def change_request_scope(*, user: User) -> QuerySet[ChangeRequest]:
    return scoped(ChangeRequest.objects.all(), user)


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


def household_list(*, user: User, q: str = "", category: str = "", region_code: str = "",
                   on: dt.date | None = None) -> QuerySet[Household]:
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
        periods = scoped(current_periods(on=on), user).filter(category=category)
        if region_code:
            periods = periods.filter(in_region(region_code))
        qs = qs.filter(
            Q(pk__in=periods.filter(household__isnull=False).values("household_id"))
            | Q(pk__in=periods.filter(person__isnull=False).values("person__household_id"))
        )
    return qs.select_related("village", "head").order_by("region_code", "id")


def person_categories(*, person: Person) -> list[CategoryPeriod]:
    """The person's own periods and their household's, newest first."""
    return list(
        CategoryPeriod.objects.filter(Q(person=person) | Q(household_id=person.household_id))
        .order_by("-start_date", "-id")
    )


def household_categories(*, household: Household) -> list[CategoryPeriod]:
    # the members' ids as a list: an OR of two index scans, not an OR across a join
    member_ids = list(Person.objects.filter(household=household).values_list("pk", flat=True))
    return list(CategoryPeriod.objects.filter(Q(household=household) | Q(person_id__in=member_ids))
                .select_related("person").order_by("-start_date", "-id"))


def category_counts(*, user: User, region_code: str, child_length: int,
                    on: dt.date | None = None) -> dict[str, dict[str, int]]:
    """Current category periods counted by child region (code prefix of `child_length`)."""
    qs = scoped(current_periods(on=on), user).filter(in_region(region_code))
    rows = (qs.annotate(child=Substr("region_code", 1, child_length))
            .values("child", "category").annotate(n=Count("id")))
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["child"], {})[r["category"]] = r["n"]
    return out


def person_counts(*, user: User, region_code: str, child_length: int) -> dict[str, int]:
    qs = person_scope(user=user).filter(in_region(region_code), alive=True)
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
    today = today or timezone.localdate()
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

    return current_periods().filter(household=household,
                                     category__in=[c.value for c in MONITORED]).exists()



# ================================================================ reads for the pages (web UI)
# Added for the web pages. Each starts from the scoped selectors above; none holds a rule of
# its own beyond mirroring who may do what (the services check again when writing).
def user_can_write(*, user: User) -> bool:
    from .services import WRITE_ROLES  # the roles the services let write

    return bool(user.is_superuser or user.role in WRITE_ROLES)


def user_can_propose(*, user: User) -> bool:
    """Admission/exit requests are proposed at village or township level."""
    return user.is_superuser or (user_can_write(user=user) and len(user.region_code or "") >= 9)


def region_in_user_scope(*, user: User, code: str) -> Region:
    """A region node the user may look at; 404 outside the user's region."""
    prefix = scope_prefix(user)
    if prefix is None or not code.startswith(prefix):
        raise Http404("无此区划或不在您的管辖区域内")
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise Http404("无此区划") from None


def region_options(*, user: User, depth: int = 2, include: str = "") -> list[Region]:
    """Nodes of the user's subtree for a region filter: the user's node and `depth` levels
    below it (a city user gets counties and townships, a township user its villages)."""
    prefix = scope_prefix(user)
    if prefix is None:
        return []
    lengths = (2, 4, 6, 9, 12)
    start = lengths.index(len(prefix)) if prefix else 0
    allowed = set(lengths[start:start + depth + 1])
    qs = Region.objects.filter(code__startswith=prefix) if prefix else Region.objects.all()
    nodes = [r for r in qs.order_by("code") if len(r.code) in allowed]
    if include and include.startswith(prefix or "") and all(r.code != include for r in nodes):
        extra = Region.objects.filter(code=include).first()
        if extra:
            nodes.append(extra)
            nodes.sort(key=lambda r: r.code)
    return nodes


def village_choices(*, user: User) -> list[tuple[str, list[tuple[str, str]]]]:
    """Villages a user may register households in, grouped by township."""
    prefix = scope_prefix(user)
    if prefix is None:
        return []
    villages = Region.objects.filter(level="village", code__startswith=prefix).order_by("code")
    townships = {r.code: r.display_name for r in
                 Region.objects.filter(level="township", code__startswith=prefix[:9])}
    groups: dict[str, list[tuple[str, str]]] = {}
    for v in villages:
        groups.setdefault(v.code[:9], []).append((v.code, f"{v.display_name}（{v.code}）"))
    return [(townships.get(t, t), opts) for t, opts in groups.items()]


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
    from jkfp.regions.selectors import region_children, region_path

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


def household_rows(*, user: User, households: list[Household], q: str = "") -> list[HouseholdRow]:
    """What a list page shows beside each household: living members, current categories and,
    for a search by name or ID number, the members that matched."""
    ids = [h.pk for h in households]
    members = dict(person_scope(user=user).filter(household_id__in=ids, alive=True)
                   .values_list("household_id").annotate(n=Count("id")).order_by())
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


def _members_ordered(household: Household) -> list[Person]:
    from .models import Relation

    rank = {r: i for i, r in enumerate(Relation.values)}
    members = list(household.members.all())
    members.sort(key=lambda p: (not p.alive, rank.get(p.relation, 99), p.birth_date, p.pk))
    return members


@dataclass
class HouseholdDetail:
    household: Household
    members: list[Person]
    categories: list[CategoryPeriod]
    incomes: list[HouseholdIncome]
    measures: list[SupportMeasure]
    requests: list[ChangeRequest]
    history: list = field(default_factory=list)

    @property
    def current_periods(self) -> list[CategoryPeriod]:
        return [p for p in self.categories if p.end_date is None]


def household_detail(*, user: User, pk: int) -> HouseholdDetail:
    """Everything the household page shows; 404 outside the user's region."""
    from .history import household_history

    hh = household_get(user=user, pk=pk)
    return HouseholdDetail(
        household=hh,
        members=_members_ordered(hh),
        categories=household_categories(household=hh),
        incomes=list(hh.incomes.order_by("-year")),
        measures=list(hh.support_measures.select_related("created_by").order_by("-start_date")),
        requests=list(hh.change_requests.select_related("person", "created_by")
                      .order_by("-created_at")),
        history=household_history(household=hh),
    )


@dataclass
class PersonDetail:
    person: Person
    household: Household
    categories: list[CategoryPeriod]
    requests: list[ChangeRequest]
    history: list = field(default_factory=list)
    can_reveal: bool = False


def person_detail(*, user: User, pk: int) -> PersonDetail:
    """Everything the person page shows; 404 outside the user's region."""
    from .history import person_history

    p = person_get(user=user, pk=pk)
    hh = household_get(user=user, pk=p.household_id)
    return PersonDetail(
        person=p, household=hh,
        categories=person_categories(person=p),
        requests=list(change_request_scope(user=user)
                      .filter(Q(person=p) | Q(household=hh, person__isnull=True))
                      .select_related("created_by", "person").order_by("-created_at")),
        history=person_history(person=p),
        can_reveal=can_see_full_identity(user=user),
    )


def change_request_actions(*, user: User, request: ChangeRequest) -> set[str]:
    """Which workflow steps this user may take on this request now (the workflow services
    check the same again): notice, review, decide, withdraw."""
    actions: set[str] = set()
    level = len(user.region_code or "")
    su = user.is_superuser
    writer = user_can_write(user=user)
    S = ChangeRequest.Status
    if request.status == S.PROPOSED and writer and (su or level >= 9):
        actions.add("notice")
    if request.status == S.NOTICE and (su or (user.role == Role.REVIEWER and level == 9)):
        actions.add("review")
    if request.status == S.TOWNSHIP_APPROVED and (su or (user.role == Role.APPROVER and level == 6)):
        actions.add("decide")
    if request.status in (S.PROPOSED, S.NOTICE) and writer:
        actions.add("withdraw")
    return actions


def change_request_exit_check(*, request: ChangeRequest) -> list:
    """For an exit of a monitored category: the exit rules it breaks today (named errors)."""
    from .workflow import exit_rule_violations

    if request.action != ChangeRequest.Action.EXIT or request.period_id is None:
        return []
    return exit_rule_violations(period=request.period, household=request.household,
                                on=request.effective_date)


def change_request_steps(*, request: ChangeRequest):
    """The steps of a request (who, when, decision, comment), oldest first."""
    return list(request.steps.select_related("actor").order_by("at", "id"))


# ================================================================ export
EXPORT_LIMIT = 50_000


@dataclass
class ExportRow:
    household_number: str
    village: str
    village_generated: bool
    name: str
    id_masked: str
    sex: str
    birth_date: dt.date
    relation: str
    work_ability: str
    alive: bool
    phone_masked: str
    categories: list[str]


def person_export(*, user: User, q: str = "", category: str = "", region_code: str = "",
                  limit: int = EXPORT_LIMIT) -> tuple[list[ExportRow], bool]:
    """The members of the households a list page shows, one row per person, numbers masked
    (DESIGN.md rule 11). Returns the rows (at most `limit`) and whether more were left out."""
    households = household_list(user=user, q=q, category=category, region_code=region_code)
    persons = (person_scope(user=user)
               .filter(household__in=households.order_by().values("pk"))
               .select_related("household__village")
               .order_by("region_code", "household_id", "id"))
    picked = list(persons[:limit + 1])
    truncated = len(picked) > limit
    picked = picked[:limit]
    # current categories of these persons and households: one scoped query, joined in Python
    periods = scoped(current_periods(), user)
    if region_code:
        periods = periods.filter(in_region(region_code))
    person_ids = {p.pk for p in picked}
    household_ids = {p.household_id for p in picked}
    cats: dict[tuple[str, int], set[str]] = {}
    for pid, hid, cat in periods.values_list("person_id", "household_id", "category"):
        if pid in person_ids:
            cats.setdefault(("p", pid), set()).add(cat)
        elif hid in household_ids:
            cats.setdefault(("h", hid), set()).add(cat)
    order = {c.value: i for i, c in enumerate(Category)}
    rows = []
    for p in picked:
        held = cats.get(("p", p.pk), set()) | cats.get(("h", p.household_id), set())
        v = p.household.village
        rows.append(ExportRow(
            household_number=p.household.household_number, village=v.name,
            village_generated=v.is_generated, name=p.name,
            id_masked=idnumber.mask(p.id_number), sex=p.get_sex_display(),
            birth_date=p.birth_date, relation=p.get_relation_display(),
            work_ability=p.get_work_ability_display(), alive=p.alive,
            phone_masked=idnumber.mask_phone(p.phone),
            categories=sorted(held, key=lambda c: order.get(c, 99))))
    return rows, truncated
