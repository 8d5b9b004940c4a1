"""Forms of the health pages. They check the shape of the input only; the rules are in
`services.py` and `rules.py`. The forms work on a phone screen (one column, native date inputs)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jkfp.web.forms import DateInput, VersionField, region_choices

from .models import ChronicRegistration, SpecialCase


def _tr(choices):
    return [(v, _(label)) for v, label in choices]


class ChronicRegisterForm(forms.Form):
    icd10 = forms.CharField(label=_("诊断（ICD-10 编码）"), max_length=10,
                            help_text=_("如 I10（高血压）、E11.9（2型糖尿病）"))
    diagnosed_on = forms.DateField(label=_("确诊日期"), widget=DateInput())
    confirmed_by = forms.CharField(label=_("确诊机构"), max_length=100)
    registered_on = forms.DateField(label=_("登记日期"), widget=DateInput(),
                                    initial=timezone.localdate)
    outpatient_certified_on = forms.DateField(label=_("门诊慢病鉴定日期"), widget=DateInput(),
                                              required=False)
    risk_level = forms.IntegerField(label=_("危险性评估等级（严重精神障碍，0-5级）"),
                                    min_value=0, max_value=5, required=False)
    treatment_start = forms.DateField(label=_("疗程开始日期（结核病）"), widget=DateInput(),
                                      required=False)
    note = forms.CharField(label=_("备注"), max_length=500, required=False)


class CaseNewForm(forms.Form):
    icd10 = forms.CharField(label=_("诊断（ICD-10 编码）"), max_length=10,
                            help_text=_("如 C34.9（肺癌）、N18.5（终末期肾病）"))
    found_via = forms.ChoiceField(label=_("发现途径"), choices=_tr(SpecialCase.FoundVia.choices))
    found_on = forms.DateField(label=_("发现日期"), widget=DateInput(), initial=timezone.localdate)
    hospital_name = forms.CharField(label=_("定点救治医院"), max_length=100, required=False)
    treatment_plan = forms.CharField(label=_("救治方案"), max_length=1000, required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))


class CaseStepForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, max_length=16)
    on_date = forms.DateField(label=_("日期"), widget=DateInput(), initial=timezone.localdate)
    hospital_name = forms.CharField(label=_("定点救治医院"), max_length=100, required=False)
    treatment_plan = forms.CharField(label=_("救治方案"), max_length=1000, required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.ChoiceField(label=_("救治结果"), required=False,
                                choices=[("", "—")] + _tr(SpecialCase.Outcome.choices))
    close_reason = forms.ChoiceField(label=_("销号原因"), required=False,
                                     choices=[("", "—")] + _tr(SpecialCase.CloseReason.choices))
    comment = forms.CharField(label=_("说明"), max_length=500, required=False)
    version = VersionField()

    #: which fields each step shows (the others stay as they are)
    FIELDS = {
        "open_record": ("on_date", "hospital_name", "treatment_plan", "comment"),
        "start_treatment": ("on_date", "treatment_plan", "comment"),
        "mark_treated": ("on_date", "outcome", "comment"),
        "close": ("on_date", "close_reason", "comment"),
        "reopen": ("on_date", "comment"),
    }


class ChronicEndForm(forms.Form):
    ended_on = forms.DateField(label=_("结束管理日期"), widget=DateInput(),
                               initial=timezone.localdate)
    reason = forms.ChoiceField(label=_("结束原因"),
                               choices=_tr(ChronicRegistration.EndReason.choices))
    version = VersionField()


class RegistrationFilterForm(forms.Form):
    disease = forms.ChoiceField(label=_("病种"), required=False)
    region = forms.ChoiceField(label=_("区划"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000_000)

    def __init__(self, *args, diseases=(), regions=(), **kwargs):
        """`diseases`: (code, name) of the catalogue's diseases; `regions`: the user's nodes
        (`region_options`) — choices, so that nobody types a code."""
        super().__init__(*args, **kwargs)
        self.fields["disease"].choices = [("", _("全部"))] + list(diseases)
        self.fields["region"].choices = region_choices(regions)


class CaseFilterForm(RegistrationFilterForm):
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部"))] + _tr(SpecialCase.Status.choices))
    field_order = ("status", "disease", "region", "page")
