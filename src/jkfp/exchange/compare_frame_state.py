"""The containers of the column-wise monitoring plan (decision 74): the registry's persons as
a frame read as a mapping, the state the plan reads, and the plan's rows made from its frame on
first read (re-exported by `compare_frame`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .compare import PersonState, RowPlan


class PersonsFrame(MutableMapping):
    """The persons of a plan as a frame (`PERSON_SCHEMA`), read as a mapping id → PersonState
    (made on each read: `plan_incomes` and the per-row reference read it so)."""

    def __init__(self, frame: pl.DataFrame):
        self.frame = frame.sort("id")
        self._ids = self.frame["id"].to_numpy()

    def _at(self, pk) -> int | None:
        if not isinstance(pk, int | np.integer):
            return None
        i = int(np.searchsorted(self._ids, pk))
        return i if i < len(self._ids) and self._ids[i] == pk else None

    def __getitem__(self, pk) -> PersonState:
        i = self._at(pk)
        if i is None:
            raise KeyError(pk)
        return PersonState(*self.frame.row(i))

    def __contains__(self, pk) -> bool:
        return self._at(pk) is not None

    def __iter__(self) -> Iterator[int]:
        return iter(self.frame["id"].to_list())

    def __len__(self) -> int:
        return self.frame.height

    def __setitem__(self, pk, value):
        raise TypeError("the persons of a plan are read only")

    __delitem__ = __setitem__


@dataclass
class FrameState:
    """The registry as the column-wise plan needs it: the persons, the household periods of
    the kind's categories and the ID address codes of each county (`selectors.plan_state_frame`)."""

    persons: PersonsFrame
    periods: pl.DataFrame
    county_codes: dict[str, set[str]] = field(default_factory=dict)


class PlanRows(MutableMapping):
    """line → RowPlan of a column-wise plan: made from the plan's frame on first read, then
    kept; rows set by later steps (or decided per row) are kept as they are given."""

    def __init__(self, frame: pl.DataFrame, make: Callable[[tuple], RowPlan]):
        self.frame = frame
        self._make = make
        lines = frame["line"].to_numpy()
        self._order = np.argsort(lines, kind="stable")
        self._sorted = lines[self._order]
        self._own: dict[int, RowPlan] = {}
        self._gone: set[int] = set()

    def _at(self, line) -> int | None:
        if not isinstance(line, int | np.integer):
            return None
        i = int(np.searchsorted(self._sorted, line))
        if i < len(self._sorted) and self._sorted[i] == line:
            return int(self._order[i])
        return None

    def __getitem__(self, line) -> RowPlan:
        if line in self._own:
            return self._own[line]
        i = None if line in self._gone else self._at(line)
        if i is None:
            raise KeyError(line)
        plan = self._own[line] = self._make(self.frame.row(i))
        return plan

    def __setitem__(self, line, plan: RowPlan) -> None:
        self._own[line] = plan
        self._gone.discard(line)

    def __delitem__(self, line) -> None:
        if line not in self:
            raise KeyError(line)
        self._own.pop(line, None)
        self._gone.add(line)

    def __contains__(self, line) -> bool:
        return line in self._own or (line not in self._gone and self._at(line) is not None)

    def __iter__(self) -> Iterator[int]:
        for line in self.frame["line"]:
            if line not in self._gone:
                yield line
        for line in list(self._own):
            if self._at(line) is None:
                yield line

    def __len__(self) -> int:
        extra = sum(1 for line in self._own if self._at(line) is None)
        return self.frame.height - len(self._gone) + extra

    def status_counts(self) -> dict[str, int]:
        """How many rows of each status, without making the rows' RowPlans."""
        taken = list(self._gone | set(self._own))
        base = self.frame.filter(~pl.col("line").is_in(taken))
        counts = dict(base.group_by("status").len().rows())
        for plan in self._own.values():
            counts[str(plan.status)] = counts.get(str(plan.status), 0) + 1
        return counts
