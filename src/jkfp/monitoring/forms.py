"""Forms of the warning pages: the shape of the input only; the rules are in `services.py` and
`rules.py`. One column, native date inputs, so they work on a township cadre's phone."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jkfp.categories import LABELS, MONITORED
from jkfp.registry.models import SupportMeasure
from jkfp.web.forms import DateInput, VersionField, region_choices

from .models import ActionKind, WarningStatus


def _tr(choices):
    return [(v, _(label)) for v, label in choices]


class StepForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, max_length=16)
    on_date = forms.DateField(label=_("日期"), widget=DateInput(), initial=timezone.localdate,
                              required=False)
    visited_on = forms.DateField(label=_("入户核实日期"), widget=DateInput(),
                                 initial=timezone.localdate, required=False)
    visited_by = forms.CharField(label=_("核实人"), max_length=100, required=False)
    findings = forms.CharField(label=_("核实情况"), max_length=1000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=_("理由"), max_length=500, required=False)
    action_kind = forms.ChoiceField(label=_("处置方式"), required=False,
                                    choices=[("", "—")] + _tr(ActionKind.choices))
    category = forms.ChoiceField(label=_("纳入类别"), required=False, choices=[("", "—")] + [
        (c.value, _(LABELS[c])) for c in sorted(MONITORED)])
    consent_on = forms.DateField(label=_("农户书面同意日期"), widget=DateInput(), required=False)
    measure_kind = forms.ChoiceField(label=_("帮扶类型"), required=False,
                                     initial=SupportMeasure.Kind.MEDICAL,
                                     choices=_tr(SupportMeasure.Kind.choices))
    description = forms.CharField(label=_("帮扶内容"), max_length=300, required=False)
    action_ref = forms.CharField(label=_("转介或救助文书编号"), max_length=40, required=False)
    comment = forms.CharField(label=_("说明"), max_length=500, required=False)
    version = VersionField()

    #: which fields each step shows
    FIELDS = {
        "verify": ("visited_on", "visited_by", "findings"),
        "confirm": ("on_date", "reason"),
        "dismiss": ("on_date", "reason"),
        "act": ("on_date", "action_kind", "category", "consent_on", "measure_kind",
                "description", "action_ref"),
        "close": ("on_date", "comment"),
    }


class FilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部"))] + _tr(WarningStatus.choices))
    rule = forms.ChoiceField(label=_("预警规则"), required=False)
    region = forms.ChoiceField(label=_("区划"), required=False)
    overdue = forms.BooleanField(label=_("仅超期未核实"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000_000)

    def __init__(self, *args, regions=(), rules=(), **kwargs):
        """`regions`: the user's nodes (`region_options`); `rules`: (id, name) of the rules
        that apply in the user's scope — both choices, so that nobody types a code."""
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", _("全部"))] + list(rules)
        self.fields["region"].choices = region_choices(regions)
