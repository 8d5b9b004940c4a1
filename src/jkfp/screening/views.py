"""Pages of screening (筛查): campaigns with their coverage by region, the target list with who
is not yet screened (and a list entry of results), the result form, a result's page with the
follow-through steps the rules allow, the worklist of positives without a next step, and the
Excel export of each list. Results and findings are shown to health users only."""

from __future__ import annotations

import re
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jkfp.accounts import access
from jkfp.errors import DomainError, ErrorCode
from jkfp.regions import selectors as region_selectors
from jkfp.registry import selectors as registry_selectors
from jkfp.web.forms import call_service
from jkfp.web.http import paginate

from . import export, followthrough, programmes, rules, selectors, services
from .forms import (
    BulkForm,
    CampaignEditForm,
    CampaignFilterForm,
    CampaignForm,
    ResultForm,
    StepForm,
    TargetFilterForm,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOAD_TOKEN = re.compile(r"^[A-Za-z0-9]{6,40}$")
TARGETS_PER_PAGE = 50


def _health_reader(user) -> None:
    if not access.can_see_health(user):
        raise PermissionDenied(_("您所在部门只能查看健康状况分类，不能查看筛查结果和检查所见"))


def _download(request, sheet_of, filename: str, log=None):
    """Write a workbook into a temporary file and stream it (as the registry's export)."""
    tmp = tempfile.TemporaryFile(prefix="jkfp-screening-")
    try:
        sheet, logged = sheet_of()
        export.write(tmp, user=request.user, sheet=sheet)
        if logged:
            services.export_logged(user=request.user, person_ids=logged,
                                   path=request.get_full_path())
        tmp.seek(0)
    except BaseException:
        tmp.close()
        raise
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = FileResponse(tmp, as_attachment=True, filename=f"jkfp-{filename}-{stamp}.xlsx",
                            content_type=XLSX)
    token = request.GET.get("dl", "")
    if DOWNLOAD_TOKEN.match(token):
        response.set_cookie("jkfp_export", token, max_age=120, samesite="Lax")
    return response


# ================================================================ campaigns
@login_required
def campaign_list(request):
    form = CampaignFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.campaign_list(user=request.user, kind=data.get("kind") or "",
                                 year=data.get("year"))
    page = paginate(qs, number=data.get("page"), params=request.GET.dict())
    return render(request, "screening/campaign_list.html", {
        "form": form, "page": page, "can_write": access.can_write_health(request.user),
        "can_see_health": access.can_see_health(request.user)})


@login_required
def campaign_export(request):
    form = CampaignFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.campaign_list(user=request.user, kind=data.get("kind") or "",
                                 year=data.get("year"))
    return _download(request, lambda: (export.campaigns_sheet(user=request.user,
                                                              campaigns=qs), []), "campaigns")


def _regions_for_campaign(user):
    options = region_selectors.region_options(user=user, depth=1)
    return [r for r in options if len(r.code) <= 9]


@login_required
def campaign_new(request):
    user = request.user
    regions = _regions_for_campaign(user)
    if request.method == "POST":
        form = CampaignForm(request.POST, regions=regions)

        def create(d):
            target = {} if d["use_defaults"] else {
                "target_sex": d["target_sex"], "age_min": d["age_min"],
                "age_max": d["age_max"], "target_categories": d["target_categories"]}
            return services.campaign_create(user=user, name=d["name"], kind=d["kind"],
                                            region_code=d["region_code"], start_on=d["start_on"],
                                            end_on=d["end_on"], age_on=d["age_on"], **target)

        out = call_service(form, create)
        if out.ok:
            messages.success(request, _("已新建筛查项目"))
            return redirect("screening:campaign", out.result.pk)
        status = out.status
    else:
        form = CampaignForm(regions=regions, initial={
            "region_code": access.scope_prefix(user), "start_on": timezone.localdate()})
        status = 200
    offered = programmes.offered(on=timezone.localdate(),
                                 region_code=access.scope_prefix(user) or "")
    return render(request, "screening/campaign_new.html", {
        "form": form, "offered": offered,
        "can_write": access.can_write_health(user)}, status=status)


def _campaign_page(request, pk: int, *, edit: CampaignEditForm | None = None,
                   status: int = 200, conflict: str = ""):
    user = request.user
    c = selectors.campaign_get(user=user, pk=pk)
    cov = selectors.coverage(user=user, campaign=c)
    try:
        prog = programmes.programme(kind=c.kind, on=c.start_on)
    except DomainError:
        prog = None
    can_edit = access.can_write_health(user) and access.code_in_scope(user, c.region_code)
    if edit is None and can_edit:
        edit = CampaignEditForm(initial={
            "name": c.name, "start_on": c.start_on, "end_on": c.end_on, "age_on": c.age_on,
            "target_sex": c.target_sex, "age_min": c.age_min, "age_max": c.age_max,
            "target_categories": c.target_categories, "version": c.version})
    health = access.can_see_health(user)
    return render(request, "screening/campaign_detail.html", {
        "c": c, "coverage": cov, "programme": prog, "edit": edit if can_edit else None,
        "conflict": conflict, "can_see_health": health,
        "open_count": selectors.worklist(user=user, campaign=c).count() if health else None,
        "age_text": selectors.age_range_text(c),
    }, status=status)


@login_required
def campaign_detail(request, pk: int):
    return _campaign_page(request, pk)


@login_required
@require_POST
def campaign_edit(request, pk: int):
    user = request.user
    c = selectors.campaign_get(user=user, pk=pk)
    out = call_service(CampaignEditForm(request.POST), lambda d: services.campaign_update(
        user=user, campaign=c, expected_version=d["version"], name=d["name"],
        start_on=d["start_on"], end_on=d["end_on"], age_on=d["age_on"],
        target_sex=d["target_sex"], age_min=d["age_min"], age_max=d["age_max"],
        target_categories=d["target_categories"]),
        current_version=lambda: selectors.campaign_get(user=user, pk=pk).version)
    if out.ok:
        messages.success(request, _("已保存筛查项目"))
        return redirect("screening:campaign", pk)
    return _campaign_page(request, pk, edit=out.form, status=out.status, conflict=out.conflict)


@login_required
def coverage_export(request, pk: int):
    c = selectors.campaign_get(user=request.user, pk=pk)
    return _download(request, lambda: (export.coverage_sheet(user=request.user, campaign=c), []),
                     f"coverage-{c.pk}")


# ================================================================ target list
def _target_filters(request, c):
    regions = [r for r in region_selectors.region_options(user=request.user, depth=2)
               if r.code.startswith(c.region_code) and len(r.code) > len(c.region_code)]
    form = TargetFilterForm(request.GET, regions=regions)
    data = form.cleaned_data if form.is_valid() else {}
    screened = {"yes": True, "no": False}.get(data.get("screened") or "")
    return form, data, screened


def _targets_page(request, pk: int, *, bulk: BulkForm | None = None, status: int = 200):
    user = request.user
    c = selectors.campaign_get(user=user, pk=pk)
    form, data, screened = _target_filters(request, c)
    qs = selectors.target_rows(user=user, campaign=c, screened=screened,
                               region_code=data.get("region") or "")
    page = paginate(qs, number=data.get("page"), params=request.GET.dict(),
                    per_page=TARGETS_PER_PAGE)
    can_write = access.can_write_health(user)
    todo = [p for p in page.items if p.result_id is None]
    if can_write and bulk is None and todo:
        bulk = BulkForm(persons=todo)
    return render(request, "screening/targets.html", {
        "c": c, "form": form, "page": page, "bulk": bulk if can_write else None,
        "can_write": can_write, "can_see_health": access.can_see_health(user),
        "age_text": selectors.age_range_text(c), "query": request.GET.urlencode(),
    }, status=status)


@login_required
def campaign_targets(request, pk: int):
    return _targets_page(request, pk)


@login_required
@require_POST
def campaign_targets_record(request, pk: int):
    """The results of the persons of one page of the target list, all at once or none."""
    user = request.user
    c = selectors.campaign_get(user=user, pk=pk)
    ids = [int(k[2:]) for k in request.POST if k.startswith("r_") and k[2:].isdigit()][:1000]
    persons = list(registry_selectors.person_scope(user=user).filter(pk__in=ids)
                   .order_by("region_code", "household_id", "id"))
    form = BulkForm(request.POST, persons=persons)
    field_map: dict[str, str] = {}
    if form.is_valid():  # the service names rows[i]: back to the fields of row i's person
        for i, (pid, _r, _f) in enumerate(form.rows()):
            field_map |= {f"rows[{i}].screened_on": "screened_on",
                          f"rows[{i}].result": f"r_{pid}", f"rows[{i}].person": f"r_{pid}",
                          f"rows[{i}].finding": f"f_{pid}"}

    def record(d):
        rows = form.rows()
        if not rows:
            raise DomainError(ErrorCode.REQUIRED, _("请至少为一人选择筛查结果"), field="rows")
        return services.result_record_bulk(user=user, campaign=c, rows=[
            services.ResultInput(person_id=pid, screened_on=d["screened_on"], result=res,
                                 finding=finding) for pid, res, finding in rows])

    out = call_service(form, record, field_map=field_map)
    if out.ok:
        messages.success(request, _("已登记 %(n)s 人的筛查结果") % {"n": len(out.result)})
        return redirect(reverse("screening:targets", args=[pk]) + "?screened=no")
    return _targets_page(request, pk, bulk=out.form, status=out.status)


@login_required
def targets_export(request, pk: int):
    c = selectors.campaign_get(user=request.user, pk=pk)
    _form, data, screened = _target_filters(request, c)
    return _download(request, lambda: export.targets_sheet(
        user=request.user, campaign=c, screened=screened, region_code=data.get("region") or ""),
        f"targets-{c.pk}")


# ================================================================ results
@login_required
def result_new(request, pk: int, person_pk: int):
    user = request.user
    c = selectors.campaign_get(user=user, pk=pk)
    person = registry_selectors.person_get(user=user, pk=person_pk)
    if request.method == "POST":
        out = call_service(ResultForm(request.POST), lambda d: services.result_record(
            user=user, campaign=c, person=person, screened_on=d["screened_on"],
            result=d["result"], finding=d["finding"]), field_map={"person": "__all__"})
        if out.ok:
            messages.success(request, _("已登记筛查结果"))
            if access.can_see_health(user):
                return redirect("screening:result", out.result.pk)
            return redirect("screening:targets", pk)
        form, status = out.form, out.status
    else:
        form, status = ResultForm(), 200
    reasons = selectors.not_target_reasons(user=user, campaign=c, person=person)
    return render(request, "screening/result_new.html", {
        "c": c, "person": person, "form": form, "reasons": reasons,
        "can_write": access.can_write_health(user)}, status=status)


def _result_page(request, pk: int, *, bound: dict | None = None, status: int = 200):
    user = request.user
    _health_reader(user)
    r = selectors.result_get(user=user, pk=pk)
    bound = bound or {}
    # a refused step's form stays on the page with its error, even when no longer allowed
    actions = selectors.result_actions(user=user, result=r)
    actions += [a for a in bound if a not in actions]
    forms = {a: bound.get(a) or StepForm(step=a, initial={"version": r.version,
                                                           "on_date": timezone.localdate()})
             for a in actions}
    steps = selectors.result_steps(user=user, result=r)
    for s in steps:
        s.label = rules.step_label(s.step)
    return render(request, "screening/result_detail.html", {
        "r": r, "steps": steps,
        "forms": [(a, rules.LABELS[rules.Step(a)], forms[a]) for a in actions],
        "next": rules.NEXT.get(r.stage, ""),
    }, status=status)


@login_required
def result_detail(request, pk: int):
    return _result_page(request, pk)


@login_required
@require_POST
def result_step(request, pk: int, step: str):
    user = request.user
    _health_reader(user)
    r = selectors.result_get(user=user, pk=pk)
    try:
        s = rules.Step(step)
    except ValueError:
        raise Http404(_("无此步骤")) from None
    form = StepForm(request.POST, step=s)
    out = call_service(form, lambda d: followthrough.result_step(
        user=user, result=r, step=s, on_date=d["on_date"], expected_version=d["version"],
        **{k: v for k, v in d.items() if k not in ("on_date", "version")}),
        field_map={"step": "__all__", "region_code": "__all__", "version": "__all__",
                   "person": "__all__", "disease_code": "__all__"})
    if out.ok:
        messages.success(request, _("已办理：%(s)s") % {"s": rules.LABELS[s]})
        return redirect("screening:result", pk)
    stale = [e for e in out.form.non_field_errors().as_data() if e.code == ErrorCode.STALE_VERSION]
    if stale:  # keep what was typed, at the current version: saving again is deliberate
        data = request.POST.copy()
        data[f"{s.value}-version"] = str(selectors.result_get(user=user, pk=pk).version)
        form = StepForm(data, step=s)
        form.is_valid()
        form.add_error(None, stale[0])
        return _result_page(request, pk, bound={s.value: form}, status=409)
    return _result_page(request, pk, bound={s.value: out.form}, status=out.status)


# ================================================================ worklist
@login_required
def worklist(request):
    user = request.user
    _health_reader(user)
    qs = selectors.worklist(user=user).select_related("campaign", "person")
    page = paginate(qs, number=_page_number(request), params=request.GET.dict())
    for r in page.items:
        r.next_step = rules.NEXT.get(r.stage, "")
        r.days = (timezone.localdate() - r.screened_on).days
    return render(request, "screening/worklist.html", {"page": page})


def _page_number(request) -> int:
    n = request.GET.get("page", "1")
    return int(n) if n.isdigit() and 0 < int(n) < 10_000_000 else 1


@login_required
def worklist_export(request):
    user = request.user
    _health_reader(user)
    qs = selectors.worklist(user=user).select_related("campaign", "person")[:export.EXPORT_LIMIT]
    return _download(request, lambda: export.worklist_sheet(user=user, results=qs.iterator(
        chunk_size=export.CHUNK)), "worklist")
