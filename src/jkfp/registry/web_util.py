"""`call_with_conflict`: `web.forms.call_service` for forms built with arguments (the change
pages' forms take the household and its members), keeping what the user typed on a stale save
and putting each named error beside its field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms

from jkfp.errors import DomainError
from jkfp.web.forms import Outcome, add_domain_errors, split_conflict


def call_with_conflict(
    make: Callable[[Any], forms.Form],
    data,
    call: Callable[[dict], Any],
    *,
    current_version: Callable[[], int],
    field_map: dict | None = None,
) -> Outcome:
    """Build the form from `data` with `make`, validate, call the service; on a stale save the
    form is built again with the record's current version (saving again is a deliberate
    overwrite) and the outcome's `conflict` holds the message (409)."""
    form = make(data)
    if not form.is_valid():
        return Outcome(form)
    try:
        result = call(form.cleaned_data)
    except DomainError as exc:
        conflict, rest = split_conflict(exc)
        if conflict:
            fresh = data.copy()
            fresh["version"] = str(current_version())
            form = make(fresh)
            form.is_valid()
        add_domain_errors(form, rest, field_map=field_map)
        return Outcome(form, conflict=conflict)
    return Outcome(form, ok=True, result=result)
