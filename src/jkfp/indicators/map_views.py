"""The map of a region (decision 78): its upload page (the versions loaded, the form, every
problem of a refused file by feature and property) and its GeoJSON for the dashboard."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jkfp.errors import DomainError

from . import maps, selectors
from .forms import MapUploadForm


@login_required
def map_upload(request, code: str):
    region = selectors.region_get(user=request.user, code=code)
    allowed = maps.can_upload_map(request.user, code)
    form = MapUploadForm()
    problems: list[dict] = []
    if request.method == "POST":
        if not allowed:
            raise Http404("只有市、县级的审核、审批人员或管理员可以上传本区域的地图")
        form = MapUploadForm(request.POST, request.FILES)
        if form.is_valid():
            f = form.cleaned_data["file"]
            try:
                m = maps.region_map_upload(user=request.user, region_code=code, data=f.read(),
                                           file_name=f.name)
            except DomainError as exc:
                problems = [{"feature": e.row, "field": e.field or "", "message": e.message}
                            for e in getattr(exc, "errors", None) or [exc]]
            else:
                messages.success(request, _("已载入地图第%(v)d版：%(n)d个下级区划")
                                 % {"v": m.version, "n": m.features})
                return redirect("indicators:map", code=code)
    versions = maps.map_versions(region_code=code)
    names = selectors._names(versions[0].missing) if versions else {}
    return render(request, "indicators/map.html", {
        "region": region, "form": form, "allowed": allowed, "problems": problems,
        "versions": versions, "missing": [(c, names.get(c, c)) for c in
                                          (versions[0].missing if versions else [])],
        "accepted": maps.CODE_PROPERTIES, "here": "indicators",
    }, status=422 if request.method == "POST" else 200)


@login_required
def map_geojson(request, code: str):
    """The region's map in force (or the version asked), cached by the browser per version."""
    selectors.region_get(user=request.user, code=code)
    try:
        version = int(request.GET["v"]) if request.GET.get("v") else None
    except ValueError:
        raise Http404("版本无效") from None
    m = maps.map_geojson(region_code=code, version=version)
    if m is None:
        raise Http404("本区划尚未上传地图")
    resp = HttpResponse(json.dumps(m.geojson, ensure_ascii=False, separators=(",", ":")),
                        content_type="application/geo+json; charset=utf-8")
    resp["Cache-Control"] = "private, max-age=86400" if version else "private, no-cache"
    return resp
