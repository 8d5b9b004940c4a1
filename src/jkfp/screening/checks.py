"""System check (`jkfp check`, before `runserver`/`migrate`): the programme file is valid."""

from django.core.checks import Error, register

from jkfp.errors import ValidationErrors

from . import programmes


@register()
def programme_file_valid(app_configs, **kwargs):
    try:
        programmes.load()
    except ValidationErrors as exc:
        return [Error(e.message, hint="见 policies/screening/programmes.yaml 文件头的说明",
                      id="jkfp.E010") for e in exc.errors]
    return []
