"""The writes of the indicator figures (decision 58c): the full rebuild and the incremental
refresh of the villages whose records changed. Both run in one transaction each: a reader
sees the figures before or after, never half of them."""

from __future__ import annotations

import datetime as dt
import operator
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from jkfp.events import Event, subscribe
from jkfp.facilities.models import Institution
from jkfp.regions.models import Region
from jkfp.registry.models import Person

from . import compute, definitions, periods, yearly
from .models import DirtyVillage, Figure


@dataclass(frozen=True)
class Done:
    indicators: int
    periods: int
    villages: int | None      # the villages recomputed (None: all)
    seconds: float


#: progress(done, total, indicator id): one step an indicator and year (and chunk of villages)
Progress = Callable[[int, int, str], None]


def _counted(progress: Progress | None, total: int) -> Callable[[str], None] | None:
    if progress is None:
        return None
    done = 0

    def step(indicator_id: str) -> None:
        nonlocal done
        done += 1
        progress(min(done, total), total, indicator_id)
    return step


def _periods_of(ind: definitions.Indicator, years: list[int], today: dt.date
                ) -> list[periods.Period]:
    return [p for y in years for p in periods.of_year(y, until=today) if p.unit in ind.periods]


def _computed_years() -> list[int]:
    """The years a rebuild has written, from any of their rows (a month, a quarter or the
    year): a year's own rows are absent when its population is empty on 31 December (every
    poor person dead by then), and keying on them made the refresh skip the whole year."""
    codes = Figure.objects.values_list("period", flat=True).distinct()
    return sorted({int(c[:4]) for c in codes if c[:4].isdigit()})


def _fill(cur, defs: definitions.Definitions, years: list[int], today: dt.date,
          villages: list[str] | None, progress: Callable[[str], None] | None, into: str
          ) -> set[str]:
    """The village rows of every indicator and period of `years`: one query per indicator
    and year where its predicates have yearly forms (decision 72), else one per period."""
    codes: set[str] = set()
    use_yearly = getattr(settings, "JKFP_INDICATORS_YEARLY", True)
    for year in years:
        y = yearly.Year(year, periods.of_year(year), defs.poor, cur, villages=villages,
                        today=today)
        for ind in defs.indicators.values():
            todo = _periods_of(ind, [year], today)
            if use_yearly and yearly.has_yearly(ind):
                yearly.insert_year(y, ind, todo, villages=villages, into=into)
            else:
                compute.insert_villages(cur, ind, todo, poor=defs.poor, villages=villages,
                                        into=into, today=today)
            codes |= {p.code for p in todo}
            if progress:
                progress(ind.id)
        y.drop()  # (on an error the transaction's rollback drops them)
    return codes


def _session(cur) -> None:
    if connection.vendor == "postgresql":
        cur.execute("SET LOCAL work_mem = '64MB'")
        cur.execute("SET LOCAL jit = off")
        # the temporary tables are analysed for their size and the distinct ids joined on:
        # a sample of 3,000 rows tells that as well as the default 30,000 and takes a fifth
        # of the time (a refresh: 11 tables, 190 -> 40 ms; decision 103)
        cur.execute("SET LOCAL default_statistics_target = 10")


def indicators_rebuild(*, years: list[int] | None = None, today: dt.date | None = None,
                       progress: Progress | None = None) -> Done:
    """Recompute every indicator for every region and every period of `years` (by default the
    years already computed and the current one) from the source tables."""
    t0 = time.perf_counter()
    today = today or timezone.localdate()
    years = sorted(set(years or (_computed_years() + [today.year])))
    defs = definitions.current()
    started = timezone.now()
    with transaction.atomic(), connection.cursor() as cur:
        _session(cur)
        codes = [p.code for y in years for p in periods.of_year(y)]
        into = compute.new_table(cur)
        step = _counted(progress, len(years) * len(defs.indicators))
        done = _fill(cur, defs, years, today, None, step, into)
        if done:
            compute.insert_rollups(cur, periods=sorted(done), into=into)
        compute.apply_new(cur, periods=codes)
        DirtyVillage.objects.filter(marked_at__lte=started).delete()
    return Done(len(defs.indicators), len(codes), None, time.perf_counter() - t0)


#: Marked villages from which a refresh recomputes every village instead: its statements
#: list the villages and the regions above them as parameters (about twice the villages),
#: and SQLite takes at most 32,766 parameters a statement (PostgreSQL 65,535); so many
#: villages cost about what a rebuild costs anyway.
REFRESH_MAX_VILLAGES = 10_000


