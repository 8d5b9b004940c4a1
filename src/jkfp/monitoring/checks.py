"""`jkfp check`: the warning-rule files load (every problem an Error naming file:line)."""

from django.core.checks import Error, register


@register()
def rule_files_check(app_configs=None, **kwargs):
    from .rulefiles import check_all

    _, problems = check_all()
    return [Error(p.message, id=f"monitoring.{p.code}") for p in problems]
