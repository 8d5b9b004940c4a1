"""The full rebuild of a year in one query per indicator (decision 72).

The per-period path (`compute.village_sql`) runs every predicate of an indicator once per
period: 17 periods a year (12 months, 4 quarters, the year), each over whole tables. Here a
predicate with a *yearly form* yields each unit once for the year with a *period mask*: bit i
set when the unit is in the predicate for the year's i-th period (`periods.of_year` order).
The mask is built from the predicate's own per-period condition, evaluated for each period
on the unit's rows (`MAX(CASE WHEN condition(period) THEN bit ...)` summed over the periods),
so that a bit is exactly what the per-period query answers for that period. Every distinct
predicate of the year is written once into a temporary table shared by the indicators that
name it (the poor, the contracts in force, the management status ...).

An indicator is then one grouped query: the population's mask ANDed with its filters' masks
and with the person's "alive on the period's last day" mask gives the denominator mask `d`,
`d` AND the numerator's mask the numerator mask `n`; the units are summed by (village, d, n)
— a few rows a village — and those sums spread to the periods whose bit they hold.

An indicator whose predicates have no yearly form keeps the per-period path. The two paths
give the same figures: `tests/indicators/test_yearly.py` keeps them equal on both databases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from jkfp.health.models import ChronicRegistration
from jkfp.registry.models import Person

from .definitions import Ctx, Indicator, Ref
from .models import Figure
from .periods import Period

P = Person._meta.db_table
F = Figure._meta.db_table


@dataclass(frozen=True)
class Rows:
    """A predicate's rows for a year: SQL yielding `unit_id, person_id, w` and the columns its
    condition reads (several rows a unit are allowed: they are ORed), and the condition of
    one period over those columns (aliased `r`)."""
    sql: str
    params: list
    cond: Callable[[Ctx], tuple[str, list]]


@dataclass
class Year:
    """One year's rebuild: its periods and the temporary tables made for it."""
    year: int
    periods: list[Period]           # every period of the year, in bit order
    poor: tuple[str, ...]
    cur: object
    villages: list[str] | None = None   # a refresh: only the persons living there
    today: dt.date | None = None        # the day of the computation (deadlines not yet passed)
    tables: dict[str, str] = field(default_factory=dict)
    made: int = 0

    def ctx(self, p: Period) -> Ctx:
        return Ctx(p.start, p.end, self.poor, self.today or timezone.localdate())

    def bit(self, p: Period) -> int:
        return 1 << self.periods.index(p)

    def ends(self) -> list:
        """The distinct last days of the periods (the quarters and the year end on a month's)."""
        return sorted({p.end for p in self.periods})

    def persons(self) -> str:
        """The temporary table of the scope's persons (all of them, or a refresh's villages'):
        id, household_id, region_code and `am`, the mask of the periods on whose last day the
        person is alive, and `alive`, `death_date` (the management status reads them). Made
        once a year and read by every population and scoped predicate, where each used to
        join (and, for a refresh, to filter) the whole person table."""
        def build(name: str) -> None:
            alive, params = _alive(self)
            where = ""
            if self.villages is not None:
                where = f" WHERE pe.region_code IN ({', '.join(['%s'] * len(self.villages)) or 'NULL'})"
                params = [*params, *self.villages]
            self.cur.execute(f"CREATE TEMP TABLE {name} AS SELECT pe.id AS id, pe.household_id "
                             f"AS household_id, pe.region_code AS region_code, {alive} AS am, "
                             f"pe.alive AS alive, pe.death_date AS death_date "
                             f"FROM {P} pe{where}", params)
            if self.villages is None or connection.vendor != "postgresql":
                # (a refresh's persons are hash-joined on PostgreSQL: with an index on id
                # the planner probed it once per row of the poor's 37,000 category periods,
                # slower than the hash, and the household index was not used; decision 103)
                self.cur.execute(f"CREATE UNIQUE INDEX {name}_i ON {name} (id)")
            if connection.vendor == "postgresql":
                self.cur.execute(f"ANALYZE {name}")
        return self.table("persons", build)

    def scope(self, column: str) -> tuple[str, list]:
        """` AND column IN (the persons of the scope)`, or nothing."""
        if self.villages is None:
            return "", []
        return f" AND {column} IN (SELECT sp.id FROM {self.persons()} sp)", []

    def source(self, key: str, sql: str, params: list) -> str:
        """A refresh's rows of a source table for the scope's persons, `CREATE TEMP TABLE … AS
        sql` made once a year and read by every predicate over that table (decision 96): each
        of them used to scan the whole source table against the scope's persons (four scans
        of the statements joined with their stays, four of the special cases, four of the
        category periods, two of the stays), now one does. Not analysed: it is only scanned."""
        def build(name: str) -> None:
            self.cur.execute(f"CREATE TEMP TABLE {name} AS {sql}", params)
        return self.table(f"source:{key}", build)

    def registrations(self) -> tuple[str, str]:
        """(the chronic registrations to read, the scope's condition on them as ` AND …`):
        for a refresh a table of its persons' registrations, analysed, made once a year — the
        follow-ups joined with it are then estimated at the scope's few, where joined with the
        whole registration table and the scope's persons the planner assumed every follow-up
        of the year matched and hashed them all (decision 100)."""
        reg = ChronicRegistration._meta.db_table
        if self.villages is None:
            return reg, ""

        def build(name: str) -> None:
            self.cur.execute(f"CREATE TEMP TABLE {name} AS SELECT r.id AS id, r.person_id AS "
                             f"person_id, r.disease_code AS disease_code, r.registered_on AS "
                             f"registered_on, r.ended_on AS ended_on FROM {reg} r WHERE "
                             f"r.person_id IN "
                             f"(SELECT sp.id FROM {self.persons()} sp)")
            if connection.vendor == "postgresql":
                self.cur.execute(f"ANALYZE {name}")
        return self.table("registrations", build), ""

    def table(self, key: str, build: Callable[[str], None]) -> str:
        """A temporary table made once per year by `build(name)` (shared by predicates)."""
        if key not in self.tables:
            self.made += 1   # (a build may make a table of its own first)
            name = f"jkfp_ind_t{self.made}"
            self.cur.execute(f"DROP TABLE IF EXISTS {name}")
            build(name)
            self.tables[key] = name
        return self.tables[key]

    def drop(self) -> None:
        for name in self.tables.values():
            self.cur.execute(f"DROP TABLE IF EXISTS {name}")
        self.tables.clear()


