"""Regions, regimes and tiers, and finding the regime in force for a stay.

- A *region* (one folder under `policies/`) owns administrative code prefixes (2, 4 or 6 digits).
- A *regime* (one sub-folder) is a region's policy for a period `[start, end]`: its tiers in order,
  its dated parameters and the documents they come from. Regimes of a region follow each other
  with no gap and no overlap.
- A stay's regime is found by its county code and admission date: the region with the longest
  code prefix of the county code that has a regime in force on that date.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from .errors import PolicyError, PolicyErrorCode
from .parameters import Parameter, Provenance
from .schema import Base, Kind, Per


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    document: str | None = None
    url: str | None = None
    published: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Condition:
    """Who a rule applies to. None means every value of that dimension."""

    categories: frozenset[int] | None = None
    locations: frozenset[int] | None = None
    grades: frozenset[int] | None = None
    referred: bool | None = None

    def admits(self, cat: int, loc: int, grade: int, referred: bool) -> bool:
        return ((self.categories is None or cat in self.categories)
                and (self.locations is None or loc in self.locations)
                and (self.grades is None or grade in self.grades)
                and (self.referred is None or referred == self.referred))


@dataclass(frozen=True)
class Adjustment:
    """A change of a tier's parameters for some stays (e.g. the tilt for 特困, 低保, 返贫致贫)."""

    id: str
    name: str
    when: Condition
    parameters: dict[str, Parameter]
    description: str | None = None


@dataclass(frozen=True)
class Tier:
    id: str
    name: str
    kind: Kind
    fund: str
    base: Base  # a guarantee always works on what is left of the total
    deductible_per: Per
    segments_over: Per
    eligibility: Condition
    parameters: dict[str, Parameter]
    adjustments: tuple[Adjustment, ...] = ()
    description: str | None = None
    file: str = ""

    def all_parameters(self) -> Iterator[Parameter]:
        yield from self.parameters.values()
        for adj in self.adjustments:
            yield from adj.parameters.values()


@dataclass(frozen=True)
class DepositWaiver:
    """先诊疗后付费: who pays no deposit on admission."""

    when: Condition
    provenance: Provenance


@dataclass(frozen=True)
class Regime:
    id: str
    name: str
    version: int
    start: date
    end: date
    region_id: str
    region_name: str
    tiers: tuple[Tier, ...]
    parameters: dict[str, Parameter]
    sources: dict[str, Source]
    deposit_waiver: DepositWaiver | None = None
    description: str | None = None
    folder: str = ""
    reform: str | None = None  # name of the overlay applied, if any

    @property
    def label(self) -> str:
        """Regime id and version, as written in the `policy` column of results."""
        return f"{self.id}@v{self.version}"

    def all_parameters(self) -> Iterator[Parameter]:
        yield from self.parameters.values()
        for tier in self.tiers:
            yield from tier.all_parameters()

    def in_force(self, on: date) -> bool:
        return self.start <= on <= self.end

    def snapshot_dates(self) -> tuple[date, ...]:
        """Dates on which some parameter changes; parameters are constant between them."""
        dates = {self.start}
        for p in self.all_parameters():
            dates.update(d for d in p.dates() if self.start <= d <= self.end)
        return tuple(sorted(dates))

    def tier(self, tier_id: str) -> Tier:
        for t in self.tiers:
            if t.id == tier_id:
                return t
        raise KeyError(tier_id)


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    codes: tuple[str, ...]
    regimes: tuple[Regime, ...]  # sorted by start
    description: str | None = None
    folder: str = ""

    def regime_on(self, on: date) -> Regime | None:
        starts = [r.start for r in self.regimes]
        i = bisect.bisect_right(starts, on) - 1
        if i >= 0 and self.regimes[i].in_force(on):
            return self.regimes[i]
        return None


@dataclass
class PolicySet:
    """Every region's regimes, loaded and validated; the engine's input."""

    regions: tuple[Region, ...]
    root: str = ""
    reform: str | None = None
    _by_prefix: dict[str, Region] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_prefix = {code: region for region in self.regions for code in region.codes}

    @property
    def regimes(self) -> list[Regime]:
        return [r for region in self.regions for r in region.regimes]

    def regime(self, regime_id: str) -> Regime:
        for r in self.regimes:
            if r.id == regime_id:
                return r
        raise KeyError(regime_id)

    def region(self, key: str) -> Region:
        """A region by its id, its Chinese name or one of its codes."""
        for region in self.regions:
            if key in (region.id, region.name) or key in region.codes:
                return region
        raise KeyError(key)

    def tier_ids(self) -> list[str]:
        """Every tier id, in the order of first appearance (the columns of a result file)."""
        seen: dict[str, None] = {}
        for r in self.regimes:
            for t in r.tiers:
                seen.setdefault(t.id, None)
        return list(seen)

    def region_by_prefix(self, prefix: str) -> Region | None:
        """The region that owns exactly this code prefix, if any."""
        return self._by_prefix.get(prefix)

    def find_regime(self, county_code: str, on: date) -> Regime | None:
        code = str(county_code)
        for n in (6, 4, 2):
            region = self._by_prefix.get(code[:n]) if len(code) >= n else None
            if region is not None:
                regime = region.regime_on(on)
                if regime is not None:
                    return regime
        return None

    def regime_for(self, county_code: str, on: date) -> Regime:
        regime = self.find_regime(county_code, on)
        if regime is None:
            raise PolicyError(PolicyErrorCode.NO_REGIME, what=county_code, allowed=on.isoformat())
        return regime
