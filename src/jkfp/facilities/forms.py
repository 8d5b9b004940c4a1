"""Forms of the facility pages: the shape of the input only; the rules are in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jkfp.web.forms import DateInput, VersionField

from .models import CentreStandard, InstitutionKind, Qualification, VillageService


def _tr(choices):
    return [(v, _(label)) for v, label in choices]


GRADES = [("", "—"), ("1", _("一级")), ("2", _("二级")), ("3", _("三级"))]


class _Attributes(forms.Form):
    name = forms.CharField(label=_("机构名称"), max_length=100)
    grade = forms.TypedChoiceField(label=_("医院等级（县级医院）"), choices=GRADES, coerce=int,
                                   empty_value=None, required=False)
    is_tcm = forms.BooleanField(label=_("中医医院"), required=False)
    second_grade_capacity = forms.BooleanField(label=_("达到二级医院服务能力"), required=False)
    centre_standard = forms.ChoiceField(label=_("服务能力标准（乡镇卫生院）"),
                                        choices=_tr(CentreStandard.choices), required=False)
    tcm_corner = forms.BooleanField(label=_("设有中医馆"), required=False)
    fever_clinic = forms.BooleanField(label=_("设有发热诊室"), required=False)
    standardised = forms.BooleanField(label=_("标准化村卫生室"), required=False)


class InstitutionForm(_Attributes):
    kind = forms.ChoiceField(label=_("机构类型"), choices=_tr(InstitutionKind.choices))
    region_code = forms.CharField(label=_("所在区划代码"), max_length=12,
                                  help_text=_("县级医院填县（区）代码，卫生院填乡镇代码，村卫生室填行政村代码"))
    opened_on = forms.DateField(label=_("开业日期"), widget=DateInput)
    field_order = ["kind", "name", "region_code", "opened_on"]


class InstitutionEditForm(_Attributes):
    opened_on = forms.DateField(label=_("开业日期"), widget=DateInput)
    closed_on = forms.DateField(label=_("撤销日期"), widget=DateInput, required=False)
    version = VersionField()


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("科室名称"), max_length=50)
    opened_on = forms.DateField(label=_("设立日期"), widget=DateInput)


class EndForm(forms.Form):
    end_date = forms.DateField(label=_("结束日期"), widget=DateInput)


class PostForm(forms.Form):
    staff = forms.TypedChoiceField(label=_("人员"), coerce=int)
    department = forms.TypedChoiceField(label=_("科室（县级医院）"), coerce=int, empty_value=None,
                                        required=False)
    start_date = forms.DateField(label=_("到岗日期"), widget=DateInput)
    full_time = forms.BooleanField(label=_("全职"), required=False, initial=True)

    def __init__(self, *args, staff=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [("", "—")] + list(staff)
        self.fields["department"].choices = [("", "—")] + list(departments)


class CoverageForm(forms.Form):
    village_code = forms.CharField(label=_("服务邻村代码"), max_length=12)
    start_date = forms.DateField(label=_("开始日期"), widget=DateInput)


class VillageServiceForm(forms.Form):
    post = forms.TypedChoiceField(label=_("人员（本院在岗）"), coerce=int)
    village_code = forms.CharField(label=_("服务村代码"), max_length=12)
    mode = forms.ChoiceField(label=_("方式"), choices=_tr(VillageService.Mode.choices))
    start_date = forms.DateField(label=_("开始日期"), widget=DateInput)

    def __init__(self, *args, posts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].choices = [("", "—")] + list(posts)


class StaffForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    qualification = forms.ChoiceField(label=_("执业资格"), choices=_tr(Qualification.choices))
    certificate_number = forms.CharField(label=_("执业证书编号"), max_length=40, required=False)


class StaffNewForm(StaffForm):
    region_code = forms.CharField(label=_("所属县（区）代码"), max_length=6)


class StaffEditForm(StaffForm):
    version = VersionField()
