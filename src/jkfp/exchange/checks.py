"""System check (`jkfp check`, before `runserver`/`migrate`): the kinds file is valid."""

from django.core.checks import Error, register

from jkfp.errors import ValidationErrors

from . import enrolment_share, kinds


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


@register()
def enrolment_file_valid(app_configs, **kwargs):
    try:
        enrolment_share.insured_rule()
    except ValidationErrors as exc:
        return [
            Error(
                e.message,
                hint="见 policies/exchange/enrolment.yaml 和 docs/exchange.md",
                id="jkfp.E012",
            )
            for e in exc.errors
        ]
    return []
