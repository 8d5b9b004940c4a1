from django import forms
from django.utils.translation import gettext_lazy as _

from . import kinds

MAX_UPLOAD = 200 * 1024 * 1024


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("名单种类"))
    file = forms.FileField(label=_("文件（.xlsx、.xls 或 .csv）"))
    sheet = forms.CharField(label=_("工作表（默认第一个）"), required=False, max_length=100)

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        known = kinds.load()
        self.fields["kind"].choices = [(k, known[k].name) for k in allowed if k in known]

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("文件过大（最大 200 MB）"))
        return f


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("link", "link"), ("new", "new"), ("ignore", "ignore")])
    person_id = forms.IntegerField(required=False)


class ApplyForm(forms.Form):
    skip_invalid = forms.BooleanField(required=False, label=_("跳过有错误的行，只导入无错误的行"))
