from django import forms
from django.utils.translation import gettext_lazy as _

from jkfp.categories import CHOICES as CATEGORY_CHOICES
from jkfp.policy.schema import GRADE_CHOICES, LOCATION_CHOICES
from jkfp.web.forms import region_choices

from .bureau import DEFAULT_SORT, SORTS

# The labels are the policy engine's (one vocabulary for forms, models, API and statements),
# translated through the catalogue.
GRADES = [(code, _(label)) for code, label in GRADE_CHOICES]
LOCATIONS = [(code, _(label)) for code, label in LOCATION_CHOICES]
AMOUNT = forms.TextInput(attrs={"inputmode": "decimal"})
AMOUNT_HELP = _("以元为单位，最多两位小数，如 12345.60；不写千位分隔符和“元”")


class StayForm(forms.Form):
    hospital_name = forms.CharField(label=_("医疗机构"), max_length=100)
    admission_number = forms.CharField(label=_("住院号"), max_length=30, required=False)
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
    # text, read by the service's strict parser (policy.money.parse_yuan): `amount_invalid`
    total_cost = forms.CharField(label=_("医疗总费用（元）"), max_length=20, widget=AMOUNT,
                                 help_text=AMOUNT_HELP)
    in_policy_cost = forms.CharField(label=_("政策范围内费用（元）"), max_length=20, widget=AMOUNT,
                                     help_text=_("医保目录内的费用；不得高于总费用"))


class CorrectForm(StayForm):
    reason = forms.CharField(label=_("更正原因"), max_length=200,
                             widget=forms.TextInput(attrs={"size": 60}),
                             help_text=_("记入新结算单和历史记录；本年度其后的住院将按入院顺序重算"))


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("冲销原因"), max_length=200,
                             widget=forms.TextInput(attrs={"size": 60}),
                             help_text=_("住院记录保留，结算单标记为已冲销；本年度其后的住院将重算"))


SORT_CHOICES = [(k, k) for k in SORTS] + [(f"-{k}", f"-{k}") for k in SORTS]


class BureauForm(forms.Form):
    region = forms.ChoiceField(label=_("区划"), required=False)
    discharged_from = forms.DateField(label=_("出院日期自"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))
    discharged_to = forms.DateField(label=_("至"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.ChoiceField(label=_("结算身份"), required=False,
                                 choices=[("", _("全部"))] + [(c, _(lbl)) for c, lbl in
                                                              CATEGORY_CHOICES])
    high = forms.CharField(label=_("高额自付线（元）"), required=False, max_length=20,
                           widget=AMOUNT,
                           help_text=_("个人自付达到此金额为高额自付；不填则取本次筛选结果个人自付的第90百分位"))
    only_high = forms.BooleanField(label=_("只看高额自付"), required=False)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, initial=DEFAULT_SORT,
                             widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(regions)

    def clean(self):
        data = super().clean()
        a, b = data.get("discharged_from"), data.get("discharged_to")
        if a and b and a > b:
            self.add_error("discharged_to", _("结束日期不能早于开始日期"))
        return data
