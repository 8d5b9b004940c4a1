"""System check (`jkfp check`, before `runserver`/`migrate`): the procedure file is valid."""

from django.core.checks import Error, register

from jkfp.errors import ValidationErrors

from . import procedure, validity


@register()
def procedure_file_valid(app_configs, **kwargs):
    try:
        procedure.load()
    except ValidationErrors as exc:
        return [Error(e.message, hint="见 docs/architecture.md：办理参数", id="jkfp.E002")
                for e in exc.errors]
    return []


@register()
def category_validity_file_valid(app_configs, **kwargs):
    try:
        validity.load()
    except ValidationErrors as exc:
        return [Error(e.message, hint="见 docs/architecture.md 决定40：类别的有效期",
                      id="jkfp.E040") for e in exc.errors]
    return []
