"""Pages of facilities and staff: institutions with their departments, staff at post, villages
served and gaps; staff with their posts; the open gaps (空白点) with their age. Every list has an
Excel export. Reads go through the scoped selectors (outside the region: 404); writes call one
service each and show its named errors on the form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jkfp.accounts import access
from jkfp.regions.models import Region
from jkfp.web.forms import call_service
from jkfp.web.http import paginate

from . import export, selectors, services
from .forms import (
    CoverageForm,
    DepartmentForm,
    EndForm,
    InstitutionEditForm,
    InstitutionForm,
    PostForm,
    StaffEditForm,
    StaffNewForm,
    VillageServiceForm,
)
from .models import (
    Coverage,
    GapKind,
    HospitalDepartment,
    InstitutionKind,
    Post,
    Qualification,
    VillageService,
)


def _names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _page_number(request) -> int | None:
    try:
        return int(request.GET.get("page", "1"))
    except ValueError:
        return None


def _can_write(user, region_code: str) -> bool:
    return access.can_write_health(user) and access.code_in_scope(user, region_code)


# ================================================================ institutions
def _institution_filters(request) -> dict:
    kind = request.GET.get("kind", "")
    return {"kind": kind if kind in InstitutionKind.values else "",
            "q": request.GET.get("q", "")[:50], "open_only": request.GET.get("all") != "1"}


@login_required
def institution_list(request):
    f = _institution_filters(request)
    qs = selectors.institution_list(user=request.user, **f)
    page = paginate(qs, number=_page_number(request), params=request.GET.dict())
    return render(request, "facilities/institution_list.html", {
        "page": page, "f": f, "kinds": InstitutionKind.choices,
        "names": _names(i.region_code for i in page.items),
        "gap_counts": selectors.gap_counts(user=request.user),
        "gap_kinds": GapKind.choices,
        "can_write": access.can_write_health(request.user)})


@login_required
def institution_export(request):
    f = _institution_filters(request)
    qs = selectors.institution_list(user=request.user, **f)
    names = _names(qs.values_list("region_code", flat=True))
    return export.institutions(request, qs, names, f)


@login_required
def institution_new(request):
    form = InstitutionForm(request.POST or None,
                           initial={"region_code": request.user.region_code})
    status = 200
    if request.method == "POST":
        if not access.can_write_health(request.user):
            raise PermissionDenied(_("只有卫生健康部门的经办人员可以登记医疗机构"))
        out = call_service(form, lambda d: services.institution_create(user=request.user, **d))
        if out.ok:
            messages.success(request, _("已登记机构"))
            return redirect("facilities:institution", out.result.pk)
        form, status = out.form, out.status
    return render(request, "facilities/institution_form.html", {"form": form}, status=status)


def _institution_page(request, pk: int, *, bound: dict | None = None, status: int = 200):
    user = request.user
    inst = selectors.institution_get(user=user, pk=pk)
    bound = bound or {}
    posts = selectors.posts_of_institution(user=user, institution=inst)
    departments = selectors.departments_of(user=user, institution=inst)
    current = [p for p in posts if p.end_date is None]
    staff = [(s.pk, f"{s.name}（{s.get_qualification_display()}）")
             for s in selectors.staff_list(user=user)[:2000]]
    attrs = {k: getattr(inst, k) for k in InstitutionEditForm.base_fields if k != "version"}
    forms = {
        "edit": bound.get("edit") or InstitutionEditForm(initial=attrs | {"version": inst.version}),
        "post": bound.get("post") or PostForm(staff=staff, prefix="post", departments=[
            (d.pk, d.name) for d in departments if d.closed_on is None]),
        "department": bound.get("department") or DepartmentForm(prefix="dept"),
        "coverage": bound.get("coverage") or CoverageForm(prefix="cov"),
        "service": bound.get("service") or VillageServiceForm(prefix="svc", posts=[
            (p.pk, p.staff.name) for p in current]),
        "end": EndForm(prefix="end", initial={"end_date": timezone.localdate()}),
    }
    coverages = selectors.coverages_of(user=user, institution=inst)
    services_ = selectors.village_services_of(user=user, institution=inst)
    gaps = list(inst.gaps.all().order_by("-opened_on"))
    return render(request, "facilities/institution_detail.html", {
        "inst": inst, "posts": posts, "departments": departments, "coverages": coverages,
        "village_services": services_, "gaps": gaps, "forms": forms,
        "names": _names([inst.region_code] + [c.village_code for c in coverages]
                        + [s.village_code for s in services_]),
        "can_write": _can_write(user, inst.region_code), "today": timezone.localdate(),
    }, status=status)


@login_required
def institution_detail(request, pk: int):
    return _institution_page(request, pk)


def _post_action(request, pk: int, key: str, form, call, ok: str):
    """Run one write of the institution page; on error show the page with the bound form."""
    inst = selectors.institution_get(user=request.user, pk=pk)
    out = call_service(form, lambda d: call(inst, d))
    if out.ok:
        messages.success(request, ok)
        return redirect("facilities:institution", inst.pk)
    return _institution_page(request, pk, bound={key: out.form}, status=out.status)


@login_required
@require_POST
def institution_edit(request, pk: int):
    def call(inst, d):
        version = d.pop("version")
        return services.institution_update(user=request.user, institution=inst,
                                           expected_version=version, **d)
    return _post_action(request, pk, "edit", InstitutionEditForm(request.POST), call,
                        _("已保存"))


@login_required
@require_POST
def post_add(request, pk: int):
    inst = selectors.institution_get(user=request.user, pk=pk)
    staff = [(s.pk, s.name) for s in selectors.staff_list(user=request.user)[:2000]]
    depts = [(d.pk, d.name) for d in selectors.departments_of(user=request.user, institution=inst)]
    form = PostForm(request.POST, prefix="post", staff=staff, departments=depts)

    def call(inst, d):
        dept = HospitalDepartment.objects.filter(pk=d["department"], institution=inst).first() \
            if d["department"] else None
        return services.post_add(user=request.user, institution=inst,
                                 staff=selectors.staff_get(user=request.user, pk=d["staff"]),
                                 department=dept, start_date=d["start_date"],
                                 full_time=d["full_time"])
    return _post_action(request, pk, "post", form, call, _("已登记到岗"))


@login_required
@require_POST
def department_add(request, pk: int):
    return _post_action(request, pk, "department", DepartmentForm(request.POST, prefix="dept"),
                        lambda inst, d: services.department_add(user=request.user,
                                                                institution=inst, **d),
                        _("已添加科室"))


@login_required
@require_POST
def coverage_add(request, pk: int):
    return _post_action(request, pk, "coverage", CoverageForm(request.POST, prefix="cov"),
                        lambda inst, d: services.coverage_add(user=request.user,
                                                              institution=inst, **d),
                        _("已登记邻村服务"))


@login_required
@require_POST
def village_service_add(request, pk: int):
    inst = selectors.institution_get(user=request.user, pk=pk)
    posts = [(p.pk, p.staff.name) for p in
             selectors.posts_of_institution(user=request.user, institution=inst)]
    form = VillageServiceForm(request.POST, prefix="svc", posts=posts)

    def call(inst, d):
        post = Post.objects.get(pk=d.pop("post"), institution=inst)
        return services.village_service_add(user=request.user, post=post, **d)
    return _post_action(request, pk, "service", form, call, _("已登记派驻或巡诊"))


_ENDS = {
    "post": (Post, "institution_id", services.post_end, "post"),
    "department": (HospitalDepartment, "institution_id", services.department_close, "department"),
    "coverage": (Coverage, "institution_id", services.coverage_end, "coverage"),
    "service": (VillageService, "post__institution_id", services.village_service_end, "service"),
}


@login_required
@require_POST
def end(request, pk: int, what: str, item: int):
    """End a post (离岗), close a department, end a coverage or a village service."""
    if what not in _ENDS:
        raise PermissionDenied
    inst = selectors.institution_get(user=request.user, pk=pk)
    model, owner, service, arg = _ENDS[what]
    row = model.objects.filter(pk=item, **{owner: inst.pk}).first()
    if row is None:
        return _institution_page(request, pk, status=404)
    date_arg = "closed_on" if what == "department" else "end_date"
    return _post_action(request, pk, "end", EndForm(request.POST, prefix="end"),
                        lambda inst, d: service(user=request.user, **{
                            arg: row, date_arg: d["end_date"]}),
                        _("已登记结束"))


# ================================================================ staff
def _staff_filters(request) -> dict:
    q = request.GET.get("qualification", "")
    return {"q": request.GET.get("q", "")[:50],
            "qualification": q if q in Qualification.values else ""}


@login_required
def staff_list(request):
    f = _staff_filters(request)
    page = paginate(selectors.staff_list(user=request.user, **f), number=_page_number(request),
                    params=request.GET.dict())
    return render(request, "facilities/staff_list.html", {
        "page": page, "f": f, "qualifications": Qualification.choices,
        "can_write": access.can_write_health(request.user)})


@login_required
def staff_export(request):
    f = _staff_filters(request)
    return export.staff(request, selectors.staff_list(user=request.user, **f), f)


@login_required
def staff_new(request):
    form = StaffNewForm(request.POST or None, initial={"region_code": request.user.region_code[:6]})
    status = 200
    if request.method == "POST":
        if not access.can_write_health(request.user):
            raise PermissionDenied(_("只有卫生健康部门的经办人员可以登记卫生人员"))
        out = call_service(form, lambda d: services.staff_create(user=request.user, **d))
        if out.ok:
            messages.success(request, _("已登记人员"))
            return redirect("facilities:staff", out.result.pk)
        form, status = out.form, out.status
    return render(request, "facilities/staff_form.html", {"form": form}, status=status)


@login_required
def staff_detail(request, pk: int):
    user = request.user
    st = selectors.staff_get(user=user, pk=pk)
    form = StaffEditForm(request.POST or None, initial={
        "name": st.name, "qualification": st.qualification,
        "certificate_number": st.certificate_number, "version": st.version})
    status = 200
    if request.method == "POST":
        def call(d):
            version = d.pop("version")
            return services.staff_update(user=user, staff=st, expected_version=version, **d)
        out = call_service(form, call)
        if out.ok:
            messages.success(request, _("已保存"))
            return redirect("facilities:staff", st.pk)
        form, status = out.form, out.status
    return render(request, "facilities/staff_detail.html", {
        "st": st, "posts": selectors.posts_of_staff(user=user, staff=st), "form": form,
        "can_write": _can_write(user, st.region_code)}, status=status)


# ================================================================ gaps
def _gap_filters(request) -> dict:
    kind = request.GET.get("kind", "")
    return {"kind": kind if kind in GapKind.values else "",
            "include_closed": request.GET.get("closed") == "1"}


@login_required
def gap_list(request):
    f = _gap_filters(request)
    qs = selectors.gap_list(user=request.user, **f)
    page = paginate(qs, number=_page_number(request), params=request.GET.dict())
    today = timezone.localdate()
    rows = [(g, ((g.closed_on or today) - g.opened_on).days) for g in page.items]
    return render(request, "facilities/gap_list.html", {
        "page": page, "rows": rows, "f": f, "kinds": GapKind.choices, "today": today,
        "counts": selectors.gap_counts(user=request.user),
        "names": _names(g.region_code for g in page.items)})


@login_required
def gap_export(request):
    f = _gap_filters(request)
    qs = selectors.gap_list(user=request.user, **f)
    return export.gaps(request, qs, _names(qs.values_list("region_code", flat=True)), f)
