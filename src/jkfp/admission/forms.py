"""Forms of the admission/exit pages: the steps of a request and the list filter. They check
the shape of the input only; the rules are in the services (`services.py`, `rules.py`)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jkfp.categories import CHOICES as CATEGORY_CHOICES
from jkfp.web.forms import DateInput, VersionField, region_choices

from . import procedure
from .models import Attachment, ChangeRequest


def _tr(choices):
    """Model choice labels are Chinese literals; show them through the translation catalogue."""
    return [(v, _(label)) for v, label in choices]


class NoticeForm(forms.Form):
    notice_start = forms.DateField(label=_("公示开始日期"), widget=DateInput(),
                                   initial=timezone.localdate)
    notice_days = forms.IntegerField(label=_("公示天数"), min_value=1, max_value=366)
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limits = procedure.thresholds(on=timezone.localdate())
        self.fields["notice_days"].help_text = _("不少于%(n)s天") % {"n": limits.notice_min_days}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("结论"), widget=forms.RadioSelect,
                                 choices=[("approve", _("通过")), ("reject", _("不通过"))])
    comment = forms.CharField(label=_("意见"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("不通过时必须填写"))
    version = VersionField()


class WithdrawForm(forms.Form):
    comment = forms.CharField(label=_("撤回理由"), max_length=500)
    version = VersionField()


class RequestFilterForm(forms.Form):
    """The request list's filters (also those of its export). An invalid value is an error the
    page names, never an empty list."""

    region = forms.ChoiceField(label=_("区划"), required=False, error_messages={
        "invalid_choice": _("区划代码“%(value)s”不存在，或不在您的管辖区域内")})
    category = forms.ChoiceField(label=_("类别"), required=False,
                                 choices=[("", _("全部类别"))] + _tr(CATEGORY_CHOICES),
                                 error_messages={"invalid_choice": _("没有“%(value)s”这一类别")})
    action = forms.ChoiceField(label=_("事项"), required=False,
                               choices=[("", _("全部事项"))] + _tr(ChangeRequest.Action.choices))
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部状态"))] + _tr(ChangeRequest.Status.choices))
    proposed_from = forms.DateField(label=_("提出日期自"), required=False, widget=DateInput())
    proposed_to = forms.DateField(label=_("至"), required=False, widget=DateInput())
    page = forms.IntegerField(label=_("页码"), required=False, min_value=1, max_value=200_000,
                              widget=forms.HiddenInput,
                              error_messages={"min_value": _("页码须为正整数"),
                                              "invalid": _("页码须为正整数")})

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(regions)

    def clean(self):
        data = super().clean()
        a, b = data.get("proposed_from"), data.get("proposed_to")
        if a and b and a > b:
            self.add_error("proposed_to", _("结束日期不能早于开始日期"))
        return data

    def filters(self) -> dict:
        """The selector's keyword arguments (valid form)."""
        d = self.cleaned_data
        return {"status": d.get("status", ""), "category": d.get("category", ""),
                "action": d.get("action", ""), "region_code": d.get("region", ""),
                "proposed_from": d.get("proposed_from"), "proposed_to": d.get("proposed_to")}

    def describe(self) -> str:
        """The filters in words (the export's header, an empty list's message)."""
        d, parts = self.cleaned_data, []
        for name in ("region", "category", "action", "status"):
            if d.get(name):
                label = str(dict(self.fields[name].choices).get(d[name], d[name])).strip("\u3000")
                parts.append(f"{self.fields[name].label}：{label}")
        if d.get("proposed_from") or d.get("proposed_to"):
            a = d["proposed_from"].isoformat() if d.get("proposed_from") else "…"
            b = d["proposed_to"].isoformat() if d.get("proposed_to") else "…"
            parts.append(_("提出日期：%(a)s 至 %(b)s") % {"a": a, "b": b})
        return "；".join(parts)


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=_tr(Attachment.Kind.choices))
    file = forms.FileField(label=_("文件"), max_length=200,
                           help_text=_("扫描件 PDF 或照片 JPEG、PNG"),
                           widget=forms.ClearableFileInput(attrs={
                               "accept": "application/pdf,image/jpeg,image/png"}))
