"""Writes of the summaries: the increments a service applies, and the rebuild (decision 25).

`summary_snapshot(row)` before a write and `summary_apply(row, was=…)` after it, inside the
service's transaction, move every summary defined on the row's model by the difference: +1
under the new (region, key), −1 under the old one. The increment is one upsert per changed
row of the summary (`INSERT … ON CONFLICT … DO UPDATE SET n = n + …`, on PostgreSQL and on
SQLite), so it commits or rolls back with the change itself. Concurrent writes to the same
village and key wait for each other on that one summary row, no longer than their transaction.

`summary_rebuild` recomputes summaries from their source tables, set-based: one
`DELETE` and one `INSERT … SELECT … GROUP BY` per summary, in one transaction that holds
writers of the source tables off (SHARE lock on PostgreSQL) until it commits.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, models, transaction

from . import definitions as defs
from .models import RegionCount

Snapshot = dict[str, tuple[str, str] | None]


def summary_snapshot(row: models.Model | None) -> Snapshot:
    """Where `row` counts now, in each summary of its model (take it before changing the row)."""
    if row is None:
        return {}
    return {d.name: d.dimensions(row) for d in defs.of_model(type(row))}


def _table() -> str:
    return connection.ops.quote_name(RegionCount._meta.db_table)


def summary_add(deltas: Counter) -> None:
    """Add `deltas[(summary, region_code, key)]` to the counts (one upsert per entry)."""
    items = [(k, d) for k, d in deltas.items() if d]
    if not items:
        return
    t = _table()
    sql = (f'INSERT INTO {t} (summary, region_code, "key", n) VALUES (%s, %s, %s, %s) '
           f'ON CONFLICT (summary, region_code, "key") DO UPDATE SET n = {t}.n + excluded.n')
    with connection.cursor() as cur:
        cur.executemany(sql, [(s, r, k, d) for (s, r, k), d in sorted(items)])


def summary_deltas(pairs: Iterable[tuple[Snapshot, Snapshot]]) -> Counter:
    """The differences of many writes at once: (snapshot before, snapshot after) per row, for a
    set-based service that then calls `summary_add` once."""
    out: Counter = Counter()
    for before, after in pairs:
        for name in set(before) | set(after):
            b, a = before.get(name), after.get(name)
            if b == a:
                continue
            if b is not None:
                out[(name, *b)] -= 1
            if a is not None:
                out[(name, *a)] += 1
    return out


def summary_apply(row: models.Model, *, was: Snapshot | None = None) -> None:
    """Move the summaries by what the write of `row` changed (`was`: its snapshot before;
    None for a new row). Call it inside the service's transaction, after the write."""
    was = was or {}
    deltas: Counter = Counter()
    for name, now in summary_snapshot(row).items():
        before = was.get(name)
        if before == now:
            continue
        if before is not None:
            deltas[(name, *before)] -= 1
        if now is not None:
            deltas[(name, *now)] += 1
    summary_add(deltas)


@dataclass
class Rebuilt:
    name: str
    rows: int
    total: int
    seconds: float


def summary_rebuild(*, names: Iterable[str] | None = None,
                    progress: Callable[[Rebuilt], None] | None = None) -> list[Rebuilt]:
    """Recompute summaries (all, or `names`) from their source tables; see the module doc."""
    chosen = [defs.definition(n) for n in names] if names else defs.definitions()
    out = []
    t = _table()
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql" and chosen:
            sources = {connection.ops.quote_name(d.model._meta.db_table) for d in chosen}
            cur.execute(f"LOCK TABLE {', '.join(sorted(sources))} IN SHARE MODE")
            cur.execute(f"LOCK TABLE {t} IN EXCLUSIVE MODE")
        for d in chosen:
            t0 = time.perf_counter()
            cur.execute(f"DELETE FROM {t} WHERE summary = %s", [d.name])
            select, params = d.source().query.sql_with_params()
            cur.execute(f'INSERT INTO {t} (summary, region_code, "key", n) '
                        f"SELECT %s, sub.* FROM ({select}) sub", [d.name, *params])
            cur.execute(f"SELECT count(*), COALESCE(SUM(n), 0) FROM {t} WHERE summary = %s",
                        [d.name])
            rows, total = cur.fetchone()
            done = Rebuilt(d.name, int(rows), int(total), time.perf_counter() - t0)
            out.append(done)
            if progress:
                progress(done)
        if connection.vendor == "postgresql" and chosen:
            cur.execute(f"ANALYZE {t}")
    return out
