"""Forms of the contract pages. They check the shape of the input only; the rules are in the
services. The follow-up form is made for a phone: defaults (today, a home visit, the user's own
team membership, the next visit by the standard) and only the measurements of the disease."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jkfp.web.forms import DateInput, VersionField

from .models import Contract, FollowUp, ServiceDelivery, TeamMember


def _tr(choices):
    """Model choice labels are Chinese literals; show them through the translation catalogue."""
    return [(v, _(label)) for v, label in choices]


def _number(**attrs):
    return forms.NumberInput(attrs={"inputmode": "numeric", **attrs})


# ---------------------------------------------------------------- teams
class TeamForm(forms.Form):
    name = forms.CharField(label=_("团队名称"), max_length=100)
    institution = forms.CharField(label=_("牵头机构"), max_length=100)
    region_code = forms.ChoiceField(label=_("所属区划"))
    villages = forms.MultipleChoiceField(label=_("服务村"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, regions=(), villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = list(regions)
        self.fields["villages"].choices = list(villages)


class TeamEditForm(forms.Form):
    name = forms.CharField(label=_("团队名称"), max_length=100)
    institution = forms.CharField(label=_("牵头机构"), max_length=100)
    villages = forms.MultipleChoiceField(label=_("服务村"), widget=forms.CheckboxSelectMultiple)
    active = forms.BooleanField(label=_("在用"), required=False)
    version = VersionField()

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].choices = list(villages)


class MemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    role = forms.ChoiceField(label=_("角色"), choices=_tr(TeamMember.Role.choices))
    institution = forms.CharField(label=_("所在机构"), max_length=100, required=False)
    account = forms.CharField(label=_("系统账号（用户名，可不填）"), max_length=150,
                              required=False)
    start_date = forms.DateField(label=_("加入日期"), widget=DateInput(),
                                 initial=timezone.localdate)


class NewTeamMembersForm(forms.Form):
    """The first two members of a new team (1+1); more are added on the team's page."""

    doctor_name = forms.CharField(label=_("医生姓名"), max_length=50)
    doctor_role = forms.ChoiceField(label=_("医生角色"), choices=[
        ("village_doctor", _("乡村医生")), ("township_doctor", _("乡镇医生"))])
    doctor_account = forms.CharField(label=_("医生的系统账号（可不填）"), max_length=150,
                                     required=False)
    carer_name = forms.CharField(label=_("护士或公卫人员姓名"), max_length=50)
    carer_role = forms.ChoiceField(label=_("角色"), choices=[
        ("nurse", _("护士")), ("public_health", _("公共卫生人员"))])


class MemberEndForm(forms.Form):
    end_date = forms.DateField(label=_("离开日期"), widget=DateInput(),
                               initial=timezone.localdate)


# ---------------------------------------------------------------- contracts
class SignForm(forms.Form):
    team = forms.ChoiceField(label=_("签约团队"))
    signed_on = forms.DateField(label=_("签约日期"), widget=DateInput(),
                                initial=timezone.localdate)
    year = forms.IntegerField(label=_("签约年度"), min_value=2000, max_value=2100,
                              widget=_number())
    package = forms.ChoiceField(label=_("服务包"), choices=_tr(Contract.Package.choices),
                                initial=Contract.Package.BASIC)
    fee_yuan = forms.CharField(label=_("签约服务费（元）"), max_length=20, initial="0",
                               widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    fee_payer = forms.ChoiceField(label=_("服务费承担"), choices=_tr(Contract.FeePayer.choices),
                                  initial=Contract.FeePayer.PUBLIC_HEALTH)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [(str(t.pk), t.name) for t in teams]


class RenewForm(forms.Form):
    signed_on = forms.DateField(label=_("续签日期"), widget=DateInput(),
                                initial=timezone.localdate)


class EndForm(forms.Form):
    ended_on = forms.DateField(label=_("解约日期"), widget=DateInput(),
                               initial=timezone.localdate)
    end_reason = forms.CharField(label=_("解约原因"), max_length=200)
    version = VersionField()


class DeliveryForm(forms.Form):
    kind = forms.ChoiceField(label=_("服务项目"), choices=_tr(ServiceDelivery.Kind.choices))
    delivered_on = forms.DateField(label=_("服务日期"), widget=DateInput(),
                                   initial=timezone.localdate)
    member = forms.ChoiceField(label=_("服务人员"))
    note = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(str(m.pk), f"{m.name}（{m.get_role_display()}）")
                                         for m in members]


class ContractFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


# ---------------------------------------------------------------- follow-ups
class FollowUpForm(forms.Form):
    visited_on = forms.DateField(label=_("随访日期"), widget=DateInput())
    way = forms.ChoiceField(label=_("随访方式"), choices=_tr(FollowUp.Way.choices),
                            widget=forms.RadioSelect)
    member = forms.ChoiceField(label=_("随访医生"))
    systolic = forms.IntegerField(label=_("收缩压（mmHg）"), required=False,
                                  widget=_number(placeholder="120"))
    diastolic = forms.IntegerField(label=_("舒张压（mmHg）"), required=False,
                                   widget=_number(placeholder="80"))
    fasting_glucose = forms.DecimalField(
        label=_("空腹血糖（mmol/L）"), required=False, max_digits=5, decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}))
    weight_kg = forms.DecimalField(
        label=_("体重（kg）"), required=False, max_digits=5, decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}))
    risk_level = forms.TypedChoiceField(
        label=_("危险性评估"), required=False, coerce=int, empty_value=None,
        choices=[("", "—")] + [(str(i), _("%(n)s级") % {"n": i}) for i in range(6)])
    doses_due = forms.IntegerField(label=_("应服药次数（自上次随访）"), required=False,
                                   widget=_number())
    doses_taken = forms.IntegerField(label=_("实服药次数"), required=False, widget=_number())
    adherence = forms.ChoiceField(label=_("服药依从性"), required=False,
                                  choices=[("", "—")] + _tr(FollowUp.Adherence.choices))
    classification = forms.ChoiceField(label=_("此次随访分类"), widget=forms.RadioSelect,
                                       choices=_tr(FollowUp.Classification.choices))
    next_visit_on = forms.DateField(label=_("下次随访日期"), widget=DateInput())
    note = forms.CharField(label=_("备注"), max_length=500, required=False)

    #: the fields each disease leaves out (the services refuse them for other diseases)
    NOT_FOR = {
        "hypertension": ("fasting_glucose", "risk_level", "doses_due", "doses_taken"),
        "diabetes_type2": ("risk_level", "doses_due", "doses_taken"),
        "tuberculosis": ("systolic", "diastolic", "fasting_glucose", "risk_level"),
        "severe_mental_disorder": ("systolic", "diastolic", "fasting_glucose", "doses_due",
                                   "doses_taken"),
    }
    OTHER = ("risk_level", "doses_due", "doses_taken")

    def __init__(self, *args, disease: str = "", members=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.NOT_FOR.get(disease, self.OTHER):
            del self.fields[name]
        self.fields["member"].choices = [(str(m.pk), f"{m.name}（{m.get_role_display()}）")
                                         for m in members]
        if disease == "severe_mental_disorder":
            self.fields["risk_level"].required = True


class WorklistForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
