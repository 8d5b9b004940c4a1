"""Scoped reads of the family-doctor contracts (DESIGN.md rules 3 and 12).

Every read takes the user and filters by the user's region; a record outside it is not found
(404). Teams are seen by the users of their region and of the villages they serve. Follow-ups,
registrations and the management status are health details: only users who may see them
(`access.can_see_health`) read them, the others are refused (403, `permission`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from jkfp.accounts.access import in_region, require_health_reader, scope_prefix, scoped
from jkfp.accounts.models import User
from jkfp.health import selectors as health_selectors
from jkfp.health.models import ChronicRegistration
from jkfp.registry.models import Person
from jkfp.registry.selectors import current_periods, person_scope

from . import management, standards
from .management import Rates, Status
from .models import Contract, FollowUp, ServiceDelivery, Team, TeamMember, TeamVillage


# ---------------------------------------------------------------- teams
def team_scope(*, user: User) -> QuerySet[Team]:
    """Teams of the user's region, and teams serving a village of it (a village user's)."""
    prefix = scope_prefix(user)
    if prefix is None:
        return Team.objects.none()
    if prefix == "":
        return Team.objects.all()
    serving = TeamVillage.objects.filter(in_region(prefix, "village_code")).values("team_id")
    return Team.objects.filter(in_region(prefix) | Q(pk__in=serving))


def team_get(*, user: User, pk: int) -> Team:
    try:
        return team_scope(user=user).get(pk=pk)
    except (Team.DoesNotExist, ValueError, TypeError):
        raise Http404("无此团队或不在您的管辖区域内") from None


def team_list(*, user: User, q: str = "", active_only: bool = False) -> QuerySet[Team]:
    qs = team_scope(user=user)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(institution__icontains=q))
    if active_only:
        qs = qs.filter(active=True)
    today = timezone.localdate()
    return qs.annotate(
        n_members=Count("members", filter=Q(members__start_date__lte=today) & (
            Q(members__end_date__isnull=True) | Q(members__end_date__gte=today)),
            distinct=True),
        n_villages=Count("villages", distinct=True)).order_by("region_code", "name", "id")


def team_members(*, user: User, team: Team, current_only: bool = False) -> list[TeamMember]:
    """The members of a team that came from `team_get` (so it is in the user's scope)."""
    qs = team.members.select_related("user").order_by("role", "name", "id")
    if current_only:
        today = timezone.localdate()
        qs = qs.filter(start_date__lte=today).filter(Q(end_date__isnull=True)
                                                     | Q(end_date__gte=today))
    return list(qs)


def team_villages(*, user: User, team: Team) -> list[str]:
    return list(team.villages.order_by("village_code").values_list("village_code", flat=True))


def member_get(*, user: User, pk: int) -> TeamMember:
    try:
        return TeamMember.objects.select_related("team").get(
            pk=pk, team__in=team_scope(user=user))
    except (TeamMember.DoesNotExist, ValueError, TypeError):
        raise Http404("无此团队成员或不在您的管辖区域内") from None


def memberships_of(*, user: User, on: dt.date | None = None) -> QuerySet[TeamMember]:
    """The team memberships linked to the user's own account, in force on `on`."""
    on = on or timezone.localdate()
    return (TeamMember.objects.filter(user=user, start_date__lte=on, team__active=True)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=on)).select_related("team"))


def teams_serving(*, user: User, village_code: str) -> QuerySet[Team]:
    """Active teams of the user's scope that serve a village (the choices when signing)."""
    return team_scope(user=user).filter(active=True, villages__village_code=village_code) \
        .distinct().order_by("name")


# ---------------------------------------------------------------- contracts
def contract_scope(*, user: User) -> QuerySet[Contract]:
    return scoped(Contract.objects.all(), user)


def contract_get(*, user: User, pk: int) -> Contract:
    try:
        return contract_scope(user=user).select_related("person", "team").get(pk=pk)
    except (Contract.DoesNotExist, ValueError, TypeError):
        raise Http404("无此签约或不在您的管辖区域内") from None


def contract_list(*, user: User, year: int | None = None, team_id: int | None = None,
                  person_id: int | None = None, region_code: str = "",
                  open_only: bool = False) -> QuerySet[Contract]:
    qs = contract_scope(user=user)
    if region_code:
        qs = qs.filter(in_region(region_code))
    if year:
        qs = qs.filter(year=year)
    if team_id:
        qs = qs.filter(team_id=team_id)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if open_only:
        qs = qs.filter(ended_on__isnull=True)
    return qs.select_related("person", "team").order_by("-year", "region_code", "person_id",
                                                        "-id")


def contracts_of_person(*, user: User, person: Person) -> list[Contract]:
    return list(contract_list(user=user, person_id=person.pk))


def deliveries_of(*, user: User, contract: Contract) -> list[ServiceDelivery]:
    """The services delivered under a contract that came from `contract_get`."""
    return list(ServiceDelivery.objects.filter(contract=contract, contract__in=contract_scope(
        user=user)).select_related("member").order_by("-delivered_on", "-id"))