YearlyFn = Callable[[Year, str], Rows]
_yearly: dict[str, YearlyFn] = {}


def yearly(name: str) -> Callable[[YearlyFn], YearlyFn]:
    """Register the yearly form of predicate `name` (decorator)."""
    def register(fn: YearlyFn) -> YearlyFn:
        _yearly[name] = fn
        return fn
    return register


def has_yearly(ind: Indicator) -> bool:
    refs = (ind.population, ind.numerator, *ind.filters)
    return not ind.regional and all(r.predicate.name in _yearly for r in refs)


def _mask_terms(y: Year, cond: Callable[[Ctx], tuple[str, list]], *, agg: str
                ) -> tuple[str, list]:
    """One `agg(CASE WHEN condition THEN bits ELSE 0 END)` for each distinct condition of the
    year's periods, `bits` the sum of the bits of the periods that share it (decision 91): a
    quarter's or the year's condition is often its last month's (the poor, the management
    status, the alive mask: only the last day counts), so 17 terms become 12 (or 1, where
    every period is alike). The bits of different terms are disjoint, so their sum is the
    mask; MAX over a unit's rows of one term is its bits when any row meets the condition."""
    bits: dict[tuple[str, tuple], int] = {}
    for p in y.periods:
        c, cp = cond(y.ctx(p))
        key = (c, tuple(cp))
        bits[key] = bits.get(key, 0) | y.bit(p)
    terms, params = [], []
    for (c, cp), b in bits.items():
        terms.append(f"{agg}(CASE WHEN {c} THEN {b} ELSE 0 END)" if agg else
                     f"CASE WHEN {c} THEN {b} ELSE 0 END")
        params += cp
    return " + ".join(terms) or "0", params


def _mask_table(y: Year, ref: Ref, *, population: bool = False) -> str:
    """The temporary table of one predicate: unit_id, person_id, w, mask (mask > 0); for a
    population also the person's village and alive mask (`region_code`, `am`, from
    `Year.persons`). A predicate used both as a population and as a filter (the poor) is
    computed once: the population's table has every column of the filter's."""
    pop_key, mask_key = f"pop:{ref}", f"mask:{ref}"
    if not population and pop_key in y.tables:
        return y.tables[pop_key]

    def build_mask(name: str) -> None:
        rows = _yearly[ref.predicate.name](y, ref.arg)
        mask, params = _mask_terms(y, rows.cond, agg="MAX")
        sql = (f"SELECT * FROM (SELECT r.unit_id AS unit_id, r.person_id AS person_id, "
               f"r.w AS w, {mask} AS mask FROM ({rows.sql}) r "
               "GROUP BY r.unit_id, r.person_id, r.w) m WHERE m.mask <> 0")
        params = [*params, *rows.params]
        if population:
            sql = (f"SELECT m.*, pe.region_code AS region_code, pe.am AS am FROM ({sql}) m "
                   f"JOIN {y.persons()} pe ON pe.id = m.person_id")
        _create(y, name, ref, sql, params)

    def build_pop(name: str) -> None:
        _create(y, name, ref, f"SELECT m.*, pe.region_code AS region_code, pe.am AS am "
                f"FROM {y.tables[mask_key]} m JOIN {y.persons()} pe ON pe.id = m.person_id", [])

    if population and mask_key in y.tables:
        return y.table(pop_key, build_pop)
    return y.table(pop_key if population else mask_key, build_mask)


