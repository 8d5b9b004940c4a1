"""Indicator definitions as data (decision 58a): `policies/indicators/*.yaml`, strictly loaded,
over a registry of named predicates that apps contribute.

A *predicate* is a named, tested SQL query for one period (`Ctx`: first and last day):

- kind `persons`: one column `person_id`, distinct — a set of persons (the poor on the last
  day, the persons with a contract in force on any day of the period, ...);
- kind `units`: columns `unit_id`, `person_id`, `w` — units of one `unit` (a person, a stay's
  statement, a registration) with a weight (1 for a count, fen for an amount), one row a unit;
- kind `regional`: columns `unit_id`, `region_code`, `w` — units that are not persons'
  (an institution, a gap, a warning), attributed to the region the row names (a village, or a
  township or county for their own institutions: decision 65), with no persons filter.

An indicator names its population (a units or persons predicate), the persons filters its
population must pass, and its numerator (a predicate of the same unit: a unit counts with the
numerator's weight when it is in both). Each app contributes its predicates in a module of
its own (`indicators/predicates.py` here; `facilities/indicators.py` later) with
`@predicate(...)`; the loader refuses a name no app registered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone


@dataclass(frozen=True)
class Ctx:
    start: dt.date
    end: dt.date
    poor: tuple[str, ...]        # the categories of "the poor" (the file's `definitions`)
    # the day the figures are computed: a deadline after it has not yet been missed
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def year(self) -> int:
        return self.end.year


SqlFn = Callable[[Ctx, str], tuple[str, list]]
KINDS = ("persons", "units", "regional")
UNITS_OF_VALUE = ("percent", "ratio_fen", "count")


@dataclass(frozen=True)
class Predicate:
    name: str
    kind: str          # "persons" | "units"
    unit: str          # "person" for persons predicates
    label: str
    fn: SqlFn
    takes_arg: bool = False
    choices: Callable[[], frozenset[str]] | None = None   # the arguments it accepts
    weight: str = "count"   # what a unit's weight is: "count" (1) or "fen" (an amount)

    def sql(self, ctx: Ctx, arg: str = "") -> tuple[str, list]:
        return self.fn(ctx, arg)


_predicates: dict[str, Predicate] = {}


def predicate(name: str, *, kind: str, label: str, unit: str = "person", weight: str = "count",
              takes_arg: bool = False, choices: Callable[[], frozenset[str]] | None = None
              ) -> Callable[[SqlFn], SqlFn]:
    """Register a predicate (decorator). `name:arg` in a file passes `arg` (a category ...)."""
    if kind not in KINDS:
        raise ValueError(kind)

    def register(fn: SqlFn) -> SqlFn:
        old = _predicates.get(name)
        if old is not None and old.fn.__qualname__ != fn.__qualname__:
            raise ValueError(f"predicate {name!r} is registered twice")
        _predicates[name] = Predicate(name, kind, "person" if kind == "persons" else unit,
                                      label, fn, takes_arg or choices is not None, choices,
                                      weight)
        return fn
    return register


def predicates() -> dict[str, Predicate]:
    return dict(_predicates)


@dataclass(frozen=True)
class Ref:
    """A predicate as a file names it: `holds:minimum_living` → predicate `holds`, arg."""
    predicate: Predicate
    arg: str = ""

    def sql(self, ctx: Ctx) -> tuple[str, list]:
        return self.predicate.sql(ctx, self.arg)

    def __str__(self) -> str:
        return f"{self.predicate.name}:{self.arg}" if self.arg else self.predicate.name


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    plan: str
    passage: str
    unit: str                   # "percent" | "ratio_fen" | "count" (the numerator itself)
    direction: str              # "higher" | "lower"
    target: float | None        # in percent
    target_source: str
    example: bool               # target or definition not sourced
    example_note: str
    periods: tuple[str, ...]
    population: Ref
    filters: tuple[Ref, ...]
    numerator: Ref
    numerator_label: str
    denominator_label: str
    file: str = ""
    line: int | None = None
    baseline_year: int | None = None    # judged by its change since this year's figure
    target_change: float | None = None  # in points, against the baseline year

    @property
    def regional(self) -> bool:
        """Units attributed to a region of their own, not to a person's village (decision 65)."""
        return self.population.predicate.kind == "regional"

    @property
    def passage_text(self) -> str:
        """The plan's passage without its closing full stop (a sentence of the page follows)."""
        return self.passage.rstrip("。．. ")

    @property
    def in_fen(self) -> bool:
        """Numerator and denominator are amounts in fen (a ratio of the statements' money),
        not counts of persons or units."""
        return self.population.predicate.weight == "fen"

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "—"
        sign = "≤" if self.direction == "lower" else "≥"
        return f"{sign}{self.target:g}{'' if self.unit == 'count' else '%'}"

    def value(self, numerator: int, denominator: int) -> float | None:
        if self.unit == "count":
            return float(numerator)
        return None if denominator == 0 else 100.0 * numerator / denominator

    def meets(self, value: float | None) -> bool | None:
        if value is None or self.target is None:
            return None
        return value >= self.target - 1e-9 if self.direction == "higher" else \
            value <= self.target + 1e-9


@dataclass(frozen=True)
class Definitions:
    poor: tuple[str, ...]
    indicators: dict[str, Indicator] = field(default_factory=dict)
    #: region-code prefix → the number of special-treatment diseases its plan requires
    special_treatment_required: dict[str, int] = field(default_factory=dict)


# reading the files (a module of its own; import it only through this one)
from .definition_file import (  # noqa: E402,F401
    IndicatorFileError,
    current,
    folder,
    load,
    parse,
)
