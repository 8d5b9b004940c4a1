"""Summary definitions: what a summary counts, by which dimensions, and how one row moves it.

An app declares its summaries once (the registry in `registry/summaries.py`, loaded by its
`AppConfig.ready`; the coming indicators app the same way) with `define(SummaryDefinition(…))`.
A definition says, twice and in agreement:

- set-based, for a rebuild: the source rows (`model` filtered by `where`) grouped by the region
  column and the key column — one `INSERT … SELECT … GROUP BY`;
- row by row, for the services: `counts(row)` (does this row count?) and the same two columns
  read off the row, so a service can apply the difference a write made (`services.summary_apply`).

The tests check that both agree after random sequences of service calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, F, Q, QuerySet, Value


@dataclass(frozen=True)
class SummaryDefinition:
    name: str                                   # "<app>.<what>", e.g. "registry.periods_open"
    model: type[models.Model]                   # the source table
    where: Q                                    # which source rows count (set-based)
    counts: Callable[[models.Model], bool]      # the same test on one row (incremental)
    key_field: str | None = None                # the dimension beside the region, if any
    region_field: str = "region_code"           # a village code (12 digits)
    description: str = ""
    # a key computed from the row instead of a field (e.g. the year of a date): the function on
    # one row and the same as a query expression, in agreement like `counts` and `where`
    key_of: Callable[[models.Model], str] | None = None
    key_expr: Any = None

    def dimensions(self, row: models.Model) -> tuple[str, str] | None:
        """(region code, key) under which `row` counts, or None if it does not count."""
        if not self.counts(row):
            return None
        if self.key_of is not None:
            key = str(self.key_of(row))
        else:
            key = "" if self.key_field is None else str(getattr(row, self.key_field))
        return str(getattr(row, self.region_field)), key

    def source(self) -> QuerySet:
        """The counts as a query: region code, key, n (in this column order)."""
        if self.key_expr is not None:
            key = self.key_expr
        else:
            key = (F(self.key_field) if self.key_field
                   else Value("", output_field=models.CharField()))
        return (self.model._default_manager.filter(self.where)
                .values(_region=F(self.region_field), _key=key)
                .annotate(_n=Count("pk")).order_by())


_definitions: dict[str, SummaryDefinition] = {}


def define(definition: SummaryDefinition) -> SummaryDefinition:
    """Register a summary (idempotent for the same name and model)."""
    old = _definitions.get(definition.name)
    if old is not None and old.model is not definition.model:
        raise ValueError(f"summary {definition.name!r} is defined twice")
    _definitions[definition.name] = definition
    return definition


def definitions() -> list[SummaryDefinition]:
    return list(_definitions.values())


def definition(name: str) -> SummaryDefinition:
    try:
        return _definitions[name]
    except KeyError:
        raise KeyError(f"unknown summary {name!r}; known: {sorted(_definitions)}") from None


def of_model(model: type[models.Model]) -> list[SummaryDefinition]:
    return [d for d in _definitions.values() if d.model is model]
