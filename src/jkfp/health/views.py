"""Pages of the health services: the county's special-treatment worklist, cases and their steps,
chronic registrations, and a person's health page with the whole course in one timeline."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jkfp.accounts import access
from jkfp.errors import DomainError
from jkfp.regions.selectors import region_names, region_options
from jkfp.registry import selectors as registry_selectors
from jkfp.web.forms import call_service
from jkfp.web.http import paginate

from . import catalog as catalog_mod
from . import export, rules, selectors, services, timeline
from .forms import (
    CaseFilterForm,
    CaseNewForm,
    CaseStepForm,
    ChronicEndForm,
    ChronicRegisterForm,
    RegistrationFilterForm,
)
from .models import SpecialCase


def _health_reader(request) -> None:
    try:
        access.require_health_reader(request.user)
    except DomainError as e:
        raise PermissionDenied(e.message) from None


def _disease_names(region_code: str, kind: str) -> dict[str, str]:
    today = timezone.localdate()
    cat = catalog_mod.catalog()
    return {d.code: d.name for d in cat.in_force(region_code=region_code, on=today, kind=kind)}


def _filter_choices(request, kind: str) -> dict:
    """The disease and region choices of a list's filter: the catalogue's diseases of `kind` in
    force today (and a code asked for by a link that is no longer in force), the user's nodes."""
    names = _disease_names(request.user.region_code or "", kind)
    asked = request.GET.get("disease", "")
    if asked and asked not in names and len(asked) <= 40:
        names[asked] = asked
    return {"diseases": sorted(names.items()),
            "regions": region_options(user=request.user, include=request.GET.get("region", ""))}


def _names_for(user) -> dict[str, str]:
    region = user.region_code or ""
    names = {}
    for kind in ("special_treatment", "chronic_priority"):
        names.update(_disease_names(region, kind))
    return names


# ---------------------------------------------------------------- the county's worklist
@login_required
def home(request):
    _health_reader(request)
    user = request.user
    region = user.region_code or ""
    child = min(len(region) + (2 if len(region) < 4 else 3), 12) if region else 2
    counts = selectors.batch_counts(user=user, region_code=region, child_length=child)
    names = region_names(codes=counts)
    return render(request, "health/home.html", {
        "by_disease": selectors.open_cases_by_disease_and_hospital(user=user),
        "batches": selectors.BATCHES,
        "batch_rows": [(code, names.get(code, code), counts[code]) for code in sorted(counts)],
        "disease_names": _names_for(user),
    })


# ---------------------------------------------------------------- cases
def _case_filters(request):
    form = CaseFilterForm(request.GET, **_filter_choices(request, "special_treatment"))
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.case_list(user=request.user, status=data.get("status", ""),
                             disease_code=data.get("disease", ""),
                             region_code=data.get("region", ""))
    return form, data, qs


@login_required
def case_list(request):
    _health_reader(request)
    form, data, qs = _case_filters(request)
    page = paginate(qs, number=data.get("page"), params=request.GET.dict())
    return render(request, "health/case_list.html", {
        "form": form, "page": page, "disease_names": _names_for(request.user)})


@login_required
def case_export(request):
    _health_reader(request)
    form, data, qs = _case_filters(request)
    tmp = export.cases_write(user=request.user, cases=qs, filters=request.GET.dict(),
                             path=request.path)
    return FileResponse(tmp, as_attachment=True, filename="special-cases.xlsx",
                        content_type=export.XLSX)


def _case_page(request, pk: int, *, bound: CaseStepForm | None = None, status: int = 200):
    _health_reader(request)
    case = selectors.case_get(user=request.user, pk=pk)
    allowed = rules.steps_allowed(user=request.user, case=case)
    forms = []
    for s in allowed:
        form = bound if bound is not None and bound.data.get("step") == s.name else CaseStepForm(
            initial={"step": s.name, "version": case.version, "on_date": timezone.localdate(),
                     "hospital_name": case.hospital_name, "treatment_plan": case.treatment_plan})
        forms.append((s, form, [form[f] for f in CaseStepForm.FIELDS[s.name]]))
    return render(request, "health/case_detail.html", {
        "case": case, "steps": selectors.case_steps(user=request.user, case=case),
        "forms": forms, "costs": selectors.case_costs(user=request.user, case=case),
        "disease": timeline.disease_name(case.disease_code, case.region_code, case.found_on),
        "step_labels": {"found": "发现", **{n: st.label for n, st in rules.STEPS.items()}},
        "status_labels": dict(SpecialCase.Status.choices),
    }, status=status)


@login_required
def case_detail(request, pk: int):
    return _case_page(request, pk)


@login_required
@require_POST
def case_step(request, pk: int):
    _health_reader(request)
    case = selectors.case_get(user=request.user, pk=pk)
    out = call_service(CaseStepForm(request.POST), lambda d: services.special_case_step(
        user=request.user, case=case, step=d["step"], on_date=d["on_date"],
        expected_version=d["version"], comment=d["comment"], outcome=d["outcome"],
        close_reason=d["close_reason"], hospital_name=d["hospital_name"],
        treatment_plan=d["treatment_plan"]),
        current_version=lambda: selectors.case_get(user=request.user, pk=pk).version)
    if out.ok:
        messages.success(request, _("已办理：%(s)s") % {"s": _(rules.STEPS[out.form.cleaned_data["step"]].label)})
        return redirect("health:case", pk=pk)
    if out.conflict:
        messages.error(request, out.conflict)
    return _case_page(request, pk, bound=out.form, status=out.status)


