"""Pages of the settlement: settle a person's stay, the printable one-stop bill, the person's
statements (loaded into the person page)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from jkfp.accounts import access
from jkfp.registry import selectors as registry_selectors
from jkfp.web.forms import call_service

from . import selectors, services
from .forms import StayForm


@login_required
def person_statements(request, pk: int):
    person = registry_selectors.person_get(user=request.user, pk=pk)
    return render(request, "settlement/_person_statements.html", {
        "person": person,
        "statements": selectors.person_statements(user=request.user, person=person)[:50],
        "can_write": access.can_write(request.user),
    })


@login_required
def stay_new(request, pk: int):
    person = registry_selectors.person_get(user=request.user, pk=pk)
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


@login_required
def statement_detail(request, pk: int):
    st = selectors.statement_get(user=request.user, pk=pk)
    return render(request, "settlement/statement.html", {"st": st, "d": st.detail,
                                                         "p": st.person, "stay": st.stay})
