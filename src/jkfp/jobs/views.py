"""Pages of background jobs: the user's jobs, one job's page with a progress bar that htmx
polls (`job_status` answers the bar alone; once the job has ended the answer no longer asks to
be polled), and the retry and cancel buttons. A job of another user is not found (404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jkfp.errors import DomainError

from . import selectors, services


@login_required
def job_list(request):
    jobs = [selectors.job_view(j) for j in selectors.job_list(user=request.user)]
    return render(request, "jobs/job_list.html", {"jobs": jobs})


@login_required
def job_detail(request, pk: int):
    job = selectors.job_get(user=request.user, job_id=pk)
    return render(request, "jobs/job_detail.html", {"job": selectors.job_view(job)})


@login_required
def job_status(request, pk: int):
    job = selectors.job_get(user=request.user, job_id=pk)
    return render(request, "jobs/_status.html", {"job": selectors.job_view(job)})


@login_required
@require_POST
def job_retry(request, pk: int):
    try:
        services.job_retry(user=request.user, job_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重新提交任务"))
    return redirect("jobs:job", pk)


@login_required
@require_POST
def job_cancel(request, pk: int):
    try:
        services.job_cancel(user=request.user, job_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已请求取消任务"))
    return redirect("jobs:job", pk)
