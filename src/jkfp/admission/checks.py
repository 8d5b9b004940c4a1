"""System check (`jkfp check`, before `runserver`/`migrate`): the procedure file is valid."""

from django.core.checks import Error, register

from jkfp.errors import ValidationErrors

from . import procedure


@register()
def procedure_file_valid(app_configs, **kwargs):
    try:
        procedure.load()
    except ValidationErrors as exc:
        return [Error(e.message, hint="见 docs/architecture.md：办理参数", id="jkfp.E002")
                for e in exc.errors]
    return []
