"""The set-based computation of the figures (decision 58b).

For one indicator and period, one SQL query yields (village, numerator, denominator): the
population's units of persons living on the period's last day (deceased out of every
denominator), passing every persons filter, attributed to their person's village (the
person's residence, `registry.Person.region_code`), the numerator's weight where the unit is
also in the numerator. `INSERT … SELECT` writes the village rows; the rows of townships,
counties, cities and the province are sums of their villages' rows (every figure is additive:
each unit has one person and each person one village), written by one grouped
`INSERT … SELECT` per level.

An indicator over `regional` units (institutions, gaps, warnings: decision 65) has no person:
each unit carries its own region, padded with zeros to twelve digits — a township centre of
640323100 is counted in `640323100000`, a county hospital in `640323000000`, codes no village
has — so that the same village rows and the same roll-up serve it, and a dirty mark on the
padded code refreshes it.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from jkfp.registry.models import Person

from .definitions import Ctx, Indicator, Ref
from .models import Figure
from .periods import Period

P = Person._meta.db_table
F = Figure._meta.db_table
LEVELS = (9, 6, 4, 2)  # township, county, city, province (villages are 12 digits)
PAD = "SUBSTR(pop.region_code || '000000000000', 1, 12)"


def padded(code: str) -> str:
    """The twelve-digit code a regional unit of `code`'s own level is counted in."""
    return (code + "0" * 12)[:12]


def _units(ref: Ref, ctx: Ctx) -> tuple[str, list]:
    sql, params = ref.sql(ctx)
    if ref.predicate.kind == "persons":
        sql = f"SELECT q.person_id AS unit_id, q.person_id AS person_id, 1 AS w FROM ({sql}) q"
    return sql, params


def village_sql(ind: Indicator, period: Period, *, poor: tuple[str, ...],
                villages: list[str] | None = None, select_units: bool = False,
                prefix: str = "", today: dt.date | None = None) -> tuple[str, list]:
    """(region_code, denominator, numerator) per village; with `select_units`, the units of
    the population instead: (unit_id, person_id, region_code, in_numerator)."""
    ctx = Ctx(period.start, period.end, poor, today or timezone.localdate())
    if ind.regional:
        return _regional_sql(ind, ctx, villages=villages, select_units=select_units,
                             prefix=prefix)
    # each predicate once, as a materialised CTE on PostgreSQL: a predicate joined as a plain
    # subquery may be re-run per row of the other side (the management-status query)
    mat = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    pop_sql, params = _units(ind.population, ctx)
    ctes = [f"pop AS {mat}({pop_sql})"]
    joins = []
    for i, f in enumerate(ind.filters):
        fs, fp = f.sql(ctx)
        ctes.append(f"f{i} AS {mat}({fs})")
        joins.append(f"JOIN f{i} ON f{i}.person_id = pop.person_id")
        params = [*params, *fp]
    num_sql, num_params = _units(ind.numerator, ctx)
    ctes.append(f"num AS {mat}({num_sql})")
    params = [*params, *num_params, True, ctx.end]
    where = "(pe.alive = %s OR (pe.death_date IS NOT NULL AND pe.death_date > %s))"
    if villages is not None:
        where += f" AND pe.region_code IN ({', '.join(['%s'] * len(villages)) or 'NULL'})"
        params += list(villages)
    if prefix:
        where += " AND pe.region_code LIKE %s"
        params.append(prefix + "%")
    body = (f"FROM pop JOIN {P} pe ON pe.id = pop.person_id {' '.join(joins)} "
            f"LEFT JOIN num ON num.unit_id = pop.unit_id WHERE {where}")
    head = "WITH " + ", ".join(ctes) + " "
    if select_units:
        return (f"{head}SELECT pop.unit_id, pop.person_id, pe.region_code, "
                f"CASE WHEN num.unit_id IS NULL THEN 0 ELSE 1 END {body}", params)
    return (f"{head}SELECT pe.region_code, SUM(pop.w), SUM(COALESCE(num.w, 0)) {body} "
            "GROUP BY pe.region_code", params)


