"""The upload forms of the indicators pages: a health-literacy survey's results and a file of
health-education activities (decision 80), a region's GeoJSON map (decision 78)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_CSV = 20 * 1024 * 1024
MAX_GEOJSON = 20 * 1024 * 1024


def _sized(f, limit: int, text: str):
    if f.size > limit:
        raise forms.ValidationError(text)
    return f


class SurveyUploadForm(forms.Form):
    name = forms.CharField(label=_("调查名称"), max_length=100)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    region_code = forms.CharField(label=_("调查区划代码"), max_length=12)
    scale_max = forms.DecimalField(label=_("满分"), initial=Decimal(100), min_value=1,
                                   max_digits=6, decimal_places=2)
    threshold = forms.DecimalField(label=_("具备健康素养的得分线（默认满分的80%）"),
                                   required=False, max_digits=6, decimal_places=2)
    file = forms.FileField(label=_("调查结果（CSV，列：sample、region_code、score）"))

    def clean_file(self):
        return _sized(self.cleaned_data["file"], MAX_CSV, _("文件过大（最大 20 MB）"))


class ActivityUploadForm(forms.Form):
    file = forms.FileField(label=_("健康教育活动（CSV，列：what、region_code、held_on、reached）"))

    def clean_file(self):
        return _sized(self.cleaned_data["file"], MAX_CSV, _("文件过大（最大 20 MB）"))


class MapUploadForm(forms.Form):
    file = forms.FileField(label=_("GeoJSON 文件（.geojson 或 .json）"))

    def clean_file(self):
        return _sized(self.cleaned_data["file"], MAX_GEOJSON, _("文件过大（最大 20 MB）"))
