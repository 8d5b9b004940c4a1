"""The household search and its Excel export (the list page of the registry), apart from the
household and person pages (views.py). A search carrying a full ID number comes by POST
(decision 39).
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jkfp.jobs import selectors as job_selectors
from jkfp.jobs import services as job_services
from jkfp.jobs.models import JobState
from jkfp.regions import selectors as region_selectors
from jkfp.web.http import PER_PAGE, capped_count, is_htmx, paginate

from . import export, listing, search, selectors
from .forms import (
    HouseholdAddressForm,
    HouseholdSearchForm,
    IncomeForm,
    MemberForm,
    ProposeForm,
    SupportMeasureForm,
)
from .tasks import export_path

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOAD_TOKEN = re.compile(r"^[A-Za-z0-9]{6,40}$")



# ================================================================ household list
@login_required
def household_list(request):
    """The household search. A search that carries a full ID number comes by POST and leaves
    only a keyed hash in the URL (`search`, decision 39); the rest is an ordinary GET."""
    if request.method == "POST":
        params = search.url_params(request.session, request.POST)
        url = reverse("registry:household_list") + (f"?{params.urlencode()}" if params else "")
        if not is_htmx(request):
            return redirect(url)
        response = _household_results(request, params)
        response["HX-Push-Url"] = url
        return response
    return _household_results(request, request.GET)


def _household_results(request, params):
    user = request.user
    data, problem = search.search_data(request.session, params)
    regions = region_selectors.region_options(user=user, include=data.get("region", ""))
    form = HouseholdSearchForm(data, regions=regions)
    valid = form.is_valid()
    if valid and problem:
        form.add_error("q", problem)
        valid = False
    data = form.cleaned_data if valid else {}
    qs = selectors.household_list(user=user, q=data.get("q", ""),
                                  category=data.get("category", ""),
                                  region_code=data.get("region", ""), order=data.get("sort", ""))
    if not valid:
        qs = qs.none()
    if params.get("count") == "1":
        n, more = capped_count(qs)
        rest = urlencode({k: v for k, v in params.dict().items() if k not in ("count", "dl")})
        return render(request, "registry/_count.html",
                      {"n": n, "more": more, "pages": -(-n // PER_PAGE), "query": rest})
    params = {k: v for k, v in params.dict().items() if k not in ("count", "dl")}
    page = paginate(qs, number=data.get("page"), params=params)
    rows = selectors.household_rows(user=user, households=page.items, q=data.get("q", ""))
    ctx = {"form": form, "page": page, "rows": listing.shown_rows(rows), "query": urlencode(params),
           "filtered": any(data.get(k) for k in ("q", "category", "region")),
           "invalid": not valid, "sort": data.get("sort", ""),
           "sort_urls": listing.sort_urls(params, data.get("sort", "")),
           "filters": listing.filter_text(form, data) if valid else ""}
    template = ("registry/_household_results.html" if is_htmx(request)
                else "registry/household_list.html")
    response = render(request, template, ctx)
    response["Vary"] = "HX-Request"
    return response


@login_required
def household_export(request):
    """The persons of the households the list shows, as an Excel workbook (numbers masked).

    The workbook is written into a temporary file and streamed (decision 26); the page's button
    says 正在生成… until the cookie `jkfp_export` comes back with the token it sent (`dl`).
    """
    user = request.user
    filters = _export_filters(request)
    if filters is None:
        return redirect("registry:household_list")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    tmp = tempfile.TemporaryFile(prefix="jkfp-export-")  # gone when the response closes it
    try:
        export.export_write(tmp, user=user, filters=filters,
                            title=_("家庭户成员名单（导出于 %(t)s）") % {"t": stamp})
        tmp.seek(0)
    except BaseException:
        tmp.close()
        raise
    response = FileResponse(tmp, as_attachment=True, filename=f"jkfp-persons-{stamp}.xlsx",
                            content_type=XLSX)
    token = request.GET.get("dl", "")
    if DOWNLOAD_TOKEN.match(token):
        response.set_cookie("jkfp_export", token, max_age=120, samesite="Lax")
    return response


@login_required
@require_POST
def household_export_job(request):
    """The same export as a background job, for a list too long for the page to wait on (the
    count offers it above COUNT_CAP households): its page shows the progress, then the file."""
    filters = _export_filters(request)
    if filters is None:
        return redirect("registry:household_list")
    job = job_services.job_submit(user=request.user, task="registry.export",
                                  params=dataclasses.asdict(filters))
    return redirect("jobs:job", pk=job.pk)


def _export_filters(request) -> export.ExportFilters | None:
    """The export's filters from the list's query (None when the search is not valid)."""
    data, problem = search.search_data(request.session, request.GET)
    regions = region_selectors.region_options(user=request.user, include=data.get("region", ""))
    form = HouseholdSearchForm(data, regions=regions)
    if problem or not form.is_valid():
        return None
    data = form.cleaned_data
    return export.ExportFilters(q=data.get("q", ""), category=data.get("category", ""),
                                region_code=data.get("region", ""))


@login_required
def household_export_file(request, job_id: int):
    """The workbook of a finished export job, to the user who submitted it."""
    job = job_selectors.job_get(user=request.user, job_id=job_id)
    path = export_path(job.pk)
    if job.task != "registry.export" or job.state != JobState.DONE:
        raise Http404(_("无此导出文件：任务未完成"))
    if not path.exists():   # (removed by the nightly cleanup: say so, and how to get it again)
        return render(request, "registry/export_gone.html", {
            "job_id": job.pk, "query": export.ExportFilters(**job.params).query(),
            "days": getattr(settings, "JKFP_EXPORT_KEEP_DAYS", 7)}, status=410)
    stamp = (job.result or {}).get("stamp", "")
    return FileResponse(path.open("rb"), as_attachment=True,
                        filename=f"jkfp-persons-{stamp or job.pk}.xlsx", content_type=XLSX)


# ================================================================ household page
FORM_CLASSES = {
    "address": HouseholdAddressForm,
    "member": MemberForm,
    "income": IncomeForm,
    "measure": SupportMeasureForm,
    "propose": ProposeForm,
}
