"""System check (`jkfp check`): the gap rules file is valid."""

from django.core.checks import Error, register

from .gaps import GapRulesError, load_rules


@register()
def gap_rules_valid(app_configs, **kwargs):
    try:
        load_rules()
    except GapRulesError as exc:
        return [Error(exc.message, hint="见 policies/facilities/gaps.yaml 和 docs/facilities.md",
                      id="jkfp.E060")]
    return []