def _regional_sql(ind: Indicator, ctx: Ctx, *, villages: list[str] | None,
                  select_units: bool, prefix: str) -> tuple[str, list]:
    pop_sql, params = ind.population.sql(ctx)
    num_sql, num_params = ind.numerator.sql(ctx)
    params = [*params, *num_params]
    where = "1 = 1"
    if villages is not None:
        where += f" AND {PAD} IN ({', '.join(['%s'] * len(villages)) or 'NULL'})"
        params += list(villages)
    if prefix:
        where += " AND pop.region_code LIKE %s"
        params.append(prefix + "%")
    body = (f"FROM ({pop_sql}) pop LEFT JOIN ({num_sql}) num ON num.unit_id = pop.unit_id "
            f"WHERE {where}")
    if select_units:
        return (f"SELECT pop.unit_id, NULL, {PAD}, CASE WHEN num.unit_id IS NULL THEN 0 "
                f"ELSE 1 END {body}", params)
    return f"SELECT {PAD}, SUM(pop.w), SUM(COALESCE(num.w, 0)) {body} GROUP BY {PAD}", params


def insert_villages(cur, ind: Indicator, periods: list[Period], *, poor: tuple[str, ...],
                    villages: list[str] | None = None, into: str = F,
                    today: dt.date | None = None) -> None:
    """The village rows of `ind` for each of `periods`, one query per period, sent as one
    statement (decision 103: a refresh sent the 17 periods of each of five regional
    indicators as 85 statements, 2 ms each to parse, plan and answer)."""
    parts, params = [], []
    for period in periods:
        sql, p = village_sql(ind, period, poor=poor, villages=villages, today=today)
        parts.append(f"SELECT %s, %s, v.* FROM ({sql}) v")
        params += [ind.id, period.code, *p]
    if parts:
        cur.execute(f"INSERT INTO {into} (indicator, period, region_code, denominator, "
                    f"numerator) {' UNION ALL '.join(parts)}", params)


def insert_rollups(cur, *, periods: list[str], ancestors: dict[int, set[str]] | None = None,
                   into: str = F, fresh: list[str] | None = None) -> None:
    """The rows of every level above the village from the rows of `periods` one level below
    in `into` (township from village, county from township, ...: each code has one parent,
    so the sums are those of the villages). With `fresh` (a refresh: the villages
    recomputed into `into`) and `ancestors` (their regions by code length), by difference
    instead (`_rollups_by_difference`)."""
    if fresh is not None:
        _rollups_by_difference(cur, periods=periods, ancestors=ancestors or {}, into=into,
                               fresh=fresh)
        return
    marks = ", ".join(["%s"] * len(periods))
    below = 12
    pg = connection.vendor == "postgresql"
    if pg:
        # the filters on LENGTH and SUBSTR of the code are estimated at a few rows, and the
        # grouping was planned as a sort of every row below where a hash takes a third of
        # the time; statistics of the new table did not change the estimate. Sorting is
        # turned off for these statements only.
        cur.execute("SET LOCAL enable_sort = off")
    for length in LEVELS:
        cur.execute(
            f"INSERT INTO {into} (indicator, period, region_code, numerator, denominator) "
            f"SELECT indicator, period, SUBSTR(region_code, 1, {length}), SUM(numerator), "
            f"SUM(denominator) FROM {into} WHERE LENGTH(region_code) = {below} "
            f"AND period IN ({marks}) "
            f"GROUP BY indicator, period, SUBSTR(region_code, 1, {length})", list(periods))
        below = length
    if pg:
        cur.execute("SET LOCAL enable_sort = DEFAULT")


def _rollups_by_difference(cur, *, periods: list[str], ancestors: dict[int, set[str]],
                           into: str, fresh: list[str]) -> None:
    """A refresh's rows above the village: each region's stored figure plus, for each of its
    children recomputed, the new figure less the stored one (decision 104). Sums are
    exact, and a region's row is kept when it is not 0 of 0 (`apply_new` keeps no 0-of-0
    row at any level, so "no row" and "0 of 0" are one state). Before, each township was
    summed again from all its villages, most of them unchanged: 120,000 stored rows read
    to recompute 1,500 (100 of the refresh's 183 ms of roll-ups)."""
    cols = "indicator, period, region_code, numerator, denominator"
    pm = ", ".join(["%s"] * len(periods))
    changed, below = sorted(fresh), 12
    for length in LEVELS:
        codes = sorted(ancestors.get(length, ()))
        if not codes or not changed:
            return
        cm = ", ".join(["%s"] * len(codes))
        chm = ", ".join(["%s"] * len(changed))
        # the stored parents and the stored changed children are read through the index on
        # (period, region_code); the new children are the rows one level below in `into`
        cur.execute(
            f"INSERT INTO {into} ({cols}) SELECT s.indicator, s.period, "
            f"SUBSTR(s.region_code, 1, {length}), SUM(s.numerator), SUM(s.denominator) FROM ("
            f"SELECT {cols} FROM {F} WHERE period IN ({pm}) AND region_code IN ({cm}) "
            f"UNION ALL SELECT {cols} FROM {into} WHERE LENGTH(region_code) = {below} "
            f"UNION ALL SELECT indicator, period, region_code, -numerator, -denominator "
            f"FROM {F} WHERE period IN ({pm}) AND region_code IN ({chm})) s "
            f"GROUP BY s.indicator, s.period, SUBSTR(s.region_code, 1, {length}) "
            "HAVING SUM(s.numerator) <> 0 OR SUM(s.denominator) <> 0",
            [*periods, *codes, *periods, *changed])
        changed, below = codes, length


