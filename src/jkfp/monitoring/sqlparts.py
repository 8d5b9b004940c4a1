"""SQL parts the rule statements share (decision 55): bound ISO dates, the region and
household filter of a full scan or an incremental check, "holds a watched category on the scan
date", and the one vendor difference (month arithmetic).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from jkfp.registry.models import CategoryPeriod, Person

T_PERSON = Person._meta.db_table
T_PERIOD = CategoryPeriod._meta.db_table


def _iso(d: dt.date) -> str:
    return d.isoformat()


def _date(v) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def _add_months(column: str, months_param: str = "%s") -> str:
    """SQL for `column` + N months (N bound as a parameter)."""
    if connection.vendor == "postgresql":
        return f"({column} + make_interval(months => {months_param}))::date"
    return f"date({column}, '+' || {months_param} || ' months')"


def _held(subject: str, watch, params: list, on: dt.date, few: bool = False) -> str:
    """SQL: the person (alias p) holds on `on` one of `watch` itself or through its household
    (`subject` = "person"), or the household (alias p's household) or any member does."""
    if watch is None:
        return "1=1"
    marks = ",".join(["%s"] * len(watch))
    cond = (f"c.category IN ({marks}) AND c.start_date <= %s "
            f"AND (c.end_date IS NULL OR c.end_date >= %s)")
    params += [*watch, _iso(on), _iso(on), *watch, _iso(on), _iso(on)]
    if few:  # a few households (an incremental check): correlated EXISTS, by index
        own = (f"EXISTS (SELECT 1 FROM {T_PERIOD} c WHERE c.household_id = p.household_id "
               f"AND {cond})")
        if subject == "person":
            return (f"(EXISTS (SELECT 1 FROM {T_PERIOD} c WHERE c.person_id = p.id AND {cond}) "
                    f"OR {own})")
        return (f"(EXISTS (SELECT 1 FROM {T_PERIOD} c JOIN {T_PERSON} m ON m.id = c.person_id "
                f"WHERE m.household_id = p.household_id AND {cond}) OR {own})")
    # a region: IN (…) rather than a correlated EXISTS, PostgreSQL hashes each subquery once
    households = (f"p.household_id IN (SELECT c.household_id FROM {T_PERIOD} c "
                  f"WHERE c.household_id IS NOT NULL AND {cond})")
    if subject == "person":
        return (f"(p.id IN (SELECT c.person_id FROM {T_PERIOD} c WHERE c.person_id IS NOT NULL "
                f"AND {cond}) OR {households})")
    return (f"(p.household_id IN (SELECT m.household_id FROM {T_PERIOD} c JOIN {T_PERSON} m "
            f"ON m.id = c.person_id WHERE {cond}) OR {households})")


def _subjects(params: list, prefix: str, household_ids, alias: str = "p",
              exclude: tuple[str, ...] = ()) -> str:
    """SQL: the region filter (and the touched households of an incremental check)."""
    params.append(prefix + "%")
    sql = f"{alias}.region_code LIKE %s"
    for ex in exclude:
        params.append(ex + "%")
        sql += f" AND {alias}.region_code NOT LIKE %s"
    if household_ids is not None:
        ids = sorted(set(household_ids)) or [0]
        sql += f" AND {alias}.household_id IN ({','.join(['%s'] * len(ids))})"
        params += ids
    return sql


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()
