"""Pages of the admission/exit workflow (准入/退出): the inbox (待办), the list of change
requests and a request's page with its steps, notice and the actions allowed to the user."""

from __future__ import annotations

import re
import tempfile
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jkfp.accounts import access
from jkfp.regions import selectors as region_selectors
from jkfp.web.forms import call_service
from jkfp.web.http import head, paginate

from . import attachments, export, procedure, selectors, services
from .forms import AttachmentForm, DecisionForm, NoticeForm, RequestFilterForm, WithdrawForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOAD_TOKEN = re.compile(r"^[A-Za-z0-9]{6,40}$")


#: requests shown on the inbox page; it says how many wait in all
INBOX_ROWS = 500


@login_required
def inbox(request):
    items = head(selectors.change_request_inbox(user=request.user), limit=INBOX_ROWS)
    return render(request, "admission/inbox.html", {"items": items})


def _filter_form(request) -> RequestFilterForm:
    regions = region_selectors.region_options(user=request.user,
                                              include=request.GET.get("region", ""))
    return RequestFilterForm(request.GET, regions=regions)


@login_required
def request_list(request):
    """The requests of the user's region with filters (region, category, action, status, date
    of proposal), pages, an Excel export of the same filters; a bad filter is named."""
    form = _filter_form(request)
    valid = form.is_valid()
    params = {k: v for k, v in request.GET.dict().items() if k != "dl"}
    if valid:
        qs = selectors.change_request_list(user=request.user, **form.filters())
    else:
        qs = selectors.change_request_list(user=request.user).none()
    page = paginate(qs, number=form.cleaned_data.get("page") if valid else None, params=params)
    query = urlencode({k: v for k, v in params.items() if k != "page" and v})
    return render(request, "admission/request_list.html", {
        "form": form, "page": page, "invalid": not valid, "query": query,
        "described": form.describe() if valid else ""})


@login_required
def request_export(request):
    """The list's requests as an Excel workbook (streamed from a temporary file, decision 26)."""
    form = _filter_form(request)
    if not form.is_valid():
        return redirect(reverse("admission:request_list") + "?" + request.GET.urlencode())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    tmp = tempfile.TemporaryFile(prefix="jkfp-requests-")  # gone when the response closes it
    try:
        export.request_export_write(tmp, user=request.user, filters=form.filters(),
                                    described=form.describe(),
                                    title=_("纳入/退出申请（导出于 %(t)s）") % {"t": stamp})
        tmp.seek(0)
    except BaseException:
        tmp.close()
        raise
    response = FileResponse(tmp, as_attachment=True, filename=f"jkfp-requests-{stamp}.xlsx",
                            content_type=XLSX)
    token = request.GET.get("dl", "")
    if DOWNLOAD_TOKEN.match(token):
        response.set_cookie("jkfp_export", token, max_age=120, samesite="Lax")
    return response


@login_required
def request_notice_print(request, pk: int):
    """The village notice (公示) of a request as a page to print and post; 404 before it is
    posted. It shows what the notice may show: no ID or phone number, no health detail."""
    cr = selectors.change_request_get(user=request.user, pk=pk)
    if not cr.notice_text:
        raise Http404(_("该申请尚未发布村级公示"))
    village = region_selectors.region_names(codes=[cr.region_code]).get(cr.region_code, "")
    return render(request, "admission/notice_print.html", {
        "cr": cr, "village": village, "today": timezone.localdate()})


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
    attach_form = (bound.get("attach") or AttachmentForm()) if access.can_write(
        request.user) else None
    return render(request, "admission/request_detail.html", {
        "cr": cr, "steps": selectors.change_request_steps(user=request.user, request=cr),
        "forms": forms,
        "exit_problems": selectors.change_request_exit_check(user=request.user, request=cr),
        "notice_open": cr.notice_end is not None and cr.notice_end >= today,
        "today": today, "due": selectors.change_request_due(request=cr),
        "limits": limits,
        "attachments": attachments.attachments_of_request(user=request.user, request=cr),
        "attach_form": attach_form,
        "max_mb": settings.JKFP_ATTACHMENT_MAX_BYTES // 1048576,
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


@login_required
@require_POST
def request_attach(request, pk: int):
    """Attach a scanned home-visit record or consent to the request (multipart form)."""
    cr = selectors.change_request_get(user=request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    out = call_service(form, lambda d: attachments.attachment_add(
        user=request.user, request=cr, kind=d["kind"], file=d["file"], name=d["file"].name,
        size=d["file"].size))
    if out.ok:
        messages.success(request, _("已上传附件“%(n)s”") % {"n": out.result.original_name})
        return redirect(reverse("admission:request", args=[pk]) + "#cr-attachments")
    return _request_page(request, pk, bound={"attach": out.form}, status=out.status)


@login_required
def attachment_download(request, pk: int):
    """An attachment's file, to whoever may see its request (404 otherwise); never cached."""
    att, fh = attachments.attachment_open(user=request.user, pk=pk)
    return FileResponse(fh, as_attachment=True, filename=att.original_name,
                        content_type=att.content_type)