def contract_covering(*, person_id: int, on: dt.date) -> Contract | None:
    """The person's contract in force on `on` (of that year, signed by then, not ended): the
    contract whose team may visit the person that day. Not scoped: the services call it for a
    person they already hold from a scoped read."""
    return (Contract.objects.filter(person_id=person_id, year=on.year, signed_on__lte=on)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on)).order_by("-signed_on")
            .first())


# ---------------------------------------------------------------- fulfilment (履约)
@dataclass(frozen=True)
class Fulfilment:
    contract: Contract
    expected: dict[str, int]      # item → count expected this year
    delivered: dict[str, int]     # item → count delivered (follow-ups counted as delivered)

    @property
    def share(self) -> float | None:
        total = sum(self.expected.values())
        if not total:
            return None
        return sum(min(self.delivered.get(k, 0), n) for k, n in self.expected.items()) / total


_KINDS = [k for k in standards.ITEMS if k != "followup"]


def fulfilment_annotate(qs: QuerySet[Contract]) -> QuerySet[Contract]:
    """Contracts with the counts delivered per item and whether the person is a chronic
    patient that year (set-based: one subquery per item)."""
    notes = {}
    for kind in _KINDS:
        notes[f"n_{kind}"] = Count("deliveries", filter=Q(deliveries__kind=kind), distinct=True)
    visits = FollowUp.objects.filter(void=False, person_id=OuterRef("person_id"),
                                     visited_on__year=OuterRef("year"))
    visit_count = visits.order_by().values("person_id").annotate(n=Count("id")).values("n")
    chronic = ChronicRegistration.objects.filter(person_id=OuterRef("person_id")).filter(
        Q(ended_on__isnull=True) | Q(ended_on__year__gte=OuterRef("year")))
    return qs.annotate(**notes, is_chronic=Exists(chronic), n_followup=Coalesce(
        Subquery(visit_count, output_field=IntegerField()), 0))


def fulfilment_of(contract: Contract) -> Fulfilment:
    """The fulfilment of a contract annotated by `fulfilment_annotate`."""
    package = standards.current().package(contract.package, on=dt.date(contract.year, 12, 31))
    expected = dict(package.items) if package else {}
    if not getattr(contract, "is_chronic", False):
        expected.pop("followup", None)
    delivered = {k: getattr(contract, f"n_{k}", 0) or 0 for k in standards.ITEMS}
    return Fulfilment(contract=contract, expected=expected, delivered=delivered)


def contract_fulfilment(*, user: User, year: int, region_code: str = "",
                        team_id: int | None = None) -> QuerySet[Contract]:
    """The year's open contracts of the scope with their fulfilment counts (read each one's
    figures with `fulfilment_of`)."""
    require_health_reader(user)
    return fulfilment_annotate(contract_list(user=user, year=year, region_code=region_code,
                                             team_id=team_id, open_only=True))


# ---------------------------------------------------------------- registrations, follow-ups
def registration_scope(*, user: User) -> QuerySet[ChronicRegistration]:
    """Chronic registrations of the user's scope (health readers only): the health app's."""
    return health_selectors.registration_scope(user=user)


def registration_get(*, user: User, pk: int) -> ChronicRegistration:
    return health_selectors.registration_get(user=user, pk=pk)


def followup_scope(*, user: User) -> QuerySet[FollowUp]:
    require_health_reader(user)
    return scoped(FollowUp.objects.filter(void=False), user)


def followup_get(*, user: User, pk: int) -> FollowUp:
    try:
        return followup_scope(user=user).select_related("registration", "person",
                                                        "member").get(pk=pk)
    except (FollowUp.DoesNotExist, ValueError, TypeError):
        raise Http404("无此随访记录或不在您的管辖区域内") from None


def followup_list(*, user: User, registration_id: int | None = None,
                  person_id: int | None = None, region_code: str = "",
                  year: int | None = None) -> QuerySet[FollowUp]:
    qs = followup_scope(user=user)
    if region_code:
        qs = qs.filter(in_region(region_code))
    if registration_id:
        qs = qs.filter(registration_id=registration_id)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if year:
        qs = qs.filter(visited_on__year=year)
    return qs.select_related("registration", "person", "member").order_by("-visited_on", "-id")


def members_for_followup(*, user: User, registration: ChronicRegistration,
                         on: dt.date | None = None) -> list[TeamMember]:
    """The members who may record a visit of this patient on `on`: those of the team of the
    patient's contract in force then."""
    on = on or timezone.localdate()
    contract = contract_covering(person_id=registration.person_id, on=on)
    if contract is None:
        return []
    return list(contract.team.members.filter(start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on)).order_by("role", "name"))


# ---------------------------------------------------------------- management status
def _registrations_in(user: User, region_code: str, disease_code: str):
    qs = registration_scope(user=user).filter(disease_code__in=standards.DISEASES)
    if region_code:
        qs = qs.filter(in_region(region_code))
    if disease_code:
        qs = qs.filter(disease_code=disease_code)
    return qs


