"""System check (`jkfp check`, before `runserver`/`migrate`): the kinds file is valid."""

from django.core.checks import Error, register

from jkfp.errors import ValidationErrors

from . import kinds


@register()
def kinds_file_valid(app_configs, **kwargs):
    try:
        kinds.load()
    except ValidationErrors as exc:
        return [
            Error(
                e.message,
                hint="见 policies/exchange/kinds.yaml 和 docs/exchange.md",
                id="jkfp.E012",
            )
            for e in exc.errors
        ]
    return []
