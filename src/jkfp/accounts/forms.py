"""Forms of the user pages of a region's administrator: the shape of the input only; the rules
(scope, level, uniqueness) are in `users.py` and `access.py`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jkfp.web.forms import region_choices

from .models import Department, Role


def _tr(choices):
    return [(v, _(label)) for v, label in choices]


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("用户名或姓名"), required=False, max_length=50)
    active = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("yes", _("启用中")), ("no", _("已停用"))],
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class UserForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"), max_length=150, help_text=_("字母、数字和 @ . + - _，登录时使用")
    )
    full_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    region = forms.ChoiceField(label=_("所属区划"))
    department = forms.ChoiceField(label=_("部门"), choices=_tr(Department.choices))
    role = forms.ChoiceField(label=_("角色"), choices=_tr(Role.choices))

    def __init__(self, *args, regions=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(regions, all_of_scope=False)
        if editing:  # the username stays: history and logs name the account by it
            del self.fields["username"]
