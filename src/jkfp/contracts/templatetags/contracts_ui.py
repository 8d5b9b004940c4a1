"""Template filters of the contract pages: disease and item names, shares as percentages."""

from django import template
from django.utils.translation import gettext as _

from .. import standards

register = template.Library()

_NAMES = {"hypertension": "高血压", "diabetes_type2": "2型糖尿病", "tuberculosis": "肺结核",
          "severe_mental_disorder": "严重精神障碍"}


@register.filter
def disease_name(code: str) -> str:
    std = standards.current().diseases.get(code)
    return _(std[-1].name) if std else _NAMES.get(code, code)


@register.filter
def item_label(code: str) -> str:
    return _(standards.ITEM_LABELS.get(code, code))


@register.filter
def pct(share) -> str:
    """A share (0-1) as a percentage with one decimal; — when there is no denominator."""
    return "—" if share is None else f"{share * 100:.1f}%"
