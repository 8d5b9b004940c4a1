"""Forms of the registry pages. They check the shape of the input only; the rules are in the
services, whose named errors are put back next to the fields (jkfp.web.forms)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jkfp.admission.models import ChangeRequest
from jkfp.categories import CHOICES as CATEGORY_CHOICES
from jkfp.web.forms import DateInput, VersionField, region_choices

from .models import Relation, Sex, SupportMeasure, WorkAbility

BLANK = [("", "——")]
END_WAYS = [("", "——"), ("aided", _("帮扶消除")), ("natural", _("自然消除"))]


def _tr(choices):
    """Model choice labels are Chinese literals; show them through the translation catalogue."""
    return [(v, _(label)) for v, label in choices]


def period_label(p) -> str:
    from jkfp.categories import LABELS, Category

    who = p.person.name if p.person_id else _("本户")
    return f"{_(LABELS[Category(p.category)])}（{who}，{p.start_date:%Y-%m-%d}起）"


# ---------------------------------------------------------------- search
SORT_KEYS = ("number", "-number", "village", "-village", "head", "-head")  # selectors.HOUSEHOLD_ORDER
class HouseholdSearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=50,
                        widget=forms.TextInput(attrs={
                            "type": "search", "autocomplete": "off",
                            "placeholder": _("姓名、身份证号（全号或后几位）、户编号")}))
    category = forms.ChoiceField(label=_("类别"), required=False,
                                 choices=[("", _("全部类别"))] + _tr(CATEGORY_CHOICES),
                                 error_messages={"invalid_choice": _("没有“%(value)s”这一类别")})
    region = forms.ChoiceField(label=_("区划"), required=False, error_messages={
        "invalid_choice": _("区划代码“%(value)s”不存在，或不在您的管辖区域内")})
    page = forms.IntegerField(label=_("页码"), required=False, min_value=1, max_value=200_000,
                              widget=forms.HiddenInput, error_messages={
                                  "invalid": _("页码须为正整数"),
                                  "min_value": _("页码须为正整数"),
                                  "max_value": _("页码不能超过 %(limit_value)s")})
    sort = forms.ChoiceField(label=_("排序"), required=False, widget=forms.HiddenInput,
                             choices=[("", "")] + [(k, k) for k in SORT_KEYS])

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(regions)


# ---------------------------------------------------------------- household
class MemberForm(forms.Form):
    id_number = forms.CharField(label=_("身份证号"), max_length=30,
                                widget=forms.TextInput(attrs={"autocomplete": "off",
                                                              "spellcheck": "false",
                                                              "inputmode": "text"}))
    name = forms.CharField(label=_("姓名"), max_length=50)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=BLANK + _tr(Relation.choices))
    sex = forms.ChoiceField(label=_("性别"), required=False, choices=BLANK + _tr(Sex.choices),
                            help_text=_("可不填，由身份证号得出"))
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=DateInput(),
                                 help_text=_("可不填，由身份证号得出"))
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    work_ability = forms.ChoiceField(label=_("劳动能力"), choices=_tr(WorkAbility.choices),
                                     initial=WorkAbility.ABLE)


class BaseMemberFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not any(f.has_changed() and not self._should_delete_form(f) for f in self.forms):
            raise forms.ValidationError(_("至少填写一名家庭成员（户主）"), code="required")


MemberFormSet = forms.formset_factory(MemberForm, formset=BaseMemberFormSet, extra=3,
                                      max_num=20, validate_max=True)


class HouseholdRegisterForm(forms.Form):
    household_number = forms.CharField(label=_("户编号"), max_length=32, required=False,
                                       help_text=_("留空则按本村的编号规则自动编号"))
    village = forms.ChoiceField(label=_("所在村"))
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    # carries the errors about the members as a whole (no head, two heads)
    members = forms.CharField(label=_("家庭成员"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = BLANK + list(villages)


class HouseholdAddressForm(forms.Form):
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    version = VersionField()


class IncomeForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    total_yuan = forms.DecimalField(label=_("家庭纯收入（元）"), min_value=0, max_digits=14,
                                    decimal_places=2)
    members = forms.IntegerField(label=_("计算人口"), min_value=1, max_value=99)
    source = forms.CharField(label=_("来源"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year - 1


class SupportMeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("帮扶类型"), choices=_tr(SupportMeasure.Kind.choices))
    description = forms.CharField(label=_("帮扶内容"), max_length=300)
    start_date = forms.DateField(label=_("开始日期"), widget=DateInput(), initial=timezone.localdate)


# ---------------------------------------------------------------- person
class PersonEditForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=20,
                            help_text=_("号码脱敏显示；不改动则保留原号码，清空则删除"))
    relation = forms.ChoiceField(label=_("与户主关系"), choices=_tr(Relation.choices))
    work_ability = forms.ChoiceField(label=_("劳动能力"), choices=_tr(WorkAbility.choices))
    version = VersionField()


class DeathForm(forms.Form):
    death_date = forms.DateField(label=_("死亡日期"), widget=DateInput())
    version = VersionField()


# ---------------------------------------------------------------- admission / exit
class ProposeForm(forms.Form):
    action = forms.ChoiceField(label=_("事项"), choices=_tr(ChangeRequest.Action.choices))
    category = forms.ChoiceField(label=_("类别"), choices=BLANK + _tr(CATEGORY_CHOICES))
    person = forms.ChoiceField(label=_("人员"), required=False,
                               help_text=_("个人类别须选择人员；家庭户类别不选"))
    period = forms.ChoiceField(label=_("变更或退出的类别期间"), required=False,
                               help_text=_("变更、退出时选择当前所在的类别期间"))
    channel = forms.ChoiceField(label=_("线索来源"), choices=_tr(ChangeRequest.Channel.choices))
    reason = forms.CharField(label=_("理由"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))
    effective_date = forms.DateField(label=_("生效日期"), widget=DateInput(),
                                     initial=timezone.localdate)
    home_visit_on = forms.DateField(label=_("入户核实日期"), required=False, widget=DateInput())
    consent_on = forms.DateField(label=_("农户书面同意日期"), required=False, widget=DateInput())
    comparison_note = forms.CharField(label=_("部门数据比对结果"), required=False, max_length=300)
    village_review_on = forms.DateField(label=_("村民主评议日期"), required=False,
                                        widget=DateInput())
    end_way = forms.ChoiceField(label=_("风险消除方式"), required=False, choices=END_WAYS)
    # a bound on input only: the earliest exit year is the procedure's (policies/procedure/)
    exit_year = forms.IntegerField(label=_("脱贫年度"), required=False, min_value=1900,
                                   max_value=2100)

    def __init__(self, *args, members=(), periods=(), categories=None, **kwargs):
        """`categories`: {code: note} of the categories to offer (decision 40: a category
        ended as a policy is offered only to end a period the household holds)."""
        super().__init__(*args, **kwargs)
        if categories is not None:
            self.fields["category"].choices = BLANK + [
                (v, f"{label}{categories[v]}") for v, label in _tr(CATEGORY_CHOICES)
                if v in categories]
        self.fields["person"].choices = BLANK + [(str(p.pk), p.name) for p in members]
        self.fields["period"].choices = BLANK + [(str(p.pk), period_label(p)) for p in periods]
