"""Forms of the household-change and ID-correction pages. They check the shape of the input;
the rules are the services' (`changes.py`, `restructure.py`, `corrections.py`), whose named
errors come back next to the fields (`web.forms.call_service`). A member's relation is one
select per member (`rel_<id>`), so an error on `relations.<id>` lands beside that member."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jkfp.web.forms import DateInput, VersionField

from .changes import HEAD_REASONS
from .forms import BLANK, _tr
from .models import Relation, Sex

NOT_HEAD = [(v, label) for v, label in Relation.choices if v != Relation.HEAD]


def _relation_fields(
    form: forms.Form,
    members,
    *,
    prefix: str,
    required: bool,
    with_head: bool = False,
    blank_label=None,
    initial=None,
) -> None:
    choices = Relation.choices if with_head else NOT_HEAD
    for m in members:
        form.fields[f"{prefix}{m.pk}"] = forms.ChoiceField(
            label=m.name,
            required=required,
            choices=[("", blank_label or "——")] + _tr(choices),
            initial=(initial or {}).get(m.pk, ""),
        )


class RelationsMixin:
    """The forms with one relation select per member: `relation_fields` lists their bound
    fields (for the page), in the members' order."""

    relation_prefix = ""
    relation_members: list = []

    @property
    def relation_fields(self):
        return [self[f"{self.relation_prefix}{m.pk}"] for m in self.relation_members]


def relations_of(data: dict, prefix: str) -> dict[int, str]:
    """{person id: relation} of the filled `<prefix><id>` selects."""
    return {
        int(k[len(prefix) :]): v
        for k, v in data.items()
        if k.startswith(prefix) and k[len(prefix) :].isdigit() and v
    }


def field_map(prefix: str, members) -> dict[str, str]:
    """The services' `relations.<id>` / `members.<id>` → the form's select of that member."""
    out = {}
    for m in members:
        out[f"relations.{m.pk}"] = f"{prefix}{m.pk}"
        out[f"members.{m.pk}"] = f"{prefix}{m.pk}"
    return out


class HeadChangeForm(RelationsMixin, forms.Form):
    relation_prefix = "rel_"
    new_head = forms.ChoiceField(label=_("新户主"))
    reason = forms.ChoiceField(
        label=_("变更原因"), choices=[("", "——")] + [(k, _(v)) for k, v in HEAD_REASONS.items()]
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=80)
    version = VersionField()

    def __init__(self, *args, household=None, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        living = [m for m in members if m.alive and m.pk != household.head_id]
        self.fields["new_head"].choices = BLANK + [(str(m.pk), m.name) for m in living]
        self.relation_members = list(members)
        _relation_fields(
            self,
            self.relation_members,
            prefix="rel_",
            required=False,
            blank_label=_("（新户主本人或保持不变）"),
            initial={m.pk: m.relation for m in members if m.relation != Relation.HEAD},
        )


class MoveForm(forms.Form):
    to_household = forms.CharField(label=_("迁入户的户编号"), max_length=32)
    relation = forms.ChoiceField(label=_("与迁入户户主的关系"), choices=BLANK + _tr(NOT_HEAD))
    moved_on = forms.DateField(label=_("迁移日期"), widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label=_("迁移原因"), max_length=80)
    version = VersionField()


class SplitForm(RelationsMixin, forms.Form):
    relation_prefix = "split_"
    household_number = forms.CharField(
        label=_("新户户编号"),
        max_length=32,
        required=False,
        help_text=_("留空则按本村的编号规则自动编号"),
    )
    village = forms.ChoiceField(label=_("新户所在村"), required=False)
    address = forms.CharField(label=_("新户住址"), max_length=200, required=False)
    split_on = forms.DateField(label=_("分户日期"), widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label=_("分户原因"), max_length=80)
    version = VersionField()

    def __init__(self, *args, household=None, members=(), villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("原村"))] + list(villages)
        self.relation_members = [m for m in members if m.alive and m.pk != household.head_id]
        _relation_fields(
            self,
            self.relation_members,
            prefix="split_",
            required=False,
            with_head=True,
            blank_label=_("（留在本户）"),
        )


class MergeForm(RelationsMixin, forms.Form):
    relation_prefix = "merge_"
    into = forms.CharField(label=_("并入户的户编号"), max_length=32)
    merged_on = forms.DateField(label=_("合户日期"), widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label=_("合户原因"), max_length=80)
    version = VersionField()

    def __init__(self, *args, household=None, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.relation_members = [m for m in members if m.alive]
        _relation_fields(self, self.relation_members, prefix="merge_", required=False)


class EndForm(forms.Form):
    ended_on = forms.DateField(label=_("注销日期"), widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label=_("注销原因"), max_length=200)
    version = VersionField()


class CorrectionForm(forms.Form):
    new_id_number = forms.CharField(
        label=_("更正后的身份证号"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    sex = forms.ChoiceField(
        label=_("证明材料上的性别"),
        required=False,
        choices=BLANK + _tr(Sex.choices),
        help_text=_("可不填；填写则须与新号码一致"),
    )
    birth_date = forms.DateField(
        label=_("证明材料上的出生日期"),
        required=False,
        widget=DateInput(),
        help_text=_("可不填；填写则须与新号码一致"),
    )
    evidence = forms.CharField(
        label=_("证明材料"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：户口簿第3页、身份证正反面复印件，公安派出所证明编号及日期"),
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=[("approve", _("通过（更正身份证号、性别和出生日期）")), ("reject", _("不通过"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("审核意见"), required=False, max_length=300, help_text=_("不通过须写明理由")
    )
    version = VersionField()
