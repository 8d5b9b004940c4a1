"""Forms of the admission/exit pages: the steps of a request and the list filter. They check
the shape of the input only; the rules are in the services (`services.py`, `rules.py`)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jkfp.web.forms import DateInput, VersionField

from . import procedure
from .models import ChangeRequest


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
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部状态"))] + _tr(ChangeRequest.Status.choices))
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