def _create(y: Year, name: str, ref: Ref, sql: str, params: list) -> None:
    y.cur.execute(f"CREATE TEMP TABLE {name} AS {sql}", params)
    if y.villages is None:  # (a refresh's few rows are hash-joined: no index, decision 91)
        y.cur.execute(f"CREATE INDEX {name}_u ON {name} (unit_id)")
        if ref.predicate.kind == "persons":
            y.cur.execute(f"CREATE INDEX {name}_p ON {name} (person_id)")
    if connection.vendor == "postgresql":
        y.cur.execute(f"ANALYZE {name}")


def _alive(y: Year) -> tuple[str, list]:
    """The mask of the periods on whose last day the person is alive (deceased persons leave
    every denominator, as in `compute.village_sql`)."""
    def cond(ctx: Ctx) -> tuple[str, list]:
        return ("(pe.death_date IS NOT NULL AND pe.death_date > %s)", [ctx.end])
    terms, params = _mask_terms(y, cond, agg="")
    # the living (nearly everyone) hold every bit: their terms are not evaluated at all
    every = sum(y.bit(p) for p in y.periods)
    return f"(CASE WHEN pe.alive = %s THEN {every} ELSE {terms} END)", [True, *params]


def _period_rows(y: Year, periods: list[Period]) -> tuple[str, list]:
    one = "SELECT CAST(%s AS VARCHAR(8)) AS code, CAST(%s AS INTEGER) AS bit"
    params: list = []
    for p in periods:
        params += [p.code, y.bit(p)]
    return " UNION ALL ".join([one] * len(periods)), params


def insert_year(y: Year, ind: Indicator, periods: list[Period], *,
                villages: list[str] | None = None, into: str = F) -> None:
    """Write the village rows of `ind` for `periods` (of year `y`) in one query."""
    if not periods:
        return
    pop = _mask_table(y, ind.population, population=True)
    filters = [_mask_table(y, f) for f in ind.filters]
    num = _mask_table(y, ind.numerator)
    d = " & ".join(["pop.mask", "pop.am", *[f"f{i}.mask" for i in range(len(filters))]])
    joins = " ".join(f"JOIN {t} f{i} ON f{i}.person_id = pop.person_id"
                     for i, t in enumerate(filters))
    where = "1 = 1"
    wparams: list = []
    if villages is not None:
        where = f"pop.region_code IN ({', '.join(['%s'] * len(villages)) or 'NULL'})"
        wparams = list(villages)
    per, pparams = _period_rows(y, periods)
    g = (f"SELECT pop.region_code AS region_code, ({d}) AS d, "
         f"COALESCE(num.mask, 0) AS nm, pop.w AS w, COALESCE(num.w, 0) AS nw "
         f"FROM {pop} pop {joins} "
         f"LEFT JOIN {num} num ON num.unit_id = pop.unit_id WHERE {where}")
    grp = ("SELECT g.region_code AS region_code, g.d AS d, (g.d & g.nm) AS n, "
           "COUNT(*) AS k, SUM(g.w) AS sw, SUM(CASE WHEN (g.d & g.nm) <> 0 THEN g.nw "
           f"ELSE 0 END) AS snw FROM ({g}) g WHERE g.d <> 0 "
           "GROUP BY g.region_code, g.d, (g.d & g.nm)")
    y.cur.execute(
        f"INSERT INTO {into} (indicator, period, region_code, denominator, numerator) "
        f"SELECT %s, per.code, grp.region_code, SUM(grp.sw), "
        f"SUM(CASE WHEN (grp.n & per.bit) <> 0 THEN grp.snw ELSE 0 END) "
        f"FROM ({grp}) grp JOIN ({per}) per ON (grp.d & per.bit) <> 0 "
        "GROUP BY per.code, grp.region_code",
        [ind.id, *wparams, *pparams])
