"""Pages of the registry: household list and search, household and person pages, registration.

Each view validates a form, calls one service (writes) or the scoped selectors (reads), and
renders. A record outside the user's region is a 404 (the selectors raise it). Inline forms
post with htmx and get the re-rendered page back; htmx swaps the section the form belongs to
(and the history). Without JavaScript the same forms work as plain posts.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jkfp.accounts import access
from jkfp.admission import selectors as admission_selectors
from jkfp.admission import services as admission_services
from jkfp.regions import selectors as region_selectors
from jkfp.web.forms import call_service
from jkfp.web.http import is_htmx

from . import idnumber, selectors, services
from .forms import (
    DeathForm,
    HouseholdAddressForm,
    HouseholdRegisterForm,
    IncomeForm,
    MemberForm,
    MemberFormSet,
    PersonEditForm,
    ProposeForm,
    SupportMeasureForm,
)

UNPROCESSABLE = 422


def _household_page(request, pk: int, *, bound: dict | None = None, status: int = 200,
                    conflict: str = ""):
    user = request.user
    detail = selectors.household_detail(user=user, pk=pk)
    hh = detail.household
    bound = bound or {}
    forms = {
        "address": bound.get("address") or HouseholdAddressForm(
            initial={"address": hh.address, "version": hh.version}),
        "member": bound.get("member") or MemberForm(prefix="m"),
        "income": bound.get("income") or IncomeForm(
            initial={"members": sum(1 for m in detail.members if m.alive)}),
        "measure": bound.get("measure") or SupportMeasureForm(),
        "propose": bound.get("propose") or ProposeForm(
            members=[m for m in detail.members if m.alive], periods=detail.current_periods,
            categories=admission_selectors.proposable_categories(periods=detail.current_periods)),
    }
    return render(request, "registry/household_detail.html", {
        "d": detail, "hh": hh, "forms": forms, "open": dict.fromkeys(bound, True), "conflict": conflict,
        "can_write": access.can_write(user),
        "can_propose": access.can_propose(user),
        "limits": admission_selectors.thresholds_in_force(),
    }, status=status)


def hx_redirect(request, url: str):
    """Go to another page: htmx is told to navigate (HX-Redirect), others get a 302."""
    if is_htmx(request):
        response = HttpResponse("")
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _done(request, url: str, message: str, render_fresh):
    """After a successful write: htmx gets the fresh page to swap in, others a redirect."""
    messages.success(request, message)
    if is_htmx(request):
        return render_fresh()
    return redirect(url)


@login_required
def household_detail(request, pk: int):
    return _household_page(request, pk)


@login_required
@require_POST
def household_edit_address(request, pk: int):
    user = request.user
    hh = selectors.household_get(user=user, pk=pk)
    out = call_service(
        HouseholdAddressForm(request.POST),
        lambda d: services.household_update(user=user, household=hh,
                                            expected_version=d["version"], address=d["address"]),
        current_version=lambda: selectors.household_get(user=user, pk=pk).version)
    if out.ok:
        return _done(request, hh_url(pk), _("住址已保存"), lambda: _household_page(request, pk))
    return _household_page(request, pk, bound={"address": out.form}, conflict=out.conflict,
                           status=out.status)


def hh_url(pk: int) -> str:
    return reverse("registry:household", args=[pk])


def _member_input(data: dict) -> services.MemberInput:
    return services.MemberInput(
        id_number=data["id_number"], name=data["name"], relation=data["relation"],
        sex=data.get("sex") or None, birth_date=data.get("birth_date"),
        phone=data.get("phone") or "", work_ability=data["work_ability"])


def _household_section(request, pk: int, section: str, form, call, done, **kw):
    """One inline form of the household page: call the service, then the fresh page or the
    page again with the form's errors."""
    out = call_service(form, call, **kw)
    if out.ok:
        message = done(out.result) if callable(done) else done
        return _done(request, hh_url(pk), message, lambda: _household_page(request, pk))
    return _household_page(request, pk, bound={section: out.form}, status=out.status)


@login_required
@require_POST
def household_add_member(request, pk: int):
    hh = selectors.household_get(user=request.user, pk=pk)
    return _household_section(
        request, pk, "member", MemberForm(request.POST, prefix="m"),
        lambda d: services.person_add(user=request.user, household=hh, member=_member_input(d)),
        lambda p: _("已添加成员 %(name)s") % {"name": p.name})


@login_required
@require_POST
def household_record_income(request, pk: int):
    hh = selectors.household_get(user=request.user, pk=pk)
    return _household_section(
        request, pk, "income", IncomeForm(request.POST),
        lambda d: services.household_income_record(
            user=request.user, household=hh, year=d["year"], total_yuan=d["total_yuan"],
            members=d["members"], source=d["source"]),
        lambda inc: _("已登记%(year)s年收入") % {"year": inc.year},
        field_map={"total_income": "total_yuan"})


@login_required
@require_POST
def household_add_measure(request, pk: int):
    hh = selectors.household_get(user=request.user, pk=pk)
    return _household_section(
        request, pk, "measure", SupportMeasureForm(request.POST),
        lambda d: services.support_measure_add(user=request.user, household=hh, kind=d["kind"],
                                               description=d["description"],
                                               start_date=d["start_date"]),
        _("已登记帮扶措施"))


