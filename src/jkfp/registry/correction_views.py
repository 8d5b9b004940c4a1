"""Pages of the ID corrections: a person's corrections with the proposal form, the region's
open corrections (a reviewer's work list), a correction with its decision form. Each view
validates a form, calls one service and renders; outside the region is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jkfp.accounts import access
from jkfp.web.forms import call_service
from jkfp.web.http import paginate

from . import corrections, selectors
from .change_forms import CorrectionForm, DecideForm
from .web_util import call_with_conflict


def _person_page(request, pk: int, *, form=None, status: int = 200):
    user = request.user
    p = selectors.person_get(user=user, pk=pk)
    return render(
        request,
        "registry/person_identity.html",
        {
            "p": p,
            "hh": p.household,
            "form": form or CorrectionForm(),
            "corrections": corrections.identity_corrections_of_person(user=user, person=p),
            "can_write": access.can_write(user),
        },
        status=status,
    )


@login_required
def person_identity(request, pk: int):
    if request.method != "POST":
        return _person_page(request, pk)
    user = request.user
    p = selectors.person_get(user=user, pk=pk)
    out = call_service(
        CorrectionForm(request.POST),
        lambda d: corrections.identity_correction_propose(
            user=user,
            person=p,
            new_id_number=d["new_id_number"],
            evidence=d["evidence"],
            sex=d["sex"] or None,
            birth_date=d["birth_date"],
        ),
    )
    if out.ok:
        messages.success(request, _("已提出更正，待审核人员审核"))
        return redirect(reverse("registry:correction", args=[out.result.pk]))
    return _person_page(request, pk, form=out.form, status=out.status)


@login_required
def correction_list(request):
    user = request.user
    raw = request.GET.get("page", "")
    number = int(raw) if raw.isdigit() and 0 < len(raw) < 8 else 1
    page = paginate(
        corrections.identity_corrections_open(user=user), number=number, params=request.GET.dict()
    )
    return render(
        request,
        "registry/correction_list.html",
        {"page": page, "can_review": access.can_review_registry(user)},
    )


def _detail(request, pk: int, *, form=None, status: int = 200, conflict: str = ""):
    user = request.user
    c = corrections.identity_correction_get(user=user, pk=pk)
    return render(
        request,
        "registry/correction_detail.html",
        {
            "c": c,
            "conflict": conflict,
            "can_decide": corrections.can_decide(user=user, correction=c),
            "can_withdraw": c.status == c.Status.PROPOSED
            and access.can_write(user)
            and (c.proposed_by_id == user.pk or access.can_review_registry(user)),
            "four_eyes": c.status == c.Status.PROPOSED and c.proposed_by_id == user.pk,
            "form": form or DecideForm(initial={"version": c.version}),
        },
        status=status,
    )


@login_required
def correction_detail(request, pk: int):
    return _detail(request, pk)


@login_required
@require_POST
def correction_decide(request, pk: int):
    user = request.user
    c = corrections.identity_correction_get(user=user, pk=pk)
    out = call_with_conflict(
        DecideForm,
        request.POST,
        lambda d: corrections.identity_correction_decide(
            user=user,
            correction=c,
            expected_version=d["version"],
            approve=d["decision"] == "approve",
            note=d["note"],
        ),
        current_version=lambda: corrections.identity_correction_get(user=user, pk=pk).version,
        field_map={"status": "__all__"},
    )
    if out.ok:
        messages.success(request, _("已审核：%(s)s") % {"s": out.result.get_status_display()})
        return redirect(reverse("registry:correction", args=[pk]))
    return _detail(request, pk, form=out.form, status=out.status, conflict=out.conflict)


@login_required
@require_POST
def correction_withdraw(request, pk: int):
    user = request.user
    c = corrections.identity_correction_get(user=user, pk=pk)
    out = call_with_conflict(
        DecideForm,
        {"decision": "reject", "version": request.POST.get("version", "")},
        lambda d: corrections.identity_correction_withdraw(
            user=user, correction=c, expected_version=d["version"]
        ),
        current_version=lambda: corrections.identity_correction_get(user=user, pk=pk).version,
        field_map={"status": "__all__"},
    )
    if out.ok:
        messages.success(request, _("已撤回更正"))
        return redirect(reverse("registry:correction", args=[pk]))
    return _detail(request, pk, status=out.status, conflict=out.conflict)
