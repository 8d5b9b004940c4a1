"""The health-literacy pages (decision 80): the surveys and activities of the user's region,
the upload of a survey's results and of a file of activities (the same services as `jkfp
literacy`, so the same checks: every problem named by line and column, nothing half written),
and the literacy figure of the region — the share at the threshold and its change since the
baseline year against the plan's +5 points."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jkfp.accounts.access import can_write_health, scope_prefix
from jkfp.errors import DomainError

from . import definitions, literacy, selectors
from .forms import ActivityUploadForm, SurveyUploadForm

INDICATOR = "health_literacy"


def _problems(exc: DomainError) -> list[dict]:
    """Every error of a refused file as a row of the page's table (line, column, message)."""
    return [{"row": e.row, "column": e.field or "", "code": str(e.code), "message": e.message}
            for e in getattr(exc, "errors", None) or [exc]]


def _figure(user, prefix: str, year: int | None):
    ind = definitions.current().indicators.get(INDICATOR)
    if ind is None or year is None:
        return None, []
    rows = [r for r in selectors.figures_of(user=user, region_code=prefix, period=str(year))
            if r.indicator.id == INDICATOR]
    children = selectors.children_of(user=user, region_code=prefix, period=str(year),
                                     indicator=INDICATOR)
    return (rows[0] if rows else None), children


@login_required
def literacy_home(request):
    user = request.user
    prefix = scope_prefix(user)
    if not prefix:
        raise Http404("未设置所属区划")
    writer = can_write_health(user)
    survey_form = SurveyUploadForm(initial={"region_code": prefix})
    activity_form = ActivityUploadForm()
    problems: list[dict] = []
    failed = ""
    if request.method == "POST":
        if not writer:
            raise Http404("只有卫生健康部门的经办人员可以导入")
        which = request.POST.get("which")
        if which == "survey":
            survey_form = SurveyUploadForm(request.POST, request.FILES)
            form = survey_form
        else:
            activity_form = ActivityUploadForm(request.POST, request.FILES)
            form = activity_form
        if form.is_valid():
            d = form.cleaned_data
            try:
                if which == "survey":
                    s = literacy.literacy_import(
                        user=user, year=d["year"], region_code=d["region_code"].strip(),
                        name=d["name"], path=d["file"].read(), scale_max=d["scale_max"],
                        threshold=d["threshold"])
                    messages.success(request, _("已导入调查“%(name)s”%(n)d 个样本（得分线 %(t)s）")
                                     % {"name": s.name, "n": s.results.count(), "t": s.threshold})
                else:
                    n = literacy.activities_import(user=user, path=d["file"].read())
                    messages.success(request, _("已导入 %(n)d 项健康教育活动") % {"n": n})
            except DomainError as exc:
                problems, failed = _problems(exc), which
            else:
                return redirect("indicators:literacy")
    surveys = list(literacy.survey_list(user=user)[:200])
    try:
        year = int(request.GET["year"])
    except (KeyError, ValueError):
        year = surveys[0].year if surveys else None
    row, children = _figure(user, prefix, year)
    region = selectors.region_get(user=user, code=prefix)
    return render(request, "indicators/literacy.html", {
        "region": region, "surveys": surveys, "activities": literacy.activity_list(user=user)[:200],
        "year": year, "years": sorted({s.year for s in surveys}, reverse=True),
        "row": row, "children": children, "writer": writer,
        "survey_form": survey_form, "activity_form": activity_form,
        "problems": problems, "failed": failed,
        "indicator": definitions.current().indicators.get(INDICATOR), "here": "indicators",
    }, status=422 if problems or (request.method == "POST") else 200)