def indicators_refresh(*, today: dt.date | None = None, progress: Progress | None = None
                       ) -> Done:
    """Recompute only the villages marked dirty (and the regions above them), for the years
    already computed; the marks taken are cleared in the same transaction. From
    `REFRESH_MAX_VILLAGES` marked villages, every village is recomputed (`Done.villages`
    None), as a rebuild of those years does."""
    t0 = time.perf_counter()
    today = today or timezone.localdate()
    defs = definitions.current()
    with transaction.atomic(), connection.cursor() as cur:
        _session(cur)
        taken = list(DirtyVillage.objects.select_for_update().values_list(
            "region_code", "marked_at"))
        villages = sorted({c for c, _ in taken})
        years = _computed_years()
        if not villages or not years:
            return Done(len(defs.indicators), 0, 0, time.perf_counter() - t0)
        codes = [p.code for y in years for p in periods.of_year(y)]
        into = compute.new_table(cur)
        if len(villages) >= REFRESH_MAX_VILLAGES:
            step = _counted(progress, len(years) * len(defs.indicators))
            done = _fill(cur, defs, years, today, None, step, into)
            if done:
                compute.insert_rollups(cur, periods=sorted(done), into=into)
            compute.apply_new(cur, periods=codes)
            recomputed = None
        else:
            ancestors = {n: {v[:n] for v in villages} for n in compute.LEVELS}
            done = set()
            chunks = list(_chunks(villages, 500))
            step = _counted(progress, len(chunks) * len(years) * len(defs.indicators))
            for chunk in chunks:
                done |= _fill(cur, defs, years, today, chunk, step, into)
            if done:
                compute.insert_rollups(cur, periods=sorted(done), ancestors=ancestors,
                                       into=into, fresh=villages)
            compute.apply_new(cur, periods=codes, regions=sorted(
                set(villages).union(*ancestors.values())))
            recomputed = len(villages)
        for chunk in _chunks(taken, 500):  # (a mark made since is kept)
            DirtyVillage.objects.filter(reduce(operator.or_, (
                Q(region_code=code, marked_at=marked) for code, marked in chunk))).delete()
    return Done(len(defs.indicators), len(codes), recomputed, time.perf_counter() - t0)


def _chunks(items: list, n: int):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def villages_mark_dirty(*, region_codes) -> None:
    """Mark villages whose figures are stale (12-digit codes; others are ignored)."""
    now = timezone.now()
    rows = [DirtyVillage(region_code=c, marked_at=now) for c in sorted(set(region_codes))
            if c and len(c) == 12]
    if rows:
        DirtyVillage.objects.bulk_create(rows, update_conflicts=True,
                                         unique_fields=["region_code"],
                                         update_fields=["marked_at"])


def _on_change(*, region_code: str = "", person_id: int | None = None, **_: object) -> None:
    """After a committed change: its village, and for a person every village they have lived
    in (a move leaves the old village's figures stale as well as the new one's)."""
    codes = {region_code}
    if person_id:
        codes |= set(Person.history.filter(id=person_id).values_list("region_code", flat=True))
    villages_mark_dirty(region_codes=codes)


def _on_changes(payloads: list[dict]) -> None:
    """`_on_change` for many at once (an import)."""
    codes = {p.get("region_code") or "" for p in payloads}
    persons = sorted({p["person_id"] for p in payloads if p.get("person_id")})
    for i in range(0, len(persons), 10_000):
        codes |= set(Person.history.filter(id__in=persons[i:i + 10_000])
                     .values_list("region_code", flat=True).distinct())
    villages_mark_dirty(region_codes=codes)


def _on_facility_change(*, county_code: str = "", **_: object) -> None:
    """A facility write recomputes the county's gaps: every village of the county and the
    padded codes its township centres and county hospitals are counted in (decision 65)."""
    if not county_code:
        return
    codes = set(Region.objects.filter(code__startswith=county_code).values_list(
        "code", flat=True)) | {county_code}
    codes |= set(Institution.objects.filter(region_code__startswith=county_code).values_list(
        "region_code", flat=True))
    villages_mark_dirty(region_codes={compute.padded(c) for c in codes})


def _on_warning_change(*, region_codes=(), **_: object) -> None:
    villages_mark_dirty(region_codes={compute.padded(c) for c in region_codes if c})


EVENTS = (Event.HOUSEHOLD_CHANGED, Event.PERSON_CHANGED, Event.PERIOD_CHANGED,
          Event.STAY_SETTLED, Event.CONTRACT_CHANGED, Event.FOLLOWUP_RECORDED)


def subscribe_events() -> None:
    for e in EVENTS:
        subscribe(e, _on_change, batch=_on_changes)
    subscribe(Event.FACILITY_CHANGED, _on_facility_change)
    subscribe(Event.WARNING_CHANGED, _on_warning_change)
