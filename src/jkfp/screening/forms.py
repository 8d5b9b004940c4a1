"""Forms of the screening pages. They check the shape of the input only; the rules are in the
services (`services.py`, `rules.py`)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jkfp.categories import CHOICES as CATEGORY_CHOICES
from jkfp.web.forms import DateInput, VersionField

from . import rules
from .models import Campaign, ScreeningResult


def _tr(choices):
    """Model choice labels are Chinese literals; show them through the translation catalogue."""
    return [(v, _(label)) for v, label in choices]


class _Target(forms.Form):
    target_sex = forms.ChoiceField(label=_("目标性别"), required=False,
                                   choices=_tr(Campaign.Sex.choices))
    age_min = forms.IntegerField(label=_("最小年龄"), required=False, min_value=0, max_value=120,
                                 widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    age_max = forms.IntegerField(label=_("最大年龄"), required=False, min_value=0, max_value=120,
                                 widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                 help_text=_("空为不限"))
    target_categories = forms.MultipleChoiceField(
        label=_("目标类别"), required=False, choices=_tr(CATEGORY_CHOICES),
        widget=forms.CheckboxSelectMultiple, help_text=_("在年龄计算日持有其一；不选为所有人"))


class CampaignForm(_Target):
    name = forms.CharField(label=_("项目名称"), max_length=100)
    kind = forms.ChoiceField(label=_("筛查类型"), choices=_tr(Campaign.Kind.choices))
    region_code = forms.ChoiceField(label=_("开展区划"))
    start_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    end_on = forms.DateField(label=_("结束日期"), widget=DateInput())
    use_defaults = forms.BooleanField(label=_("目标人群采用该类型的默认值"), required=False,
                                      initial=True,
                                      help_text=_("不勾选时按下面填写的性别、年龄和类别"))
    age_on = forms.DateField(label=_("年龄计算日期"), required=False, widget=DateInput(),
                             help_text=_("空为按类型默认（开始或结束日期）"))

    field_order = ["name", "kind", "region_code", "start_on", "end_on", "use_defaults",
                   "target_sex", "age_min", "age_max", "age_on", "target_categories"]

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = [(r.code, f"{r.display_name}（{r.code}）")
                                              for r in regions]


class CampaignEditForm(_Target):
    name = forms.CharField(label=_("项目名称"), max_length=100)
    start_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    end_on = forms.DateField(label=_("结束日期"), widget=DateInput())
    age_on = forms.DateField(label=_("年龄计算日期"), widget=DateInput())
    version = VersionField()

    field_order = ["name", "start_on", "end_on", "target_sex", "age_min", "age_max", "age_on",
                   "target_categories", "version"]


class CampaignFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("筛查类型"), required=False,
                             choices=[("", _("全部类型"))] + _tr(Campaign.Kind.choices))
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2099)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class TargetFilterForm(forms.Form):
    screened = forms.ChoiceField(label=_("筛查情况"), required=False, choices=[
        ("", _("全部")), ("no", _("未筛查")), ("yes", _("已筛查"))])
    region = forms.ChoiceField(label=_("区划"), required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("全部（本人管辖区域）"))] + [
            (r.code, r.display_name) for r in regions]


class ResultForm(forms.Form):
    screened_on = forms.DateField(label=_("筛查日期"), widget=DateInput(),
                                  initial=timezone.localdate)
    result = forms.ChoiceField(label=_("筛查结果"), widget=forms.RadioSelect,
                               choices=_tr(ScreeningResult.Result.choices))
    finding = forms.CharField(label=_("检查所见"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("可疑或阳性时必填"))


BULK_CHOICES = [("", _("暂不登记"))] + _tr(ScreeningResult.Result.choices)


class BulkForm(forms.Form):
    """One date for the list, and for each person shown a result and a finding."""

    screened_on = forms.DateField(label=_("筛查日期"), widget=DateInput(),
                                  initial=timezone.localdate)

    def __init__(self, *args, persons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.persons = list(persons)
        for p in self.persons:
            self.fields[f"r_{p.pk}"] = forms.ChoiceField(label=p.name, required=False,
                                                         choices=BULK_CHOICES)
            self.fields[f"f_{p.pk}"] = forms.CharField(
                label=_("检查所见"), required=False, max_length=500,
                widget=forms.TextInput(attrs={"placeholder": _("可疑或阳性时必填")}))

    def rows(self):
        """(person id, result, finding) of the persons given a result, in the list's order."""
        d = self.cleaned_data
        return [(p.pk, d[f"r_{p.pk}"], d.get(f"f_{p.pk}", "")) for p in self.persons
                if d.get(f"r_{p.pk}")]

    def person_rows(self):
        """Each person with the bound fields of their row (for the template)."""
        return [(p, self[f"r_{p.pk}"], self[f"f_{p.pk}"]) for p in self.persons]


class StepForm(forms.Form):
    """The fields of one follow-through step (those of the others are left out)."""

    on_date = forms.DateField(label=_("日期"), widget=DateInput(), initial=timezone.localdate)
    referred_to = forms.CharField(label=_("转诊机构"), max_length=100)
    icd10 = forms.CharField(label=_("确诊编码（ICD-10）"), max_length=10,
                            widget=forms.TextInput(attrs={"autocapitalize": "characters"}),
                            help_text=_("如 C50.9"))
    confirmed_by = forms.CharField(label=_("确诊机构"), max_length=100, required=False,
                                   help_text=_("空为转诊机构"))
    hospital_name = forms.CharField(label=_("定点医院"), max_length=100, required=False)
    treatment_plan = forms.CharField(label=_("救治方案"), max_length=1000, required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    comment = forms.CharField(label=_("说明"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    version = VersionField()

    FIELDS = {
        rules.Step.REFER: ("on_date", "referred_to", "comment"),
        rules.Step.CONFIRM: ("on_date", "icd10", "comment"),
        rules.Step.RULE_OUT: ("on_date", "comment"),
        rules.Step.OPEN_CASE: ("on_date", "hospital_name", "treatment_plan", "comment"),
        rules.Step.REGISTER: ("on_date", "confirmed_by", "comment"),
    }

    def __init__(self, *args, step: str, **kwargs):
        kwargs.setdefault("prefix", rules.Step(step).value)
        super().__init__(*args, **kwargs)
        self.step = rules.Step(step)
        keep = set(self.FIELDS[self.step]) | {"version"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if self.step == rules.Step.RULE_OUT:
            self.fields["comment"].required = True
            self.fields["comment"].label = _("排除理由")
