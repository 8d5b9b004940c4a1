"""Inserting many rows of a model at once (decision 52): on PostgreSQL one `COPY … FROM STDIN`
with ids reserved from the table's sequence beforehand (so the caller has them, for the
provenance rows), elsewhere Django's `bulk_create`. Django's `bulk_create` of a million rows
spends most of its time building and converting parameter lists; COPY streams the values.
No signals are sent and no history written: for the import's own tables only (the batch
rows, the provenance rows, the platform's settlement records), never for registry tables
with history."""

from __future__ import annotations

from django.db import connection

CHUNK = 5000


def _reserve_ids(table: str, n: int) -> list[int]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, n],
        )
        return [r[0] for r in cur.fetchall()]


def insert_objects(model, objs: list) -> list:
    """Insert `objs` (unsaved instances of `model`); each gets its primary key. Runs in the
    caller's transaction."""
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        made = model.objects.bulk_create(objs, batch_size=2000)
        if any(o.pk is None for o in made):
            raise RuntimeError("the database returned no ids")
        return made
    meta = model._meta
    table = meta.db_table
    for o, pk in zip(objs, _reserve_ids(table, len(objs)), strict=True):
        o.pk = pk
    fields = list(meta.concrete_fields)
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cur:
        with cur.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({cols}) FROM STDIN") as cp:
            for o in objs:
                cp.write_row(
                    [f.get_db_prep_save(f.pre_save(o, True), connection) for f in fields]
                )
    for o in objs:
        o._state.adding, o._state.db = False, "default"
    return objs
