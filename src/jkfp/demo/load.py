"""Bulk writing of generated tables: COPY on PostgreSQL, executemany on SQLite. Never row by row.

Ids are assigned by the generator (after the current maximum of each table), so foreign keys
between the new rows (a household's head, a person's household, a period's change request)
need no round trip; the sequences are reset afterwards. The caller holds the transaction.

On PostgreSQL, a table that receives more rows than it holds is loaded the way pg_restore does
it: its secondary indexes, unique and foreign-key constraints are dropped, the rows are copied,
and the same definitions (read from the catalog) are created again and validated — all inside
the caller's transaction, so a failure leaves the schema as it was. The tables are analysed at
the end so that the planner knows their size at once. This needs the table owner's rights,
which the account that ran the migrations has.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable

from django.core.management.color import no_style
from django.db import connection

from jkfp import bulkrebuild

from .tables import Table

CHUNK = 50_000
REBUILD_MIN_ROWS = 50_000  # smaller loads keep indexes and constraints in place


def next_ids(models: Iterable[type]) -> dict[type, int]:
    """The first free id of each model's table (after the current maximum)."""
    out = {}
    with connection.cursor() as cur:
        for m in models:
            cur.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(m._meta.pk.column)}), 0)"
                        f" FROM {connection.ops.quote_name(m._meta.db_table)}")
            out[m] = int(cur.fetchone()[0]) + 1
    return out


def _complete(table: Table) -> Table:
    """Check the columns against the model; fill columns the generator does not know.

    A field added to a model later with a default (or nullable, or a text field that may be
    blank) is filled with that default (None, ""), so the demo keeps loading; a required field without a default is an error naming it.
    """
    n = len(table)
    cols = dict(table.columns)
    fields = {f.column: f for f in table.model._meta.concrete_fields}
    unknown = set(cols) - set(fields)
    if unknown:
        raise ValueError(f"{table.model.__name__}: unknown columns {sorted(unknown)}")
    for column, f in fields.items():
        if column in cols:
            continue
        if getattr(f, "has_db_default", lambda: False)():
            continue
        if f.has_default():
            cols[column] = [f.get_default()] * n
        elif f.null:
            cols[column] = [None] * n
        elif f.blank and f.empty_strings_allowed:   # a text field that may be left empty
            cols[column] = [""] * n
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            cols[column] = [dt.datetime(2021, 1, 4, 1, 0, tzinfo=dt.UTC)] * n
        else:
            raise ValueError(f"demo generator has no value for {table.model.__name__}.{f.name}")
    return Table(table.model, cols)


def _first(col: list):
    return next((v for v in col if v is not None), None)


def _pg_text(col: list) -> list[str]:
    """One column as COPY text fields."""
    v0 = _first(col)
    has_null = v0 is None or None in col
    if isinstance(v0, bool):
        out = ["\\N" if v is None else ("t" if v else "f") for v in col]
    elif isinstance(v0, dt.datetime):
        memo: dict = {}
        out = ["\\N" if v is None else memo.get(v) or memo.setdefault(v, v.isoformat(" "))
               for v in col]
    elif isinstance(v0, str):
        out = ["\\N" if v is None else v for v in col] if has_null else col
        text = "\x00".join(v for v in col if v is not None)
        if any(c in text for c in "\\\t\n\r"):
            out = ["\\N" if v is None else v.replace("\\", "\\\\").replace("\t", "\\t")
                   .replace("\n", "\\n").replace("\r", "\\r") for v in col]
    elif has_null:
        out = ["\\N" if v is None else str(v) for v in col]
    else:
        out = list(map(str, col))
    return out


def _sqlite_values(col: list) -> list:
    v0 = _first(col)
    if isinstance(v0, dt.datetime):
        memo: dict = {}
        adapt = connection.ops.adapt_datetimefield_value
        return [None if v is None else memo.get(v) or memo.setdefault(v, adapt(v)) for v in col]
    return col


def _rebuild_plan(tables: list[Table]) -> tuple[list[str], list[str]]:
    """Drop statements now and create statements for after the load, for big loads only."""
    drop, create_idx, create_fk = [], [], []
    with connection.cursor() as cur:
        for t in tables:
            name = t.model._meta.db_table
            cur.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")
            if len(t) < REBUILD_MIN_ROWS or cur.fetchone()[0] >= len(t):
                continue
            d, i, f = bulkrebuild.definitions(cur, name)
            drop += d
            create_idx += i
            create_fk += f
    return drop, create_idx + create_fk


def write_tables(tables: list[Table], *, progress: Callable[[int, str], None] | None = None,
                 ) -> dict[str, float]:
    """Write the tables in order (ids already assigned), then reset the sequences.

    Returns the seconds spent by phase (prepare, write:<table>, rebuild, analyze).
    """
    tables = [_complete(t) for t in tables if len(t)]
    vendor = connection.vendor
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - clock[0]
        clock[0] = now

    with connection.cursor() as cur:
        if vendor == "postgresql":
            names = ", ".join(connection.ops.quote_name(t.model._meta.db_table) for t in tables)
            cur.execute(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            drop, create = _rebuild_plan(tables)
            if drop:
                # DDL on a table needs its deferred foreign-key checks done: run those of the
                # earlier writes of this transaction now (regions, accounts), then defer again
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cur.execute("SET CONSTRAINTS ALL DEFERRED")
            for sql in drop:
                cur.execute(sql)
        lap("prepare")
        for t in tables:
            name = connection.ops.quote_name(t.model._meta.db_table)
            columns = list(t.columns)
            col_sql = ", ".join(connection.ops.quote_name(c) for c in columns)
            if vendor == "postgresql":
                data = [_pg_text(t.columns[c]) for c in columns]
                with cur.cursor.copy(f"COPY {name} ({col_sql}) FROM STDIN") as copy:
                    for i in range(0, len(t), CHUNK):
                        rows = zip(*(col[i:i + CHUNK] for col in data), strict=True)
                        copy.write("\n".join(map("\t".join, rows)) + "\n")
                        if progress:
                            progress(min(CHUNK, len(t) - i), t.model._meta.db_table)
            else:
                data = [_sqlite_values(t.columns[c]) for c in columns]
                sql = f"INSERT INTO {name} ({col_sql}) VALUES ({', '.join(['%s'] * len(columns))})"
                for i in range(0, len(t), CHUNK):
                    cur.executemany(sql, list(zip(*(col[i:i + CHUNK] for col in data),
                                                  strict=True)))
                    if progress:
                        progress(min(CHUNK, len(t) - i), t.model._meta.db_table)
            lap(f"write:{t.model._meta.db_table}")
        if vendor == "postgresql" and create:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks of the copied rows
            for sql in create:
                if progress:
                    progress(0, "索引与约束")
                cur.execute(sql)
            cur.execute("SET CONSTRAINTS ALL DEFERRED")   # Django's foreign keys are deferred
            lap("rebuild")
        for sql in connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables]):
            cur.execute(sql)
        if vendor == "postgresql":
            for t in tables:
                cur.execute(f"ANALYZE {connection.ops.quote_name(t.model._meta.db_table)}")
        lap("analyze")
    return timings
