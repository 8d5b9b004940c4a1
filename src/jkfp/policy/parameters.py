"""Dated parameters in the style of OpenFisca, with a provenance for every value.

A parameter node in a YAML file:

    deductible:
      description: 大病保险起付线          # optional
      unit: yuan                         # yuan | ratio | points | boolean | segments
      values:
        2019-01-01:                      # the date from which the value is in force
          value: 5000
          source: changzhi_plan          # a key of the regime's `sources`, or
          cite: （十三）起付线降低到5000元   #   example: true (a stand-in, no source)
        2021-01-01:
          value: null                    # null ends the parameter

A value may depend on the stay's category, location or hospital grade: a mapping keyed by one
dimension (category codes, location names, or grades 0-3, plus `other` for the rest), nested in
any order. A leaf may carry its own provenance: `{value: 5000, source: ..., cite: ...}` or
`{value: 10000, example: true}`; it overrides the provenance of its dated entry.

A leaf of a tier's parameter may be `not_covered`: the source gives no value for that grade,
location or category, so the tier does not apply to such a stay (its statement says why)
instead of an invented example value (`{grade: {1: 800, 2: 1200, 3: not_covered}}`). It keeps
the provenance of its entry (the document that gives no value).

The data model only: what a parameter holds once loaded. Reading it from a file is
`parameter_parser.py`; `leaves` is the one walk over a value tree.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from .schema import CATEGORIES, GRADES, LOCATIONS, Unit

DIMENSIONS = {
    "category": ("人员类别", tuple(c.value for c in CATEGORIES)),
    "location": ("就医地", tuple(loc.value for loc in LOCATIONS)),
    "grade": ("医院等级", GRADES),
}


@dataclass(frozen=True)
class Provenance:
    source_id: str | None = None
    source_title: str | None = None
    cite: str | None = None
    example: bool = False
    note: str | None = None
    reform: str | None = None  # name of the reform overlay that set this value

    def describe(self) -> str:
        if self.reform:
            return f"改革方案“{self.reform}”"
        if self.example:
            return "示例值（无公开来源，部署地区应替换）" + (f"；{self.note}" if self.note else "")
        text = self.source_title or self.source_id or ""
        if self.cite:
            text += f"，{self.cite}"
        return text


UNLIMITED = "unlimited"
#: A leaf for which the source gives no value: the tier does not apply (see the module doc).
NOT_COVERED = "not_covered"


@dataclass(frozen=True)
class IncomeShare:
    """A deductible given as a share of the regime's reference income."""

    bp: int


@dataclass(frozen=True)
class Leaf:
    value: Any  # int fen | UNLIMITED | NOT_COVERED | IncomeShare | int bp | bool |
    #             tuple of (up_to|None, bp)
    provenance: Provenance | None


@dataclass(frozen=True)
class ByDimension:
    dimension: str  # category | location | grade
    branches: dict  # key → Leaf | ByDimension
    other: Any = None  # Leaf | ByDimension | None


@dataclass(frozen=True)
class DatedValue:
    start: date
    tree: Leaf | ByDimension | None  # None: the parameter ends here
    line: int | None


@dataclass(frozen=True)
class Resolved:
    """The value of a parameter for one cell on one date, and where it comes from."""

    value: Any
    start: date
    provenance: Provenance
    parameter: Parameter
    #: the row of a table by category, location or grade that applied: (dimension, key) pairs
    #: from the outermost mapping in, key `OTHER` for its `other` row; () for a plain value
    row: tuple[tuple[str, Any], ...] = ()

    @property
    def not_covered(self) -> bool:
        return isinstance(self.value, str) and self.value == NOT_COVERED


@dataclass(frozen=True)
class Parameter:
    path: str
    label: str
    unit: Unit
    description: str | None
    file: str
    line: int | None
    values: tuple[DatedValue, ...]  # sorted by start

    def at(self, on: date) -> DatedValue | None:
        starts = [v.start for v in self.values]
        i = bisect.bisect_right(starts, on) - 1
        if i < 0 or self.values[i].tree is None:
            return None
        return self.values[i]

    def resolve(self, on: date, cat: int, loc: int, grade: int) -> Resolved | None:
        dated = self.at(on)
        if dated is None:
            return None
        node: Any = dated.tree
        keys = {"category": CATEGORIES[cat].value, "location": LOCATIONS[loc].value,
                "grade": grade}
        row: tuple[tuple[str, Any], ...] = ()
        while isinstance(node, ByDimension):
            key = keys[node.dimension]
            sub = node.branches.get(key)
            row += ((node.dimension, key if sub is not None else OTHER),)
            node = sub if sub is not None else node.other
        assert isinstance(node, Leaf) and node.provenance is not None
        return Resolved(node.value, dated.start, node.provenance, self, row)

    def dates(self) -> list[date]:
        return [v.start for v in self.values]

    def in_force_from(self) -> date | None:
        return self.values[0].start if self.values else None

    def ends(self) -> date | None:
        """Date from which the parameter is no longer in force, if it ends."""
        last = self.values[-1] if self.values else None
        return last.start if last is not None and last.tree is None else None

    def leaves_on(self, on: date) -> list[tuple[tuple[tuple[str, Any], ...], Leaf]]:
        """The leaves of the value in force on a date (empty when none is)."""
        dated = self.at(on)
        return [] if dated is None else list(leaves(dated.tree))


#: The key of a value tree's branch for the members not named (`other` in files).
OTHER = "other"


def leaves(tree: Leaf | ByDimension | None,
           path: tuple[tuple[str, Any], ...] = ()) -> Iterator[tuple[tuple[tuple[str, Any], ...],
                                                                    Leaf]]:
    """Every leaf of a value tree with its path of (dimension, key) pairs, key `OTHER` for the
    `other` branch; branches in file order, `other` last. The one walk over a value tree."""
    if isinstance(tree, Leaf):
        yield path, tree
    elif isinstance(tree, ByDimension):
        for key, sub in tree.branches.items():
            yield from leaves(sub, (*path, (tree.dimension, key)))
        if tree.other is not None:
            yield from leaves(tree.other, (*path, (tree.dimension, OTHER)))


def any_leaf(tree: Leaf | ByDimension | None, test: Callable[[Leaf], bool]) -> bool:
    return any(test(leaf) for _, leaf in leaves(tree))
