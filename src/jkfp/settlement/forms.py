from django import forms
from django.utils.translation import gettext_lazy as _

from jkfp.policy.schema import GRADE_CHOICES, LOCATION_CHOICES

# The labels are the policy engine's (one vocabulary for forms, models, API and statements),
# translated through the catalogue.
GRADES = [(code, _(label)) for code, label in GRADE_CHOICES]
LOCATIONS = [(code, _(label)) for code, label in LOCATION_CHOICES]


class StayForm(forms.Form):
    hospital_name = forms.CharField(label=_("医疗机构"), max_length=100)
    hospital_grade = forms.TypedChoiceField(label=_("医院等级"), choices=GRADES, coerce=int,
                                            initial=2)
    location = forms.ChoiceField(label=_("就医地"), choices=LOCATIONS, initial="county")
    referred = forms.BooleanField(label=_("已办理转诊"), required=False)
    diagnosis_icd10 = forms.CharField(label=_("主要诊断（ICD-10，可选）"), max_length=12,
                                      required=False,
                                      help_text=_("填写后，该次住院计入同病种的大病专项救治病例"))
    admission_date = forms.DateField(label=_("入院日期"),
                                     widget=forms.DateInput(attrs={"type": "date"}))
    discharge_date = forms.DateField(label=_("出院日期"),
                                     widget=forms.DateInput(attrs={"type": "date"}))
    total_cost = forms.CharField(label=_("医疗总费用（元）"), max_length=16,
                                 widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    in_policy_cost = forms.CharField(label=_("政策范围内费用（元）"), max_length=16,
                                     widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                                     help_text=_("医保目录内的费用；不得高于总费用"))
