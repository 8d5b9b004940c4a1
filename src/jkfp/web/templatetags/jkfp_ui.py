"""Template filters and tags of the jkfp pages: masking, money, labels, form fields."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from jkfp.categories import LABELS, LEVEL, MONITORED, Category
from jkfp.policy import money
from jkfp.registry import idnumber

register = template.Library()


@register.filter
def mask_id(value: str) -> str:
    """`64032319900101123X` → `640323**********3X` (DESIGN.md rule 11, decision 39)."""
    return idnumber.mask(value or "")


@register.filter
def birth(value) -> str:
    """A birth date as pages show it: its year only (`1990年`; see idnumber.mask)."""
    return idnumber.birth_shown(value)


@register.filter
def mask_phone(value: str) -> str:
    return idnumber.mask_phone(value or "")


@register.filter
def yuan(fen) -> str:
    """An amount in integer fen shown in yuan with two decimals and thousands separators."""
    if fen is None or fen == "":
        return ""
    return money.fmt_amount(int(fen))


@register.filter
def yuan_text(value) -> str:
    """An amount already in yuan as a string ("37200.00") with thousands separators."""
    if value is None or value == "":
        return ""
    return money.fmt_amount(money.parse_yuan(str(value), negative=True))


@register.filter
def department_label(code: str) -> str:
    from jkfp.accounts.models import Department

    try:
        return gettext(Department(code).label)
    except ValueError:
        return code or ""


@register.filter
def category_label(code: str) -> str:
    try:
        return gettext(LABELS[Category(code)])
    except ValueError:
        return code or ""


@register.filter
def category_unit(code: str) -> str:
    """户 for household categories, 人 for person categories."""
    try:
        level = LEVEL[Category(code)]
    except ValueError:
        return ""
    return {"household": gettext("户"), "person": gettext("人")}.get(level, gettext("户/人"))


@register.filter
def category_tone(code: str) -> str:
    """A CSS modifier grouping categories by kind (monitored, civil affairs, poverty, general)."""
    try:
        c = Category(code)
    except ValueError:
        return "plain"
    if c in MONITORED:
        return "warn"
    if c in (Category.EXTREME_POOR, Category.MINIMUM_LIVING, Category.NEAR_MINIMUM_LIVING):
        return "civil"
    if c in (Category.REGISTERED_POOR, Category.LIFTED_OUT, Category.RETURNED_TO_POVERTY,
             Category.ILLNESS_IMPOVERISHED):
        return "poverty"
    return "plain"


@register.filter(name="tr")
def translate_value(value) -> str:
    """Translate a Chinese label coming from data (choice labels of the models)."""
    if value is None:
        return ""
    text = str(value)
    return gettext(text) if text else text


@register.filter
def get_item(mapping, key):
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def field_type(bound_field) -> str:
    widget = bound_field.field.widget
    return getattr(widget, "input_type", None) or widget.__class__.__name__.lower()


@register.inclusion_tag("web/_field.html")
def field(bound_field, css: str = ""):
    """One form field with its label, help text and errors (shown next to the field)."""
    return {"f": bound_field, "css": css}


@register.inclusion_tag("web/_form_errors.html")
def form_errors(*forms):
    """An error summary at the top of a form: every error with the name of its field."""
    rows = []
    for form in forms:
        if form is None:
            continue
        subforms = getattr(form, "forms", None)
        if subforms is not None:  # a formset
            for err in form.non_form_errors():
                rows.append({"label": "", "message": err, "anchor": "", "code": ""})
            for i, sub in enumerate(subforms, start=1):
                rows.extend(_rows(sub, prefix=gettext("第%(n)s名成员") % {"n": i} + " "))
        else:
            rows.extend(_rows(form))
    return {"rows": rows}


def _rows(form, prefix: str = "") -> list[dict]:
    rows = []
    if not form.is_bound or not form.errors:
        return rows
    for name, errors in form.errors.as_data().items():
        bf = form[name] if name in form.fields else None
        label = prefix.strip() if name == "__all__" else (
            f"{prefix}{bf.label if bf is not None else name}")
        anchor = bf.id_for_label if bf is not None and not bf.is_hidden else ""
        for e in errors:
            code = e.code if e.code not in (None, "required", "invalid") else ""
            for message in e.messages:
                rows.append({"label": label, "message": message, "anchor": anchor,
                             "code": code})
    return rows


@register.filter
def minutes(delta) -> int:
    """A timedelta in whole minutes (at least 1)."""
    if delta is None:
        return 15
    return max(1, int(delta.total_seconds() // 60))


@register.simple_tag
def ui_user(user) -> dict:
    """What the header and the menu need to know about the logged-in user."""
    from jkfp.accounts import access
    from jkfp.accounts.models import Role
    from jkfp.admission import selectors

    if not user.is_authenticated:
        return {}
    return {
        "can_write": access.can_write(user),
        "can_propose": access.can_propose(user),
        "can_see_health": access.can_see_health(user),
        "can_manage_users": access.can_manage_users(user),
        "is_admin": user.is_active and (user.is_superuser
                                        or (user.is_staff and user.role == Role.ADMIN)),
        # read-only roles take no step of any request: no 待办 tab, no count to query
        "inbox": selectors.change_request_inbox(user=user).count() if access.can_write(user) else 0,
    }


@register.filter
def num(value) -> str:
    """An integer with thousands separators; empty counts show as 0."""
    try:
        return f"{int(value or 0):,}"
    except (TypeError, ValueError):
        return str(value)
