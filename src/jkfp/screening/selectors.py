"""Reads of screening: campaigns, their target groups from the registry, coverage, results and
the positives still waiting for a next step. Every selector takes the user.

Persons are read only through `registry.selectors` (their scope); results carry the village
code of their person and are scoped by it. A campaign is visible to the users of its region and
of the regions inside it (a village doctor sees the county's campaign and records the results of
their villagers); a record outside the user's region answers 404.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.http import Http404

from jkfp.accounts import access
from jkfp.accounts.models import User
from jkfp.regions.models import Region
from jkfp.registry import selectors as registry_selectors
from jkfp.registry.models import Person

from . import rules
from .models import Campaign, ResultStep, ScreeningResult

POSITIVE = (ScreeningResult.Result.SUSPECTED, ScreeningResult.Result.POSITIVE)


# ---------------------------------------------------------------- campaigns
def campaign_scope(*, user: User) -> QuerySet[Campaign]:
    """Campaigns of the user's region, of the regions inside it and of those above it."""
    prefix = access.scope_prefix(user)
    if prefix is None:
        return Campaign.objects.none()
    if prefix == "":
        return Campaign.objects.all()
    above = [prefix[:n] for n in access.LEVEL_LENGTHS if n < len(prefix)]
    return Campaign.objects.filter(access.in_region(prefix) | Q(region_code__in=above))


def campaign_get(*, user: User, pk: int) -> Campaign:
    try:
        return campaign_scope(user=user).select_related("created_by").get(pk=pk)
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise Http404("无此筛查项目或不在您的管辖区域内") from None


def campaign_list(*, user: User, kind: str = "", year: int | None = None) -> QuerySet[Campaign]:
    qs = campaign_scope(user=user)
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(start_on__lte=dt.date(year, 12, 31), end_on__gte=dt.date(year, 1, 1))
    return qs.order_by("-start_on", "-id")


