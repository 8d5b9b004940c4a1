"""The form renderer of jkfp: Django's widget templates for inputs and selects, in Python
(decision 51).

Django renders every widget through templates, and a select through one template *per option*
(`select_option.html`, which includes `attrs.html`): the household list's region filter of a
county (127 options) cost 8 ms of CPU per page, a fifth of the page. This renderer gives the
same HTML from Python for the few templates below, and leaves every other template to Django.

The fast path is taken only while the template the engine would load is Django's own, word for
word (its source is compared once per name with `DJANGO_SOURCES`): a project or app that
overrides a widget template, or a Django upgrade that changes one, falls back to the template
by itself. `tests/web/test_renderers.py` renders every form of the project both ways and
compares the HTML.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime

W = "django/forms/widgets/"
ATTRS = (
    "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
    "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}"
    "{% endfor %}"
)
INPUT = (
    '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %}'
    " value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
    '{% include "django/forms/widgets/attrs.html" %}>'
)
INCLUDE_INPUT = '{% include "django/forms/widgets/input.html" %}'
SELECT = (
    '<select name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>'
    "{% for group_name, group_choices, group_index in widget.optgroups %}{% if group_name %}\n"
    '  <optgroup label="{{ group_name }}">{% endif %}{% for option in group_choices %}\n'
    "  {% include option.template_name with widget=option %}{% endfor %}{% if group_name %}\n"
    "  </optgroup>{% endif %}{% endfor %}\n</select>"
)
OPTION = (
    "<option value=\"{{ widget.value|stringformat:'s' }}\""
    '{% include "django/forms/widgets/attrs.html" %}>{{ widget.label }}</option>'
)
TEXTAREA = (
    '<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>\n'
    "{% if widget.value %}{{ widget.value }}{% endif %}</textarea>"
)
INPUT_KINDS = ("text", "number", "email", "url", "password", "hidden", "date", "datetime",
               "time", "search", "tel", "color", "checkbox")
#: the templates rendered in Python, with the exact source they stand for (a file's final
#: newline included: an option's is part of the select, as the blank lines between options)
DJANGO_SOURCES = {
    W + "attrs.html": ATTRS,
    W + "input.html": INPUT + "\n",
    W + "select.html": SELECT + "\n",
    W + "select_option.html": OPTION + "\n",
    W + "textarea.html": TEXTAREA + "\n",
    **{f"{W}{kind}.html": INCLUDE_INPUT + "\n" for kind in INPUT_KINDS},
}


def _var(value) -> str:
    """`{{ value }}` in an autoescaping template (Django's render_value_in_context)."""
    if isinstance(value, str):  # what localize and template_localtime leave as it is
        return conditional_escape(value)
    value = localize(template_localtime(value))
    if not issubclass(type(value), str):
        value = str(value)
    return conditional_escape(value)


def _fmt(value) -> str:
    """`{{ value|stringformat:'s' }}`."""
    if isinstance(value, tuple):
        value = str(value)
    try:
        out = str(value)  # "%s" % value, the filter's own formatting
    except (ValueError, TypeError):
        out = ""
    return conditional_escape(mark_safe(out) if isinstance(value, SafeData) else out)


def _attrs(widget: dict) -> str:
    out = []
    for name, value in widget["attrs"].items():
        if value is not False:
            out.append(f" {_var(name)}" if value is True else f' {_var(name)}="{_fmt(value)}"')
    return "".join(out)


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = f' value="{_fmt(value)}"' if value != None else ""  # noqa: E711 (the template's !=)
    return f'<input type="{_var(widget["type"])}" name="{_var(widget["name"])}"{shown}{_attrs(widget)}>'


def _option(widget: dict) -> str:
    return f'<option value="{_fmt(widget["value"])}"{_attrs(widget)}>{_var(widget["label"])}</option>'


def _textarea(widget: dict) -> str:
    body = _var(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_var(widget["name"])}"{_attrs(widget)}>\n{body}</textarea>'


class FastWidgetRenderer(DjangoTemplates):
    """Django's template form renderer, with the common widget templates done in Python."""

    def __init__(self):
        super().__init__()
        self._fast: dict[str, bool] = {}

    def _is_django_own(self, name: str) -> bool:
        fast = self._fast.get(name)
        if fast is None:
            source = self.get_template(name).template.source
            fast = self._fast[name] = source == DJANGO_SOURCES[name]
        return fast

    def _select(self, context: dict, request) -> str:
        widget = context["widget"]
        parts = [f'<select name="{_var(widget["name"])}"{_attrs(widget)}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_var(group_name)}">')
            for option in group_choices:
                name = option["template_name"]
                if name == W + "select_option.html" and self._is_django_own(name):
                    html = _option(option) + "\n"  # the file's final newline
                else:  # an option template of its own: as the include renders it (unstripped)
                    html = self.get_template(name).render({**context, "widget": option},
                                                          request)
                parts.append(f"\n  {html}")
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts)

    def render(self, template_name, context, request=None):
        fast = FAST.get(template_name)
        if fast is not None and all(self._is_django_own(n) for n in fast[1]):
            return fast[0](self, context, request).strip()
        return super().render(template_name, context, request)


#: template → (its Python rendering, the templates whose Django source it stands for)
FAST = {
    W + "select.html": (FastWidgetRenderer._select, (W + "select.html", W + "attrs.html")),
    W + "select_option.html": (lambda r, c, q: _option(c["widget"]),
                               (W + "select_option.html", W + "attrs.html")),
    W + "textarea.html": (lambda r, c, q: _textarea(c["widget"]),
                          (W + "textarea.html", W + "attrs.html")),
    W + "input.html": (lambda r, c, q: _input(c["widget"]), (W + "input.html", W + "attrs.html")),
    **{f"{W}{kind}.html": (lambda r, c, q: _input(c["widget"]),
                           (f"{W}{kind}.html", W + "input.html", W + "attrs.html"))
       for kind in INPUT_KINDS},
}
