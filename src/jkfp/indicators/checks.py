"""System check (`jkfp check`): the indicator definition files are valid."""

from django.core.checks import Error, register

from jkfp.errors import ValidationErrors

from . import definitions


@register()
def indicator_files_valid(app_configs, **kwargs):
    try:
        definitions.load()
    except ValidationErrors as exc:
        return [Error(e.message, hint="见 policies/indicators/*.yaml（docs/indicators.md）",
                      id="jkfp.E058") for e in exc.errors]
    return []
