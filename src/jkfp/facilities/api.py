"""API of facilities and staff: institutions (with their posts and departments), staff, posts
and their end, village services, and the gaps. Handlers read through the scoped selectors and
call one service each: the same validation and scope as the pages."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Status

from jkfp.api.common import PageParams, paginate, responses
from jkfp.api.errors import ApiError, ApiErrorCode

from . import selectors, services
from .models import GapKind, HospitalDepartment, Post
from .schemas import (
    DepartmentIn,
    EndIn,
    GapFilters,
    GapOut,
    GapPage,
    InstitutionFilters,
    InstitutionIn,
    InstitutionOut,
    InstitutionPage,
    InstitutionUpdateIn,
    PostIn,
    PostOut,
    StaffIn,
    StaffOut,
    StaffPage,
    VillageServiceIn,
)

router = Router(tags=["医疗机构与人员"])


def _referenced(field: str, get, **kw):
    try:
        return get(**kw)
    except Http404 as exc:
        raise ApiError(404, ApiErrorCode.NOT_FOUND, str(exc), field=field) from None


def _post(p: Post) -> dict:
    return {"id": p.pk, "staff_id": p.staff_id, "staff_name": p.staff.name,
            "qualification": p.staff.qualification, "institution_id": p.institution_id,
            "department_id": p.department_id, "start_date": p.start_date,
            "end_date": p.end_date, "full_time": p.full_time}


def _institution(i, *, detail_user=None) -> dict:
    d = {k: getattr(i, k) for k in (
        "kind", "name", "region_code", "opened_on", "closed_on", "grade", "is_tcm",
        "second_grade_capacity", "centre_standard", "tcm_corner", "fever_clinic",
        "standardised", "version")} | {"id": i.pk}
    if detail_user is not None:
        d["posts"] = [_post(p) for p in selectors.posts_of_institution(user=detail_user,
                                                                       institution=i)]
        d["departments"] = [{"id": x.pk, "name": x.name, "opened_on": str(x.opened_on),
                             "closed_on": str(x.closed_on or "") or None}
                            for x in selectors.departments_of(user=detail_user, institution=i)]
    return d


def _staff(s) -> dict:
    return {"id": s.pk, "name": s.name, "qualification": s.qualification,
            "region_code": s.region_code, "certificate_number": s.certificate_number,
            "version": s.version}


@router.get("/institutions", response=responses({200: InstitutionPage}), summary="医疗机构列表")
def institution_list(request, filters: Query[InstitutionFilters]):
    page = paginate(selectors.institution_list(user=request.auth, kind=filters.kind or "",
                                               q=filters.q, open_only=filters.open_only), filters)
    page["items"] = [_institution(i) for i in page["items"]]
    return page


@router.get("/institutions/{institution_id}", response=responses({200: InstitutionOut}),
            summary="机构详情（含人员和科室）")
def institution_detail(request, institution_id: int):
    inst = selectors.institution_get(user=request.auth, pk=institution_id)
    return _institution(inst, detail_user=request.auth)


@router.post("/institutions", response=responses({201: InstitutionOut}), summary="登记机构")
def institution_create(request, payload: InstitutionIn):
    inst = services.institution_create(user=request.auth, **payload.dict())
    return Status(201, _institution(inst, detail_user=request.auth))


@router.patch("/institutions/{institution_id}", response=responses({200: InstitutionOut}),
              summary="修改或撤销机构（closed_on）")
def institution_update(request, institution_id: int, payload: InstitutionUpdateIn):
    inst = selectors.institution_get(user=request.auth, pk=institution_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    inst = services.institution_update(user=request.auth, institution=inst,
                                       expected_version=version, **data)
    return _institution(inst, detail_user=request.auth)


@router.post("/institutions/{institution_id}/departments",
             response=responses({201: InstitutionOut}), summary="添加临床科室（县级医院）")
def department_add(request, institution_id: int, payload: DepartmentIn):
    inst = selectors.institution_get(user=request.auth, pk=institution_id)
    services.department_add(user=request.auth, institution=inst, **payload.dict())
    return Status(201, _institution(inst, detail_user=request.auth))


@router.get("/staff", response=responses({200: StaffPage}), summary="卫生人员列表")
def staff_list(request, filters: Query[PageParams], q: str = ""):
    page = paginate(selectors.staff_list(user=request.auth, q=q[:50]), filters)
    page["items"] = [_staff(s) for s in page["items"]]
    return page


@router.post("/staff", response=responses({201: StaffOut}), summary="登记卫生人员")
def staff_create(request, payload: StaffIn):
    return Status(201, _staff(services.staff_create(user=request.auth, **payload.dict())))


@router.post("/posts", response=responses({201: PostOut}),
             summary="登记到岗（同一人同时只能有一个全职岗位）")
def post_add(request, payload: PostIn):
    user = request.auth
    staff = _referenced("staff_id", selectors.staff_get, user=user, pk=payload.staff_id)
    inst = _referenced("institution_id", selectors.institution_get, user=user,
                       pk=payload.institution_id)
    dept = None
    if payload.department_id is not None:
        dept = HospitalDepartment.objects.filter(pk=payload.department_id,
                                                 institution=inst).first()
        if dept is None:
            raise ApiError(404, ApiErrorCode.NOT_FOUND, "该机构无此科室", field="department_id")
    post = services.post_add(user=user, staff=staff, institution=inst, department=dept,
                             start_date=payload.start_date, end_date=payload.end_date,
                             full_time=payload.full_time)
    return Status(201, _post(post))


def _post_get(user, post_id: int) -> Post:
    post = Post.objects.filter(pk=post_id).select_related("staff").first()
    if post is None:
        raise Http404("无此岗位或不在您的管辖区域内")
    selectors.institution_get(user=user, pk=post.institution_id)  # scope: 404 outside
    return post


@router.post("/posts/{post_id}/end", response=responses({200: PostOut}), summary="登记离岗")
def post_end(request, post_id: int, payload: EndIn):
    post = services.post_end(user=request.auth, post=_post_get(request.auth, post_id),
                             end_date=payload.end_date)
    return _post(post)


@router.post("/posts/{post_id}/village-services", response=responses({201: PostOut}),
             summary="登记派驻或巡诊")
def village_service_add(request, post_id: int, payload: VillageServiceIn):
    post = _post_get(request.auth, post_id)
    services.village_service_add(user=request.auth, post=post, **payload.dict())
    return Status(201, _post(post))


@router.get("/gaps", response=responses({200: GapPage}), summary="空白点（默认为当日仍存在的）")
def gap_list(request, filters: Query[GapFilters]):
    on = filters.on or timezone.localdate()
    page = paginate(selectors.gap_list(user=request.auth, on=on, kind=filters.kind or "",
                                       include_closed=filters.include_closed), filters)
    labels = dict(GapKind.choices)
    page["items"] = [GapOut(id=g.pk, kind=g.kind, kind_label=labels[g.kind],
                            region_code=g.region_code, institution_id=g.institution_id,
                            department_id=g.department_id, opened_on=g.opened_on,
                            closed_on=g.closed_on,
                            days=((g.closed_on or on) - g.opened_on).days)
                     for g in page["items"]]
    return page
