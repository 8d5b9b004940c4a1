"""Many rows into a small table: its secondary indexes and foreign keys dropped before the
insert and created (and validated) again after it, in the caller's transaction (decision 92).

The registry's bulk load does this for its tables (`demo/load.py`, as pg_restore does); an
import writing a million rows into a table that holds fewer does it here. A foreign key
created again is checked by one join of the whole table against the referenced one, instead
of one deferred probe per inserted row at the commit (1,000,000 of them took about 7 s for the
settlement records alone), and an index built from the full table is a sort, not a million
insertions. The price is the locks: dropping a table's constraints takes an ACCESS EXCLUSIVE
lock on it (no reads) and a SHARE ROW EXCLUSIVE lock on the tables its foreign keys reference
(reads only) until the transaction ends. Hence only for a table holding fewer rows than the
insert (rebuilding a large table costs more than it saves, and locks it for longer), only from
`min_rows` inserted rows on (`JKFP_BULK_REBUILD_MIN_ROWS`), and only when the locks are had
within `LOCK_TIMEOUT`: else the rows go in with the indexes and constraints in place, as
before. PostgreSQL only (SQLite: a no-op). Needs the table owner's rights, which the account
that ran the migrations has; without them, the same fall-back.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection, transaction

LOCK_TIMEOUT = "2s"


@dataclass
class Rebuild:
    tables: list[str] = field(default_factory=list)
    create: list[str] = field(default_factory=list)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _small(cur, table: str, incoming: int) -> bool:
    """Whether `table` holds fewer rows than `incoming` (at most `incoming` rows read)."""
    cur.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {_q(table)} LIMIT %s) t", [incoming])
    return cur.fetchone()[0] < incoming


def definitions(cur, table: str) -> tuple[list[str], list[str], list[str]]:
    """(drop, create index, create foreign key) statements of `table`'s secondary indexes,
    unique constraints not referenced by another table and foreign keys, read from the
    catalog (also the demo's bulk load, `demo/load.py`)."""
    qn = _q(table)
    drop, create_idx, create_fk = [], [], []
    cur.execute(
        """SELECT c.conname, c.contype, pg_get_constraintdef(c.oid) FROM pg_constraint c
           WHERE c.conrelid = %s::regclass AND c.contype IN ('f', 'u')
             AND (c.contype = 'f' OR NOT EXISTS (
                  SELECT 1 FROM pg_constraint r WHERE r.contype = 'f'
                  AND r.conindid = c.conindid AND r.conrelid <> c.conrelid))
           ORDER BY c.conname""", [table])
    for conname, contype, definition in cur.fetchall():
        drop.append(f"ALTER TABLE {qn} DROP CONSTRAINT {_q(conname)}")
        target = create_fk if contype == "f" else create_idx
        target.append(f"ALTER TABLE {qn} ADD CONSTRAINT {_q(conname)} {definition}")
    cur.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
           FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
           ORDER BY 1""", [table])
    for index, definition in cur.fetchall():
        drop.append(f"DROP INDEX {index}")
        create_idx.append(definition)
    return drop, create_idx, create_fk


def begin(tables: list[str], incoming: int, *, min_rows: int | None = None) -> Rebuild:
    """Drop the indexes and foreign keys of those `tables` that hold fewer rows than
    `incoming`; returns what to create again (`end`). Nothing is dropped below `min_rows`,
    on SQLite, or when a lock is not had in time."""
    out = Rebuild()
    floor = settings.JKFP_BULK_REBUILD_MIN_ROWS if min_rows is None else min_rows
    if connection.vendor != "postgresql" or incoming < floor:
        return out
    if not connection.in_atomic_block:  # the drops would be committed at once
        raise RuntimeError("bulkrebuild.begin runs inside the caller's transaction")
    with connection.cursor() as cur:
        small = [t for t in tables if _small(cur, t, incoming)]
        if not small:
            return out
        cur.execute("SHOW lock_timeout")
        (before,) = cur.fetchone()
        try:
            with transaction.atomic():  # a savepoint: a lock not had in time drops nothing
                cur.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
                cur.execute(f"LOCK TABLE {', '.join(map(_q, small))} IN ACCESS EXCLUSIVE MODE")
                # DDL needs the table's deferred checks done: run the pending ones of this
                # transaction now, then defer again (Django's foreign keys are deferred)
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cur.execute("SET CONSTRAINTS ALL DEFERRED")
                create_idx, create_fk = [], []
                for t in small:
                    drop, idx, fk = definitions(cur, t)
                    for sql in drop:
                        cur.execute(sql)
                    create_idx += idx
                    create_fk += fk
                cur.execute("SELECT set_config('lock_timeout', %s, true)", [before])
        except DatabaseError:  # the lock not had in time, or not the owner: as before
            return out
    out.tables, out.create = small, create_idx + create_fk
    return out


def end(rebuild: Rebuild) -> None:
    """Create the dropped indexes and constraints again; the foreign keys are validated
    against every row of the table (an error rolls the caller's transaction back)."""
    if not rebuild.create:
        return
    with connection.cursor() as cur:
        cur.execute("SELECT set_config('maintenance_work_mem', '256MB', true)")
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in rebuild.create:
            cur.execute(sql)
        cur.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def rebuilt(tables: list[str], incoming: int, *, min_rows: int | None = None):
    """`begin` … `end` around a block that inserts `incoming` rows into `tables`; yields the
    tables whose indexes and constraints were dropped (empty: the usual path)."""
    rebuild = begin(tables, incoming, min_rows=min_rows)
    yield rebuild.tables
    end(rebuild)
