"""Reads of facilities, staff and gaps, each through the user's region (`accounts.access.scoped`).

An institution is in scope by the region it sits in; a staff member by the county they are
registered in or by a post in scope (a township user sees the staff of their centre and clinics);
a gap by its region. Outside the scope a record is not found (404).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jkfp.accounts.access import in_region, scope_prefix, scoped
from jkfp.accounts.models import User

from .models import Coverage, Gap, HospitalDepartment, Institution, Post, Staff, VillageService


def institution_scope(*, user: User) -> QuerySet[Institution]:
    return scoped(Institution.objects.filter(void=False), user)


def institution_get(*, user: User, pk: int) -> Institution:
    try:
        return institution_scope(user=user).get(pk=pk)
    except (Institution.DoesNotExist, ValueError, TypeError):
        raise Http404("无此机构或不在您的管辖区域内") from None


def institution_list(*, user: User, kind: str = "", q: str = "", region_code: str = "",
                     open_only: bool = False, on: dt.date | None = None) -> QuerySet[Institution]:
    on = on or timezone.localdate()
    qs = institution_scope(user=user)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__contains=q)
    if region_code:
        qs = qs.filter(in_region(region_code))
    if open_only:
        qs = qs.filter(opened_on__lte=on).filter(Q(closed_on__isnull=True) | Q(closed_on__gt=on))
    current = Q(posts__start_date__lte=on, posts__void=False) & (Q(posts__end_date__isnull=True)
                                              | Q(posts__end_date__gt=on))
    return qs.annotate(n_staff=Count("posts", filter=current, distinct=True)).order_by(
        "region_code", "kind", "name")


def staff_scope(*, user: User) -> QuerySet[Staff]:
    prefix = scope_prefix(user)
    if prefix is None:
        return Staff.objects.none()
    if prefix == "":
        return Staff.objects.filter(void=False)
    by_post = Post.objects.filter(in_region(prefix), void=False).values("staff_id")
    return Staff.objects.filter(in_region(prefix) | Q(pk__in=by_post)).filter(void=False)


def staff_get(*, user: User, pk: int) -> Staff:
    try:
        return staff_scope(user=user).get(pk=pk)
    except (Staff.DoesNotExist, ValueError, TypeError):
        raise Http404("无此人员或不在您的管辖区域内") from None


def staff_list(*, user: User, q: str = "", qualification: str = "") -> QuerySet[Staff]:
    qs = staff_scope(user=user)
    if q:
        qs = qs.filter(name__contains=q)
    if qualification:
        qs = qs.filter(qualification=qualification)
    return qs.order_by("region_code", "name", "id")


def posts_of_institution(*, user: User, institution: Institution) -> list[Post]:
    institution_get(user=user, pk=institution.pk)
    return list(Post.objects.filter(institution=institution, void=False)
                .select_related("staff", "department").order_by("-start_date", "-id"))


def posts_of_staff(*, user: User, staff: Staff) -> list[Post]:
    staff_get(user=user, pk=staff.pk)
    return list(Post.objects.filter(staff=staff, void=False)
                .select_related("institution", "department")
                .order_by("-start_date", "-id"))


def departments_of(*, user: User, institution: Institution) -> list[HospitalDepartment]:
    institution_get(user=user, pk=institution.pk)
    return list(HospitalDepartment.objects.filter(institution=institution).order_by("name"))


def coverages_of(*, user: User, institution: Institution) -> list[Coverage]:
    institution_get(user=user, pk=institution.pk)
    return list(Coverage.objects.filter(institution=institution, void=False)
                .order_by("-start_date"))


def village_services_of(*, user: User, institution: Institution) -> list[VillageService]:
    institution_get(user=user, pk=institution.pk)
    return list(VillageService.objects.filter(post__institution=institution)
                .select_related("post__staff").order_by("-start_date"))


def gap_list(*, user: User, on: dt.date | None = None, kind: str = "",
             include_closed: bool = False, region_code: str = "") -> QuerySet[Gap]:
    """The gaps open on `on` (today), oldest first; with `include_closed` every gap."""
    on = on or timezone.localdate()
    qs = scoped(Gap.objects.all(), user).select_related("institution", "department")
    if not include_closed:
        qs = qs.filter(opened_on__lte=on).filter(Q(closed_on__isnull=True) | Q(closed_on__gt=on))
    if kind:
        qs = qs.filter(kind=kind)
    if region_code:
        qs = qs.filter(in_region(region_code))
    return qs.order_by("opened_on", "region_code", "id")


def gap_counts(*, user: User, on: dt.date | None = None) -> dict[str, int]:
    """Open gaps by kind on `on` (the overview's figures)."""
    rows = gap_list(user=user, on=on).order_by().values("kind").annotate(n=Count("id"))
    return {r["kind"]: r["n"] for r in rows}
