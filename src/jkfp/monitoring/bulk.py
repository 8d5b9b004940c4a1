"""Writing many warnings at once (decision 67): the new warnings of a scan by one `COPY` on
PostgreSQL (`bulk_create` on SQLite), their history rows, `found` steps, push items, `push`
steps and the status change by `INSERT … SELECT` / `UPDATE` over a list of ids (an array on
PostgreSQL, `json_each` on SQLite) — a few statements whatever the number.

The ORM path (`bulk_create_with_history`, `bulk_create`) builds a model instance and converts
every field of every row in Python: 65 s of the 74 s of a province's first scan at 1,000,000
persons (107,223 new warnings; docs/benchmarks.md). The rows written here are the ones the ORM
path writes — the same columns, the same history rows (`+`, the acting user, no reason) and the
same steps: `tests/monitoring/test_bulk.py` compares the two row by row on both databases.
Other databases keep the ORM path.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from .models import PushItem, RiskWarning, WarningStatus, WarningStep

#: RiskWarning's columns in its history table (all but `evidence`, excluded from history)
_HISTORY_SKIP = {"evidence"}


def fast() -> bool:
    """Whether this database takes the set-based path."""
    return connection.vendor in ("postgresql", "sqlite")


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _ids(ids: Sequence[int], alias: str = "w") -> tuple[str, object]:
    """A subquery of the ids `ids` in their order (column `alias`, order column `n`) and its
    parameter."""
    if _pg():
        return (f"unnest(%s::bigint[]) WITH ORDINALITY AS t({alias}, n)", list(ids))
    return (f"(SELECT value AS {alias}, key AS n FROM json_each(%s))", json.dumps(list(ids)))


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(model) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _value(field, obj):
    value = getattr(obj, field.attname)
    if field.get_internal_type() == "JSONField":
        return json.dumps(value, ensure_ascii=False)
    return value


def insert_warnings(new: Sequence[RiskWarning], *, user) -> list[int]:
    """COPY the unsaved warnings `new` (ids reserved from the sequence first, so each gets its
    pk in order), then their history rows; returns the ids in the order of `new`."""
    if not new:
        return []
    now = timezone.now()
    table = RiskWarning._meta.db_table
    for w in new:
        w.created_at = now
    if _pg():
        with connection.cursor() as cur:
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                        "FROM generate_series(1, %s)", [table, len(new)])
            ids = [r[0] for r in cur.fetchall()]
            fields = _columns(RiskWarning)
            for w, pk in zip(new, ids, strict=True):
                w.pk = pk
            cols = ", ".join(["id", *(_q(f.column) for f in fields)])
            with cur.cursor.copy(f"COPY {_q(table)} ({cols}) FROM STDIN") as cp:
                for w in new:
                    cp.write_row([w.pk, *(_value(f, w) for f in fields)])
    else:
        RiskWarning.objects.bulk_create(new, batch_size=2000)
        ids = [w.pk for w in new]
    kept = [_q(f.column) for f in _columns(RiskWarning) if f.name not in _HISTORY_SKIP]
    hist = RiskWarning.history.model._meta.db_table
    sub, param = _ids(ids)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {_q(hist)} (id, {', '.join(kept)}, history_date, "
            f"history_change_reason, history_type, history_user_id) "
            f"SELECT r.id, {', '.join('r.' + c for c in kept)}, %s, NULL, '+', %s "
            f"FROM {sub} JOIN {_q(table)} r ON r.id = w ORDER BY n",
            [now, getattr(user, "pk", None), param])
    for w in new:
        w._state.adding, w._state.db = False, "default"
    return ids


def insert_steps(ids: Sequence[int], *, step: str, from_status: str, to_status: str, on_date,
                 comment: str, user) -> None:
    """One `WarningStep` per warning of `ids`, all alike, in the order of `ids`."""
    if not ids:
        return
    sub, param = _ids(ids)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {_q(WarningStep._meta.db_table)} "
            "(warning_id, step, from_status, to_status, on_date, comment, user_id, at) "
            f"SELECT w, %s, %s, %s, %s, %s, %s, %s FROM {sub} ORDER BY n",
            [step, from_status, to_status, on_date, comment, getattr(user, "pk", None),
             timezone.now(), param])


def insert_push_items(push_id: int, warning_ids: Sequence[int]) -> None:
    """The push's items (a warning already in the push is left alone)."""
    sub, param = _ids(warning_ids)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {_q(PushItem._meta.db_table)} (push_id, warning_id) "
            f"SELECT %s, w FROM {sub} WHERE true ORDER BY n ON CONFLICT DO NOTHING",
            [push_id, param])


def mark_pushed(ids: Sequence[int], *, on_date) -> None:
    """Status `pushed`, the push date and the next version for the warnings `ids`."""
    sub, param = _ids(ids)
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {_q(RiskWarning._meta.db_table)} SET status = %s, pushed_on = %s, "
            f"version = version + 1 WHERE id IN (SELECT w FROM {sub})",
            [WarningStatus.PUSHED, on_date, param])
