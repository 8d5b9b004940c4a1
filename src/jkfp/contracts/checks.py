"""System check (`jkfp check`, before `runserver`/`migrate`): the standards file is valid."""

from django.core.checks import Error, register

from jkfp.errors import ValidationErrors

from . import standards


@register()
def standards_file_valid(app_configs, **kwargs):
    try:
        standards.load()
    except ValidationErrors as exc:
        return [Error(e.message, hint="见 policies/contracts/standards.yaml", id="jkfp.E011")
                for e in exc.errors]
    return []
