"""Inserting many rows of a model at once (decision 52): `jkfp.bulkwrite.insert` — on
PostgreSQL one `COPY … FROM STDIN` with ids reserved from the table's sequence beforehand (so the
caller has them, for the provenance rows), elsewhere Django's `bulk_create`. No signals are sent
and no history written: for the import's own tables only (the batch rows, the provenance rows,
the platform's settlement records); registry tables with history add `bulkwrite.history`."""

from __future__ import annotations

from jkfp import bulkwrite


def insert_objects(model, objs: list) -> list:
    """Insert `objs` (unsaved instances of `model`); each gets its primary key. Runs in the
    caller's transaction."""
    bulkwrite.insert(model, objs)
    if any(o.pk is None for o in objs):
        raise RuntimeError("the database returned no ids")
    return objs