# ---------------------------------------------------------------- target group
def years_before(d: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (29 February → 28 February in a common year)."""
    year = d.year - years
    return d.replace(year=year, day=min(d.day, calendar.monthrange(year, d.month)[1]))


def target_filter(campaign: Campaign) -> Q:
    """Persons of the campaign's region, sex and age on its age date, alive on that date."""
    q = access.in_region(campaign.region_code) & Q(birth_date__lte=campaign.age_on)
    if campaign.target_sex:
        q &= Q(sex=campaign.target_sex)
    if campaign.age_min is not None:  # age ≥ a: born on or before the a-th birthday's date
        q &= Q(birth_date__lte=years_before(campaign.age_on, campaign.age_min))
    if campaign.age_max is not None:  # age ≤ b: not yet b + 1
        q &= Q(birth_date__gt=years_before(campaign.age_on, campaign.age_max + 1))
    q &= Q(alive=True) | Q(death_date__gte=campaign.age_on)
    return q


def target_group(*, user: User, campaign: Campaign, region_code: str = "") -> QuerySet[Person]:
    """The persons the campaign is for, inside the user's scope: region, sex, age on the
    campaign's age date and the categories held on that date (their own or their household's)."""
    qs = registry_selectors.person_scope(user=user).filter(target_filter(campaign))
    if region_code:
        qs = qs.filter(access.in_region(region_code))
    if campaign.target_categories:
        periods = registry_selectors.category_period_scope(user=user).filter(
            pk__in=registry_selectors.current_periods(on=campaign.age_on).values("pk"),
            category__in=campaign.target_categories)
        qs = qs.filter(Exists(periods.filter(person=OuterRef("pk")))
                       | Exists(periods.filter(household=OuterRef("household_id"))))
    return qs


def not_target_reasons(*, user: User, campaign: Campaign, person: Person) -> list[str]:
    """Why a person is not in the campaign's target group, in words (empty when they are)."""
    reasons = []
    if not person.region_code.startswith(campaign.region_code):
        reasons.append(f"不在项目区划（{campaign.region_code}）内")
    if campaign.target_sex and person.sex != campaign.target_sex:
        reasons.append(f"性别不符（限{campaign.get_target_sex_display()}性）")
    age = age_on(person.birth_date, campaign.age_on)
    if age < 0 or (campaign.age_min is not None and age < campaign.age_min) or (
            campaign.age_max is not None and age > campaign.age_max):
        reasons.append(f"{campaign.age_on}时{max(age, 0)}岁，不在{age_range_text(campaign)}内")
    if not person.alive and (person.death_date is None or person.death_date < campaign.age_on):
        reasons.append("已故")
    if not reasons and campaign.target_categories and not target_group(
            user=user, campaign=campaign).filter(pk=person.pk).exists():
        reasons.append(f"{campaign.age_on}时不属于目标类别")
    return reasons


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_range_text(campaign: Campaign) -> str:
    a, b = campaign.age_min, campaign.age_max
    if a is None and b is None:
        return "不限年龄"
    if b is None:
        return f"{a}岁及以上"
    if a is None:
        return f"{b}岁及以下"
    return f"{a}-{b}岁"


def target_rows(*, user: User, campaign: Campaign, screened: bool | None = None,
                region_code: str = "") -> QuerySet[Person]:
    """The target group with, on each person, `screened_on` and `result_id` of their result in
    this campaign (None when not yet screened); `screened=False` lists who is still to screen."""
    results = ScreeningResult.objects.filter(campaign=campaign, person=OuterRef("pk"))
    qs = (target_group(user=user, campaign=campaign, region_code=region_code)
          .annotate(screened_on=Subquery(results.values("screened_on")[:1]),
                    result_id=Subquery(results.values("pk")[:1]),
                    result_value=Subquery(results.values("result")[:1]),
                    result_finding=Subquery(results.values("finding")[:1]),
                    result_stage=Subquery(results.values("stage")[:1])))
    if screened is True:
        qs = qs.filter(Exists(results))
    elif screened is False:
        qs = qs.filter(~Exists(results))
    return qs.select_related("household").order_by("region_code", "household_id", "id")


# ---------------------------------------------------------------- coverage
@dataclass
class CoverageRow:
    code: str
    name: str
    target: int
    screened: int
    positive: int

    @property
    def rate(self) -> float | None:
        return self.screened / self.target if self.target else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


@dataclass
class Coverage:
    base: str
    rows: list[CoverageRow]
    total: CoverageRow


def coverage_base(*, user: User, campaign: Campaign) -> str:
    """The region whose children the coverage table lists: the campaign's, or the user's when
    the user sees only part of it."""
    prefix = access.scope_prefix(user) or ""
    return prefix if len(prefix) > len(campaign.region_code) else campaign.region_code


def child_length(code: str) -> int:
    longer = [n for n in access.LEVEL_LENGTHS if n > len(code)]
    return longer[0] if longer else len(code)


def coverage(*, user: User, campaign: Campaign, region_code: str = "") -> Coverage:
    """Screened / target by child region, counted in SQL over the target group (a person
    screened counts once; a result of someone no longer in the target group does not count)."""
    base = region_code or coverage_base(user=user, campaign=campaign)
    length = child_length(base)
    results = ScreeningResult.objects.filter(campaign=campaign, person=OuterRef("pk"))
    counted = (target_group(user=user, campaign=campaign, region_code=base)
               .annotate(child=Substr("region_code", 1, length),
                         is_screened=Exists(results),
                         is_positive=Exists(results.filter(result__in=POSITIVE)))
               .values("child")
               .annotate(target=Count("id"), screened=Count("id", filter=Q(is_screened=True)),
                         positive=Count("id", filter=Q(is_positive=True)))
               .order_by("child"))
    by_code = {r["child"]: r for r in counted}
    children = Region.objects.filter(parent_id=base) if length != len(base) else \
        Region.objects.filter(code=base)
    names = {r.code: r.display_name for r in children}
    codes = sorted(set(names) | set(by_code))
    rows = [CoverageRow(code=c, name=names.get(c, c), target=by_code.get(c, {}).get("target", 0),
                        screened=by_code.get(c, {}).get("screened", 0),
                        positive=by_code.get(c, {}).get("positive", 0)) for c in codes]
    node = Region.objects.filter(code=base).first()
    total = CoverageRow(code=base, name=node.display_name if node else base, target=sum(r.target for r in rows),
        screened=sum(r.screened for r in rows), positive=sum(r.positive for r in rows))
    return Coverage(base=base, rows=rows, total=total)


# ---------------------------------------------------------------- results
def result_scope(*, user: User) -> QuerySet[ScreeningResult]:
    return access.scoped(ScreeningResult.objects.all(), user)


def result_get(*, user: User, pk: int) -> ScreeningResult:
    try:
        return (result_scope(user=user).select_related("campaign", "person", "created_by")
                .get(pk=pk))
    except (ScreeningResult.DoesNotExist, ValueError, TypeError):
        raise Http404("无此筛查结果或不在您的管辖区域内") from None


def result_list(*, user: User, campaign: Campaign | None = None, result: str = "",
                stage: str = "", region_code: str = "") -> QuerySet[ScreeningResult]:
    """Results with their findings: for the users who may see health details only."""
    access.require_health_reader(user)
    qs = result_scope(user=user)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if result:
        qs = qs.filter(result=result)
    if stage:
        qs = qs.filter(stage=stage)
    if region_code:
        qs = qs.filter(access.in_region(region_code))
    return qs.select_related("campaign", "person").order_by("-screened_on", "-id")


def worklist(*, user: User, campaign: Campaign | None = None,
             region_code: str = "") -> QuerySet[ScreeningResult]:
    """Suspected and positive results still waiting for a step (nobody positive is left
    without a next step): awaiting referral, referred, confirmed without a case or registration.
    Oldest first. For the users who may see health details only."""
    return (result_list(user=user, campaign=campaign, region_code=region_code)
            .filter(result__in=POSITIVE, stage__in=rules.OPEN_STAGES)
            .order_by("screened_on", "id"))


def person_results(*, user: User, person: Person) -> list[ScreeningResult]:
    """The screening results of a person, newest first (health details: health users only)."""
    access.require_health_reader(user)
    return list(result_scope(user=user).filter(person=person).select_related("campaign")
                .order_by("-screened_on", "-id"))


def result_steps(*, user: User, result: ScreeningResult) -> list[ResultStep]:
    """The steps of a result (who, when, what, why), oldest first."""
    return list(ResultStep.objects.filter(result__in=result_scope(user=user), result=result)
                .select_related("user").order_by("at", "id"))


def result_actions(*, user: User, result: ScreeningResult) -> list[str]:
    return rules.steps_allowed(user=user, result=result)
