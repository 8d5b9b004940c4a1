"""Pages of the data exchange: the batches and the upload form, one batch (summary counts,
errors, review queue, changes, apply, undo), the comparison workbook. A batch outside the
user's region is 404; who may import is `accounts.access.can_import`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jkfp.accounts.access import IMPORT_OWNERS, can_import
from jkfp.categories import LABELS, Category
from jkfp.errors import DomainError
from jkfp.jobs import selectors as job_selectors
from jkfp.policy.money import parse_yuan
from jkfp.web.http import head

from . import enrolment_share, kinds, report, reverse_share, selectors, selfpay_share, services
from .forms import ApplyForm, DecisionForm, UploadForm
from .models import STATUS_KEYS, BatchState, RowStatus
from .settlement_stage_rows import batch_rows_all

SHOWN_ROWS = 300
#: the latest import batches on the list page; it says when there are more
BATCH_ROWS = 100


def _allowed(user) -> list[str]:
    return [k for k in IMPORT_OWNERS if can_import(user, k)]


@login_required
def batch_list(request):
    allowed = _allowed(request.user)
    form = UploadForm(allowed=allowed)
    if request.method == "POST" and allowed:
        form = UploadForm(request.POST, request.FILES, allowed=allowed)
        if form.is_valid():
            f = form.cleaned_data["file"]
            try:  # the check runs as a background job; its progress is on the batch's page
                batch = services.batch_check_submit(
                    user=request.user,
                    kind=form.cleaned_data["kind"],
                    data=f.read(),
                    file_name=f.name,
                    sheet=form.cleaned_data["sheet"] or None,
                )
            except DomainError as exc:
                form.add_error("file", exc.message)
                for e in getattr(exc, "errors", [])[1:]:
                    form.add_error("file", e.message)
            else:
                return redirect("exchange:batch", batch.pk)
    batches = head(selectors.batch_list(user=request.user), limit=BATCH_ROWS)
    known = kinds.load()
    return render(
        request,
        "exchange/batch_list.html",
        {
            "form": form,
            "allowed": allowed,
            "batches": batches,
            "kind_names": {k: v.name for k, v in known.items()},
        },
        status=422 if form.errors else 200,
    )


@login_required
def batch_detail(request, pk: int):
    batch = selectors.batch_get(user=request.user, pk=pk)
    rows = selectors.batch_rows(user=request.user, batch=batch)
    queue = list(selectors.review_queue(user=request.user, batch=batch)[:SHOWN_ROWS])
    ids = {c["person_id"] for r in queue for c in r.candidates}
    people = selectors.candidate_persons(user=request.user, ids=list(ids))
    for r in queue:
        r.options = [{**c, **people.get(c["person_id"], {})} for c in r.candidates]
    summary = batch.summary or {}
    check_job = None
    if batch.check_job_id and batch.state in (BatchState.CHECKING, BatchState.CHECK_FAILED):
        try:
            check_job = job_selectors.job_view(
                job_selectors.job_get(user=request.user, job_id=batch.check_job_id)
            )
        except Http404:  # another user's job: the batch's state and message say enough
            check_job = None
    return render(
        request,
        "exchange/batch_detail.html",
        {
            "batch": batch,
            "kind": kinds.kind(batch.kind),
            "summary": summary,
            "counts": [(k, summary.get(k, 0)) for k in STATUS_KEYS],
            "errors": rows.filter(status=RowStatus.ERROR)[:SHOWN_ROWS],
            "changed": batch_rows_all(
                user=request.user, batch=batch, limit=SHOWN_ROWS,
                statuses=(RowStatus.CREATED, RowStatus.UPDATED, RowStatus.ENDED),
            ),
            "ignored": batch_rows_all(user=request.user, batch=batch, limit=SHOWN_ROWS,
                                      statuses=(RowStatus.IGNORED,)),
            "queue": queue,
            "may_import": can_import(request.user, batch.kind),
            "can_apply": selectors.can_apply(user=request.user, batch=batch),
            "can_undo": batch.state == BatchState.APPLIED,
            "apply_form": ApplyForm(),
            "comparison": batch.comparison or {},
            "check_job": check_job,
        },
    )


@login_required
@require_POST
def row_decide(request, pk: int, line: int):
    batch = selectors.batch_get(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("处理方式无效"))
        return redirect("exchange:batch", pk)
    try:
        services.batch_row_decide(
            user=request.user,
            batch=batch,
            line=line,
            decision=form.cleaned_data["decision"],
            person_id=form.cleaned_data["person_id"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("第%(line)s行已处理") % {"line": line})
    return redirect("exchange:batch", pk)


@login_required
@require_POST
def batch_apply(request, pk: int):
    batch = selectors.batch_get(user=request.user, pk=pk)
    form = ApplyForm(request.POST)
    skip = form.is_valid() and form.cleaned_data["skip_invalid"]
    try:
        job = services.batch_apply_submit(user=request.user, batch=batch, skip_invalid=skip)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("exchange:batch", pk)
    messages.success(request, _("已提交导入任务 #%(job)s") % {"job": job.pk})
    return redirect("jobs:job", job.pk)


@login_required
@require_POST
def batch_undo(request, pk: int):
    batch = selectors.batch_get(user=request.user, pk=pk)
    try:
        services.batch_undo(user=request.user, batch=batch)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已撤销该批次：新增的类别期间已作废，终止和修改已恢复"))
    return redirect("exchange:batch", pk)


@login_required
def batch_report(request, pk: int):
    batch = selectors.batch_get(user=request.user, pk=pk)
    data = report.batch_workbook(user=request.user, batch=batch)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="exchange-{batch.pk}.xlsx"'
    return response


def _year(request) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and len(raw) == 4 else timezone.localdate().year


@login_required
def not_enrolled(request):
    """Sharing back to medical insurance: the registered poor not enrolled in a year (names,
    villages and categories; the ID numbers only in the download, which is logged)."""
    year = _year(request)
    try:
        rows = enrolment_share.not_enrolled(user=request.user, year=year)
    except DomainError as exc:
        messages.error(request, exc.message)
        rows = []
    rule = enrolment_share.insured_rule()
    return render(
        request,
        "exchange/not_enrolled.html",
        {
            "year": year,
            "rows": rows[:SHOWN_ROWS],
            "total": len(rows),
            "rule": rule,
            "categories": [LABELS[Category(c)] for c in rule.categories],
        },
    )


@login_required
def not_enrolled_download(request):
    year = _year(request)
    data, _n = enrolment_share.not_enrolled_workbook(
        user=request.user, year=year, path=request.path
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="not-enrolled-{year}.xlsx"'
    return response


def _threshold(request) -> int | None:
    raw = (request.GET.get("threshold") or "").strip()
    return parse_yuan(raw, field="threshold") if raw else None


@login_required
def high_self_pay(request):
    """Sharing back to civil affairs and rural revitalisation: the monitored persons with a
    high medical self-pay in a year (names, villages, amounts; the ID numbers only in the
    download, which is logged)."""
    year = _year(request)
    rows, threshold, error = [], None, ""
    try:
        rows, threshold = selfpay_share.high_self_pay(
            user=request.user, year=year, threshold_fen=_threshold(request))
    except DomainError as exc:
        error = exc.message
    return render(request, "exchange/high_self_pay.html", {
        "year": year, "rows": rows[:SHOWN_ROWS], "total": len(rows), "threshold": threshold,
        "threshold_text": request.GET.get("threshold", ""), "error": error,
        "departments": selfpay_share.DEPARTMENT_NAMES,
    }, status=422 if error else 200)


@login_required
def high_self_pay_download(request):
    year = _year(request)
    try:
        data, _n = selfpay_share.high_self_pay_workbook(
            user=request.user, year=year, department=request.GET.get("department", ""),
            threshold_fen=_threshold(request), path=request.get_full_path())
    except DomainError as exc:
        return HttpResponse(exc.message, status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="high-self-pay-{year}.xlsx"'
    return response


@login_required
def batch_two_way(request, pk: int):
    """The two-way check of a civil-affairs or monitoring list, in the department's headers."""
    batch = selectors.batch_get(user=request.user, pk=pk)
    try:
        data, _ours, _theirs = reverse_share.reverse_workbook(
            user=request.user, batch=batch, path=request.path)
    except DomainError as exc:
        return HttpResponse(exc.message, status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="two-way-check-{pk}.xlsx"'
    return response
