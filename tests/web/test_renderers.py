"""The Python widget rendering (web/renderers.py, decision 51) gives Django's HTML exactly."""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import inspect
from pathlib import Path

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from jkfp.web.renderers import FastWidgetRenderer, W

FORM_MODULES = [
    "jkfp.accounts.forms", "jkfp.admission.forms", "jkfp.contracts.forms", "jkfp.exchange.forms",
    "jkfp.health.forms", "jkfp.registry.change_forms", "jkfp.registry.forms",
    "jkfp.screening.forms", "jkfp.settlement.forms", "jkfp.web.forms",
]
CHOICES = [("", "—"), ("a", "甲 & <乙>"), (3, "三"), ("组", [("x", '"引号"'), ("y", "y")])]
WIDGETS = [
    (forms.TextInput(attrs={"placeholder": "姓名 <b>", "autofocus": True, "disabled": False}),
     'a "quoted" <value>'),
    (forms.TextInput(), None),
    (forms.TextInput(), ""),
    (forms.TextInput(), mark_safe("<i>safe</i>")),
    (forms.TextInput(), gettext_lazy("类别")),
    (forms.NumberInput(attrs={"min": 0, "step": "0.01"}), 12345),
    (forms.HiddenInput(), 7),
    (forms.DateInput(attrs={"type": "date"}), dt.date(2026, 12, 2)),
    (forms.EmailInput(), "a@b.cn"),
    (forms.PasswordInput(render_value=True), "secret"),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(), False),
    (forms.Textarea(attrs={"rows": 3}), "第一行\n<第二行>"),
    (forms.Textarea(), ""),
    (forms.Select(choices=CHOICES, attrs={"required": True}), "a"),
    (forms.Select(choices=CHOICES), 3),
    (forms.Select(choices=CHOICES), "x"),
    (forms.Select(choices=[]), ""),
    (forms.SelectMultiple(choices=CHOICES), ["a", "y"]),
    (forms.RadioSelect(choices=CHOICES), "a"),  # option templates of its own: Django's path
    (type("OwnOption", (forms.Select,), {"option_template_name": W + "input_option.html",
                                         "input_type": "radio"})(choices=CHOICES), "a"),
    (forms.NullBooleanSelect(), None),
    (forms.SplitDateTimeWidget(), dt.datetime(2026, 12, 2, 8, 30)),
]


def render_both(widget, value):
    fast = widget.render("f", value, attrs={"id": "id_f"}, renderer=FastWidgetRenderer())
    django = widget.render("f", value, attrs={"id": "id_f"}, renderer=DjangoTemplates())
    return fast, django


@pytest.mark.parametrize(("widget", "value"), WIDGETS, ids=[type(w).__name__ for w, _ in WIDGETS])
def test_widget_html_is_djangos(widget, value):
    fast, django = render_both(widget, value)
    assert fast == django
    assert fast  # something was rendered


def test_the_settings_use_it():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastWidgetRenderer)


@pytest.mark.django_db
def test_every_form_of_the_project_renders_as_with_django():
    rendered = 0
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, forms.BaseForm) or cls.__module__ != name:
                continue
            for args in ((), ({},)):  # unbound, and bound with errors
                try:
                    form = cls(*args)
                except TypeError:  # a form that needs arguments of its own
                    continue
                for bf in form:
                    form.renderer = DjangoTemplates()
                    django = bf.as_widget()
                    form.renderer = FastWidgetRenderer()
                    assert bf.as_widget() == django, f"{name}.{cls.__name__}.{bf.name}"
                    rendered += 1
    assert rendered >= 100


def test_an_overridden_template_is_used(tmp_path):
    """A project template that overrides a widget template turns the Python path off."""
    folder = tmp_path / "django" / "forms" / "widgets"
    folder.mkdir(parents=True)
    (folder / "select_option.html").write_text(
        '<option data-own="1" value="{{ widget.value }}">{{ widget.label }}</option>')

    class Renderer(FastWidgetRenderer):
        @functools.cached_property
        def engine(self):
            own = Path(forms.__file__).parent / "templates"  # Django's, as its renderer has
            return self.backend({"APP_DIRS": True, "DIRS": [tmp_path, own], "NAME": "t",
                                 "OPTIONS": {}})

    renderer = Renderer()
    html = forms.Select(choices=CHOICES).render("f", "a", renderer=renderer)
    assert html.count('data-own="1"') == 5
    assert html.startswith('<select name="f">')
