"""Pages of the admission/exit workflow (准入/退出): the inbox (待办), the list of change
requests and a request's page with its steps, notice and the actions allowed to the user."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jkfp.web.forms import call_service
from jkfp.web.http import paginate

from . import procedure, selectors, services
from .forms import DecisionForm, NoticeForm, RequestFilterForm, WithdrawForm


@login_required
def inbox(request):
    items = list(selectors.change_request_inbox(user=request.user)[:500])
    return render(request, "admission/inbox.html", {"items": items})


@login_required
def request_list(request):
    form = RequestFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.change_request_list(user=request.user, status=data.get("status", ""))
    page = paginate(qs, number=data.get("page"), params=request.GET.dict())
    return render(request, "admission/request_list.html", {"form": form, "page": page})


ACTION_FORMS = {"notice": NoticeForm, "review": DecisionForm, "decide": DecisionForm,
                "withdraw": WithdrawForm}


def _request_page(request, pk: int, *, bound: dict | None = None, status: int = 200):
    cr = selectors.change_request_get(user=request.user, pk=pk)
    actions = selectors.change_request_actions(user=request.user, request=cr)
    bound = bound or {}
    today = timezone.localdate()
    limits = procedure.thresholds(on=today)
    initial = {"version": cr.version, "notice_start": today, "notice_days": limits.notice_min_days}
    forms = {a: bound.get(a) or ACTION_FORMS[a](initial=initial) for a in actions}
    return render(request, "admission/request_detail.html", {
        "cr": cr, "steps": selectors.change_request_steps(user=request.user, request=cr),
        "forms": forms,
        "exit_problems": selectors.change_request_exit_check(user=request.user, request=cr),
        "notice_open": cr.notice_end is not None and cr.notice_end >= today,
        "today": today, "due": selectors.change_request_due(request=cr),
        "limits": limits,
    }, status=status)


@login_required
def request_detail(request, pk: int):
    return _request_page(request, pk)


DONE = {"notice": gettext_lazy("已发布村级公示"), "review": gettext_lazy("已提交乡镇审核意见"),
        "decide": gettext_lazy("已提交县级审定结论"), "withdraw": gettext_lazy("申请已撤回")}


def _act(request, pk: int, action: str, run):
    """Validate the action's form, run the workflow service, and come back to the page."""
    cr = selectors.change_request_get(user=request.user, pk=pk)
    out = call_service(ACTION_FORMS[action](request.POST), lambda d: run(cr, d),
                       field_map={"notice_end": "__all__", "status": "__all__",
                                  "household": "__all__"})
    if out.ok:
        messages.success(request, DONE[action])
        return redirect(reverse("admission:request", args=[pk]))
    return _request_page(request, pk, bound={action: out.form}, status=out.status)


@login_required
@require_POST
def request_notice(request, pk: int):
    return _act(request, pk, "notice", lambda cr, d: services.change_request_post_notice(
        user=request.user, request=cr, expected_version=d["version"],
        notice_start=d["notice_start"], notice_days=d["notice_days"]))


@login_required
@require_POST
def request_review(request, pk: int):
    return _act(request, pk, "review", lambda cr, d: services.change_request_township_review(
        user=request.user, request=cr, expected_version=d["version"],
        approve=d["decision"] == "approve", comment=d["comment"]))


@login_required
@require_POST
def request_decide(request, pk: int):
    return _act(request, pk, "decide", lambda cr, d: services.change_request_county_decide(
        user=request.user, request=cr, expected_version=d["version"],
        approve=d["decision"] == "approve", comment=d["comment"]))


@login_required
@require_POST
def request_withdraw(request, pk: int):
    return _act(request, pk, "withdraw", lambda cr, d: services.change_request_withdraw(
        user=request.user, request=cr, expected_version=d["version"], comment=d["comment"]))