@login_required
@require_POST
def household_propose(request, pk: int):
    """The household page's proposal form; the procedure itself is `jkfp.admission`."""
    detail = selectors.household_detail(user=request.user, pk=pk)
    hh = detail.household
    members = {str(m.pk): m for m in detail.members}
    periods = {str(p.pk): p for p in detail.current_periods}
    form = ProposeForm(request.POST, members=[m for m in detail.members if m.alive],
                       periods=detail.current_periods,
                       categories=admission_selectors.proposable_categories(
                           periods=detail.current_periods))
    out = call_service(form, lambda d: admission_services.change_request_propose(
        user=request.user, action=d["action"], category=d["category"], household=hh,
        person=members.get(d["person"]), period=periods.get(d["period"]),
        reason=d["reason"], effective_date=d["effective_date"], channel=d["channel"],
        home_visit_on=d["home_visit_on"], consent_on=d["consent_on"],
        comparison_note=d["comparison_note"], village_review_on=d["village_review_on"],
        end_way=d["end_way"], exit_year=d["exit_year"]),
        field_map={"household": "__all__", "status": "__all__"})
    if out.ok:
        messages.success(request, _("申请已提出，待村级公示"))
        return hx_redirect(request, reverse("admission:request", args=[out.result.pk]))
    return _household_page(request, pk, bound={"propose": out.form}, status=out.status)


# ================================================================ register a household
@login_required
def household_register(request):
    user = request.user
    if not access.can_write(user):
        raise PermissionDenied(_("您的角色为只读，不能登记家庭户"))
    villages = region_selectors.village_choices(user=user)
    if request.method == "POST":
        form = HouseholdRegisterForm(request.POST, villages=villages)
        formset = MemberFormSet(request.POST, prefix="members")
        if formset.is_valid():
            used = [f for f in formset.forms if f.has_changed()]
            out = call_service(form, lambda d: services.household_register(
                user=user, household_number=d["household_number"], village_code=d["village"],
                address=d["address"], members=[_member_input(f.cleaned_data) for f in used]),
                field_map={"village_code": "village"}, formsets={"members": _Forms(used)})
            if out.ok:
                messages.success(request, _("已登记家庭户 %(n)s") % {"n": out.result.household_number})
                return redirect(hh_url(out.result.pk))
        else:
            form.is_valid()
        status = UNPROCESSABLE
    else:
        form = HouseholdRegisterForm(villages=villages)
        formset = MemberFormSet(prefix="members", initial=[{"relation": "head"}])
        status = 200
    return render(request, "registry/household_register.html",
                  {"form": form, "formset": formset}, status=status)


class _Forms:
    """The filled-in forms of a formset, in the order the service numbered the members."""

    def __init__(self, forms):
        self.forms = forms


# ================================================================ person page
def _person_page(request, pk: int, *, bound: dict | None = None, status: int = 200,
                 revealed: dict | None = None, conflict: str = ""):
    detail = selectors.person_detail(user=request.user, pk=pk)
    p = detail.person
    bound = bound or {}
    forms = {
        "edit": bound.get("edit") or PersonEditForm(initial={
            "name": p.name, "phone": idnumber.mask_phone(p.phone), "relation": p.relation,
            "work_ability": p.work_ability, "version": p.version}),
        "death": bound.get("death") or DeathForm(initial={"version": p.version}),
    }
    return render(request, "registry/person_detail.html", {
        "d": detail, "p": p, "hh": detail.household, "forms": forms, "open": dict.fromkeys(bound, True),
        "revealed": revealed or {}, "conflict": conflict,
        "can_write": access.can_write(request.user),
    }, status=status)


def person_url(pk: int) -> str:
    return reverse("registry:person", args=[pk])


@login_required
def person_detail(request, pk: int):
    return _person_page(request, pk)


@login_required
@require_POST
def person_reveal(request, pk: int):
    """Show a full ID or phone number to an allowed role; each showing is logged."""
    person = selectors.person_get(user=request.user, pk=pk)
    field = request.POST.get("field", "id_number")
    if field not in ("id_number", "phone"):
        field = "id_number"
    try:
        value = services.person_reveal(user=request.user, person=person, field=field,
                                       channel="web", path=request.path)
    except PermissionError:
        raise PermissionDenied(_("您的角色无权查看完整信息")) from None
    if is_htmx(request):
        return render(request, "registry/_revealed.html", {"field": field, "value": value})
    return _person_page(request, pk, revealed={field: value})


def _person_section(request, pk: int, section: str, form, call, done: str):
    """One form of the person page; a stale save keeps what the user typed (409)."""
    out = call_service(form, call, current_version=lambda: selectors.person_get(
        user=request.user, pk=pk).version)
    if out.ok:
        return _done(request, person_url(pk), done, lambda: _person_page(request, pk))
    return _person_page(request, pk, bound={section: out.form}, conflict=out.conflict,
                        status=out.status)


@login_required
@require_POST
def person_edit(request, pk: int):
    person = selectors.person_get(user=request.user, pk=pk)

    def save(d: dict):
        # the form shows the phone masked (DESIGN.md rule 12): left as shown, it stays as is
        phone = person.phone if d["phone"] == idnumber.mask_phone(person.phone) else d["phone"]
        return services.person_update(user=request.user, person=person,
                                      expected_version=d["version"], name=d["name"],
                                      phone=phone, relation=d["relation"],
                                      work_ability=d["work_ability"])

    return _person_section(request, pk, "edit", PersonEditForm(request.POST), save, _("已保存"))


@login_required
@require_POST
def person_record_death(request, pk: int):
    person = selectors.person_get(user=request.user, pk=pk)
    return _person_section(
        request, pk, "death", DeathForm(request.POST),
        lambda d: services.person_record_death(user=request.user, person=person,
                                               expected_version=d["version"],
                                               death_date=d["death_date"]),
        _("已登记死亡"))