def management_status(*, user: User, year: int, on: dt.date | None = None,
                      region_code: str = "", disease_code: str = "") -> list[Status]:
    """The status of every registration of the scope that counts in `year` (one query)."""
    return management.status_rows(_registrations_in(user, region_code, disease_code),
                                  year=year, on=on or _default_on(year))


def management_status_one(*, user: User, registration: ChronicRegistration, year: int,
                          on: dt.date | None = None) -> Status | None:
    """The same for one registration, in plain Python (the cross-check of the query)."""
    registration = registration_get(user=user, pk=registration.pk)
    return management.status_one(registration=registration, year=year,
                                 on=on or _default_on(year))


def management_rates(*, user: User, year: int, region_code: str = "", child_length: int = 0,
                     on: dt.date | None = None) -> list[Rates]:
    """The management, standard-management and control rates by region (codes cut to
    `child_length`; by default one level below the region asked) and disease."""
    region_code = region_code or (scope_prefix(user) or "")
    length = child_length or _child_length(len(region_code))
    return management.rates_by_region(_registrations_in(user, region_code, ""), year=year,
                                      on=on or _default_on(year), length=length)


def _child_length(n: int) -> int:
    for length in (2, 4, 6, 9, 12):
        if length > n:
            return length
    return 12


def _default_on(year: int) -> dt.date:
    today = timezone.localdate()
    return today if today.year == year else dt.date(year, 12, 31)


# ---------------------------------------------------------------- worklists
def village_doctor_worklist(*, user: User, today: dt.date | None = None
                            ) -> QuerySet[ChronicRegistration]:
    """"My patients": open registrations of persons whose contract this year is with a team
    the user is a member of, due by the end of this week (Sunday) or overdue, by due date.

    Each row carries `due_on` (the next visit date, the registration date if never visited)."""
    today = today or timezone.localdate()
    week_end = today + dt.timedelta(days=6 - today.weekday())
    teams = memberships_of(user=user, on=today).values("team_id")
    contracted = Contract.objects.filter(person_id=OuterRef("person_id"), year=today.year,
                                         ended_on__isnull=True, team_id__in=teams)
    return (registration_scope(user=user).filter(ended_on__isnull=True, person__alive=True)
            .filter(Exists(contracted))
            .annotate(due_on=Coalesce(F("next_visit_on"), F("registered_on")))
            .filter(due_on__lte=week_end).select_related("person")
            .order_by("due_on", "id"))


def overdue_registrations(*, user: User, today: dt.date | None = None,
                          region_code: str = "") -> QuerySet[ChronicRegistration]:
    """Open registrations of the scope whose next visit date has passed (the township's
    overdue list; on the partial index of open registrations by region and next visit)."""
    today = today or timezone.localdate()
    qs = registration_scope(user=user).filter(ended_on__isnull=True, person__alive=True)
    if region_code:
        qs = qs.filter(in_region(region_code))
    return (qs.annotate(due_on=Coalesce(F("next_visit_on"), F("registered_on")))
            .filter(due_on__lt=today).select_related("person").order_by("due_on", "id"))


def should_sign_unsigned(*, user: User, year: int | None = None, region_code: str = "",
                         on: dt.date | None = None) -> QuerySet[Person]:
    """应签尽签: living persons of the scope holding, on `on`, a category that should sign (as
    data), themselves or through their household, with no open contract for the year."""
    on = on or timezone.localdate()
    year = year or on.year
    cats = sorted(standards.current().sign_categories(on=on))
    periods = current_periods(on=on).filter(category__in=cats)
    own = periods.filter(person_id=OuterRef("pk"))
    of_household = periods.filter(person__isnull=True, household_id=OuterRef("household_id"))
    signed = Contract.objects.filter(person_id=OuterRef("pk"), year=year, ended_on__isnull=True)
    qs = person_scope(user=user).filter(alive=True)
    if region_code:
        qs = qs.filter(in_region(region_code))
    return (qs.filter(Exists(own) | Exists(of_household)).exclude(Exists(signed))
            .select_related("household").order_by("region_code", "household_id", "id"))


def not_standard(*, user: User, year: int, on: dt.date | None = None,
                 region_code: str = "") -> list[Status]:
    """Patients of the scope not managed to the standard in `year` (so far)."""
    return [s for s in management_status(user=user, year=year, on=on, region_code=region_code)
            if not s.standard and s.in_population]


def sign_rate(*, user: User, year: int, region_code: str = "",
              on: dt.date | None = None) -> tuple[int, int]:
    """(signed, should sign): 签约率 of the persons who should sign (DOMAIN.md §12)."""
    on = on or timezone.localdate()
    cats = sorted(standards.current().sign_categories(on=on))
    periods = current_periods(on=on).filter(category__in=cats)
    qs = person_scope(user=user).filter(alive=True)
    if region_code:
        qs = qs.filter(in_region(region_code))
    should = qs.filter(Exists(periods.filter(person_id=OuterRef("pk")))
                       | Exists(periods.filter(person__isnull=True,
                                               household_id=OuterRef("household_id"))))
    signed = should.filter(Exists(Contract.objects.filter(
        person_id=OuterRef("pk"), year=year, ended_on__isnull=True)))
    return signed.count(), should.count()
