"""System check (`jkfp check`, before `runserver`/`migrate`): the household-number file is valid."""

from django.core.checks import Error, register

from jkfp.errors import ValidationErrors

from . import numbering


@register()
def numbering_file_valid(app_configs, **kwargs):
    try:
        numbering.load()
    except ValidationErrors as exc:
        return [
            Error(e.message, hint="见 docs/household-changes.md：户编号规则", id="jkfp.E020")
            for e in exc.errors
        ]
    return []


@register()
def income_lines_file_valid(app_configs, **kwargs):
    from . import income_lines

    try:
        income_lines.load()
    except ValidationErrors as exc:
        return [
            Error(e.message, hint="见 docs/exchange.md：监测收入标准", id="jkfp.E021")
            for e in exc.errors
        ]
    return []
