"""Writing many rows of a model and their history rows set-based (decisions 67 and 70).

Django's `bulk_create` / `bulk_update` and simple-history's `bulk_*_with_history` build and
convert a model instance per row (and `bulk_update` one `CASE WHEN` per field and row): most of
the time of an import or a province's scan. Here, on PostgreSQL, new rows go in by one `COPY`
(ids reserved from the table's sequence first, so every object gets its pk), changed fields by one
`UPDATE … FROM unnest(…)`, and the history rows by one `INSERT … SELECT` from the rows just
written — the rows simple-history writes (`+` or `~`, the acting user, the change reason, the
same time for all). SQLite (the embedded default, small registries) inserts with `bulk_create`
and updates with `bulk_update`, and writes its history rows by the same `INSERT … SELECT` over
`json_each`. `tests/test_bulkwrite.py` compares both with simple-history's own writes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone

_HISTORY_OWN = {"history_id", "history_date", "history_change_reason", "history_type",
                "history_user_id"}


def _pg() -> bool:
    return connection.vendor == "postgresql"


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def ids_subquery(ids: Sequence[int], alias: str = "w") -> tuple[str, object]:
    """A subquery of the ids `ids` in their order (column `alias`, order column `n`) and the
    parameter it takes."""
    if _pg():
        return (f"unnest(%s::bigint[]) WITH ORDINALITY AS t({alias}, n)", list(ids))
    return (f"(SELECT value AS {alias}, key AS n FROM json_each(%s))", json.dumps(list(ids)))


def in_ids(ids: Sequence[int]):
    """`ids` as the right side of an `__in` lookup (`filter(pk__in=in_ids(ids))`): one array
    parameter (PostgreSQL) or one JSON text (SQLite) whatever their number, instead of a
    parameter per id (psycopg splits a query of 100,000 parameters for seconds; decision 97)."""
    from django.db.models.expressions import RawSQL

    sub, param = ids_subquery(list(ids))
    return RawSQL(f"SELECT w FROM {sub}", [param])


def _columns(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _value(field: models.Field, obj):
    value = getattr(obj, field.attname)
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False)
    return value


def _stamp(objs: Sequence[models.Model], fields, *, adding: bool) -> None:
    """The values `auto_now` / `auto_now_add` fields get on save."""
    now = timezone.now()
    for f in fields:
        if getattr(f, "auto_now", False) or (adding and getattr(f, "auto_now_add", False)):
            for o in objs:
                setattr(o, f.attname, now)


def insert(model, objs: Sequence[models.Model]) -> list[int]:
    """Insert the unsaved `objs`; each gets its pk. Returns the ids in the order of `objs`.
    No signals, no history (see `history`)."""
    if not objs:
        return []
    fields = _columns(model)
    _stamp(objs, fields, adding=True)
    if _pg():
        table = model._meta.db_table
        with connection.cursor() as cur:
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                        "FROM generate_series(1, %s)", [table, len(objs)])
            for o, (pk,) in zip(objs, cur.fetchall(), strict=True):
                o.pk = pk
            cols = ", ".join(["id", *(q(f.column) for f in fields)])
            with cur.cursor.copy(f"COPY {q(table)} ({cols}) FROM STDIN") as cp:
                for o in objs:
                    cp.write_row([o.pk, *(_value(f, o) for f in fields)])
    else:
        model.objects.bulk_create(objs, batch_size=2000)
    for o in objs:
        o._state.adding, o._state.db = False, "default"
    return [o.pk for o in objs]


def update(model, objs: Sequence[models.Model], names: Sequence[str]) -> None:
    """Write the fields `names` of the saved `objs` (their `auto_now` fields too). No signals,
    no history (see `history`)."""
    if not objs:
        return
    fields = [model._meta.get_field(n) for n in names]
    fields += [f for f in _columns(model) if getattr(f, "auto_now", False) and f not in fields]
    _stamp(objs, fields, adding=False)
    if not _pg():
        model.objects.bulk_update(objs, [f.name for f in fields], batch_size=500)
        return
    arrays = [[o.pk for o in objs]] + [[_value(f, o) for o in objs] for f in fields]
    types = ["bigint"] + ["jsonb" if isinstance(f, models.JSONField) else
                          f.rel_db_type(connection) if f.is_relation else f.db_type(connection)
                          for f in fields]
    names_sql = ["id"] + [f"c{i}" for i in range(len(fields))]
    unnest = ", ".join(f"%s::{t}[]" for t in types)
    sets = ", ".join(f"{q(f.column)} = v.c{i}" for i, f in enumerate(fields))
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {q(model._meta.db_table)} AS r SET {sets} FROM "
                    f"unnest({unnest}) AS v({', '.join(names_sql)}) WHERE r.id = v.id", arrays)


def history(model, ids: Sequence[int], *, kind: str, user, reason: str | None = None) -> None:
    """One history row per row of `ids` as it is now (`kind` '+' created, '~' changed), as
    simple-history writes it: the acting user, the change reason, one time for all."""
    if not ids:
        return
    hist = model.history.model
    cols = [f.column for f in hist._meta.concrete_fields if f.column not in _HISTORY_OWN]
    sub, param = ids_subquery(ids)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {q(hist._meta.db_table)} ({', '.join(q(c) for c in cols)}, "
            "history_date, history_change_reason, history_type, history_user_id) "
            f"SELECT {', '.join('r.' + q(c) for c in cols)}, %s, %s, %s, %s "
            f"FROM {sub} JOIN {q(model._meta.db_table)} r ON r.id = w ORDER BY n",
            [timezone.now(), reason, kind, getattr(user, "pk", None), param])
