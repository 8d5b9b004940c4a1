"""Pages of the settlement: settle a person's stay, correct or reverse a settlement, the
printable one-stop bill with its versions and differences, the person's statements (loaded
into the person page). Only settlers see the forms (`access.can_settle`, decision 38)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jkfp.accounts import access
from jkfp.errors import DomainError
from jkfp.health.catalog import KINDS, catalog
from jkfp.policy.money import fmt_fen
from jkfp.registry import selectors as registry_selectors
from jkfp.web.forms import call_service

from . import selectors, services
from .forms import CorrectForm, ReverseForm, StayForm
from .models import HospitalStay


def _refusal(request):
    """The pages' refusal of a non-settler (403, `permission`), before any form is shown; None
    for a settler."""
    try:
        access.require_settler(request.user)
    except DomainError as exc:
        return render(request, "settlement/refused.html", {"message": _(exc.message)},
                      status=403)
    return None


@login_required
def person_statements(request, pk: int):
    person = registry_selectors.person_get(user=request.user, pk=pk)
    return render(request, "settlement/_person_statements.html", {
        "person": person,
        "statements": selectors.person_statements(user=request.user, person=person)[:50],
        "external": selectors.person_external_settlements(user=request.user, person=person)[:50],
        "can_settle": access.can_settle(request.user),
    })


@login_required
def stay_new(request, pk: int):
    person = registry_selectors.person_get(user=request.user, pk=pk)
    if (refused := _refusal(request)) is not None:
        return refused
    status = 200
    if request.method == "POST":
        out = call_service(StayForm(request.POST), lambda d: services.stay_settle(
            user=request.user, person=person, **d))
        if out.ok:
            return redirect("settlement:statement", pk=out.result.pk)
        form, status = out.form, out.status
    else:
        form = StayForm()
    return render(request, "settlement/stay_new.html", {"form": form, "p": person},
                  status=status)


def _initial(stay: HospitalStay) -> dict:
    return {"hospital_name": stay.hospital_name, "admission_number": stay.admission_number,
            "hospital_grade": stay.hospital_grade, "location": stay.location,
            "referred": stay.referred, "diagnosis_icd10": stay.diagnosis_icd10,
            "admission_date": stay.admission_date, "discharge_date": stay.discharge_date,
            "total_cost": fmt_fen(stay.total_fen), "in_policy_cost": fmt_fen(stay.in_policy_fen)}


@login_required
def stay_correct(request, pk: int):
    stay = selectors.stay_get(user=request.user, pk=pk)
    if (refused := _refusal(request)) is not None:
        return refused
    status = 200
    if request.method == "POST":
        out = call_service(CorrectForm(request.POST), lambda d: services.stay_correct(
            user=request.user, stay=stay, **d))
        if out.ok:
            return redirect("settlement:statement", pk=out.result.pk)
        form, status = out.form, out.status
    else:
        form = CorrectForm(initial=_initial(stay))
    return render(request, "settlement/stay_correct.html",
                  {"form": form, "p": stay.person, "stay": stay}, status=status)


@login_required
def statement_reverse(request, pk: int):
    st = selectors.statement_get(user=request.user, pk=pk)
    if (refused := _refusal(request)) is not None:
        return refused
    status = 200
    if request.method == "POST":
        out = call_service(ReverseForm(request.POST), lambda d: services.statement_reverse(
            user=request.user, statement=st, **d))
        if out.ok:
            return redirect("settlement:statement", pk=out.result.pk)
        form, status = out.form, out.status
    else:
        form = ReverseForm()
    return render(request, "settlement/statement_reverse.html",
                  {"form": form, "st": st, "p": st.person, "stay": st.stay}, status=status)


def diagnosis_name(stay: HospitalStay) -> str:
    """The diagnosis's disease in the catalog in force on the admission day, if a list has it."""
    if not stay.diagnosis_icd10:
        return ""
    try:
        cat = catalog()
        for kind in KINDS:
            d = cat.match(icd10=stay.diagnosis_icd10, region_code=stay.region_code,
                          on=stay.admission_date, kind=kind)
            if d is not None:
                return d.name
    except DomainError:  # a broken catalog must not hide the bill
        return ""
    return ""


@login_required
def statement_detail(request, pk: int):
    user = request.user
    st = selectors.statement_get(user=user, pk=pk)
    stay = st.stay
    health = access.can_see_health(user)
    return render(request, "settlement/statement.html", {
        "st": st, "d": st.detail, "p": st.person, "stay": stay,
        "show_diagnosis": health, "diagnosis_name": diagnosis_name(stay) if health else "",
        "difference": selectors.statement_difference(statement=st),
        "versions": selectors.stay_versions(user=user, statement=st),
        "current": selectors.current_statement_of(user=user, statement=st),
        "resettled": selectors.same_operation(user=user, statement=st),
        "can_settle": access.can_settle(user) and st.is_current,
    })