# ---------------------------------------------------------------- chronic registrations
def _registration_filters(request):
    form = RegistrationFilterForm(request.GET, **_filter_choices(request, "chronic_priority"))
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.registration_list(user=request.user, disease_code=data.get("disease", ""),
                                     region_code=data.get("region", ""))
    return form, data, qs


@login_required
def registration_list(request):
    _health_reader(request)
    form, data, qs = _registration_filters(request)
    page = paginate(qs, number=data.get("page"), params=request.GET.dict())
    return render(request, "health/registration_list.html", {
        "form": form, "page": page, "disease_names": _names_for(request.user)})


@login_required
def registration_export(request):
    _health_reader(request)
    form, data, qs = _registration_filters(request)
    tmp = export.registrations_write(user=request.user, registrations=qs,
                                     filters=request.GET.dict(), path=request.path)
    return FileResponse(tmp, as_attachment=True, filename="chronic-patients.xlsx",
                        content_type=export.XLSX)


def _registration_page(request, pk: int, *, bound=None, status: int = 200):
    _health_reader(request)
    reg = selectors.registration_get(user=request.user, pk=pk)
    return render(request, "health/registration_detail.html", {
        "reg": reg, "disease": timeline.disease_name(reg.disease_code, reg.region_code,
                                                     reg.diagnosed_on),
        "end_form": bound or ChronicEndForm(initial={"version": reg.version}),
        "can_write": access.can_write_health(request.user),
        "today": timezone.localdate(),
    }, status=status)


@login_required
def registration_detail(request, pk: int):
    return _registration_page(request, pk)


@login_required
@require_POST
def registration_end(request, pk: int):
    _health_reader(request)
    reg = selectors.registration_get(user=request.user, pk=pk)
    out = call_service(ChronicEndForm(request.POST), lambda d: services.chronic_end(
        user=request.user, registration=reg, expected_version=d["version"],
        ended_on=d["ended_on"], reason=d["reason"]),
        current_version=lambda: selectors.registration_get(user=request.user, pk=pk).version)
    if out.ok:
        messages.success(request, _("已结束管理"))
        return redirect("health:registration", pk=pk)
    return _registration_page(request, pk, bound=out.form, status=out.status)


# ---------------------------------------------------------------- a person's health page
def _person_page(request, pk: int, *, bound: dict | None = None, status: int = 200):
    person = registry_selectors.person_get(user=request.user, pk=pk)
    health = selectors.person_health(user=request.user, person=person)
    bound = bound or {}
    ctx = {"p": person, "health": health, "open": dict.fromkeys(bound, True)}
    if health.detailed:
        ctx["timeline"] = timeline.person_timeline(user=request.user, person=person)
        ctx["disease_names"] = _names_for(request.user)
        if access.can_write_health(request.user) and person.alive:
            ctx["forms"] = {"chronic": bound.get("chronic") or ChronicRegisterForm(),
                            "case": bound.get("case") or CaseNewForm()}
    return render(request, "health/person_health.html", ctx, status=status)


@login_required
def person_health(request, pk: int):
    return _person_page(request, pk)


@login_required
def person_summary(request, pk: int):
    """The person page's health section (loaded into it): status, batch, open records."""
    person = registry_selectors.person_get(user=request.user, pk=pk)
    health = selectors.person_health(user=request.user, person=person)
    return render(request, "health/_person_summary.html", {
        "p": person, "health": health,
        "disease_names": _names_for(request.user) if health.detailed else {}})


@login_required
@require_POST
def person_chronic_new(request, pk: int):
    _health_reader(request)
    person = registry_selectors.person_get(user=request.user, pk=pk)
    out = call_service(ChronicRegisterForm(request.POST), lambda d: services.chronic_register(
        user=request.user, person=person, icd10=d["icd10"], diagnosed_on=d["diagnosed_on"],
        confirmed_by=d["confirmed_by"], registered_on=d["registered_on"],
        outpatient_certified_on=d["outpatient_certified_on"], risk_level=d["risk_level"],
        treatment_start=d["treatment_start"], note=d["note"]))
    if out.ok:
        messages.success(request, _("已登记慢病管理"))
        return redirect("health:person", pk=pk)
    return _person_page(request, pk, bound={"chronic": out.form}, status=out.status)


@login_required
@require_POST
def person_case_new(request, pk: int):
    _health_reader(request)
    person = registry_selectors.person_get(user=request.user, pk=pk)
    out = call_service(CaseNewForm(request.POST), lambda d: services.special_case_create(
        user=request.user, person=person, **d))
    if out.ok:
        messages.success(request, _("已新建大病专项救治病例"))
        return redirect("health:case", pk=out.result.pk)
    return _person_page(request, pk, bound={"case": out.form}, status=out.status)
