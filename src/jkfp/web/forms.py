"""Shared form helpers: put the named domain errors of a service next to their form fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jkfp.errors import DomainError, ValidationErrors

_INDEXED = re.compile(r"^(?P<list>\w+)\[(?P<i>\d+)\]\.(?P<field>\w+)$")


def domain_errors(exc: DomainError) -> list[DomainError]:
    return list(exc.errors) if isinstance(exc, ValidationErrors) else [exc]


def split_conflict(exc: DomainError) -> tuple[str, DomainError | None]:
    """The stale-version message of `exc` (or "") and the other errors (or None)."""
    from jkfp.errors import ErrorCode

    errors = domain_errors(exc)
    stale = [e for e in errors if e.code == ErrorCode.STALE_VERSION]
    rest = [e for e in errors if e.code != ErrorCode.STALE_VERSION]
    return (stale[0].message if stale else ""), (ValidationErrors(rest) if rest else None)


def add_domain_errors(form: forms.Form, exc: DomainError | None, *,
                      field_map: dict | None = None, formsets: dict | None = None) -> None:
    """Attach each error of `exc` to the form field it names (or to the form as a whole).

    `field_map` renames service fields to form fields (`village_code` → `village`);
    `formsets` maps a list name of the service (`members`) to a formset, so that
    `members[2].id_number` lands on the third form's `id_number`.
    """
    if exc is None:
        return
    field_map = field_map or {}
    formsets = formsets or {}
    for err in domain_errors(exc):
        error = ValidationError(err.message, code=str(err.code))
        name = err.field or ""
        m = _INDEXED.match(name)
        if m and m["list"] in formsets:
            fs = formsets[m["list"]]
            i = int(m["i"])
            if i < len(fs.forms) and m["field"] in fs.forms[i].fields:
                fs.forms[i].add_error(m["field"], error)
                continue
        name = field_map.get(name, name)
        if name in form.fields:
            form.add_error(name, error)
        else:
            form.add_error(None, error)


class VersionField(forms.IntegerField):
    """The hidden version of an edited record (optimistic locking)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("label", _("版本"))
        super().__init__(**kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


def form_after_error(form: forms.Form, exc: DomainError, *,
                     current_version) -> tuple[forms.Form, str]:
    """A bound form showing the errors of `exc`, and the conflict message ("" if none).

    On a stale save the form keeps what the user typed and takes the record's current version
    (`current_version()`), so that saving again — after comparing with the value shown beside
    it — is a deliberate overwrite.
    """
    conflict, rest = split_conflict(exc)
    if conflict:
        data = form.data.copy()
        data["version"] = str(current_version())
        form = type(form)(data)
        form.is_valid()
    add_domain_errors(form, rest)
    return form, conflict


UNPROCESSABLE, CONFLICT = 422, 409


@dataclass
class Outcome:
    """What became of a form sent to a service: the result, or the form with its errors."""

    form: forms.Form
    ok: bool = False
    result: Any = None
    conflict: str = ""

    @property
    def status(self) -> int:
        """The HTTP status of the page that shows the form again: 409 for a stale save."""
        return CONFLICT if self.conflict else UNPROCESSABLE


def call_service(form: forms.Form, call: Callable[[dict], Any], *,
                 current_version: Callable[[], int] | None = None,
                 field_map: dict | None = None, formsets: dict | None = None) -> Outcome:
    """Validate `form`, call the service with its cleaned data, and put the service's named
    errors on the form's fields (the one "call a service, show its errors" of the pages).

    With `current_version`, a stale save keeps what the user typed and takes the record's
    current version (`form_after_error`); the outcome's `conflict` holds the message.
    """
    if not form.is_valid():
        return Outcome(form)
    try:
        result = call(form.cleaned_data)
    except DomainError as exc:
        if current_version is not None:
            form, conflict = form_after_error(form, exc, current_version=current_version)
            return Outcome(form, conflict=conflict)
        add_domain_errors(form, exc, field_map=field_map, formsets=formsets)
        return Outcome(form)
    return Outcome(form, ok=True, result=result)


def region_choices(regions, *, all_of_scope: bool = True) -> list[tuple[str, str]]:
    """Choices of a region field: `regions` (the user's node and the levels below it,
    `regions.selectors.region_options`) indented by their depth below the first, after an
    "all of my scope" choice for a filter (`all_of_scope`)."""
    lengths = (2, 4, 6, 9, 12)
    base = lengths.index(len(regions[0].code)) if regions else 0
    nodes = [(r.code, "\u3000" * (lengths.index(len(r.code)) - base) + r.display_name)
             for r in regions]
    return ([("", _("全部（本人管辖区域）"))] if all_of_scope else []) + nodes