NEW = "jkfp_ind_new"


def new_table(cur) -> str:
    """The temporary table the figures of a rebuild or refresh are computed into."""
    cur.execute(f"DROP TABLE IF EXISTS {NEW}")
    cur.execute(f"CREATE TEMP TABLE {NEW} (indicator VARCHAR(64) NOT NULL, period VARCHAR(8) "
                "NOT NULL, region_code VARCHAR(12) NOT NULL, numerator BIGINT NOT NULL, "
                "denominator BIGINT NOT NULL)")
    return NEW


def apply_new(cur, *, periods: list[str], regions: list[str] | None = None) -> None:
    """Make the figures of `periods` (of `regions`, when given) those of the new table,
    writing only what changed (decision 73): the rows gone are deleted, the changed ones
    updated, the new ones inserted. A rebuild whose figures did not change writes nothing,
    where deleting and inserting every row cost most of its time (each insert checking the
    unique index against the row just deleted)."""
    # a figure of 0 of 0 is no figure: it is not kept, at any level (decision 104: a
    # refresh's roll-up by difference cannot tell the two apart; the pages show a region
    # without a row as 0 of 0)
    cur.execute(f"DELETE FROM {NEW} WHERE numerator = 0 AND denominator = 0")
    cur.execute(f"CREATE INDEX {NEW}_k ON {NEW} (indicator, period, region_code)")
    if connection.vendor == "postgresql":
        cur.execute(f"ANALYZE {NEW}")
    marks = ", ".join(["%s"] * len(periods)) or "NULL"
    scope, params = f"f.period IN ({marks})", list(periods)
    if regions is not None:
        scope += f" AND f.region_code IN ({', '.join(['%s'] * len(regions)) or 'NULL'})"
        params += list(regions)
    same = ("n.indicator = f.indicator AND n.period = f.period "
            "AND n.region_code = f.region_code")
    cur.execute(f"DELETE FROM {F} AS f WHERE {scope} AND NOT EXISTS "
                f"(SELECT 1 FROM {NEW} n WHERE {same})"
                if connection.vendor == "postgresql" else
                f"DELETE FROM {F} WHERE id IN (SELECT f.id FROM {F} f WHERE {scope} "
                f"AND NOT EXISTS (SELECT 1 FROM {NEW} n WHERE {same}))", params)
    # the changed rows updated and the new ones inserted in one pass over the new table, each
    # row's match found through the unique index (an UPDATE joined with the new table hashed
    # the whole figure table; decision 103). (Not `NOT EXISTS` over the table being inserted
    # into: with its statistics those of an empty table, the anti-join was a nested loop
    # rescanning the rows just inserted.)
    cur.execute(f"INSERT INTO {F} AS f (indicator, period, region_code, numerator, "
                "denominator) SELECT n.indicator, n.period, n.region_code, n.numerator, "
                f"n.denominator FROM {NEW} n WHERE 1 = 1 ON CONFLICT (indicator, period, "
                "region_code) DO UPDATE SET numerator = excluded.numerator, denominator = "
                "excluded.denominator WHERE f.numerator <> excluded.numerator "
                "OR f.denominator <> excluded.denominator")
    cur.execute(f"DROP TABLE {NEW}")
    if regions is None and connection.vendor == "postgresql":
        # the plans of the next rebuild and of the pages read these statistics (the server
        # may run without autovacuum), taken on the default sample (`services._session`
        # samples the temporary tables less)
        cur.execute("SET LOCAL default_statistics_target = DEFAULT")
        cur.execute(f"ANALYZE {F}")
